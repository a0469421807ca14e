"""``/api/v1/tickets``: support tickets with response and resolution times."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from keepwise.web.api._records import record_router
from keepwise.web.api.schemas import TicketCreate, TicketPublic, TicketUpdate


def ticket_filters(
    priority: Annotated[str | None, Query(description="low, normal, high or urgent")] = None,
    category: str | None = None,
) -> dict[str, Any]:
    return {"priority": priority, "category": category}


router = record_router(
    "tickets",
    create_model=TicketCreate,
    update_model=TicketUpdate,
    public_model=TicketPublic,
    filters=ticket_filters,
)
