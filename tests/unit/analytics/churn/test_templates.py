"""Reason sentences read as a salesperson would write them: counts agree with their nouns, in
English and in Chinese (the reasons are catalog messages rendered in either language)."""

from __future__ import annotations

import pytest

from keepwise.analytics.churn.templates import describe_feature


def _said(feature: str, value: float, row: dict, impact: float) -> tuple[str, str]:  # type: ignore[type-arg]
    message = describe_feature(feature, value, row, impact)
    assert message is not None
    return message.render("en"), message.render("zh_CN")


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
    assert _said(feature, float(value), {}, 0.5) == (en, zh)


def test_recent_order_lowering_risk_is_not_said_as_a_warning() -> None:
    row = {"recency_days": 23.0, "mean_interval_days": 17.0}
    en, zh = _said("recency_days", 23.0, row, -0.4)
    assert en == "last order 23 days ago, usual interval 17 days (lowers risk)"
    assert zh == "最近一次下单在 23 天前，通常间隔 17 天（降低风险）"
    assert _said("recency_days", 23.0, row, 0.4) == (
        "no order for 23 days, usual interval 17 days",
        "已 23 天未下单，通常间隔 17 天",
    )


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
    assert _said(feature, float(value), row, 0.5)[0] == en


def test_usual_interval_is_said_once() -> None:
    from keepwise.analytics.churn.templates import TOPICS

    assert TOPICS["mean_interval_days"] == TOPICS["recency_days"]


def test_reasons_are_keys_with_parameters_not_sentences() -> None:
    """What the store keeps: the catalog key and the customer's numbers, in no language."""
    message = describe_feature("orders_90d", 3.0, {}, 0.5)
    assert message is not None
    assert message.to_dict() == {
        "msgid": "%(n)s order in the last %(days)s days",
        "msgid_plural": "%(n)s orders in the last %(days)s days",
        "params": {"days": 90, "n": 3},
    }


@pytest.mark.parametrize(
    ("feature", "value", "row", "en", "zh"),
    [
        ("monetary", 1234567.4, {}, "total spend 1,234,567", "累计消费 1,234,567"),
        ("kind", 0.0, {"kind": None}, "customer type: unknown", "客户类型：未知"),
        ("region", 0.0, {"region": "华东"}, "region: 华东", "地区：华东"),
        (
            "some_new_feature",
            float("nan"),
            {},
            "some_new_feature = blank",
            "some_new_feature 为 空白",
        ),
        (
            "satisfaction_change",
            -1.0,
            {},
            "satisfaction down 1 point in the last 180 days",
            "近 180 天满意度下降 1 分",
        ),
        (
            "orders_qoq_change",
            -0.8,
            {"orders_prev_90d": 5.0, "orders_90d": 1.0},
            "order frequency down 80% on last quarter (5 → 1 order)",
            "订单频率较上季度下降 80%（5 → 1 单）",
        ),
    ],
)
def test_numbers_names_and_blanks_in_both_languages(
    feature: str,
    value: float,
    row: dict,  # type: ignore[type-arg]
    en: str,
    zh: str,
) -> None:
    assert _said(feature, value, row, 0.5) == (en, zh)
