"""CLV's RFM summary, the early-warning rules and decision-chain penetration on DuckDB and Spark."""

from __future__ import annotations

import os
import shutil
from typing import Any

import numpy as np
import pandas as pd
import pytest

from keepwise.analytics import load_dataset, load_rules, rfm_summary, warning_scores
from keepwise.analytics.potential import decision_chain_penetration
from kw_testing import skip_or_fail

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]


AS_OF = "2024-06-30"


def _frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(11)
    n = 120
    ids = [f"c{i:03d}" for i in range(n)]
    start = pd.Timestamp("2023-01-01")

    def stamps(k: int, days: int) -> pd.Series:
        return start + pd.to_timedelta(rng.integers(0, days * 24 * 60, k), unit="min")

    orders = pd.DataFrame(
        {
            "customer_id": rng.choice(ids, 1500),
            "ordered_at": stamps(1500, 560),
            "amount": rng.gamma(2, 50, 1500).round(2),
        }
    )
    interactions = pd.DataFrame(
        {"customer_id": rng.choice(ids, 900), "occurred_at": stamps(900, 560)}
    )
    opened = stamps(400, 560)
    tickets = pd.DataFrame(
        {
            "customer_id": rng.choice(ids, 400),
            "opened_at": opened,
            "first_response_at": opened + pd.to_timedelta(rng.integers(1, 60, 400), unit="h"),
            "resolved_at": opened + pd.to_timedelta(rng.integers(60, 200, 400), unit="h"),
            "satisfaction": rng.integers(1, 6, 400).astype(float),
        }
    )
    feedback = pd.DataFrame(
        {
            "customer_id": rng.choice(ids, 200),
            "occurred_at": stamps(200, 560),
            "kind": rng.choice(["csat", "nps"], 200),
            "score": rng.integers(1, 6, 200).astype(float),
        }
    )
    contacts = pd.DataFrame(
        {
            "customer_id": rng.choice(ids, 300),
            "decision_weight": rng.uniform(0, 0.6, 300).round(2),
            "last_contacted_at": pd.Series(stamps(300, 560)).where(rng.random(300) < 0.7),
        }
    )
    return {
        "orders": orders,
        "interactions": interactions,
        "tickets": tickets,
        "feedback": feedback,
        "contacts": contacts,
    }


@pytest.fixture(scope="session")
def spark_con() -> Any:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_or_fail("pyspark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        skip_or_fail("Java (needed by Spark) is not installed")
    from keepwise.analytics.dataset import spark_backend

    return spark_backend()


def _everything(ds: Any) -> dict[str, pd.DataFrame]:
    return {
        "rfm": rfm_summary(ds.orders, calibration_end=AS_OF, time_unit="W")
        .to_pandas()
        .drop(columns="first_purchase"),
        "warnings": load_rules().evaluate(ds, as_of=AS_OF),
        "scores": warning_scores(ds, as_of=AS_OF),
        "penetration": decision_chain_penetration(
            ds.contacts, as_of=AS_OF, window_days=90
        ).to_pandas(),
    }


def test_duckdb_and_spark_agree(spark_con: Any) -> None:
    duck = _everything(load_dataset(_frames()))
    spark = _everything(load_dataset(_frames(), backend="pyspark", con=spark_con))
    assert len(duck["warnings"]) > 10 and set(duck["warnings"]["rule"]) >= {
        "slow_first_response",
        "order_drop",
    }
    for name, want in duck.items():
        got = spark[name]
        keys = [c for c in ("customer_id", "rule") if c in want.columns]
        want = want.sort_values(keys).reset_index(drop=True)
        got = got.sort_values(keys).reset_index(drop=True)
        assert list(got.columns) == list(want.columns), name
        assert len(got) == len(want), name
        for column in want.columns:
            if pd.api.types.is_numeric_dtype(want[column]):
                np.testing.assert_allclose(
                    got[column].astype(float),
                    want[column].astype(float),
                    rtol=1e-9,
                    err_msg=f"{name}.{column}",
                )
            else:
                assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), (
                    f"{name}.{column}"
                )
