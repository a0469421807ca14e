"""Transaction-mode features and labels: leakage, hand-checked values, labels."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from keepwise.analytics.churn.features import features_frame, population
from keepwise.analytics.churn.labels import churn_labels, label_cutoffs, parse_horizon
from keepwise.analytics.dataset import load_dataset
from keepwise.errors import ConfigError

CUTOFF = "2025-06-30"
END = pd.Timestamp("2025-07-01")  # everything before this instant is known at the cutoff


def tiny_company(seed: int = 0, n: int = 60) -> dict[str, pd.DataFrame]:
    """Orders, tickets, notes, feedback and contacts spread over 2024-2025."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:03d}" for i in range(n)]
    start = pd.Timestamp("2024-01-01")
    orders, inter, tickets, fb, contacts = [], [], [], [], []
    for k, cid in enumerate(ids):
        gap = rng.integers(10, 80)
        stop = start + pd.Timedelta(days=int(rng.integers(200, 700)))
        t = start + pd.Timedelta(days=int(rng.integers(0, 60)))
        while t < stop:
            orders.append((f"O{len(orders)}", cid, t, float(rng.gamma(2, 50)), "completed"))
            t += pd.Timedelta(days=int(gap), hours=int(rng.integers(0, 24)))
        for j in range(6):
            at = start + pd.Timedelta(
                days=int(rng.integers(0, 640)), hours=int(rng.integers(0, 24))
            )
            inter.append(
                (
                    f"I{len(inter)}",
                    cid,
                    at,
                    "call",
                    "inbound" if j % 2 else "outbound",
                    rng.choice(
                        [
                            "价格太高，考虑换供应商",
                            "合作愉快，客户很满意",
                            "delivery was late again",
                            "great service",
                        ]
                    ),
                )
            )
            opened = start + pd.Timedelta(days=int(rng.integers(0, 640)))
            tickets.append(
                (
                    f"T{len(tickets)}",
                    cid,
                    opened,
                    opened + pd.Timedelta(hours=float(rng.gamma(2, 10))),
                    opened + pd.Timedelta(days=3),
                    float(rng.integers(1, 6)),
                )
            )
            fb.append(
                (
                    f"F{len(fb)}",
                    cid,
                    start + pd.Timedelta(days=int(rng.integers(0, 640))),
                    "nps",
                    float(rng.integers(0, 11)),
                    rng.choice(["很满意", "too expensive"]),
                )
            )
        contacts.append(
            (f"P{k}", cid, "CTO", 0.6, start + pd.Timedelta(days=int(rng.integers(300, 640))))
        )
        contacts.append(
            (f"Q{k}", cid, "buyer", 0.4, start + pd.Timedelta(days=int(rng.integers(300, 640))))
        )
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "kind": "B2B",
            "industry": rng.choice(["制造业", "金融"], n),
            "region": rng.choice(["华东", "华北"], n),
            "acquisition_channel": "展会",
            "acquired_at": start.date(),
            "status": "active",
            "contract_end": [None] * (n - 5) + [pd.Timestamp("2025-08-15").date()] * 5,
        }
    )
    return {
        "customers": customers,
        "orders": pd.DataFrame(
            orders, columns=["external_id", "customer_id", "ordered_at", "amount", "status"]
        ),
        "interactions": pd.DataFrame(
            inter,
            columns=["external_id", "customer_id", "occurred_at", "channel", "direction", "note"],
        ),
        "tickets": pd.DataFrame(
            tickets,
            columns=[
                "external_id",
                "customer_id",
                "opened_at",
                "first_response_at",
                "resolved_at",
                "satisfaction",
            ],
        ),
        "feedback": pd.DataFrame(
            fb, columns=["external_id", "customer_id", "occurred_at", "kind", "score", "comment"]
        ),
        "contacts": pd.DataFrame(
            contacts,
            columns=["external_id", "customer_id", "role", "decision_weight", "last_contacted_at"],
        ),
    }


