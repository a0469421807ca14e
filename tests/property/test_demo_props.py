"""Invariants of the demo company for any size, kind, seed and end date."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.demo import DATA_FILES, generate


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    customers=st.integers(1, 80),
    kind=st.sampled_from(["b2c", "b2b"]),
    seed=st.integers(0, 2**32 - 1),
    years=st.integers(1, 3),
    end=st.dates(date(2020, 1, 1), date(2026, 6, 30)),
)
def test_demo_invariants(customers: int, kind: str, seed: int, years: int, end: date) -> None:
    with tempfile.TemporaryDirectory() as folder:
        summary = generate(
            folder, customers=customers, kind=kind, seed=seed, years=years, end_date=end
        )
        frames = {
            n: pd.read_csv(p, dtype={"customer_id": str, "external_id": str})
            for n, p in summary.files.items()
        }
        truth = pd.read_csv(
            summary.ground_truth, dtype={"customer_id": str}, parse_dates=["churned_at"]
        )
    assert summary.end_date == end
    assert summary.start_date.day == 1 and summary.start_date > end - timedelta(days=366 * years)
    customers_ = frames["customers"].set_index("customer_id")
    assert len(customers_) == customers and customers_.index.is_unique
    assert list(truth["customer_id"]) == list(customers_.index)
    acquired = pd.to_datetime(customers_["acquired_at"])
    after_end = pd.Timestamp(end) + pd.Timedelta(days=1)
    assert acquired.between(pd.Timestamp(summary.start_date), after_end, inclusive="left").all()
    churned_at = truth.set_index("customer_id")["churned_at"]
    assert (churned_at.dropna() < after_end).all()
    assert (churned_at.dropna() > acquired[churned_at.dropna().index]).all()
    time_columns = {
        "orders": "ordered_at",
        "interactions": "occurred_at",
        "tickets": "opened_at",
        "feedback": "occurred_at",
    }
    for name in DATA_FILES:
        frame = frames[name]
        assert len(frame) == summary.row_counts[name]
        if name == "customers" or frame.empty:
            continue
        assert frame["external_id"].is_unique
        assert frame["customer_id"].isin(customers_.index).all()
        if name in time_columns:
            when = pd.to_datetime(frame[time_columns[name]])
            assert (when < after_end).all()
            assert (when >= acquired.loc[frame["customer_id"]].to_numpy()).all()
            stop = churned_at.loc[frame["customer_id"]].to_numpy()
            gone = ~pd.isna(stop)
            assert (when[gone] < stop[gone]).all(), f"{name} after churn"
    assert (frames["orders"]["amount"] > 0).all()
    assert len(frames["orders"]) >= customers  # everybody has a first order
