"""Interactions: calls, emails, visits, meetings, chats and WeChat messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keepwise.models.base import Base, ExternalId, Timestamped


class Interaction(ExternalId, Timestamped, Base):
    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(
            "channel IN ('call', 'email', 'visit', 'meeting', 'chat', 'wechat')", name="channel"
        ),
        CheckConstraint(
            "direction IS NULL OR direction IN ('inbound', 'outbound')", name="direction"
        ),
        CheckConstraint("duration_minutes IS NULL OR duration_minutes >= 0", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str | None] = mapped_column(String(8))
    duration_minutes: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[str | None] = mapped_column(String(128))
