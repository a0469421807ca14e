"""Reason sentences read as a salesperson would write them: counts agree with their nouns."""

from __future__ import annotations

import pytest

from keepwise.analytics.churn.templates import describe_feature


@pytest.mark.parametrize(
    ("feature", "value", "en", "zh"),
    [
        ("orders_90d", 0, "no orders in the last 90 days", "近 90 天未下单"),
        ("orders_90d", 1, "1 order in the last 90 days", "近 90 天下单 1 次"),
        ("orders_180d", 12, "12 orders in the last 180 days", "近 180 天下单 12 次"),
        ("orders_prev_90d", 0, "no orders in the quarter before last", "上一季度未下单"),
        ("frequency", 1, "1 order so far", "累计 1 单"),
        ("open_tickets", 1, "1 ticket still unresolved", "1 个工单尚未解决"),
        (
            "slow_tickets_90d",
            3,
            "3 tickets waited over 24 hours for a first response in 90 days",
            "近 90 天有 3 个工单首次响应等待超过 24 小时",
        ),
        (
            "interactions_90d",
            0,
            "no interactions with us in the last 90 days",
            "近 90 天未与我们沟通",
        ),
        ("contacts", 2, "2 contacts on file", "登记联系人 2 位"),
    ],
)
def test_counts_read_naturally(feature: str, value: float, en: str, zh: str) -> None:
    assert describe_feature(feature, float(value), {}, 0.5) == (en, zh)


def test_recent_order_lowering_risk_is_not_said_as_a_warning() -> None:
    row = {"recency_days": 23.0, "mean_interval_days": 17.0}
    en, zh = describe_feature("recency_days", 23.0, row, -0.4)  # type: ignore[misc]
    assert en == "last order 23 days ago, usual interval 17 days (lowers risk)"
    assert zh == "最近一次下单在 23 天前，通常间隔 17 天（降低风险）"
    en, _ = describe_feature("recency_days", 23.0, row, 0.4)  # type: ignore[misc]
    assert en == "no order for 23 days, usual interval 17 days"


@pytest.mark.parametrize(
    ("feature", "value", "row", "en"),
    [
        (
            "recency_days",
            1,
            {"mean_interval_days": 1.0},
            "no order for 1 day, usual interval 1 day",
        ),
        (
            "mean_response_hours_90d",
            0.52,
            {},
            "tickets waited 0.5 hours on average for a first response",
        ),
        ("max_response_hours_90d", 1.0, {}, "a ticket waited 1 hour for a first response"),
        ("days_to_anniversary", 30, {}, "30 days to the anniversary of the first order"),
    ],
)
def test_units_and_small_numbers(feature: str, value: float, row: dict, en: str) -> None:  # type: ignore[type-arg]
    out = describe_feature(feature, float(value), row, 0.5)
    assert out is not None and out[0] == en


def test_usual_interval_is_said_once() -> None:
    from keepwise.analytics.churn.templates import TOPICS

    assert TOPICS["mean_interval_days"] == TOPICS["recency_days"]
