"""Dashboard: KPIs, churn/retention trend, cohorts, RFM segments, risk tiers and CLV."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from keepwise.web.analytics import Scope
from keepwise.web.deps import PageUser, SessionDep
from keepwise.web.i18n import N_, gettext
from keepwise.web.pages import _analytics
from keepwise.web.pages._common import is_htmx, page_redirect, render, request_locale, store_url

router = APIRouter()

FREQS = {"month": N_("Monthly"), "quarter": N_("Quarterly")}
WINDOWS = {
    12: N_("Last 12 months"),
    24: N_("Last 24 months"),
    6: N_("Last 6 months"),
    0: N_("All history"),
}
SEGMENT_GROUPS = {
    "kind": N_("Customer type"),
    "region": N_("Region"),
    "group_name": N_("Group"),
    "industry": N_("Industry"),
}


def _filters(freq: str, months: int, segment: str, rfm: str = "") -> dict[str, Any]:
    rfm_keys = {key for key, _ in _analytics.rfm_segment_options("en")}
    return {
        "freq": freq if freq in FREQS else "month",
        "months": months if months in WINDOWS else 12,
        "segment": segment or "",
        "rfm": rfm if rfm in rfm_keys else "",
    }


@router.get("/", response_class=HTMLResponse, name="dashboard")
def dashboard(
    request: Request,
    user: PageUser,
    freq: str = "month",
    months: int = 12,
    segment: str = "",
    rfm: str = "",
) -> HTMLResponse:
    locale = request_locale(request, user)
    filters = _filters(freq, months, segment, rfm)
    # The segment choices need the analytics dataset (slow on a cold start); the body partial
    # fills them in with an out-of-band swap, so the page shell answers at once.
    segment_options = (
        [("", [(filters["segment"], filters["segment"].partition(":")[2])])]
        if filters["segment"]
        else []
    )
    return render(
        request,
        "pages/dashboard.html",
        user,
        title=gettext("Dashboard", locale),
        active="dashboard",
        filters=filters,
        query=urlencode(filters),
        freq_options=[(k, gettext(v, locale)) for k, v in FREQS.items()],
        months_options=[(k, gettext(v, locale)) for k, v in WINDOWS.items()],
        segment_options=segment_options,
        rfm_options=_analytics.rfm_segment_options(locale),
        rfm_selected=filters["rfm"],
    )


@router.get("/dashboard/body", response_class=HTMLResponse, name="dashboard_body")
def dashboard_body(
    request: Request,
    user: PageUser,
    session: SessionDep,
    freq: str = "month",
    months: int = 12,
    segment: Annotated[str, Query(max_length=200)] = "",
    rfm: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The dashboard's KPIs and charts (loaded by htmx after the page shell)."""
    if not is_htmx(request):
        return page_redirect(request, "/")
    locale = request_locale(request, user)
    filters = _filters(freq, months, segment, rfm)
    url = store_url(request)
    seg_filters = _analytics.segment_fields(filters["segment"])
    members = _analytics.rfm_members(url, filters["rfm"]) if filters["rfm"] else None
    # The API's GET /dashboard?period=&region=...&rfm_segment= scopes its figures the same way.
    scope = Scope.of(user, fields=seg_filters, customer_ids=members)
    d = _analytics.dashboard_data(
        url, scope=scope, freq=filters["freq"], months=filters["months"], locale=locale
    )
    d = dict(d)
    d["charts"] = dict(d.get("charts", {}))
    d["kpis"] = dict(d.get("kpis", {}))
    d["freq_label"] = gettext(FREQS[filters["freq"]], locale)
    if filters["segment"]:
        d["segment_label"] = filters["segment"].partition(":")[2]
    if filters["rfm"]:
        d["rfm_label"] = dict(_analytics.rfm_segment_options(locale))[filters["rfm"]]
    risk = _risk_summary(session, user, locale, seg_filters, members, filters["rfm"])
    d["kpis"]["at_risk"] = risk["at_risk"]
    d["kpis"]["value_at_risk"] = risk["value_at_risk"]
    d["charts"]["risk"] = risk["chart"]
    options = _analytics.segment_options(url, Scope.of(user))
    segment_options = [(gettext(SEGMENT_GROUPS.get(f, f), locale), values) for f, values in options]
    return render(
        request,
        "partials/dashboard_body.html",
        user,
        d=d,
        filters=filters,
        segment_options=segment_options,
        segment_oob=True,
    )


def _risk_summary(
    session: Any,
    user: Any,
    locale: str,
    filters: dict[str, str],
    members: frozenset[str] | None,
    rfm: str,
) -> dict[str, Any]:
    """Current risk tiers and revenue at risk from the store's churn scores."""
    from keepwise.store.risk import risk_summary

    risk = risk_summary(session, user, filters=filters or None, customer_ids=members)
    tiers = risk.get("by_tier") or {}
    more = f"&rfm={rfm}" if rfm else ""
    chart = None
    if any(tiers.values()):
        keys = ["low", "medium", "high"]
        chart = {
            "type": "bar",
            "x": [gettext(k, locale) for k in keys],
            "keys": keys,
            "colors_by_category": True,
            "links": [f"/at-risk?tier={k}{more}" for k in keys],
            "series": [
                {"name": gettext("Customers", locale), "data": [int(tiers.get(k, 0)) for k in keys]}
            ],
        }
    return {
        "at_risk": risk["at_risk"] if risk.get("scored") else None,
        "value_at_risk": risk["value_at_risk"] if risk.get("scored") else None,
        "chart": chart,
    }
