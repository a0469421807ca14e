"""A router factory for the records that belong to a customer (orders, interactions, ...).

Every resource module calls :func:`record_router` with its model family and a filter
dependency, so the five routers behave the same: list (paged, filtered, sorted), read,
create, update (PATCH) and delete, keyed by the record's ``external_id``.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from keepwise.store import records as record_store
from keepwise.web.api._common import (
    DEFAULT_PER_PAGE,
    ERRORS,
    PageParam,
    PerPageParam,
    SortParam,
    list_body,
)
from keepwise.web.api.schemas import Deleted, ListResponse
from keepwise.web.deps import CurrentUser, SessionDep, client_ip

CustomerParam = Annotated[str | None, Query(description="The customer's external id.")]
SinceParam = Annotated[datetime | None, Query(description="Only records on or after this time.")]
UntilParam = Annotated[datetime | None, Query(description="Only records before this time.")]


def record_router(
    kind_name: str,
    *,
    create_model: type[BaseModel],
    update_model: type[BaseModel],
    public_model: type[BaseModel],
    filters: Callable[..., dict[str, Any]],
) -> APIRouter:
    """Build the CRUD router of one record kind (see :data:`keepwise.store.records.RECORD_KINDS`)."""
    kind = record_store.record_kind(kind_name)
    router = APIRouter(prefix=f"/{kind.name}", tags=[kind.name], responses=ERRORS)
    entity = kind.entity

    @router.get("", response_model=ListResponse[public_model], summary=f"List {kind.name}")  # type: ignore[valid-type]
    def list_records(
        request: Request,
        session: SessionDep,
        user: CurrentUser,
        extra: Annotated[dict[str, Any], Depends(filters)],
        customer_id: CustomerParam = None,
        since: SinceParam = None,
        until: UntilParam = None,
        sort: SortParam = None,
        page: PageParam = 1,
        per_page: PerPageParam = DEFAULT_PER_PAGE,
    ) -> dict[str, Any]:
        result = record_store.list_records(
            session,
            user,
            kind.name,
            customer_id=customer_id,
            filters={**extra, "since": since, "until": until},
            sort=sort,
            page=page,
            per_page=per_page,
        )
        return list_body(request, result)

    @router.post("", response_model=public_model, status_code=201, summary=f"Create an {entity}")
    def create_record(
        request: Request,
        session: SessionDep,
        user: CurrentUser,
        body: create_model,  # type: ignore[valid-type]
    ) -> Any:
        data = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return record_store.create_record(session, user, kind.name, data, ip=client_ip(request))

    @router.get("/{external_id}", response_model=public_model, summary=f"Read an {entity}")
    def get_record(session: SessionDep, user: CurrentUser, external_id: str) -> Any:
        return record_store.get_record(session, user, kind.name, external_id)

    @router.patch("/{external_id}", response_model=public_model, summary=f"Update an {entity}")
    def update_record(
        request: Request,
        session: SessionDep,
        user: CurrentUser,
        external_id: str,
        body: update_model,  # type: ignore[valid-type]
    ) -> Any:
        data = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return record_store.update_record(
            session, user, kind.name, external_id, data, ip=client_ip(request)
        )

    @router.delete("/{external_id}", response_model=Deleted, summary=f"Delete an {entity}")
    def delete_record(
        request: Request, session: SessionDep, user: CurrentUser, external_id: str
    ) -> Any:
        record_store.delete_record(session, user, kind.name, external_id, ip=client_ip(request))
        return {"ok": True, "deleted": external_id}

    return router
