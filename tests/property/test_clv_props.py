"""Invariants of the RFM summary and the BG/NBD predictions on random transactions."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwise.analytics.clv import BetaGeoModel, rfm_summary

END = dt.date(2024, 6, 30)


@st.composite
def transactions(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    customers = draw(st.lists(st.sampled_from(list("abcdefgh")), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    amounts = draw(st.lists(st.floats(0, 1000, allow_nan=False), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "customer_id": customers,
            "ordered_at": [
                pd.Timestamp("2023-06-01") + pd.Timedelta(days=d, hours=d % 24) for d in days
            ],
            "amount": amounts,
        }
    )


@settings(max_examples=40, deadline=None)
@given(transactions(), st.sampled_from(["D", "W", "M"]))
def test_rfm_invariants(tx: pd.DataFrame, unit: str) -> None:
    rfm = rfm_summary(ibis.memtable(tx), calibration_end=END, time_unit=unit).to_pandas()
    kept = tx[tx.ordered_at.dt.date <= END]
    assert sorted(rfm["customer_id"]) == sorted(kept["customer_id"].unique())
    assert (rfm["frequency"] >= 0).all() and (rfm["recency"] >= 0).all()
    assert (rfm["recency"] <= rfm["T"] + 1e-12).all()
    assert ((rfm["frequency"] > 0) | (rfm["recency"] == 0)).all()
    days = kept.assign(day=kept.ordered_at.dt.date).groupby("customer_id")["day"].nunique()
    assert (rfm.set_index("customer_id")["frequency"] == days - 1).all()
    assert (rfm["monetary_value"] >= 0).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_bgnbd_predictions_are_bounded(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    T = rng.uniform(10, 40, n)
    freq = rng.poisson(1.5, n) * (rng.random(n) < 0.6)
    rec = np.where(freq > 0, T * rng.uniform(0, 1, n), 0.0)
    rfm = pd.DataFrame({"frequency": freq, "recency": rec, "T": T})
    model = BetaGeoModel(penalizer=0.001).fit(rfm)
    alive = model.probability_alive(rfm)
    assert ((alive >= 0) & (alive <= 1)).all()
    short = model.expected_purchases(rfm, horizon=4)
    long = model.expected_purchases(rfm, horizon=40)
    assert (short >= 0).all() and (long >= short - 1e-9).all()
