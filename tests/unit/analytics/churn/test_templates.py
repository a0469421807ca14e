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
