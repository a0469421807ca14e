"""``/api/v1/interactions``: calls, emails, visits, meetings, chats and WeChat messages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from keepwise.web.api._records import record_router
from keepwise.web.api.schemas import InteractionCreate, InteractionPublic, InteractionUpdate


def interaction_filters(
    channel: Annotated[
        str | None, Query(description="call, email, visit, meeting, chat or wechat")
    ] = None,
    direction: Annotated[str | None, Query(description="inbound or outbound")] = None,
    handled_by: str | None = None,
) -> dict[str, Any]:
    return {"channel": channel, "direction": direction, "handled_by": handled_by}


router = record_router(
    "interactions",
    create_model=InteractionCreate,
    update_model=InteractionUpdate,
    public_model=InteractionPublic,
    filters=interaction_filters,
)
