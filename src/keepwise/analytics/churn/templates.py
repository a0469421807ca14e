"""Reasons of transaction-mode scores: one sentence per feature, with the customer's values.

Each template turns one feature (and, where it helps, the customer's other values) into a fact a
salesperson can act on, as a :class:`~keepwise.errors.Message`: an English catalog key with the
customer's numbers as parameters, rendered in the reader's language by :mod:`keepwise.i18n`
(``no order for 23 days`` / ``已 23 天未下单``). Counts use plural forms (``1 day``, ``5 days``)
and a separate sentence for none (``no orders in the last 90 days`` / ``近 90 天未下单``).
Features pushing the risk *down* get a short "(lowers risk)" suffix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from keepwise.analytics.churn.reasons import readable
from keepwise.errors import N_, Message, plural_message

Template = Callable[[float, Mapping[str, Any]], "Message | None"]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _whole(v: Any) -> int:
    return int(round(float(v)))


def _pct(v: Any) -> float:
    return float(v) * 100


def _hours(v: Any) -> float | int:
    """Hours with one decimal below 10 (0.5, 2.3), whole above."""
    return readable(round(float(v), 1)) if abs(float(v)) < 10 else _whole(v)


def _days(v: Any) -> Message:
    """``1 day`` / ``23 days`` (``23 天``), for sentences with two counts in them."""
    return plural_message("%(n)s day", "%(n)s days", _whole(v))


def _counted(v: Any, none: str, some: Message) -> Message:
    """``none`` for a count of 0, else ``some`` (a :func:`plural_message`) with the count."""
    n = _whole(v)
    params = {k: p for k, p in some.params.items() if k != "n"}
    if n == 0:
        return Message(none, params)
    return Message(some.template, {**params, "n": n}, plural=some.plural)


def _when_missing(make: Callable[[float, Mapping[str, Any]], Message | None]) -> Template:
    """The template, or no reason at all when the value is blank."""

    def t(v: float, row: Mapping[str, Any]) -> Message | None:
        return None if _missing(v) else make(v, row)

    return t


def _last_order(row: Mapping[str, Any]) -> Message | None:
    """Recency said as a fact that lowers risk: the last order is recent."""
    days, usual = row.get("recency_days"), row.get("mean_interval_days")
    if _missing(days):
        return None
    if _missing(usual):
        return plural_message("last order %(n)s day ago", "last order %(n)s days ago", _whole(days))
    return Message(
        N_("last order %(ago)s ago, usual interval %(usual)s"),
        {"ago": _days(days), "usual": _days(usual)},
    )


def _in_last(days: int, none: str, some: Message) -> Template:
    """A count in the last ``days`` days: ``none`` for 0, else ``some`` with the count."""
    with_days = Message(some.template, {**some.params, "days": days}, plural=some.plural)
    return lambda v, row: _counted(v, none, with_days)


#: ``no orders in the last 90 days`` / ``近 90 天未下单``, ``3 orders ...`` / ``近 90 天下单 3 次``
_ORDERS = (
    N_("no orders in the last %(days)s days"),
    plural_message(
        "%(n)s order in the last %(days)s days", "%(n)s orders in the last %(days)s days", 0
    ),
)
_INTERACTIONS = (
    N_("no interactions with us in the last %(days)s days"),
    plural_message(
        "%(n)s interaction with us in the last %(days)s days",
        "%(n)s interactions with us in the last %(days)s days",
        0,
    ),
)


def _qoq(orders: bool, prev_key: str, cur_key: str) -> Template:
    """Order frequency or spend this quarter against the last, with both figures when known."""

    def t(v: float, row: Mapping[str, Any]) -> Message | None:
        if _missing(v):
            return None
        prev, cur = row.get(prev_key), row.get(cur_key)
        pct = abs(float(v)) * 100
        if _missing(prev) or _missing(cur):
            if orders:
                down = N_("order frequency down %(pct).0f%% on last quarter")
                up = N_("order frequency up %(pct).0f%% on last quarter")
            else:
                down = N_("spend down %(pct).0f%% on last quarter")
                up = N_("spend up %(pct).0f%% on last quarter")
            return Message(down if v < 0 else up, {"pct": pct})
        figures = {"pct": pct, "prev": _whole(prev)}
        if not orders:
            template = (
                N_("spend down %(pct).0f%% on last quarter (%(prev)s → %(cur)s)")
                if v < 0
                else N_("spend up %(pct).0f%% on last quarter (%(prev)s → %(cur)s)")
            )
            return Message(template, {**figures, "cur": _whole(cur)})
        if v < 0:
            return plural_message(
                "order frequency down %(pct).0f%% on last quarter (%(prev)s → %(n)s order)",
                "order frequency down %(pct).0f%% on last quarter (%(prev)s → %(n)s orders)",
                _whole(cur),
                **figures,
            )
        return plural_message(
            "order frequency up %(pct).0f%% on last quarter (%(prev)s → %(n)s order)",
            "order frequency up %(pct).0f%% on last quarter (%(prev)s → %(n)s orders)",
            _whole(cur),
            **figures,
        )

    return t


def _recency(v: float, row: Mapping[str, Any]) -> Message:
    usual = row.get("mean_interval_days")
    if not _missing(usual):
        return Message(
            N_("no order for %(days)s, usual interval %(usual)s"),
            {"days": _days(v), "usual": _days(usual)},
        )
    return plural_message("no order for %(n)s day", "no order for %(n)s days", _whole(v))


def _overdue(v: float, row: Mapping[str, Any]) -> Message | None:
    if _missing(v):
        return None
    if v >= 1:
        return _recency(row.get("recency_days", float("nan")), row)
    return Message(
        N_("next order not yet due (%(ratio).1f× the usual interval)"), {"ratio": float(v)}
    )


def _sentiment(v: float, row: Mapping[str, Any]) -> Message | None:
    worst = row.get("worst_text_90d")
    neg = row.get("negative_texts_90d")
    if isinstance(worst, str) and worst and v < 0:
        return plural_message(
            "%(n)s negative note or comment in 90 days, e.g. “%(text)s”",
            "%(n)s negative notes or comments in 90 days, e.g. “%(text)s”",
            _whole(neg) if not _missing(neg) else 1,
            text=worst,
        )
    if _missing(v):
        return None
    return Message(
        N_("tone of recent notes and comments %(tone)+.2f (-1 to +1)"), {"tone": float(v)}
    )


def _activity_overdue(v: float, row: Mapping[str, Any]) -> Message | None:
    days = row.get("days_since_activity")
    if _missing(v) or _missing(days):
        return None
    if v >= 1:
        return plural_message(
            "no order, contact, ticket or feedback for %(n)s day, %(ratio).1f× the usual gap "
            "between them",
            "no order, contact, ticket or feedback for %(n)s days, %(ratio).1f× the usual gap "
            "between them",
            _whole(days),
            ratio=float(v),
        )
    return plural_message(
        "last order or contact %(n)s day ago, within the usual rhythm",
        "last order or contact %(n)s days ago, within the usual rhythm",
        _whole(days),
    )


def _silence(orders_only: bool, days_key: str) -> Template:
    def t(v: float, row: Mapping[str, Any]) -> Message | None:
        days = row.get(days_key)
        if _missing(v) or _missing(days) or v < 0.5:
            return None  # under half an order/contact was due: the silence says nothing
        if orders_only:
            return plural_message(
                "quiet for %(n)s day: at its usual pace about %(expected).1f orders would have "
                "come",
                "quiet for %(n)s days: at its usual pace about %(expected).1f orders would have "
                "come",
                _whole(days),
                expected=float(v),
            )
        return plural_message(
            "quiet for %(n)s day: at its usual pace about %(expected).1f orders or contacts "
            "would have come",
            "quiet for %(n)s days: at its usual pace about %(expected).1f orders or contacts "
            "would have come",
            _whole(days),
            expected=float(v),
        )

    return t


def _above_below(
    below: str, above: str, key: str = "pct"
) -> Callable[[float, Mapping[str, Any]], Message]:
    return lambda v, row: Message(below if v < 0 else above, {key: abs(_pct(v))})


def _satisfaction_change(v: float, row: Mapping[str, Any]) -> Message:
    if v < 0:
        return plural_message(
            "satisfaction down %(n)s point in the last 180 days",
            "satisfaction down %(n)s points in the last 180 days",
            _whole(abs(v)),
        )
    return plural_message(
        "satisfaction up %(n)s point in the last 180 days",
        "satisfaction up %(n)s points in the last 180 days",
        _whole(v),
    )


TEMPLATES: dict[str, Template] = {
    "days_since_activity": _when_missing(
        lambda v, r: plural_message(
            "no order, contact, ticket or feedback for %(n)s day",
            "no order, contact, ticket or feedback for %(n)s days",
            _whole(v),
        )
    ),
    "activity_overdue": _activity_overdue,
    "activity_silence": _silence(False, "days_since_activity"),
    "order_silence": _silence(True, "recency_days"),
    "days_to_anniversary": _when_missing(
        lambda v, r: plural_message(
            "%(n)s day to the anniversary of the first order",
            "%(n)s days to the anniversary of the first order",
            _whole(v),
        )
    ),
    "days_since_ticket": _when_missing(
        lambda v, r: plural_message(
            "last ticket %(n)s day ago", "last ticket %(n)s days ago", _whole(v)
        )
    ),
    "days_since_feedback": _when_missing(
        lambda v, r: plural_message(
            "last feedback %(n)s day ago", "last feedback %(n)s days ago", _whole(v)
        )
    ),
    "events_total": lambda v, r: _counted(
        v,
        N_("no interactions, tickets and feedback so far"),
        plural_message(
            "%(n)s interaction, ticket or feedback so far",
            "%(n)s interactions, tickets and feedback so far",
            0,
        ),
    ),
    "interactions_180d": _in_last(180, *_INTERACTIONS),
    "orders_qoq_change": _qoq(True, "orders_prev_90d", "orders_90d"),
    "amount_qoq_change": _qoq(False, "amount_prev_90d", "amount_90d"),
    "recency_days": lambda v, r: _recency(v, r),
    "overdue_ratio": _overdue,
    "slow_tickets_90d": lambda v, r: _counted(
        v,
        N_("no tickets waited over 24 hours for a first response in 90 days"),
        plural_message(
            "%(n)s ticket waited over 24 hours for a first response in 90 days",
            "%(n)s tickets waited over 24 hours for a first response in 90 days",
            0,
        ),
    ),
    "max_response_hours_90d": _when_missing(
        lambda v, r: plural_message(
            "a ticket waited %(n)s hour for a first response",
            "a ticket waited %(n)s hours for a first response",
            _hours(v),
        )
    ),
    "mean_response_hours_90d": _when_missing(
        lambda v, r: plural_message(
            "tickets waited %(n)s hour on average for a first response",
            "tickets waited %(n)s hours on average for a first response",
            _hours(v),
        )
    ),
    "open_tickets": lambda v, r: _counted(
        v,
        N_("no tickets still unresolved"),
        plural_message("%(n)s ticket still unresolved", "%(n)s tickets still unresolved", 0),
    ),
    "tickets_90d": _in_last(
        90,
        N_("no tickets in the last %(days)s days"),
        plural_message(
            "%(n)s ticket in the last %(days)s days", "%(n)s tickets in the last %(days)s days", 0
        ),
    ),
    "satisfaction_last": _when_missing(
        lambda v, r: Message(N_("latest satisfaction score %(score)s/100"), {"score": _whole(v)})
    ),
    "satisfaction_mean": _when_missing(
        lambda v, r: Message(N_("average satisfaction %(score)s/100"), {"score": _whole(v)})
    ),
    "satisfaction_std": _when_missing(
        lambda v, r: plural_message(
            "satisfaction swings a lot (±%(n)s point)",
            "satisfaction swings a lot (±%(n)s points)",
            _whole(v),
        )
    ),
    "satisfaction_change": _when_missing(_satisfaction_change),
    "sentiment_mean_90d": _sentiment,
    "sentiment_min_90d": _sentiment,
    "negative_texts_90d": lambda v, r: (
        _sentiment(r.get("sentiment_min_90d", float("nan")), r)
        if v > 0
        else Message(N_("no negative notes or comments in 90 days"))
    ),
    "interactions_90d": _in_last(90, *_INTERACTIONS),
    "days_since_interaction": _when_missing(
        lambda v, r: plural_message(
            "no contact for %(n)s day", "no contact for %(n)s days", _whole(v)
        )
    ),
    "inbound_share_90d": _when_missing(
        lambda v, r: Message(
            N_("%(pct).0f%% of recent contacts came from the customer"), {"pct": _pct(v)}
        )
    ),
    "contact_coverage_90d": _when_missing(
        lambda v, r: Message(
            N_("decision makers holding %(pct).0f%% of the decision weight contacted in 90 days"),
            {"pct": _pct(v)},
        )
    ),
    "contacts": lambda v, r: _counted(
        v,
        N_("no contacts on file"),
        plural_message("%(n)s contact on file", "%(n)s contacts on file", 0),
    ),
    "tenure_days": lambda v, r: plural_message(
        "customer for %(n)s day", "customer for %(n)s days", _whole(v)
    ),
    "frequency": lambda v, r: _counted(
        v,
        N_("no orders so far"),
        plural_message("%(n)s order so far", "%(n)s orders so far", 0),
    ),
    "monetary": lambda v, r: Message(N_("total spend %(amount)s"), {"amount": _whole(v)}),
    "avg_order_value": lambda v, r: Message(N_("average order %(amount)s"), {"amount": _whole(v)}),
    "orders_30d": _in_last(30, *_ORDERS),
    "orders_90d": _in_last(90, *_ORDERS),
    "orders_180d": _in_last(180, *_ORDERS),
    "orders_prev_90d": lambda v, r: _counted(
        v,
        N_("no orders in the quarter before last"),
        plural_message(
            "%(n)s order in the quarter before last", "%(n)s orders in the quarter before last", 0
        ),
    ),
    "amount_90d": lambda v, r: Message(
        N_("spent %(amount)s in the last %(days)s days"), {"amount": _whole(v), "days": 90}
    ),
    "amount_prev_90d": lambda v, r: Message(
        N_("spent %(amount)s in the quarter before last"), {"amount": _whole(v)}
    ),
    "repeat_rate_30d": _when_missing(
        lambda v, r: Message(
            N_("%(rate).2f repeat orders per month since the first order"), {"rate": float(v)}
        )
    ),
    "recency_share": _when_missing(
        lambda v, r: Message(N_("silent for %(pct).0f%% of the relationship"), {"pct": _pct(v)})
    ),
    "mean_interval_days": _when_missing(
        lambda v, r: plural_message(
            "orders every %(n)s day on average", "orders every %(n)s days on average", _whole(v)
        )
    ),
    "budget_gap": _when_missing(
        _above_below(
            N_("budget %(pct).0f%% below what the solution needs"),
            N_("budget %(pct).0f%% above what the solution needs"),
        )
    ),
    "technical_match": _when_missing(
        lambda v, r: Message(N_("technical match %(pct).0f%%"), {"pct": _pct(v)})
    ),
    "industry_fit": _when_missing(
        lambda v, r: Message(N_("industry fit %(pct).0f%%"), {"pct": _pct(v)})
    ),
    "supply_chain_risk": _when_missing(
        lambda v, r: Message(N_("supply-chain risk %(pct).0f%%"), {"pct": _pct(v)})
    ),
}
#: Categorical features: the reason names the customer's category.
CATEGORY_NAMES = {
    "kind": N_("customer type"),
    "industry": N_("industry"),
    "region": N_("region"),
    "group_name": N_("group"),
    "acquisition_channel": N_("acquisition channel"),
}


def describe_feature(
    feature: str, value: Any, row: Mapping[str, Any], impact: float
) -> Message | None:
    """The reason for one transaction feature of one customer, or ``None`` to skip it."""
    text: Message | None
    if feature in CATEGORY_NAMES:
        shown = row.get(feature)
        text = Message(
            N_("%(name)s: %(value)s"),
            {
                "name": Message(CATEGORY_NAMES[feature]),
                "value": Message(N_("unknown")) if _missing(shown) else str(shown),
            },
        )
    elif impact < 0 and feature in ("recency_days", "overdue_ratio"):
        text = _last_order(row)  # "no order for 23 days" would read as a warning
    elif feature in TEMPLATES:
        text = TEMPLATES[feature](value, row)
    else:
        text = Message(
            N_("%(feature)s = %(value)s"),
            {
                "feature": feature,
                "value": Message(N_("blank")) if _missing(value) else readable(value),
            },
        )
    if text is None:
        return None
    if impact < 0:
        return Message(N_("%(reason)s (lowers risk)"), {"reason": text})
    return text


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
