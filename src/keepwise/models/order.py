"""Orders: what customers bought, including refunds and cancellations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keepwise.models.base import Base, ExternalId, Timestamped

if TYPE_CHECKING:
    from keepwise.models.customer import Customer


class Order(ExternalId, Timestamped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint(
            "status IN ('completed', 'pending', 'refunded', 'cancelled')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    ordered_at: Mapped[datetime] = mapped_column(index=True)
    amount: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3), default="CNY", server_default="CNY")
    quantity: Mapped[float | None] = mapped_column(Float)
    product: Mapped[str | None] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="completed", server_default="completed")

    customer: Mapped[Customer] = relationship(back_populates="orders")
