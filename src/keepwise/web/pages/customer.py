"""Customer 360: profile, tags, risk history with reasons, next-order window, warnings,
contacts, follow-ups, value (CLV and RFM segment) and a paginated timeline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from keepwise.store.customer360 import customer_360, customer_timeline
from keepwise.store.paging import Page, query_problem
from keepwise.store.tasks import assign_follow_ups
from keepwise.web.deps import PageUser, SessionDep
from keepwise.web.i18n import gettext
from keepwise.web.pages import _analytics
from keepwise.web.pages._common import render, request_locale, store_url
from keepwise.web.pages._format import reasons_list, timeline_entry

router = APIRouter()

TIMELINE_PER_PAGE = 20


def _timeline(
    result: Page[dict[str, Any]], external_id: str, page: int, locale: str
) -> dict[str, Any]:
    next_url = None
    if result.has_next:
        next_url = f"/customers/{quote(external_id, safe='')}/timeline?" + urlencode(
            {"page": page + 1}
        )
    return {
        "timeline_items": [timeline_entry(item, locale) for item in result.items],
        "timeline_next_url": next_url,
        "timeline_total": result.total,
    }


def _window_bar(window: dict[str, Any] | None) -> dict[str, float] | None:
    """Positions (percent) of the expected-order window and of "today" on a bar from the last order."""
    if not window or not window.get("window_start") or not window.get("last_order_date"):
        return None
    last = window["last_order_date"]
    start, end = window["window_start"], window["window_end"] or window["window_start"]
    today = last + timedelta(days=int(window.get("days_since_last_order") or 0))
    span = max((max(end, today) - last).days, 1) * 1.05

    def pos(day: date) -> float:
        return round(100 * (day - last).days / span, 1)

    return {"start": pos(start), "width": max(pos(end) - pos(start), 1.0), "today": pos(today)}


@router.get("/customers/{external_id}", response_class=HTMLResponse, name="customer")
def customer_page(
    request: Request, external_id: str, user: PageUser, session: SessionDep
) -> HTMLResponse:
    """One customer on one page (404 for customers the user may not see)."""
    locale = request_locale(request, user)
    info = customer_360(session, user, external_id, timeline_per_page=TIMELINE_PER_PAGE)
    customer = info["customer"]
    history = [{**s, "reasons": reasons_list(s.get("reasons"), locale)} for s in info["scores"]]
    risk_chart = None
    if len(history) >= 2:
        oldest_first = list(reversed(history))
        risk_chart = {
            "type": "line",
            "format": "percent",
            "legend": False,
            "x": [s["scored_at"].date().isoformat() for s in oldest_first],
            "series": [
                {
                    "name": gettext("Churn probability", locale),
                    "data": [round(float(s["probability"]), 4) for s in oldest_first],
                }
            ],
        }
    extra = _analytics.customer_analytics(store_url(request), customer.external_id, locale)
    stats = info["stats"]
    value = {
        "clv": extra.get("clv"),
        "segment": extra.get("segment"),
        "orders": stats.get("orders"),
        "revenue": stats.get("revenue"),
        "last_order": stats.get("last_order_at"),
    }
    tasks = [{**t, "assignee": t.get("assigned_to")} for t in info["tasks"]]
    window = extra.get("window")
    return render(
        request,
        "pages/customer.html",
        user,
        title=customer.name,
        active="customers",
        c=customer,
        score=info["score"],
        risk_history=history,
        risk_chart=risk_chart,
        value=value,
        window=window,
        window_bar=_window_bar(window),
        warnings=info["warnings"],
        tasks=tasks,
        contacts=info["contacts"],
        default_due=(date.today() + timedelta(days=7)).isoformat(),
        **_timeline(info["timeline"], customer.external_id, 1, locale),
    )


@router.post("/customers/{external_id}/follow-ups", name="customer_follow_up")
def add_follow_up(
    request: Request,
    external_id: str,
    user: PageUser,
    session: SessionDep,
    due: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Assign one follow-up on this customer (to its owner) and come back to the page."""
    locale = request_locale(request, user)
    try:
        due_at = date.fromisoformat(due) if due else date.today() + timedelta(days=7)
    except ValueError:
        raise query_problem("due", due, "not a date; use YYYY-MM-DD") from None
    assign_follow_ups(
        session,
        user,
        [external_id],
        None,
        due_at,
        title=gettext("Follow up: churn risk", locale),
        note=note or None,
        ip=request.client.host if request.client else None,
    )
    return RedirectResponse(f"/customers/{quote(external_id, safe='')}#tasks", status_code=303)


@router.get(
    "/customers/{external_id}/timeline", response_class=HTMLResponse, name="customer_timeline"
)
def timeline_more(
    request: Request, external_id: str, user: PageUser, session: SessionDep, page: int = 2
) -> HTMLResponse:
    """The next page of the timeline (htmx "load more")."""
    locale = request_locale(request, user)
    page = max(page, 1)
    result = customer_timeline(session, user, external_id, page=page, per_page=TIMELINE_PER_PAGE)
    return render(
        request,
        "partials/timeline_items.html",
        user,
        **_timeline(result, external_id, page, locale),
    )
