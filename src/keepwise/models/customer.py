"""Customers: the people and companies a business wants to keep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Float, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keepwise.models.base import Base, ExternalId, Timestamped

if TYPE_CHECKING:
    from keepwise.models.contact import Contact
    from keepwise.models.order import Order


class Customer(ExternalId, Timestamped, Base):
    """One customer. See ``docs/data-model.md`` for the meaning of every field."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("kind IN ('B2C', 'B2B')", name="kind"),
        CheckConstraint(
            "acquisition_cost IS NULL OR acquisition_cost >= 0", name="acquisition_cost"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(3), default="B2C", server_default="B2C")
    industry: Mapped[str | None] = mapped_column(String(128), index=True)
    region: Mapped[str | None] = mapped_column(String(128), index=True)
    group_name: Mapped[str | None] = mapped_column(String(128))
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    owner: Mapped[str | None] = mapped_column(String(128), index=True)
    acquired_at: Mapped[date | None] = mapped_column()
    acquisition_channel: Mapped[str | None] = mapped_column(String(128))
    acquisition_cost: Mapped[Decimal | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(32), default="active", server_default="active")
    contract_start: Mapped[date | None] = mapped_column()
    contract_end: Mapped[date | None] = mapped_column()
    # B2B account planning inputs (potential index, follow-up priority).
    budget: Mapped[Decimal | None] = mapped_column()
    budget_required: Mapped[Decimal | None] = mapped_column()
    technical_match: Mapped[float | None] = mapped_column(Float)
    industry_fit: Mapped[float | None] = mapped_column(Float)
    supply_chain_risk: Mapped[float | None] = mapped_column(Float)
    # Any further columns of the user's file, kept as-is.
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    orders: Mapped[list[Order]] = relationship(back_populates="customer", passive_deletes=True)
    contacts: Mapped[list[Contact]] = relationship(back_populates="customer", passive_deletes=True)

    def __repr__(self) -> str:
        return f"Customer(external_id={self.external_id!r}, name={self.name!r})"
