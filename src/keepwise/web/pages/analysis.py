"""Analysis: churn by segment, the churned-customer profile and survival curves."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from keepwise.web.analytics import Scope
from keepwise.web.deps import PageUser
from keepwise.web.i18n import N_, gettext
from keepwise.web.pages import _analytics
from keepwise.web.pages._common import is_htmx, page_redirect, render, request_locale, store_url

router = APIRouter()

DIMENSION_LABELS = {
    "kind": N_("Customer type"),
    "industry": N_("Industry"),
    "region": N_("Region"),
    "channel": N_("Acquisition channel"),
    "group": N_("Group"),
    "frequency_band": N_("Orders placed"),
    "monetary_band": N_("Revenue quartile"),
    "interaction_band": N_("Interactions in the last year"),
    "tag": N_("Tag"),
    "owner": N_("Owner"),
}
BAND_ORDER = {
    "frequency_band": ["1", "2", "3-5", "6-10", "11+"],
    "interaction_band": ["0", "1-2", "3-5", "6+"],
}
MISSING = N_("(missing)")
SURVIVAL_GROUPS = {
    "": N_("All customers"),
    "kind": N_("Customer type"),
    "region": N_("Region"),
    "channel": N_("Acquisition channel"),
}


@router.get("/analysis", response_class=HTMLResponse, name="analysis")
def analysis(request: Request, user: PageUser, by: str = "") -> HTMLResponse:
    locale = request_locale(request, user)
    by = by if by in SURVIVAL_GROUPS else ""
    return render(
        request,
        "pages/analysis.html",
        user,
        title=gettext("Analysis", locale),
        active="analysis",
        by=by,
        survival_groups=[(k, gettext(v, locale)) for k, v in SURVIVAL_GROUPS.items()],
    )


@router.get("/analysis/body", response_class=HTMLResponse, name="analysis_body")
def analysis_body(request: Request, user: PageUser, by: str = "") -> Response:
    """The analysis tables and curves (loaded by htmx after the page shell)."""
    if not is_htmx(request):
        return page_redirect(request, "/analysis")
    locale = request_locale(request, user)
    by = by if by in SURVIVAL_GROUPS else ""
    a = _analytics.analysis_data(
        store_url(request), scope=Scope.of(user), locale=locale, by=by or None
    )
    grouped: dict[str, list[dict[str, object]]] = {}
    for row in a.get("segments", []):
        grouped.setdefault(str(row["dimension"]), []).append(row)
    for dim, rows in grouped.items():
        if dim in BAND_ORDER:
            rows.sort(
                key=lambda r: (
                    BAND_ORDER[dim].index(r["segment"]) if r["segment"] in BAND_ORDER[dim] else 99
                )
            )
    return render(
        request,
        "partials/analysis_body.html",
        user,
        a=a,
        grouped=grouped,
        dimension_labels={k: gettext(v, locale) for k, v in DIMENSION_LABELS.items()},
    )
