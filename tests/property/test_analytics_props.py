"""Invariants of the retention metrics on arbitrary small order histories (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.analytics import ActivityConfig, churn_report, cohort_report, load_dataset, rfm_report
from keepwise.analytics.metrics import CHURN_COLUMNS

AS_OF = date(2024, 12, 31)


@st.composite
def order_histories(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=40))
    customers = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 730), min_size=n, max_size=n))
    amounts = draw(st.lists(st.floats(0, 1000, allow_nan=False), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "customer_id": [f"c{c}" for c in customers],
            "ordered_at": [pd.Timestamp(date(2023, 1, 1) + timedelta(days=d)) for d in days],
            "amount": amounts,
        }
    )


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(order_histories(), st.sampled_from([30, 90, 180]), st.sampled_from(["month", "quarter"]))
def test_period_churn_invariants(orders: pd.DataFrame, window: int, freq: str) -> None:
    df = churn_report(
        load_dataset({"orders": orders}),
        freq=freq,
        as_of=AS_OF,
        activity=ActivityConfig(window_days=window),
    )
    assert (
        df["customers_end"].iloc[:-1].to_numpy() == df["customers_start"].iloc[1:].to_numpy()
    ).all()
    assert (df["customers_start"] - df["customers_churned"] == df["customers_retained"]).all()
    joined_and_stayed = df["customers_end"] - df["customers_retained"] - df["customers_reactivated"]
    assert (joined_and_stayed >= 0).all() and (joined_and_stayed <= df["customers_new"]).all()
    assert df["customers_new"].sum() == orders["customer_id"].nunique()
    rates = df["churn_rate"].dropna()
    assert ((rates >= 0) & (rates <= 1)).all()
    np.testing.assert_allclose(df["churn_rate"].dropna() + df["survival_rate"].dropna(), 1.0)


@SETTINGS
@given(order_histories())
def test_rfm_and_cohort_invariants(orders: pd.DataFrame) -> None:
    ds = load_dataset({"orders": orders})
    rfm = rfm_report(ds, as_of=AS_OF)
    assert len(rfm) == orders["customer_id"].nunique()
    for c in ("r_score", "f_score", "m_score"):
        assert rfm[c].between(1, 5).all()
    assert (rfm["recency_days"] >= 0).all() and (rfm["recency_days"] <= rfm["tenure_days"]).all()
    assert (rfm["frequency"] <= rfm["orders_total"]).all()
    cohorts = cohort_report(ds, as_of=AS_OF)
    first = cohorts[cohorts["months_since"] == 0]
    assert (first["customer_retention"] == 1.0).all()
    assert first["cohort_customers"].sum() == orders["customer_id"].nunique()
    assert ((cohorts["customer_retention"] > 0) & (cohorts["customer_retention"] <= 1)).all()


def _brute_force_churn(
    orders: pd.DataFrame, window: int, periods: pd.DataFrame
) -> dict[str, list[int]]:
    """Every count of the churn report from day-by-day activity: active on d when an order
    falls in (d - window, d]."""
    days = {
        c: sorted({t.date() for t in g["ordered_at"]}) for c, g in orders.groupby("customer_id")
    }

    def active(c: str, d: date) -> bool:
        return any(d - timedelta(days=window) < t <= d for t in days[c])

    out: dict[str, list[int]] = {k: [] for k in COUNTS}
    for p_start, p_end in zip(periods["period_start"], periods["period_end"], strict=True):
        s0 = p_start - timedelta(days=1)
        at_start = {c for c in days if active(c, s0)}
        at_end = {c for c in days if active(c, p_end)}
        new = {c for c in days if p_start <= days[c][0] <= p_end}
        span = [s0 + timedelta(days=k) for k in range((p_end - s0).days)]
        ends = sum(
            active(c, d) and not active(c, d + timedelta(days=1)) for c in days for d in span
        )
        out["customers_start"].append(len(at_start))
        out["customers_new"].append(len(new))
        out["customers_churned"].append(len(at_start - at_end))
        out["customers_reactivated"].append(len(at_end - at_start - new))
        out["customers_end"].append(len(at_end))
        out["customers_retained"].append(len(at_start & at_end))
        out["churn_events"].append(ends)
    return out


COUNTS = tuple(c for c in CHURN_COLUMNS if c.startswith("customers_") or c == "churn_events")


@SETTINGS
@given(
    order_histories(),
    st.sampled_from([1, 7, 20, 45, 180]),
    st.sampled_from(["month", "quarter"]),
    st.sampled_from([None, "2023-06-15"]),
)
def test_period_churn_equals_day_by_day_activity(
    orders: pd.DataFrame, window: int, freq: str, start: str | None
) -> None:
    """Short windows give several spells per customer inside one period, long ones spells over
    many periods: the counts must equal a day-by-day recount either way."""
    df = churn_report(
        load_dataset({"orders": orders}),
        freq=freq,
        start=start,
        as_of=AS_OF,
        activity=ActivityConfig(window_days=window),
    )
    want = _brute_force_churn(orders, window, df)
    for column in COUNTS:
        assert df[column].tolist() == want[column], column
