"""Sentence templates for transaction-mode reasons, in English and Chinese, with the customer's values.

Each template turns one feature (and, where it helps, the customer's other values) into a fact a
salesperson can act on. Features pushing the risk *down* get a short "(lowers risk)" suffix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from keepwise.analytics.churn.reasons import fmt_number

Template = Callable[[float, Mapping[str, Any]], "tuple[str, str] | None"]


def _n(v: Any) -> str:
    return fmt_number(round(float(v)) if v == v else v)


def _hours(v: Any) -> str:
    """Hours with one decimal below 10 (0.5, 2.3), whole above."""
    return f"{float(v):.1f}" if v == v and abs(float(v)) < 10 else _n(v)


_ONE_UNIT = re.compile(r"(?<![\d.,])1(\.0)? (day|hour|point|order|ticket|contact|interaction)s\b")


def _singular(text: str) -> str:
    """``1 days`` -> ``1 day`` (and ``1.0 hours`` -> ``1 hour``) in an English sentence."""
    return _ONE_UNIT.sub(r"1 \2", text) if "1" in text else text


def _last_order(row: Mapping[str, Any]) -> tuple[str, str] | None:
    """Recency said as a fact that lowers risk: the last order is recent."""
    days, usual = row.get("recency_days"), row.get("mean_interval_days")
    if _missing(days):
        return None
    if _missing(usual):
        return (f"last order {_n(days)} days ago", f"最近一次下单在 {_n(days)} 天前")
    return (
        f"last order {_n(days)} days ago, usual interval {_n(usual)} days",
        f"最近一次下单在 {_n(days)} 天前，通常间隔 {_n(usual)} 天",
    )


def _count(v: Any, one: str, many: str | None = None) -> str:
    """``no orders`` / ``1 order`` / ``5 orders``."""
    many = many or one + "s"
    n = round(float(v)) if v == v else v
    if n == 0:
        return f"no {many}"
    return f"{_n(n)} {one if n == 1 else many}"


def _orders_in(when_en: str, when_zh: str) -> Template:
    """``no orders in the last 90 days`` / ``近 90 天未下单``, ``3 orders ...`` / ``... 下单 3 次``."""

    def t(v: float, row: Mapping[str, Any]) -> tuple[str, str]:
        zh = f"{when_zh}未下单" if v == v and round(float(v)) == 0 else f"{when_zh}下单 {_n(v)} 次"
        return f"{_count(v, 'order')} {when_en}", zh

    return t


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _qoq(kind_en: str, kind_zh: str, prev_key: str, cur_key: str, money: bool) -> Template:
    def t(v: float, row: Mapping[str, Any]) -> tuple[str, str] | None:
        if _missing(v):
            return None
        pct = abs(v) * 100
        prev, cur = row.get(prev_key), row.get(cur_key)
        unit_en, unit_zh = ("", "") if money else (" orders", " 单")
        detail_en = (
            f" ({_n(prev)} → {_n(cur)}{unit_en})"
            if not _missing(prev) and not _missing(cur)
            else ""
        )
        detail_zh = f"（{_n(prev)} → {_n(cur)}{unit_zh}）" if detail_en else ""
        if v < 0:
            return (
                f"{kind_en} down {pct:.0f}% on last quarter{detail_en}",
                f"{kind_zh}较上季度下降 {pct:.0f}%{detail_zh}",
            )
        return (
            f"{kind_en} up {pct:.0f}% on last quarter{detail_en}",
            f"{kind_zh}较上季度增长 {pct:.0f}%{detail_zh}",
        )

    return t


def _recency(v: float, row: Mapping[str, Any]) -> tuple[str, str]:
    usual = row.get("mean_interval_days")
    if not _missing(usual):
        return (
            f"no order for {_n(v)} days, usual interval {_n(usual)} days",
            f"已 {_n(v)} 天未下单，通常间隔 {_n(usual)} 天",
        )
    return (f"no order for {_n(v)} days", f"已 {_n(v)} 天未下单")


def _overdue(v: float, row: Mapping[str, Any]) -> tuple[str, str] | None:
    if _missing(v):
        return None
    return (
        _recency(row.get("recency_days", float("nan")), row)
        if v >= 1
        else (
            f"next order not yet due ({v:.1f}× the usual interval)",
            f"尚未到下次下单周期（通常间隔的 {v:.1f} 倍）",
        )
    )


def _sentiment(v: float, row: Mapping[str, Any]) -> tuple[str, str] | None:
    worst = row.get("worst_text_90d")
    neg = row.get("negative_texts_90d")
    if isinstance(worst, str) and worst and v < 0:
        count = _n(neg) if not _missing(neg) else "1"
        return (
            f"{count} negative notes or comments in 90 days, e.g. “{worst}”",
            f"近 90 天有 {count} 条负面记录或评价，如“{worst}”",
        )
    if _missing(v):
        return None
    return (
        f"tone of recent notes and comments {v:+.2f} (-1 to +1)",
        f"近期沟通与评价情绪 {v:+.2f}（-1 至 +1）",
    )


def _activity_overdue(v: float, row: Mapping[str, Any]) -> tuple[str, str] | None:
    days = row.get("days_since_activity")
    if _missing(v) or _missing(days):
        return None
    if v >= 1:
        return (
            f"no order, contact, ticket or feedback for {_n(days)} days, "
            f"{v:.1f}× the usual gap between them",
            f"已 {_n(days)} 天没有下单、沟通、工单或评价，是平时间隔的 {v:.1f} 倍",
        )
    return (
        f"last order or contact {_n(days)} days ago, within the usual rhythm",
        f"最近一次下单或沟通在 {_n(days)} 天前，节奏正常",
    )


def _silence(what_en: str, what_zh: str, days_key: str) -> Template:
    def t(v: float, row: Mapping[str, Any]) -> tuple[str, str] | None:
        days = row.get(days_key)
        if _missing(v) or _missing(days) or v < 0.5:
            return None  # under half an order/contact was due: the silence says nothing
        return (
            f"quiet for {_n(days)} days: at its usual pace about {v:.1f} {what_en} would have come",
            f"已沉寂 {_n(days)} 天，按往常节奏应有约 {v:.1f} {what_zh}",
        )

    return t


TEMPLATES: dict[str, Template] = {
    "days_since_activity": lambda v, r: (
        None
        if _missing(v)
        else (
            f"no order, contact, ticket or feedback for {_n(v)} days",
            f"已 {_n(v)} 天没有下单、沟通、工单或评价",
        )
    ),
    "activity_overdue": _activity_overdue,
    "activity_silence": _silence("orders or contacts", "次下单或往来", "days_since_activity"),
    "order_silence": _silence("orders", "单", "recency_days"),
    "days_to_anniversary": lambda v, r: (
        None
        if _missing(v)
        else (
            f"{_n(v)} days to the anniversary of the first order",
            f"距首单周年日还有 {_n(v)} 天",
        )
    ),
    "days_since_ticket": lambda v, r: (
        None if _missing(v) else (f"last ticket {_n(v)} days ago", f"最近一个工单在 {_n(v)} 天前")
    ),
    "days_since_feedback": lambda v, r: (
        None if _missing(v) else (f"last feedback {_n(v)} days ago", f"最近一次评价在 {_n(v)} 天前")
    ),
    "events_total": lambda v, r: (
        f"{_count(v, 'interaction, ticket or feedback', 'interactions, tickets and feedback')} so far",
        f"累计沟通、工单与评价 {_n(v)} 次",
    ),
    "interactions_180d": lambda v, r: (
        f"{_count(v, 'interaction')} with us in the last 180 days",
        ("近 180 天未与我们沟通" if v == 0 else f"近 180 天与我们沟通 {_n(v)} 次"),
    ),
    "orders_qoq_change": _qoq(
        "order frequency", "订单频率", "orders_prev_90d", "orders_90d", False
    ),
    "amount_qoq_change": _qoq("spend", "消费金额", "amount_prev_90d", "amount_90d", True),
    "recency_days": lambda v, r: _recency(v, r),
    "overdue_ratio": _overdue,
    "slow_tickets_90d": lambda v, r: (
        f"{_count(v, 'ticket')} waited over 24 hours for a first response in 90 days",
        f"近 90 天有 {_n(v)} 个工单首次响应等待超过 24 小时",
    ),
    "max_response_hours_90d": lambda v, r: (
        None
        if _missing(v)
        else (
            f"a ticket waited {_hours(v)} hours for a first response",
            f"有工单等待首次响应 {_hours(v)} 小时",
        )
    ),
    "mean_response_hours_90d": lambda v, r: (
        None
        if _missing(v)
        else (
            f"tickets waited {_hours(v)} hours on average for a first response",
            f"工单平均等待首次响应 {_hours(v)} 小时",
        )
    ),
    "open_tickets": lambda v, r: (
        f"{_count(v, 'ticket')} still unresolved",
        f"{_n(v)} 个工单尚未解决",
    ),
    "tickets_90d": lambda v, r: (
        f"{_count(v, 'ticket')} in the last 90 days",
        f"近 90 天提交 {_n(v)} 个工单",
    ),
    "satisfaction_last": lambda v, r: (
        None
        if _missing(v)
        else (f"latest satisfaction score {_n(v)}/100", f"最近一次满意度 {_n(v)}/100")
    ),
    "satisfaction_mean": lambda v, r: (
        None if _missing(v) else (f"average satisfaction {_n(v)}/100", f"平均满意度 {_n(v)}/100")
    ),
    "satisfaction_std": lambda v, r: (
        None
        if _missing(v)
        else (f"satisfaction swings a lot (±{_n(v)} points)", f"满意度波动大（±{_n(v)} 分）")
    ),
    "satisfaction_change": lambda v, r: (
        None
        if _missing(v)
        else (
            (
                f"satisfaction down {_n(abs(v))} points in the last 180 days",
                f"近 180 天满意度下降 {_n(abs(v))} 分",
            )
            if v < 0
            else (
                f"satisfaction up {_n(v)} points in the last 180 days",
                f"近 180 天满意度上升 {_n(v)} 分",
            )
        )
    ),
    "sentiment_mean_90d": _sentiment,
    "sentiment_min_90d": _sentiment,
    "negative_texts_90d": lambda v, r: (
        _sentiment(r.get("sentiment_min_90d", float("nan")), r)
        if v > 0
        else ("no negative notes or comments in 90 days", "近 90 天无负面记录或评价")
    ),
    "interactions_90d": lambda v, r: (
        f"{_count(v, 'interaction')} with us in the last 90 days",
        ("近 90 天未与我们沟通" if v == 0 else f"近 90 天与我们沟通 {_n(v)} 次"),
    ),
    "days_since_interaction": lambda v, r: (
        None if _missing(v) else (f"no contact for {_n(v)} days", f"已 {_n(v)} 天没有沟通")
    ),
    "inbound_share_90d": lambda v, r: (
        None
        if _missing(v)
        else (
            f"{v * 100:.0f}% of recent contacts came from the customer",
            f"近期 {v * 100:.0f}% 的沟通由客户发起",
        )
    ),
    "contact_coverage_90d": lambda v, r: (
        None
        if _missing(v)
        else (
            f"decision makers holding {v * 100:.0f}% of the decision weight contacted in 90 days",
            f"近 90 天联系到的决策人仅占决策权重 {v * 100:.0f}%",
        )
    ),
    "contacts": lambda v, r: (f"{_count(v, 'contact')} on file", f"登记联系人 {_n(v)} 位"),
    "tenure_days": lambda v, r: (f"customer for {_n(v)} days", f"成为客户 {_n(v)} 天"),
    "frequency": lambda v, r: (f"{_count(v, 'order')} so far", f"累计 {_n(v)} 单"),
    "monetary": lambda v, r: (f"total spend {_n(v)}", f"累计消费 {_n(v)}"),
    "avg_order_value": lambda v, r: (f"average order {_n(v)}", f"平均客单价 {_n(v)}"),
    "orders_30d": _orders_in("in the last 30 days", "近 30 天"),
    "orders_90d": _orders_in("in the last 90 days", "近 90 天"),
    "orders_180d": _orders_in("in the last 180 days", "近 180 天"),
    "orders_prev_90d": _orders_in("in the quarter before last", "上一季度"),
    "amount_90d": lambda v, r: (f"spent {_n(v)} in the last 90 days", f"近 90 天消费 {_n(v)}"),
    "amount_prev_90d": lambda v, r: (
        f"spent {_n(v)} in the quarter before last",
        f"上一季度消费 {_n(v)}",
    ),
    "repeat_rate_30d": lambda v, r: (
        None
        if _missing(v)
        else (
            f"{v:.2f} repeat orders per month since the first order",
            f"首单以来每月复购 {v:.2f} 次",
        )
    ),
    "recency_share": lambda v, r: (
        None
        if _missing(v)
        else (
            f"silent for {v * 100:.0f}% of the relationship",
            f"沉默时间占合作期的 {v * 100:.0f}%",
        )
    ),
    "mean_interval_days": lambda v, r: (
        None
        if _missing(v)
        else (f"orders every {_n(v)} days on average", f"平均每 {_n(v)} 天下单一次")
    ),
    "budget_gap": lambda v, r: (
        None
        if _missing(v)
        else (
            (
                f"budget {abs(v) * 100:.0f}% below what the solution needs",
                f"预算比需求低 {abs(v) * 100:.0f}%",
            )
            if v < 0
            else (
                f"budget {v * 100:.0f}% above what the solution needs",
                f"预算比需求高 {v * 100:.0f}%",
            )
        )
    ),
    "technical_match": lambda v, r: (
        None if _missing(v) else (f"technical match {v * 100:.0f}%", f"技术匹配度 {v * 100:.0f}%")
    ),
    "industry_fit": lambda v, r: (
        None if _missing(v) else (f"industry fit {v * 100:.0f}%", f"行业匹配度 {v * 100:.0f}%")
    ),
    "supply_chain_risk": lambda v, r: (
        None if _missing(v) else (f"supply-chain risk {v * 100:.0f}%", f"供应链风险 {v * 100:.0f}%")
    ),
}
CATEGORY_NAMES = {
    "kind": ("customer type", "客户类型"),
    "industry": ("industry", "行业"),
    "region": ("region", "地区"),
    "group_name": ("group", "客户分组"),
    "acquisition_channel": ("acquisition channel", "获客渠道"),
}


def describe_feature(
    feature: str, value: Any, row: Mapping[str, Any], impact: float
) -> tuple[str, str] | None:
    """(english, chinese) sentence for one transaction feature of one customer."""
    if feature in CATEGORY_NAMES:
        en, zh = CATEGORY_NAMES[feature]
        shown = row.get(feature)
        shown = "unknown" if _missing(shown) else str(shown)
        text: tuple[str, str] | None = (f"{en}: {shown}", f"{zh}：{shown}")
    elif impact < 0 and feature in ("recency_days", "overdue_ratio"):
        text = _last_order(row)  # "no order for 23 days" would read as a warning
    elif feature in TEMPLATES:
        text = TEMPLATES[feature](value, row)
    else:
        text = (f"{feature} = {fmt_number(value)}", f"{feature} 为 {fmt_number(value)}")
    if text is None:
        return None
    en = _singular(text[0])
    if impact < 0:
        return (en + " (lowers risk)", text[1] + "（降低风险）")
    return (en, text[1])


#: Features that say the same thing share a topic: a customer gets one reason per topic.
TOPICS: dict[str, str] = {
    # silence in orders and in activity of any kind: one reason (the stronger) per customer
    **dict.fromkeys(
        (
            "recency_days",
            "overdue_ratio",
            "order_silence",
            "days_since_activity",
            "activity_overdue",
            "activity_silence",
            "mean_interval_days",  # the recency sentence names the usual interval
        ),
        "recency",
    ),
    **dict.fromkeys(
        ("orders_30d", "orders_90d", "amount_90d", "orders_qoq_change", "amount_qoq_change"),
        "recent_volume",
    ),
    **dict.fromkeys(("sentiment_mean_90d", "sentiment_min_90d", "negative_texts_90d"), "sentiment"),
    **dict.fromkeys(
        ("max_response_hours_90d", "mean_response_hours_90d", "slow_tickets_90d"), "response"
    ),
    **dict.fromkeys(("satisfaction_mean", "satisfaction_last"), "satisfaction"),
}
