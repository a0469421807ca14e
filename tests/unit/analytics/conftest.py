"""Small random datasets for the analytics differential tests (fixed seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def random_frames(seed: int, *, customers: int = 60, orders: int = 700) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = [f"c{i:03d}" for i in range(customers)]
    cust = pd.DataFrame(
        {
            "customer_id": ids,
            "industry": rng.choice(["retail", "steel", None], customers),
            "region": rng.choice(["north", "south"], customers),
            "tags": rng.choice(["a;b", "b", "", None], customers),
            "industry_fit": rng.uniform(0.5, 1.5, customers),
            "supply_chain_risk": np.where(rng.random(customers) < 0.5, np.nan, 2.0),
        }
    )
    # Customers buy at their own pace, some stop early: realistic gaps and churn.
    cid = rng.integers(0, customers, orders)
    minutes = rng.integers(0, 720 * 24 * 60, orders)
    stop = rng.integers(200, 720, customers)
    minutes = np.minimum(minutes, stop[cid] * 24 * 60)
    o = pd.DataFrame(
        {
            "customer_id": [ids[i] for i in cid],
            "ordered_at": pd.Timestamp("2023-01-01") + pd.to_timedelta(minutes, unit="min"),
            "amount": rng.gamma(2.0, 100.0, orders).round(2),
            "status": rng.choice(["completed"] * 5 + ["refunded"], orders),
        }
    )
    inter = pd.DataFrame(
        {
            "customer_id": [ids[i] for i in rng.integers(0, customers, 300)],
            "occurred_at": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 360, 300), unit="D"),
        }
    )
    return {"orders": o, "customers": cust, "interactions": inter}


@pytest.fixture(params=[1, 2, 3])
def frames(request: pytest.FixtureRequest) -> dict[str, pd.DataFrame]:
    return random_frames(request.param)
