"""``/api/v1/at-risk`` and ``/api/v1/tasks``: the at-risk list and follow-up tasks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from keepwise.store import risk, tasks
from keepwise.web.api._common import (
    DEFAULT_PER_PAGE,
    ERRORS,
    LangDep,
    PageParam,
    PerPageParam,
    list_body,
    render_reasons,
)
from keepwise.web.api.schemas import FollowUpCreate, ListResponse, ScorePublic, TaskPublic
from keepwise.web.deps import CurrentUser, SessionDep, client_ip
from keepwise.web.reports import rfm_members

router = APIRouter(tags=["tasks"], responses=ERRORS)


@router.get(
    "/at-risk",
    response_model=ListResponse[ScorePublic],
    summary="At-risk customers, biggest loss first",
)
def at_risk(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    locale: LangDep,
    tier: Annotated[
        list[str] | None, Query(description="Risk tiers to list (default high and medium).")
    ] = None,
    region: str | None = None,
    industry: str | None = None,
    owner: str | None = None,
    group_name: str | None = None,
    q: str | None = None,
    rfm_segment: Annotated[
        str | None,
        Query(description="Only customers of this RFM segment (champions, at_risk, lost, ...)."),
    ] = None,
    sort: Annotated[
        str | None, Query(description="expected_loss (default), probability, value_12m, name")
    ] = None,
    page: PageParam = 1,
    per_page: PerPageParam = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    filters = {
        "region": region,
        "industry": industry,
        "owner": owner,
        "group_name": group_name,
        "q": q,
    }
    result = risk.at_risk_customers(
        session,
        user,
        tiers=tier or ("high", "medium"),
        filters=filters,
        sort=sort,
        page=page,
        per_page=per_page,
        customer_ids=rfm_members(str(request.app.state.db_url), rfm_segment)
        if rfm_segment
        else None,
    )
    return list_body(
        request, result, lambda item: {**item, "reasons": render_reasons(item["reasons"], locale)}
    )


@router.get("/tasks", response_model=ListResponse[TaskPublic], summary="Follow-up tasks")
def list_tasks(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    status: str | None = "open",
    mine: bool = False,
    page: PageParam = 1,
    per_page: PerPageParam = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    result = tasks.list_tasks(session, user, status=status, mine=mine, page=page, per_page=per_page)
    return list_body(request, result)


@router.post(
    "/tasks/follow-ups",
    response_model=list[TaskPublic],
    status_code=201,
    summary="Assign follow-ups",
)
def assign_follow_ups(
    request: Request, session: SessionDep, user: CurrentUser, body: FollowUpCreate
) -> Any:
    return tasks.assign_follow_ups(
        session,
        user,
        body.customer_ids,
        body.assignee,
        body.due_at,
        title=body.title,
        note=body.note,
        ip=client_ip(request),
    )
