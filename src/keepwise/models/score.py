"""Churn-risk scores (with history) and early warnings written by the analytics.

Their texts are kept as messages, not sentences: catalog key and parameters as JSON
(:meth:`keepwise.errors.Message.to_dict`), rendered in the reader's language by
:mod:`keepwise.i18n` (rows of stores older than revision 0005 carry their English and Chinese
texts as ``{"texts": {"en": ..., "zh_CN": ...}}``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from keepwise.models.base import Base

RISK_TIERS = ("low", "medium", "high")


class ChurnScore(Base):
    """One scoring of one customer: kept as history, newest per customer is current."""

    __tablename__ = "churn_scores"
    __table_args__ = (
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability"),
        CheckConstraint("risk_tier IN ('low', 'medium', 'high')", name="risk_tier"),
        Index("ix_churn_scores_customer_scored", "customer_id", "scored_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    scored_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    cutoff: Mapped[date] = mapped_column()
    horizon_days: Mapped[int] = mapped_column(Integer)
    probability: Mapped[float] = mapped_column(Float)
    risk_tier: Mapped[str] = mapped_column(String(8))
    #: ``[{"feature", "value", "impact", "message"}, ...]`` (:meth:`Reason.to_dict`), strongest first
    reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(64))


class Warning(Base):  # noqa: A001 - a CRM warning record, not the builtin
    """An early warning raised by a rule, with its evidence."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(64))
    observed: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(index=True)
    severity: Mapped[str] = mapped_column(String(16), default="medium", server_default="medium")
    action: Mapped[str | None] = mapped_column(String(64))
    #: the rule's message with its evidence: ``{"msgid", "msgid_plural"?, "params"}`` (or ``texts``)
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
