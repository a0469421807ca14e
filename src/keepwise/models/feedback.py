"""Satisfaction feedback: NPS (0-10), CSAT (1-5) and survey scores with comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keepwise.models.base import Base, ExternalId, Timestamped


class Feedback(ExternalId, Timestamped, Base):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("kind IN ('nps', 'csat', 'survey')", name="kind"),
        CheckConstraint(
            "(kind = 'nps' AND score >= 0 AND score <= 10)"
            " OR (kind = 'csat' AND score >= 1 AND score <= 5)"
            " OR (kind = 'survey' AND score >= 0 AND score <= 100)",
            name="score",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