def perturb_after_cutoff(data: dict[str, pd.DataFrame], seed: int = 1) -> dict[str, pd.DataFrame]:
    """Rewrite everything dated after the cutoff: amounts, new orders, notes, tickets, responses."""
    rng = np.random.default_rng(seed)
    d = {k: v.copy() for k, v in data.items()}
    o = d["orders"]
    late = o["ordered_at"] >= END
    o.loc[late, "amount"] = o.loc[late, "amount"] * 10 + 1
    o.loc[late, "ordered_at"] = o.loc[late, "ordered_at"] + pd.Timedelta(days=3)
    extra = o[late].head(20).copy()
    extra["external_id"] = "X" + extra["external_id"]
    extra2 = o.head(30).copy()  # new orders after the cutoff for customers that had none
    extra2["external_id"] = "Y" + extra2["external_id"]
    extra2["ordered_at"] = END + pd.Timedelta(days=5)
    d["orders"] = pd.concat(
        [o.drop(o[late].sample(frac=0.5, random_state=seed).index), extra, extra2],
        ignore_index=True,
    )
    i = d["interactions"]
    late = i["occurred_at"] >= END
    i.loc[late, "note"] = "客户投诉，准备取消合作"
    i.loc[late, "direction"] = "outbound"
    i.loc[late, "occurred_at"] = i.loc[late, "occurred_at"] + pd.Timedelta(days=2)
    t = d["tickets"]
    late = t["opened_at"] >= END
    t.loc[late, "first_response_at"] = t.loc[late, "opened_at"] + pd.Timedelta(hours=100)
    t.loc[late, "satisfaction"] = 1.0
    # tickets opened before but answered / resolved after the cutoff: change those later times
    pending = (t["opened_at"] < END) & (t["first_response_at"] >= END)
    t.loc[pending, "first_response_at"] = t.loc[pending, "first_response_at"] + pd.Timedelta(days=9)
    unresolved = (t["opened_at"] < END) & (t["resolved_at"] >= END)
    t.loc[unresolved, "resolved_at"] = t.loc[unresolved, "resolved_at"] + pd.Timedelta(days=30)
    t.loc[unresolved, "satisfaction"] = float(rng.integers(1, 6))
    f = d["feedback"]
    late = f["occurred_at"] >= END
    f.loc[late, "score"] = 0.0
    f.loc[late, "comment"] = "terrible, switching to a competitor"
    d["feedback"] = f.drop(f[late].sample(frac=0.5, random_state=seed).index)
    c = d["contacts"]
    late = c["last_contacted_at"] >= END
    c.loc[late, "last_contacted_at"] = c.loc[late, "last_contacted_at"] + pd.Timedelta(days=11)
    return d


def test_no_leakage_changing_all_data_after_the_cutoff_keeps_features() -> None:
    data = tiny_company()
    before = features_frame(load_dataset(data), CUTOFF)
    changed = perturb_after_cutoff(data)
    assert not changed["orders"].equals(data["orders"])  # the perturbation did change the data
    after = features_frame(load_dataset(changed), CUTOFF)
    assert len(before) > 20
    activity = ["days_since_activity", "activity_overdue", "activity_silence", "order_silence"]
    activity += ["days_since_ticket", "days_since_feedback", "events_total", "interactions_180d"]
    assert set(activity) <= set(before.columns)
    pd.testing.assert_frame_equal(before, after)
    # ... while the same change before the cutoff does move the features
    moved = {k: v.copy() for k, v in data.items()}
    moved["orders"]["amount"] = moved["orders"]["amount"] * 2
    assert not features_frame(load_dataset(moved), CUTOFF)["monetary"].equals(before["monetary"])


def test_feature_values_by_hand() -> None:
    data = {
        "orders": pd.DataFrame(
            {
                "customer_id": ["A"] * 5 + ["B"],
                "ordered_at": pd.to_datetime(
                    [
                        "2025-01-01",
                        "2025-02-01",
                        "2025-03-01",
                        "2025-06-01",
                        "2025-06-20",
                        "2025-06-30 23:00",
                    ],
                    format="ISO8601",
                ),
                "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 5.0],
            }
        ),
        "tickets": pd.DataFrame(
            {
                "customer_id": ["A", "A", "A"],
                "opened_at": pd.to_datetime(
                    ["2025-06-01 00:00", "2025-06-10 00:00", "2025-06-30 12:00"]
                ),
                "first_response_at": pd.to_datetime(
                    ["2025-06-01 02:00", "2025-06-12 06:00", "2025-07-05 00:00"]
                ),
                "resolved_at": pd.to_datetime(["2025-06-02", "2025-06-13", None]),
                "satisfaction": [5.0, 1.0, 3.0],
            }
        ),
    }
    f = features_frame(load_dataset(data), CUTOFF, sentiment=False).set_index("customer_id")
    a = f.loc["A"]
    assert a["frequency"] == 5 and a["monetary"] == 150
    assert (
        a["orders_90d"] == 2 and a["orders_prev_90d"] == 2
    )  # Apr-Jun vs Jan-Mar (Jan 1 is 181 days back)
    assert a["recency_days"] == pytest.approx(11.0)
    assert a["mean_interval_days"] == pytest.approx(
        (datetime(2025, 6, 20) - datetime(2025, 1, 1)).days / 4
    )
    assert a["tickets_90d"] == 3 and a["open_tickets"] == 1
    # third ticket: opened 12:00 on the cutoff day, answered after it -> waited 12 h so far
    assert a["max_response_hours_90d"] == pytest.approx(54.0)
    assert a["slow_tickets_90d"] == 1
    assert a["mean_response_hours_90d"] == pytest.approx((2 + 54 + 12) / 3)
    # ticket satisfaction counts only when resolved before the cutoff: 5 -> 100, 1 -> 0
    assert a["satisfaction_mean"] == pytest.approx(50.0) and a[
        "satisfaction_last"
    ] == pytest.approx(0.0)
    assert f.loc["B", "frequency"] == 1  # 23:00 on the cutoff day is known
    # activity over orders and contacts: A's latest activity is the ticket of 12:00 on the cutoff day
    assert a["days_since_activity"] == pytest.approx(0.5)
    assert a["days_since_ticket"] == pytest.approx(0.5) and a["events_total"] == 3
    assert a["activity_overdue"] == pytest.approx(0.5 / ((181 - 0.5) / 7))  # 8 activities
    assert a["activity_silence"] == pytest.approx(8 / 181 * 0.5)
    assert a["order_silence"] == pytest.approx(5 / 181 * 11)
    assert a["days_to_anniversary"] == pytest.approx(365 - 181)
    b = f.loc["B"]
    assert b["days_since_activity"] == pytest.approx(1 / 24) and b["events_total"] == 0
    assert pd.isna(b["activity_overdue"]) and pd.isna(b["days_since_ticket"])


