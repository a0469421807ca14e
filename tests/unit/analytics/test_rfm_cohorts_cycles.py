"""RFM, cohorts, purchase cycles and segments against tiny pandas references."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from keepwise.analytics import (
    CycleConfig,
    RFMConfig,
    churned_profile,
    cohort_matrix,
    cohort_report,
    cycles_report,
    load_dataset,
    rfm_report,
    segment_report,
    segment_summary,
)
from keepwise.i18n import gettext

AS_OF = date(2024, 11, 20)


def _completed(frames: dict[str, pd.DataFrame], as_of: date = AS_OF) -> pd.DataFrame:
    o = frames["orders"]
    o = o[(o["status"] == "completed") & (o["ordered_at"].dt.date <= as_of)].copy()
    o["day"] = (o["ordered_at"].dt.normalize() - pd.Timestamp("1970-01-01")).dt.days
    return o


def test_rfm_matches_pandas_reference(frames: dict[str, pd.DataFrame]) -> None:
    got = rfm_report(load_dataset(frames), as_of=AS_OF).set_index("customer_id").sort_index()
    o = _completed(frames)
    as_of_day = (pd.Timestamp(AS_OF) - pd.Timestamp("1970-01-01")).days
    recent = o[o["day"] > as_of_day - 365]
    ref = pd.DataFrame(
        {
            "recency_days": as_of_day - o.groupby("customer_id")["day"].max(),
            "frequency": recent.groupby("customer_id").size(),
            "monetary": recent.groupby("customer_id")["amount"].sum(),
        }
    ).fillna({"frequency": 0, "monetary": 0.0})
    n = len(ref)
    ref["r_score"] = (
        (ref["recency_days"].rank(method="min", ascending=False) - 1) * 5 // n + 1
    ).astype(int)
    ref["f_score"] = ((ref["frequency"].rank(method="min") - 1) * 5 // n + 1).astype(int)
    ref["m_score"] = ((ref["monetary"].rank(method="min") - 1) * 5 // n + 1).astype(int)
    ref = ref.sort_index()
    assert list(got.index) == list(ref.index)
    for c in ["recency_days", "frequency", "r_score", "f_score", "m_score"]:
        assert (got[c].to_numpy() == ref[c].to_numpy()).all(), c
    np.testing.assert_allclose(got["monetary"], ref["monetary"])
    assert got["r_score"].between(1, 5).all() and got["m_score"].between(1, 5).all()
    fit = (
        frames["customers"].set_index("customer_id")["industry_fit"].reindex(got.index).fillna(1.0)
    )
    np.testing.assert_allclose(
        got["weighted_score"], (got["r_score"] + got["f_score"] + got["m_score"]) / 3 * fit
    )
    assert got["segment_name"].map(lambda name: gettext(name, "zh_CN") != name).all()


def test_rfm_rules_and_named_segments() -> None:
    rows = []
    # Champion: recent, frequent, big; lost: one small order long ago; can't-lose: big and frequent, long ago.
    for k in range(6):
        rows.append(("champ", pd.Timestamp("2024-11-01") - pd.Timedelta(days=30 * k), 200_000.0))
        rows.append(("bigold", pd.Timestamp("2024-01-01") - pd.Timedelta(days=20 * k), 150_000.0))
    rows.append(("lost", pd.Timestamp("2023-01-05"), 10.0))
    for i in range(7):
        rows.append(
            (f"mid{i}", pd.Timestamp("2024-08-01") + pd.Timedelta(days=i), 1000.0 * (i + 1))
        )
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    df = rfm_report(
        load_dataset({"orders": orders}), as_of=AS_OF, config=RFMConfig(window_days=None)
    ).set_index("customer_id")
    assert df.loc["champ", "rule_code"] == "RFM"  # within 182 days, >= 3 orders, >= 500,000
    assert df.loc["lost", "rule_code"] == "rfm"
    assert (
        df.loc["champ", "segment"] == "champions" and df.loc["champ", "segment_name"] == "Champions"
    )
    assert gettext(df.loc["champ", "segment_name"], "zh_CN") == "冠军客户"
    assert (
        df.loc["lost", "segment"] == "lost"
        and gettext(df.loc["lost", "segment_name"], "zh") == "流失客户"
    )
    assert df.loc["bigold", "segment"] in ("cant_lose", "at_risk")
    summary = segment_summary(df.reset_index())
    assert summary["customers"].sum() == len(df) and summary["share"].sum() == pytest.approx(1.0)


def test_cohorts_match_pandas_reference(frames: dict[str, pd.DataFrame]) -> None:
    got = cohort_report(load_dataset(frames), as_of=AS_OF)
    o = _completed(frames)
    o["month"] = o["ordered_at"].dt.to_period("M")
    o["cohort"] = o.groupby("customer_id")["month"].transform("min")
    o["months_since"] = (o["month"] - o["cohort"]).apply(lambda x: x.n)
    cells = o.groupby(["cohort", "months_since"]).agg(
        active_customers=("customer_id", "nunique"), revenue=("amount", "sum")
    )
    size = cells.xs(0, level="months_since")
    cells = cells.join(size.add_prefix("c0_"), on="cohort").reset_index()
    assert len(got) == len(cells)
    assert list(got["active_customers"]) == list(cells["active_customers"])
    np.testing.assert_allclose(
        got["customer_retention"], cells["active_customers"] / cells["c0_active_customers"]
    )
    np.testing.assert_allclose(got["revenue_retention"], cells["revenue"] / cells["c0_revenue"])
    wide = cohort_matrix(got)
    assert (wide[0] == 1.0).all()


def test_cycles_match_pandas_reference(frames: dict[str, pd.DataFrame]) -> None:
    cfg = CycleConfig(z=1.0, lead_days=7)
    got = cycles_report(load_dataset(frames), as_of=AS_OF, config=cfg, industry_risk={"steel": 3.0})
    got = got.set_index("customer_id")
    o = _completed(frames)
    as_of_day = (pd.Timestamp(AS_OF) - pd.Timestamp("1970-01-01")).days
    cust = frames["customers"].set_index("customer_id")
    for cid, g in o.groupby("customer_id"):
        days = np.unique(g["day"].to_numpy())
        gaps = np.diff(days).astype(float)
        row = got.loc[cid]
        assert row.order_days == len(days) and row.intervals == len(gaps)
        if len(gaps) == 0:
            assert row.window_start is None and pd.isna(row.priority)
            continue
        mu = gaps.mean()
        sd = gaps.std(ddof=1) if len(gaps) > 1 else np.nan
        assert row.mean_interval_days == pytest.approx(mu)
        last = days[-1]
        start = max(int(np.floor(last + mu - cfg.z * np.nan_to_num(sd))), last + 1)
        end = int(np.ceil(last + mu + cfg.z * np.nan_to_num(sd)))
        epoch = pd.Timestamp("1970-01-01")
        assert row.window_start == (epoch + pd.Timedelta(days=start)).date()
        assert row.window_end == (epoch + pd.Timedelta(days=end)).date()
        assert row.follow_up_date == (epoch + pd.Timedelta(days=start - 7)).date()
        assert row.is_overdue == (as_of_day > end)
        risk = cust.loc[cid, "supply_chain_risk"]
        if pd.isna(risk):
            risk = 3.0 if cust.loc[cid, "industry"] == "steel" else 1.0
        assert row.supply_chain_risk == pytest.approx(risk)
        if len(gaps) > 1:
            assert row.cv == pytest.approx(sd / mu)
            assert row.priority == pytest.approx(sd / mu * risk)
    # Sorted by priority, highest first.
    p = got["priority"].dropna().to_numpy()
    assert (np.diff(p) <= 1e-12).all()


def test_segments_match_pandas_reference(frames: dict[str, pd.DataFrame]) -> None:
    seg = segment_report(
        load_dataset(frames), by=["industry", "tag", "frequency_band"], as_of=AS_OF
    )
    o = _completed(frames)
    as_of_day = (pd.Timestamp(AS_OF) - pd.Timestamp("1970-01-01")).days
    last = o.groupby("customer_id")["day"].max()
    churned = (last <= as_of_day - 180).astype(int).rename("churned")
    cust = frames["customers"].set_index("customer_id").reindex(churned.index)
    ind = cust["industry"].fillna("(missing)")
    ref = churned.groupby(ind).agg(["size", "sum"])
    got = seg[seg["dimension"] == "industry"].set_index("segment")
    assert got["customers"].to_dict() == ref["size"].to_dict()
    assert got["churned"].to_dict() == ref["sum"].to_dict()
    overall = churned.mean()
    np.testing.assert_allclose(got["lift"], got["churn_rate"] / overall)
    assert got["p_value"].between(0, 1).all()
    tags = seg[seg["dimension"] == "tag"]
    assert set(tags["segment"]) <= {"a", "b", "(missing)"}
    n_b = sum(
        1
        for c in churned.index
        if isinstance(cust.loc[c, "tags"], str) and "b" in cust.loc[c, "tags"].split(";")
    )
    assert int(tags.loc[tags["segment"] == "b", "customers"].iloc[0]) == n_b


def test_band_segments_come_in_their_natural_order() -> None:
    rows, notes = [], []
    for i in range(40):
        rows += [
            (f"c{i}", pd.Timestamp("2024-01-05") + pd.Timedelta(days=9 * k), 10.0 * i)
            for k in range(1 + i % 12)
        ]
        notes += [
            (f"c{i}", pd.Timestamp("2024-10-01") + pd.Timedelta(days=k)) for k in range(i % 8)
        ]
    frames = {
        "orders": pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"]),
        "interactions": pd.DataFrame(notes, columns=["customer_id", "occurred_at"]),
    }
    seg = segment_report(
        load_dataset(frames),
        by=["interaction_band", "frequency_band", "monetary_band"],
        as_of=AS_OF,
    )
    order = {d: list(g["segment"]) for d, g in seg.groupby("dimension", sort=False)}
    assert list(order) == ["interaction_band", "frequency_band", "monetary_band"]
    assert order["interaction_band"] == ["0", "1-2", "3-5", "6+"]
    assert order["frequency_band"] == ["1", "2", "3-5", "6-10", "11+"]
    assert order["monetary_band"] == ["Q1", "Q2", "Q3", "Q4"]


def test_churned_profile_names_the_over_represented_trait() -> None:
    rng = np.random.default_rng(0)
    rows, cust = [], []
    for i in range(400):
        industry = "steel" if i < 100 else "retail"
        # Steel customers mostly stopped buying a year ago; retail keep buying.
        stops = industry == "steel" and rng.random() < 0.8 or rng.random() < 0.1
        last = pd.Timestamp("2023-12-01") if stops else pd.Timestamp("2024-11-01")
        rows += [(f"c{i}", last - pd.Timedelta(days=40 * k), 100.0) for k in range(3)]
        cust.append((f"c{i}", industry, rng.choice(["north", "south"])))
    frames = {
        "orders": pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"]),
        "customers": pd.DataFrame(cust, columns=["customer_id", "industry", "region"]),
    }
    seg = segment_report(load_dataset(frames), by=["industry", "region"], as_of=AS_OF)
    profile = churned_profile(seg)
    assert profile.iloc[0]["dimension"] == "industry" and profile.iloc[0]["segment"] == "steel"
    assert profile.iloc[0]["lift"] > 2
    assert "region" not in set(profile["dimension"])  # no real difference there
    assert seg.loc[seg["dimension"] == "industry", "dimension_p_value"].iloc[0] < 1e-6


def test_cycles_worked_example_of_the_docs() -> None:
    days = ["2024-01-01", "2024-01-31", "2024-03-02", "2024-04-01"]
    orders = pd.DataFrame(
        {"customer_id": ["k"] * 4, "ordered_at": pd.to_datetime(days), "amount": 1.0}
    )
    customers = pd.DataFrame({"customer_id": ["k"], "industry": ["steel"]})
    ds = load_dataset({"orders": orders, "customers": customers})
    row = cycles_report(ds, as_of="2024-05-10", industry_risk={"steel": 2.0}).iloc[0]
    assert row.mean_interval_days == pytest.approx(30.333, abs=1e-3)
    assert row.std_interval_days == pytest.approx(0.577, abs=1e-3)
    assert row.predicted_next_date == date(2024, 5, 1)
    assert (row.window_start, row.window_end) == (date(2024, 4, 30), date(2024, 5, 2))
    assert row.follow_up_date == date(2024, 4, 23)
    assert row.is_overdue and row.days_overdue == 8
    assert row.priority == pytest.approx(0.0381, abs=1e-4)


def test_revenue_retention_worked_example_of_the_docs() -> None:
    from keepwise.analytics import revenue_report

    rows = [
        ("A", "2024-02-10", 100.0),
        ("B", "2024-02-11", 200.0),
        ("A", "2024-03-10", 150.0),
        ("B", "2024-03-11", 50.0),
    ]
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    orders["ordered_at"] = pd.to_datetime(orders["ordered_at"])
    df = revenue_report(load_dataset({"orders": orders}), freq="month", as_of="2024-03-31")
    march = df.set_index("period").loc["2024-03"]
    assert march.customers_start == 2
    assert march.net_revenue_retention == pytest.approx(200 / 300)
    assert march.gross_revenue_retention == pytest.approx(150 / 300)
