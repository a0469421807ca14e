"""The demo company's churn has causes the analytics can find in the data they see."""

from __future__ import annotations

import pandas as pd
import pytest

from keepwise.demo import DemoSummary, generate
from keepwise.demo.text import negative_phrases, positive_phrases


@pytest.fixture(scope="module", params=["b2c", "b2b"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    n = 4000 if request.param == "b2c" else 1500
    summary = generate(
        tmp_path_factory.mktemp(request.param), customers=n, kind=request.param, seed=11
    )
    read = {
        name: pd.read_csv(path, dtype={"customer_id": str}) for name, path in summary.files.items()
    }
    truth = pd.read_csv(
        summary.ground_truth, dtype={"customer_id": str}, parse_dates=["churned_at"]
    )
    acquired = pd.to_datetime(read["customers"].set_index("customer_id")["acquired_at"])
    truth["acquired_at"] = acquired.loc[truth["customer_id"]].to_numpy()
    return {"summary": summary, "truth": truth, **read}


def _reference(truth: pd.DataFrame, summary: DemoSummary) -> pd.Series:
    """Churn date for churners, the end of history for the others (indexed by customer)."""
    end = pd.Timestamp(summary.end_date) + pd.Timedelta(days=1)
    return truth.set_index("customer_id")["churned_at"].fillna(end)


def test_churn_rate_is_realistic_and_some_churn_late(demo: dict[str, object]) -> None:
    truth, summary = demo["truth"], demo["summary"]
    assert isinstance(summary, DemoSummary)
    assert 0.2 <= truth["churned"].mean() <= 0.45
    assert summary.churned == truth["churned"].sum()
    late = truth["churned_at"] >= pd.Timestamp(summary.end_date) - pd.Timedelta(days=60)
    assert late.sum() >= 10
    reasons = truth.loc[truth["churned"], "churn_reason"]
    assert reasons.notna().all() and reasons.nunique() >= 6
    assert truth.loc[~truth["churned"], "churned_at"].isna().all()


def test_churners_place_no_orders_after_churn(demo: dict[str, object]) -> None:
    orders, truth = demo["orders"], demo["truth"]
    merged = orders.merge(truth[truth["churned"]], on="customer_id")
    assert len(merged) > 0
    assert (pd.to_datetime(merged["ordered_at"]) < merged["churned_at"]).all()


def test_order_frequency_falls_before_churn(demo: dict[str, object]) -> None:
    orders, truth = demo["orders"], demo["truth"]
    churners = truth[
        truth["churned"] & ((truth["churned_at"] - truth["acquired_at"]).dt.days >= 200)
    ]
    assert len(churners) >= 100
    merged = orders.merge(churners[["customer_id", "churned_at"]], on="customer_id")
    days_before = (merged["churned_at"] - pd.to_datetime(merged["ordered_at"])).dt.days
    last_90 = days_before.between(0, 89).sum()
    prior_90 = days_before.between(90, 179).sum()
    assert last_90 < 0.85 * prior_90


def test_slow_first_responses_precede_churn(demo: dict[str, object]) -> None:
    tickets, truth, summary = demo["tickets"], demo["truth"], demo["summary"]
    ref = _reference(truth, summary)
    tickets = tickets.assign(
        opened=pd.to_datetime(tickets["opened_at"]),
        slow=(
            pd.to_datetime(tickets["first_response_at"], format="ISO8601")
            - pd.to_datetime(tickets["opened_at"])
        )
        > pd.Timedelta(hours=24),
    )
    recent = tickets[(ref.loc[tickets["customer_id"]].to_numpy() - tickets["opened"]).dt.days < 180]
    churned = truth.set_index("customer_id")["churned"].loc[recent["customer_id"]].to_numpy()
    slow_churned, slow_kept = recent["slow"][churned].mean(), recent["slow"][~churned].mean()
    assert slow_churned > 1.25 * slow_kept
    reasons = truth["churn_reason"].value_counts()
    assert reasons.get("slow_support", 0) > 0


def test_satisfaction_falls_before_churn(demo: dict[str, object]) -> None:
    feedback, truth, summary = demo["feedback"], demo["truth"], demo["summary"]
    ref = _reference(truth, summary)
    feedback = feedback.assign(
        before=(
            ref.loc[feedback["customer_id"]].to_numpy() - pd.to_datetime(feedback["occurred_at"])
        ).dt.days,
        churned=truth.set_index("customer_id")["churned"].loc[feedback["customer_id"]].to_numpy(),
    )
    for kind in ("nps", "csat"):
        scores = feedback[feedback["kind"] == kind]
        late_churned = scores[scores["churned"] & (scores["before"] < 120)]["score"].mean()
        early_churned = scores[scores["churned"] & (scores["before"] >= 240)]["score"].mean()
        late_kept = scores[~scores["churned"] & (scores["before"] < 120)]["score"].mean()
        assert late_churned < early_churned, kind
        assert late_churned < late_kept, kind


def test_negative_notes_in_chinese_and_english_precede_churn(demo: dict[str, object]) -> None:
    interactions, feedback, truth = demo["interactions"], demo["feedback"], demo["truth"]
    churned = truth.set_index("customer_id")["churned"]
    negative = negative_phrases()
    notes = interactions.assign(
        negative=interactions["note"].isin(negative),
        churned=churned.loc[interactions["customer_id"]].to_numpy(),
    )
    assert (
        notes.groupby("churned")["negative"].mean()[True]
        > 1.2 * notes.groupby("churned")["negative"].mean()[False]
    )
    texts = set(interactions["note"].dropna()) | set(feedback["comment"].dropna())
    for language in ("zh", "en"):
        assert texts & negative_phrases(language), language
        assert texts & positive_phrases(language), language


def test_channel_and_industry_effects_are_visible(demo: dict[str, object]) -> None:
    customers, truth, summary = demo["customers"], demo["truth"], demo["summary"]
    merged = customers.merge(truth[["customer_id", "churned"]], on="customer_id")
    by_channel = merged.groupby("acquisition_channel")["churned"].mean()
    assert by_channel["老客推荐"] < merged["churned"].mean()  # referrals stay
    by_industry = merged.groupby("industry")["churned"].mean()
    assert by_industry.max() - by_industry.min() > 0.1
    if summary.kind == "b2c":
        assert by_channel["直播带货"] > by_channel["老客推荐"] + 0.1


def test_seasonality_double_11_and_new_year(demo: dict[str, object]) -> None:
    orders, summary = demo["orders"], demo["summary"]
    month = pd.to_datetime(orders["ordered_at"]).dt.month
    counts = month.value_counts()
    if summary.kind == "b2c":
        assert counts[11] > 1.2 * counts[[9, 10]].mean()
        day = pd.to_datetime(orders["ordered_at"]).dt.strftime("%m-%d")
        assert (day == "11-11").sum() > 5 * (day == "11-20").sum()
    else:
        assert counts[[3, 6, 9, 12]].mean() > 1.15 * counts[[4, 5, 7, 8]].mean()
