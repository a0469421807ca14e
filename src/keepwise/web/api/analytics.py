"""``/api/v1/metrics/*``, ``/cohorts``, ``/rfm``, ``/scores``, ``/warnings``, ``/dashboard``: analytics reads.

Metrics, cohorts and RFM run the :mod:`keepwise.analytics` reports on the store (read into
DuckDB, cached); scores and warnings are the rows the scoring and warning runs stored.
A sales rep's figures cover only their own customers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from keepwise.store import dashboard as dashboard_store
from keepwise.store import risk
from keepwise.store import warnings as warning_store
from keepwise.store.paging import Page, check_paging
from keepwise.web import reports
from keepwise.web.api._common import (
    DEFAULT_PER_PAGE,
    ERRORS,
    LangDep,
    PageParam,
    PerPageParam,
    list_body,
    render_reasons,
    render_warning,
)
from keepwise.web.api.schemas import ListResponse, ScorePublic, WarningPublic
from keepwise.web.deps import CurrentUser, SessionDep
from keepwise.web.i18n import gettext

router = APIRouter(tags=["analytics"], responses=ERRORS)

Period = Annotated[Literal["month", "quarter", "year"], Query(description="Period length.")]
Start = Annotated[date | None, Query(description="First period to report (default: first order).")]
End = Annotated[date | None, Query(description="Last period to report (default: last order).")]


def _url(request: Request) -> str:
    return str(request.app.state.db_url)


def _table(frame: Any, **meta: Any) -> dict[str, Any]:
    return {"ok": True, **meta, "columns": list(frame.columns), "rows": reports.records(frame)}


@router.get("/metrics/churn", summary="Customer churn per period")
def churn(
    request: Request,
    user: CurrentUser,
    period: Period = "month",
    start: Start = None,
    end: End = None,
) -> dict[str, Any]:
    frame = reports.churn_table(_url(request), user, period=period, start=start, end=end)
    return _table(frame, period=period)


@router.get("/metrics/retention", summary="Customer and revenue retention per period")
def retention(
    request: Request,
    user: CurrentUser,
    period: Period = "month",
    start: Start = None,
    end: End = None,
) -> dict[str, Any]:
    frame = reports.retention_table(_url(request), user, period=period, start=start, end=end)
    return _table(frame, period=period)


@router.get("/metrics/revenue", summary="Revenue and revenue retention per period")
def revenue(
    request: Request,
    user: CurrentUser,
    period: Period = "month",
    start: Start = None,
    end: End = None,
) -> dict[str, Any]:
    frame = reports.revenue_table(_url(request), user, period=period, start=start, end=end)
    return _table(frame, period=period)


@router.get("/cohorts", summary="Monthly acquisition cohorts (long format)")
def cohorts(
    request: Request, user: CurrentUser, max_months: Annotated[int, Query(ge=1, le=120)] = 24
) -> dict[str, Any]:
    return _table(reports.cohort_table(_url(request), user, max_months=max_months))


def _segment_names(frame: Any, locale: str) -> Any:
    """``segment_name`` in ``locale`` (``segment`` stays the key)."""
    return frame.assign(segment_name=[gettext(str(n), locale) for n in frame["segment_name"]])


@router.get("/rfm", summary="RFM scores and segments per customer")
def rfm(
    request: Request,
    user: CurrentUser,
    locale: LangDep,
    segment: str | None = None,
    page: PageParam = 1,
    per_page: PerPageParam = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    check_paging(page, per_page)
    frame = reports.rfm_table(_url(request), user)
    if segment:
        frame = frame[frame["segment"] == segment]
    chunk = _segment_names(frame.iloc[(page - 1) * per_page : page * per_page], locale)
    return list_body(request, Page(reports.records(chunk), len(frame), page, per_page))


@router.get("/rfm/segments", summary="Customers and mean R/F/M per RFM segment")
def rfm_segments(request: Request, user: CurrentUser, locale: LangDep) -> dict[str, Any]:
    return _table(_segment_names(reports.rfm_segments(_url(request), user), locale))


@router.get(
    "/scores", response_model=ListResponse[ScorePublic], summary="Newest churn score per customer"
)
def scores(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    locale: LangDep,
    tier: Annotated[list[str] | None, Query(description="Only these risk tiers.")] = None,
    sort: Annotated[
        str | None, Query(description="expected_loss (default), probability, value_12m, name")
    ] = None,
    page: PageParam = 1,
    per_page: PerPageParam = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    """Each customer's newest score with its reasons (``text`` in the response's language), its
    12-month value and expected loss."""
    result = risk.at_risk_customers(
        session, user, tiers=tier, sort=sort, page=page, per_page=per_page
    )
    return list_body(
        request, result, lambda item: {**item, "reasons": render_reasons(item["reasons"], locale)}
    )


@router.get("/warnings", response_model=ListResponse[WarningPublic], summary="Early warnings")
def warnings(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    locale: LangDep,
    status: Annotated[str | None, Query(description="open (default), or empty for all")] = "open",
    severity: str | None = None,
    customer_id: str | None = None,
    page: PageParam = 1,
    per_page: PerPageParam = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    result = warning_store.list_warnings(
        session,
        user,
        status=status or None,
        severity=severity,
        customer_id=customer_id,
        page=page,
        per_page=per_page,
    )
    return list_body(request, result, lambda item: render_warning(item, locale))


@router.get("/dashboard", summary="The dashboard's figures")
def dashboard(
    session: SessionDep,
    user: CurrentUser,
    period: Annotated[Literal["week", "month", "quarter"], Query()] = "month",
    region: str | None = None,
    industry: str | None = None,
    owner: str | None = None,
    group_name: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    filters = {
        "region": region,
        "industry": industry,
        "owner": owner,
        "group_name": group_name,
        "kind": kind,
    }
    summary = dashboard_store.dashboard_summary(session, user, period=period, filters=filters)
    return {"ok": True, **summary}
