"""Contacts of B2B customers: the people of the decision chain."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keepwise.models.base import Base, ExternalId, Timestamped

if TYPE_CHECKING:
    from keepwise.models.customer import Customer


class Contact(ExternalId, Timestamped, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(
            "decision_weight IS NULL OR (decision_weight >= 0 AND decision_weight <= 1)",
            name="decision_weight",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(128))
    decision_weight: Mapped[float | None] = mapped_column(Float)
    last_contacted_at: Mapped[datetime | None] = mapped_column()
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))

    customer: Mapped[Customer] = relationship(back_populates="contacts")
