"""``/api/v1/audit``: who changed what (admins and managers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from keepwise.store import audit as audit_store
from keepwise.web.api._common import DEFAULT_PER_PAGE, ERRORS, PageParam, PerPageParam, list_body
from keepwise.web.api.schemas import AuditPublic, ListResponse
from keepwise.web.deps import SessionDep, require_role

router = APIRouter(tags=["audit"], responses=ERRORS)


@router.get(
    "/audit",
    response_model=ListResponse[AuditPublic],
    summary="The audit log, newest first",
    dependencies=[require_role("admin", "manager")],
)
def list_audit(
    request: Request,
    session: SessionDep,
    entity: str | None = None,
    entity_id: str | None = None,
    page: PageParam = 1,
    per_page: PerPageParam = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    result = audit_store.list_audit(
        session, entity=entity, entity_id=entity_id, page=page, per_page=per_page
    )
    return list_body(request, result)
