"""Support tickets, with response and resolution times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from keepwise.models.base import Base, ExternalId, Timestamped


class Ticket(ExternalId, Timestamped, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name="priority"),
        CheckConstraint(
            "satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 5)", name="satisfaction"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(index=True)
    first_response_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    category: Mapped[str | None] = mapped_column(String(128))
    priority: Mapped[str] = mapped_column(String(8), default="normal", server_default="normal")
    satisfaction: Mapped[float | None] = mapped_column(Float)
    subject: Mapped[str | None] = mapped_column(String(255))
