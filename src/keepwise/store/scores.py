"""Churn scores in the store: one row per customer per scoring run; the newest is the current score."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    bindparam,
    select,
)
from sqlalchemy.orm import Session

from keepwise.models import ChurnScore, Customer, User
from keepwise.store.customers import get_customer


def customer_scores(session: Session, user: User, external_id: str) -> list[dict[str, Any]]:
    """Every churn score of one visible customer, newest first."""
    return scores_of(session, get_customer(session, user, external_id))


_SCORES_OF = (
    select(ChurnScore)
    .where(ChurnScore.customer_id == bindparam("customer_pk", type_=Integer))
    .order_by(ChurnScore.scored_at.desc(), ChurnScore.id.desc())
)


def scores_of(session: Session, customer: Customer) -> list[dict[str, Any]]:
    rows = session.execute(_SCORES_OF, {"customer_pk": customer.id}).scalars()
    return [
        {
            "customer_id": customer.external_id,
            "scored_at": s.scored_at,
            "cutoff": s.cutoff,
            "horizon_days": s.horizon_days,
            "probability": s.probability,
            "risk_tier": s.risk_tier,
            "reasons": s.reasons or [],
            "model_version": s.model_version,
        }
        for s in rows
    ]
