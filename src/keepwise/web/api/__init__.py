"""The REST API under ``/api/v1``: one router per resource (see ``docs/api.md``)."""

from __future__ import annotations

from fastapi import APIRouter

from keepwise.web.api import (
    accounts,
    analytics,
    audit,
    contacts,
    customers,
    feedback,
    interactions,
    orders,
    tasks,
    tickets,
    users,
)

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
for _module in (
    customers,
    orders,
    interactions,
    tickets,
    feedback,
    contacts,
    analytics,
    tasks,
    accounts,
    users,
    audit,
):
    api_router.include_router(_module.router)

__all__ = ["API_PREFIX", "api_router"]