def test_labels_and_population() -> None:
    data = {
        "orders": pd.DataFrame(
            {
                "customer_id": ["A", "A", "B", "C", "C", "D"],
                "ordered_at": pd.to_datetime(
                    [
                        "2025-05-01",
                        "2025-08-01",
                        "2025-06-01",
                        "2025-06-15",
                        "2025-12-01",
                        "2023-01-01",
                    ]
                ),
                "amount": 1.0,
            }
        ),
        "customers": pd.DataFrame(
            {
                "customer_id": ["A", "B", "C", "D"],
                "contract_end": [None, None, pd.Timestamp("2025-08-01").date(), None],
            }
        ),
    }
    ds = load_dataset(data)
    pop = population(ds, CUTOFF, active_days=365)
    lab = (
        churn_labels(ds, pop, CUTOFF, horizon_days=90)
        .to_pandas()
        .set_index("customer_id")["churned"]
        .to_dict()
    )
    # A buys again within 90 days; B does not; C's contract ends in the horizon (not renewed);
    # D has not ordered for over a year and is not in the population
    assert lab == {"A": 0, "B": 1, "C": 1}


def test_horizon_parsing_and_cutoffs() -> None:
    assert [parse_horizon(v) for v in ("90d", "12w", "3m", "1y", 30, "45")] == [
        90,
        84,
        90,
        365,
        30,
        45,
    ]
    with pytest.raises(ConfigError, match="horizon"):
        parse_horizon("soon")
    ds = load_dataset(tiny_company())
    cuts = label_cutoffs(ds, horizon_days=90, count=3)
    assert len(cuts) == 3 and (cuts[1] - cuts[0]).days == 90
    with pytest.raises(ConfigError, match="after the last order"):
        label_cutoffs(ds, horizon_days=90, latest="2099-01-01")


def test_transaction_model_is_reproducible_with_a_seed() -> None:
    from keepwise.analytics.churn.transaction import TransactionChurnModel

    data = tiny_company(n=120)
    runs = []
    for _ in range(2):
        ds = load_dataset(data)  # a fresh engine each time: row order may differ
        model = TransactionChurnModel(
            horizon_days=60, n_cutoffs=3, step_days=60, random_state=5
        ).fit(ds)
        runs.append(model.score_frame(ds)[["customer_id", "churn_probability"]])
    pd.testing.assert_frame_equal(runs[0], runs[1])


def test_transaction_model_on_frames_predicts_per_customer() -> None:
    """fit takes the frames themselves (as_dataset); the per-customer predictions are Series
    indexed by customer_id that agree with score_frame."""
    from keepwise.analytics.churn.transaction import TransactionChurnModel

    data = tiny_company(n=120)
    model = TransactionChurnModel(horizon_days=60, n_cutoffs=3, step_days=60, random_state=5)
    assert model.fit(data) is model
    p = model.churn_probability(data)
    assert p.index.name == "customer_id" and p.index.is_unique and p.between(0, 1).all()
    scored = model.score_frame(data).set_index("customer_id")
    np.testing.assert_allclose(scored.loc[p.index, "churn_probability"], p.round(6))
    tiers = model.predict_tier(data)
    assert tiers.index.equals(p.index)
    assert (tiers == scored.loc[p.index, "risk_tier"]).all()
    assert model.predict(data).tolist() == (p > 0.5).astype(int).tolist()
    assert list(model.summary_.index) == ["model", "logistic_baseline"]
