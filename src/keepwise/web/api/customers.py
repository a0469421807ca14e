"""``/api/v1/customers``: list, read, create, update and delete customers.

The path key is the customer's ``external_id`` (``/api/v1/customers/C000123``). A sales rep
sees only the customers they own; anyone else's customer answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from keepwise.store import customer360, scores
from keepwise.store import customers as customer_store
from keepwise.web.api._common import (
    DEFAULT_PER_PAGE,
    ERRORS,
    LangDep,
    PageParam,
    PerPageParam,
    SortParam,
    list_body,
    render_reasons,
    render_warning,
)
from keepwise.web.api.schemas import (
    CustomerCreate,
    CustomerPublic,
    CustomerUpdate,
    Deleted,
    ListResponse,
    ScoreHistoryItem,
)
from keepwise.web.deps import CurrentUser, SessionDep, client_ip
from keepwise.web.reports import rfm_members

router = APIRouter(prefix="/customers", tags=["customers"], responses=ERRORS)

Text = Annotated[str | None, Query()]


@router.get("", response_model=ListResponse[CustomerPublic], summary="List customers")
def list_customers(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[
        str | None, Query(description="Name or external id contains (case-insensitive).")
    ] = None,
    industry: Text = None,
    region: Text = None,
    owner: Text = None,
    tag: Annotated[str | None, Query(description="Customers having this tag.")] = None,
    status: Text = None,
    kind: Text = None,
    group_name: Text = None,
    rfm_segment: Annotated[
        str | None,
        Query(description="Only customers of this RFM segment (champions, at_risk, lost, ...)."),
    ] = None,
    sort: SortParam = None,
    page: PageParam = 1,
    per_page: PerPageParam = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    filters = {
        "q": q,
        "industry": industry,
        "region": region,
        "owner": owner,
        "tag": tag,
        "status": status,
        "kind": kind,
        "group_name": group_name,
    }
    result = customer_store.list_customers(
        session,
        user,
        filters=filters,
        sort=sort,
        page=page,
        per_page=per_page,
        external_ids=rfm_members(str(request.app.state.db_url), rfm_segment)
        if rfm_segment
        else None,
    )
    return list_body(request, result, CustomerPublic.model_validate)


@router.post("", response_model=CustomerPublic, status_code=201, summary="Create a customer")
def create_customer(
    request: Request, session: SessionDep, user: CurrentUser, body: CustomerCreate
) -> Any:
    data = body.model_dump(exclude_unset=True)
    return customer_store.create_customer(session, user, data, ip=client_ip(request))


@router.get("/{external_id}", response_model=CustomerPublic, summary="Read a customer")
def get_customer(session: SessionDep, user: CurrentUser, external_id: str) -> Any:
    return customer_store.get_customer(session, user, external_id)


@router.patch("/{external_id}", response_model=CustomerPublic, summary="Update a customer")
def update_customer(
    request: Request, session: SessionDep, user: CurrentUser, external_id: str, body: CustomerUpdate
) -> Any:
    data = body.model_dump(exclude_unset=True)
    return customer_store.update_customer(session, user, external_id, data, ip=client_ip(request))


@router.delete(
    "/{external_id}", response_model=Deleted, summary="Delete a customer and its records"
)
def delete_customer(
    request: Request, session: SessionDep, user: CurrentUser, external_id: str
) -> Any:
    customer_store.delete_customer(session, user, external_id, ip=client_ip(request))
    return {"ok": True, "deleted": external_id}


@router.get(
    "/{external_id}/scores", response_model=list[ScoreHistoryItem], summary="Churn score history"
)
def customer_scores(
    session: SessionDep, user: CurrentUser, locale: LangDep, external_id: str
) -> Any:
    return [
        {**s, "reasons": render_reasons(s["reasons"], locale)}
        for s in scores.customer_scores(session, user, external_id)
    ]


@router.get(
    "/{external_id}/timeline", summary="Orders, interactions, tickets and feedback, newest first"
)
def customer_timeline(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    external_id: str,
    page: PageParam = 1,
    per_page: PerPageParam = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    result = customer360.customer_timeline(session, user, external_id, page=page, per_page=per_page)
    return list_body(request, result)


@router.get(
    "/{external_id}/overview", summary="Customer 360: stats, churn score, contacts, warnings, tasks"
)
def customer_overview(
    session: SessionDep, user: CurrentUser, locale: LangDep, external_id: str
) -> dict[str, Any]:
    """What the customer 360 page shows, except the timeline (see ``/timeline``); reasons and
    warnings in the response's language."""
    info = customer360.customer_360(session, user, external_id)
    history = [{**s, "reasons": render_reasons(s["reasons"], locale)} for s in info["scores"]]
    return {
        "ok": True,
        **info,
        "score": history[0] if history else None,
        "scores": history,
        "warnings": [render_warning(w, locale) for w in info["warnings"]],
        "customer": CustomerPublic.model_validate(info["customer"]).model_dump(mode="json"),
    }
