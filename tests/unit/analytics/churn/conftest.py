"""Small synthetic fixtures for the churn model tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def messy_table(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """A snapshot table as exported by a real system: text numbers, Yes/No, blanks, ids.

    Churn depends on tenure (down), complaints (up), autopay (down), the discount (down)
    and the plan (monthly up).
    """
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, n)
    spend = rng.gamma(2.0, 600.0, n)
    discount = rng.integers(0, 30, n)
    complaint = rng.random(n) < 0.25
    autopay = rng.random(n) < 0.5
    plan = rng.choice(["Monthly", "Annual", "Two year"], n, p=[0.5, 0.3, 0.2])
    city = rng.choice([f"City{i:03d}" for i in range(300)], n)
    logit = (
        -0.5
        - 0.05 * tenure
        + 1.6 * complaint
        - 0.9 * autopay
        - 0.04 * discount
        + np.where(plan == "Monthly", 1.2, np.where(plan == "Annual", -0.3, -1.0))
    )
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))
    df = pd.DataFrame(
        {
            "Customer ID": [f"C{i:05d}" for i in range(n)],
            "Tenure (months)": tenure.astype(str),
            "Monthly Spend": [f"${v:,.2f}" for v in spend],
            "Discount": [f"{d}%" for d in discount],
            "Has Complaint": np.where(complaint, "Yes", "No"),
            "AutoPay": np.where(autopay, "TRUE", "FALSE"),
            "Plan": plan,
            "City": city,
            "Notes": [f"free text {i}" for i in range(n)],
            "Constant": "x",
            "Churn": np.where(churn, "Yes", "No"),
        }
    )
    # blanks in several forms
    for col, token in (
        ("Tenure (months)", ""),
        ("Monthly Spend", "N/A"),
        ("Plan", " "),
        ("AutoPay", None),
    ):
        idx = rng.choice(n, size=n // 20, replace=False)
        df.loc[idx, col] = token
    return df


@pytest.fixture
def messy() -> pd.DataFrame:
    return messy_table()


@pytest.fixture
def make_messy():  # type: ignore[no-untyped-def]
    return messy_table
