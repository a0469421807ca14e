"""Turning store records into what the pages show: reason texts, timeline entries, next steps."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_currency

from keepwise.settings import get_settings
from keepwise.web.i18n import N_, babel_locale, gettext, render

# Values shown through ``|t`` in templates (marked here so they are extracted and translated).
_VALUES = (
    N_("low"),
    N_("medium"),
    N_("high"),
    N_("urgent"),
    N_("normal"),
    N_("active"),
    N_("churned"),
    N_("prospect"),
    N_("paused"),
    N_("order"),
    N_("interaction"),
    N_("ticket"),
    N_("feedback"),
    N_("customers"),
    N_("orders"),
    N_("interactions"),
    N_("tickets"),
    N_("contacts"),
    N_("admin"),
    N_("manager"),
    N_("sales_rep"),
    N_("call"),
    N_("email"),
    N_("visit"),
    N_("meeting"),
    N_("chat"),
    N_("wechat"),
    N_("completed"),
    N_("pending"),
    N_("refunded"),
    N_("cancelled"),
    # early-warning rules and their actions (analytics/default_rules.toml)
    N_("slow_first_response"),
    N_("order_drop"),
    N_("satisfaction_falling"),
    N_("silence"),
    N_("volatile_relationship"),
    N_("escalate to support lead"),
    N_("health diagnosis"),
    N_("call the customer"),
    N_("reach out"),
    N_("review account"),
    N_("inbound"),
    N_("outbound"),
    N_("nps"),
    N_("csat"),
    N_("survey"),
)

# Playbook: the top reason's feature (from the churn model) -> the step that addresses it.
_REENGAGE = N_("Call to find out why they order less, and give them a reason to come back")
_SUPPORT = N_("Have support resolve their open issues, then follow up personally")
_COMPLAINT = N_("Call to hear their complaint and agree a fix")
_CHECK_IN = N_("Get back in touch: schedule a check-in call")
_DECISION = N_("Reach the other decision makers in the account")
_BUDGET = N_("Review pricing and budget fit with the buyer")
_FIT = N_("Review how well the solution fits with their technical lead")
PLAYBOOK = {
    **dict.fromkeys(
        (
            "recency_days",
            "orders_qoq_change",
            "amount_qoq_change",
            "overdue_ratio",
            "orders_30d",
            "orders_90d",
            "orders_180d",
            "amount_90d",
            "frequency",
            "mean_interval_days",
            "days_since_last_order",
        ),
        _REENGAGE,
    ),
    **dict.fromkeys(
        (
            "slow_tickets_90d",
            "max_response_hours_90d",
            "mean_response_hours_90d",
            "open_tickets",
            "tickets_90d",
        ),
        _SUPPORT,
    ),
    **dict.fromkeys(
        (
            "satisfaction_last",
            "satisfaction_mean",
            "satisfaction_std",
            "satisfaction_change",
            "sentiment_mean_90d",
            "sentiment_min_90d",
            "negative_texts_90d",
        ),
        _COMPLAINT,
    ),
    **dict.fromkeys(("days_since_interaction", "interactions_90d", "inbound_share_90d"), _CHECK_IN),
    **dict.fromkeys(("contact_coverage_90d", "contacts"), _DECISION),
    "budget_gap": _BUDGET,
    **dict.fromkeys(("technical_match", "industry_fit", "supply_chain_risk"), _FIT),
}

NEXT_STEPS = {
    "high": N_("Call the decision maker this week and agree a retention plan"),
    "medium": N_("Check in personally and review their recent experience"),
    "low": N_("Keep the regular cadence"),
}


def reason_text(reason: Any, locale: str) -> str:
    """One stored churn reason as a sentence in ``locale``: its ``message`` (catalog key and
    parameters, or the texts of an old store) rendered from the catalogs; plain text as it is."""
    if reason is None:
        return ""
    if isinstance(reason, str):
        return reason
    if isinstance(reason, dict):
        text = render(reason.get("message") or reason, locale)
        if text:
            return text
        for key in ("text", "label", "description", "reason", "feature"):  # other scorers' shapes
            if reason.get(key):
                return str(reason[key])
        return ", ".join(f"{k}={v}" for k, v in reason.items())
    return render(reason, locale)


def reasons_list(reasons: Any, locale: str) -> list[str]:
    if not reasons:
        return []
    if isinstance(reasons, str | dict):
        reasons = [reasons]
    return [t for t in (reason_text(r, locale) for r in reasons) if t]


def next_step(row: Any, tier: str | None, locale: str) -> str:
    """The suggested next step.

    The scorer's own suggestion when it gave one; else the :data:`PLAYBOOK` step for the
    strongest reason that raises the risk; else a step per risk tier.
    """
    get = row.get if isinstance(row, dict) else lambda key, default=None: getattr(row, key, default)
    for key in ("next_step", "suggested_action", "action"):
        value = get(key)
        if value:
            return gettext(str(value), locale)
    for reason in get("reasons") or []:
        if isinstance(reason, dict) and (reason.get("impact") or 0) > 0:
            step = PLAYBOOK.get(str(reason.get("feature")))
            if step:
                return gettext(step, locale)
    return gettext(NEXT_STEPS.get(tier or "", NEXT_STEPS["medium"]), locale)


def money(value: Any, locale: str, currency: str | None = None) -> str:
    if value is None:
        return ""
    return format_currency(
        float(value), currency or get_settings().default_currency, locale=babel_locale(locale)
    )


def _plain_number(value: Any) -> str:
    """``4.0`` → ``4``, ``7.5`` → ``7.5``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def timeline_entry(item: Any, locale: str) -> dict[str, Any]:
    """A timeline entry ``{kind, at, title, detail}`` from a store timeline item (dict or record)."""
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    kind = str(get("kind") or get("type") or "")
    data = get("data") or get("record") or {}
    if not isinstance(data, dict):
        data = {k: getattr(data, k, None) for k in dir(data) if not k.startswith("_")}

    def field(name: str) -> Any:
        value = get(name)
        return value if value is not None else data.get(name)

    at = field("at") or field("occurred_at") or field("ordered_at") or field("opened_at")
    title, detail = "", ""
    if kind == "order":
        title = gettext("Order", locale) + " · " + money(field("amount"), locale, field("currency"))
        detail = " · ".join(
            str(x)
            for x in (
                field("product"),
                field("category"),
                gettext(str(field("status") or ""), locale),
            )
            if x
        )
    elif kind == "interaction":
        channel = field("channel")
        title = gettext("Interaction", locale) + (
            " · " + gettext(str(channel), locale) if channel else ""
        )
        direction = field("direction")
        bits = [
            gettext(str(direction), locale) if direction else None,
            field("handled_by"),
            field("note"),
        ]
        detail = " · ".join(str(b) for b in bits if b)
    elif kind == "ticket":
        title = gettext("Ticket", locale) + (
            " · " + str(field("subject")) if field("subject") else ""
        )
        bits = [
            field("category"),
            gettext(str(field("priority")), locale) if field("priority") else None,
        ]
        if field("resolved_at"):
            bits.append(gettext("resolved", locale))
        elif kind == "ticket":
            bits.append(gettext("open", locale))
        if field("satisfaction") is not None:
            bits.append(
                gettext("satisfaction %(score)s/5", locale)
                % {"score": _plain_number(field("satisfaction"))}
            )
        detail = " · ".join(str(b) for b in bits if b)
    elif kind == "feedback":
        fb_kind = field("kind_") or field("feedback_kind") or data.get("kind")
        title = gettext("Feedback", locale) + (" · " + str(fb_kind).upper() if fb_kind else "")
        score = field("score")
        bits = [
            gettext("score %(score)s", locale) % {"score": _plain_number(score)}
            if score is not None
            else None,
            field("comment"),
        ]
        detail = " · ".join(str(b) for b in bits if b)
    else:
        title = str(field("title") or kind)
        detail = str(field("detail") or "")
    return {"kind": kind, "at": at, "title": title, "detail": detail}
