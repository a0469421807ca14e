"""Period churn, retention and revenue retention: worked examples and pandas references."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from keepwise.analytics import ActivityConfig, churn_report, load_dataset, revenue_report
from keepwise.errors import ConfigError, NotFoundError, SchemaError

# -- the source documents' worked examples, on data built for them ---------------------------


def _monthly(
    customer: str, first: str, last: str, amount: float = 100.0
) -> list[tuple[str, pd.Timestamp, float]]:
    days = pd.date_range(first, last, freq="MS") + pd.Timedelta(days=9)
    return [(customer, d, amount) for d in days if d <= pd.Timestamp(last)]


def _quarter_data(*, start: int, churn: int, new: int) -> pd.DataFrame:
    """`start` customers buying monthly before 2024-Q2; `churn` of them stop buying in 2023-10
    (so their 180-day window runs out inside Q2); `new` customers first buy in May 2024."""
    rows = []
    for i in range(start):
        last = "2023-10-31" if i < churn else "2024-06-30"
        rows += _monthly(f"s{i}", "2023-07-01", last)
    for i in range(new):
        rows += _monthly(f"n{i}", "2024-05-01", "2024-06-30")
    return pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])


def _q2(orders: pd.DataFrame, customers: pd.DataFrame | None = None) -> pd.Series:
    frames = {"orders": orders} if customers is None else {"orders": orders, "customers": customers}
    df = churn_report(load_dataset(frames), freq="quarter", start="2024-04-01", as_of="2024-06-30")
    assert list(df["period"]) == ["2024-Q2"]
    return df.iloc[0]


def test_churn_ten_percent_of_a_thousand() -> None:
    row = _q2(_quarter_data(start=1000, churn=100, new=0))
    assert (row.customers_start, row.customers_new, row.customers_end) == (1000, 0, 900)
    assert row.customers_churned == 100
    assert row.churn_rate == pytest.approx(0.10)
    assert row.net_churn_rate == pytest.approx(0.10)  # (1000 - 900) / 1000


def test_retention_ninety_percent_with_new_customers() -> None:
    row = _q2(_quarter_data(start=1000, churn=100, new=300))
    assert (row.customers_start, row.customers_new, row.customers_end) == (1000, 300, 1200)
    assert row.retention_rate == pytest.approx(0.90)  # (1200 - 300) / 1000
    # The naive net formula hides the churn when new customers join: (1000 - 1200) / 1000.
    assert row.net_churn_rate == pytest.approx(-0.20)
    assert row.churn_rate == pytest.approx(0.10)


def test_eight_hundred_of_a_thousand_still_active() -> None:
    row = _q2(_quarter_data(start=1000, churn=200, new=50))
    assert row.customers_retained == 800
    assert row.survival_rate == pytest.approx(0.80)


def test_worked_examples_with_contracts() -> None:
    # Contractual customers: active while under contract, whatever they order.
    n = 1000
    ends = [date(2024, 5, 15) if i < 100 else None for i in range(n)]
    customers = pd.DataFrame(
        {
            "customer_id": [f"k{i}" for i in range(n)],
            "contract_start": [date(2023, 1, 1)] * n,
            "contract_end": ends,
        }
    )
    orders = pd.DataFrame(
        {"customer_id": ["k0"], "ordered_at": [pd.Timestamp("2023-02-01")], "amount": [1.0]}
    )
    row = _q2(orders, customers)
    assert (row.customers_start, row.customers_end, row.customers_churned) == (1000, 900, 100)
    assert row.churn_rate == pytest.approx(0.10)


# -- pandas reference ---------------------------------------------------------------------------


def _periods(first: date, as_of: date) -> list[tuple[date, date]]:
    out, cur = [], date(first.year, first.month, 1)
    while cur <= as_of:
        nxt = date(cur.year + cur.month // 12, cur.month % 12 + 1, 1)
        out.append((cur, min(nxt - timedelta(days=1), as_of)))
        cur = nxt
    return out


def _reference_churn(
    orders: pd.DataFrame, window: int, as_of: date, *, adaptive: bool = False
) -> pd.DataFrame:
    o = orders[orders["status"] == "completed"].copy()
    o["day"] = o["ordered_at"].dt.date
    o = o[o["day"] <= as_of]
    days = {c: sorted(set(g["day"])) for c, g in o.groupby("customer_id")}
    windows = {c: window for c in days}
    if adaptive:  # max(ceil(3 x median gap), 30) with at least 3 order days
        for c, ds in days.items():
            if len(ds) >= 3:
                gaps = np.diff([d.toordinal() for d in ds])
                windows[c] = max(int(np.ceil(3 * np.median(gaps))), 30)

    def active(c: str, d: date) -> bool:
        return any(d - timedelta(days=windows[c]) < t <= d for t in days[c])

    rows = []
    for start, end in _periods(o["day"].min(), as_of):
        s0 = start - timedelta(days=1)
        at_start = {c for c in days if active(c, s0)}
        at_end = {c for c in days if active(c, end)}
        new = {c for c in days if start <= days[c][0] <= end}
        rows.append(
            {
                "period_start": start,
                "customers_start": len(at_start),
                "customers_new": len(new),
                "customers_churned": len(at_start - at_end),
                "customers_end": len(at_end),
                "customers_retained": len(at_start & at_end),
                "customers_reactivated": len(at_end - at_start - new),
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("window", [30, 90, 180])
def test_period_churn_matches_pandas_reference(
    frames: dict[str, pd.DataFrame], window: int
) -> None:
    as_of = date(2024, 11, 20)
    got = churn_report(
        load_dataset({"orders": frames["orders"]}),
        freq="month",
        as_of=as_of,
        activity=ActivityConfig(window_days=window),
    )
    want = _reference_churn(frames["orders"], window, as_of)
    cols = list(want.columns)
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), want, check_dtype=False)
    start = got["customers_start"].replace(0, np.nan)
    np.testing.assert_allclose(got["churn_rate"], got["customers_churned"] / start)
    np.testing.assert_allclose(
        got["retention_rate"], (got["customers_end"] - got["customers_new"]) / start
    )
    # Consecutive periods chain: the end of one is the start of the next.
    assert (
        got["customers_end"].iloc[:-1].to_numpy() == got["customers_start"].iloc[1:].to_numpy()
    ).all()


def test_adaptive_churn_matches_pandas_reference(frames: dict[str, pd.DataFrame]) -> None:
    as_of = date(2024, 11, 20)
    got = churn_report(
        load_dataset({"orders": frames["orders"]}),
        freq="month",
        as_of=as_of,
        activity=ActivityConfig(adaptive=True),
    )
    want = _reference_churn(frames["orders"], 180, as_of, adaptive=True)
    pd.testing.assert_frame_equal(
        got[list(want.columns)].reset_index(drop=True), want, check_dtype=False
    )


@pytest.mark.parametrize("window", [30, 180])
def test_revenue_retention_matches_pandas_reference(
    frames: dict[str, pd.DataFrame], window: int
) -> None:
    as_of = date(2024, 11, 20)
    ds = load_dataset({"orders": frames["orders"]})
    got = revenue_report(ds, freq="month", as_of=as_of, activity=ActivityConfig(window_days=window))
    o = frames["orders"]
    o = o[(o["status"] == "completed") & (o["ordered_at"].dt.date <= as_of)].copy()
    o["month"] = o["ordered_at"].dt.to_period("M")
    rev = o.groupby(["customer_id", "month"])["amount"].sum()
    ref = _reference_churn(frames["orders"], window, as_of)
    days = {c: sorted(set(g["ordered_at"].dt.date)) for c, g in o.groupby("customer_id")}
    for row, ref_row in zip(got.itertuples(), ref.itertuples(), strict=True):
        s0 = row.period_start - timedelta(days=1)
        starters = [c for c in days if any(s0 - timedelta(days=window) < t <= s0 for t in days[c])]
        month = pd.Period(row.period_start, "M")
        new = [c for c in days if row.period_start <= days[c][0] <= row.period_end]
        assert row.revenue_new == pytest.approx(sum(rev.get((c, month), 0.0) for c in new))
        cur = np.array([rev.get((c, month), 0.0) for c in starters])
        prev = np.array([rev.get((c, month - 1), 0.0) for c in starters])
        assert row.customers_start == ref_row.customers_start == len(starters)
        assert row.revenue == pytest.approx(o.loc[o["month"] == month, "amount"].sum())
        assert row.revenue_start_prev == pytest.approx(prev.sum())
        assert row.revenue_start == pytest.approx(cur.sum())
        if prev.sum() > 0:
            assert row.net_revenue_retention == pytest.approx(cur.sum() / prev.sum())
            assert row.gross_revenue_retention == pytest.approx(
                np.minimum(cur, prev).sum() / prev.sum()
            )
            assert row.gross_revenue_retention <= 1.0 + 1e-12
        else:
            assert pd.isna(row.net_revenue_retention)


def test_adaptive_window_follows_each_customers_cycle() -> None:
    # A weekly buyer silent for 60 days is churned under the adaptive window (3 x 7 = 21 < 30
    # floor -> 30 days) but still active under the fixed 180-day window.
    rows = [("w", pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * k), 10.0) for k in range(10)]
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    ds = load_dataset({"orders": orders})
    fixed = churn_report(ds, freq="month", as_of="2024-05-31")
    adaptive = churn_report(
        ds, freq="month", as_of="2024-05-31", activity=ActivityConfig(adaptive=True)
    )
    assert fixed["customers_end"].iloc[-1] == 1
    assert adaptive["customers_end"].iloc[-1] == 0
    assert adaptive["customers_churned"].sum() == 1


def test_quarter_and_year_periods() -> None:
    orders = _quarter_data(start=10, churn=2, new=3)
    ds = load_dataset({"orders": orders})
    q = churn_report(ds, freq="quarter", as_of="2024-06-30")
    y = churn_report(ds, freq="year", as_of="2024-06-30")
    assert list(q["period"]) == ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]
    assert list(y["period"]) == ["2023", "2024"]
    assert not y["is_complete"].iloc[-1] and y["period_end"].iloc[-1] == date(2024, 6, 30)


def test_bad_inputs_raise_helpful_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaError, match="'amount'"):
        load_dataset(
            {
                "orders": pd.DataFrame(
                    {"customer_id": ["a"], "ordered_at": [pd.Timestamp("2024-01-01")]}
                )
            }
        )
    with pytest.raises(NotFoundError, match="orders"):
        load_dataset(tmp_path)
    ds = load_dataset({"orders": _quarter_data(start=2, churn=0, new=0)})
    with pytest.raises(ConfigError, match="period"):
        churn_report(ds, freq="week")
    with pytest.raises(ConfigError, match="window_days"):
        ActivityConfig(window_days=0)
