"""``/api/v1/contacts``: the people of a B2B customer's decision chain."""

from __future__ import annotations

from typing import Any

from keepwise.web.api._records import record_router
from keepwise.web.api.schemas import ContactCreate, ContactPublic, ContactUpdate


def contact_filters(role: str | None = None) -> dict[str, Any]:
    return {"role": role}


router = record_router(
    "contacts",
    create_model=ContactCreate,
    update_model=ContactUpdate,
    public_model=ContactPublic,
    filters=contact_filters,
)
