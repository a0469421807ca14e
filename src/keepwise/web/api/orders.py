"""``/api/v1/orders``: a customer's orders (amount, product, status)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from keepwise.web.api._records import record_router
from keepwise.web.api.schemas import OrderCreate, OrderPublic, OrderUpdate


def order_filters(
    status: Annotated[
        str | None, Query(description="completed, pending, refunded or cancelled")
    ] = None,
    category: str | None = None,
    product: str | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    return {"status": status, "category": category, "product": product, "currency": currency}


router = record_router(
    "orders",
    create_model=OrderCreate,
    update_model=OrderUpdate,
    public_model=OrderPublic,
    filters=order_filters,
)
