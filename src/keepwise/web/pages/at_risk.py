"""At-risk list: customers by churn risk × value, with reasons, next steps and bulk follow-ups."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from keepwise.errors import KeepwiseError
from keepwise.store.paging import sees_all_customers
from keepwise.store.risk import at_risk_customers
from keepwise.store.tasks import assign_follow_ups
from keepwise.web.deps import PageUser, SessionDep
from keepwise.web.i18n import gettext, ngettext
from keepwise.web.pages import _analytics
from keepwise.web.pages._common import is_htmx, render, request_locale, store_url
from keepwise.web.pages._format import next_step, reasons_list

router = APIRouter()

PER_PAGE = 25
TIERS = ("high", "medium", "low")
FOLLOW_UP_DAYS = 7


def _tiers(tier: str) -> tuple[str, ...]:
    return (tier,) if tier in TIERS else ("high", "medium")


def _assignees(session: Any, user: Any) -> list[Any]:
    if not sees_all_customers(user):
        return [user]
    from keepwise.store.users import list_users

    return [u for u in list_users(session) if u.is_active]


def _context(
    request: Request, session: Any, user: Any, tier: str, page: int, q: str = "", rfm: str = ""
) -> dict[str, Any]:
    locale = request_locale(request, user)
    tier = tier if tier in TIERS else ""
    q = q.strip()[:100]
    rfm_options = _analytics.rfm_segment_options(locale)
    rfm = rfm if rfm in dict(rfm_options) else ""
    members = _analytics.rfm_members(store_url(request), rfm) if rfm else None
    result = at_risk_customers(
        session,
        user,
        tiers=_tiers(tier),
        filters={"q": q} if q else None,
        page=max(page, 1),
        per_page=PER_PAGE,
        customer_ids=members,
    )
    rows = [
        {
            **item,
            "reasons": reasons_list(item.get("reasons"), locale),
            "next_step": next_step(item, item.get("risk_tier"), locale),
        }
        for item in result.items
    ]
    has_scores = bool(rows) or at_risk_customers(session, user, tiers=None, per_page=1).total > 0

    def page_url(n: int) -> str:
        return "/at-risk?" + urlencode(
            {k: v for k, v in (("tier", tier), ("rfm", rfm), ("q", q), ("page", n)) if v}
        )

    return {
        "title": gettext("At-risk customers", locale),
        "active": "at_risk",
        "rows": rows,
        "page": result,
        "page_url": page_url,
        "tier": tier,
        "q": q,
        "rfm_selected": rfm,
        "rfm_options": rfm_options,
        "has_scores": has_scores,
        "assignees": _assignees(session, user),
        "default_due": (date.today() + timedelta(days=FOLLOW_UP_DAYS)).isoformat(),
    }


@router.get("/at-risk", response_class=HTMLResponse, name="at_risk")
def at_risk(
    request: Request,
    user: PageUser,
    session: SessionDep,
    tier: str = "",
    q: str = "",
    page: int = 1,
    rfm: str = "",
) -> HTMLResponse:
    """The list; htmx's filter requests (target ``at-risk-list``) get just the list back."""
    context = _context(request, session, user, tier, page, q, rfm)
    if is_htmx(request) and request.headers.get("hx-target") == "at-risk-list":
        return render(request, "partials/at_risk_table.html", user, **context)
    return render(request, "pages/at_risk.html", user, **context)


@router.post("/at-risk/follow-ups", response_class=HTMLResponse, name="at_risk_follow_ups")
def bulk_follow_ups(
    request: Request,
    user: PageUser,
    session: SessionDep,
    customer_id: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI form default
    assignee: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    tier: Annotated[str, Form()] = "",
    q: Annotated[str, Form()] = "",
    page: Annotated[int, Form()] = 1,
    rfm: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Create a follow-up task for each selected customer; answer with the refreshed list."""
    locale = request_locale(request, user)
    result: dict[str, str]
    try:
        due_at = date.fromisoformat(due) if due else date.today() + timedelta(days=FOLLOW_UP_DAYS)
    except ValueError:
        due_at = None
    if due_at is None:
        result = {"kind": "error", "text": gettext("Invalid date.", locale)}
    elif not customer_id:
        result = {"kind": "error", "text": gettext("Choose at least one customer.", locale)}
    else:
        try:
            created = assign_follow_ups(
                session,
                user,
                customer_id,
                assignee or None,
                due_at,
                title=gettext("Follow up: churn risk", locale),
                note=note or None,
                ip=request.client.host if request.client else None,
            )
            text = ngettext(
                "%(num)s follow-up assigned.", "%(num)s follow-ups assigned.", len(created), locale
            )
            result = {"kind": "ok", "text": text % {"num": len(created)}}
        except KeepwiseError as exc:
            session.rollback()
            result = {"kind": "error", "text": str(exc)}
    ctx = _context(request, session, user, tier, page, q, rfm)
    return render(request, "partials/at_risk_table.html", user, result=result, **ctx)
