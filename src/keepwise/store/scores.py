"""Churn scores in the store: one row per customer per scoring run; the newest is the current score.

:func:`write_churn_scores` writes a scoring run (what ``keepwise churn score`` and the demo do
with :meth:`TransactionChurnModel.score_frame`); :func:`customer_scores` reads one customer's
history. Reasons are kept as catalog keys with parameters and rendered by the reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    Integer,
    bindparam,
    insert,
    select,
)
from sqlalchemy.orm import Session

from keepwise.errors import NotFoundError
from keepwise.models import ChurnScore, Customer, User
from keepwise.store.customers import get_customer
from keepwise.store.db import require_current

__all__ = ["customer_scores", "scores_of", "write_churn_scores"]


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


_CHUNK = 50_000


def write_churn_scores(
    url: str | None,
    scores: pd.DataFrame,
    *,
    horizon_days: int,
    model_version: str,
    scored_at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert one score row per customer; return the number of rows written.

    Parameters
    ----------
    url
        Store URL (``None``: the configured store).
    scores
        ``customer_id`` (external id), ``cutoff``, ``churn_probability``, ``risk_tier`` and
        ``reasons_json`` (per customer a list of reasons as
        :meth:`keepwise.analytics.churn.Reason.to_dict` gives them: feature, value, impact and
        the message as catalog key and parameters), as
        :meth:`TransactionChurnModel.score_frame` returns them.
    horizon_days, model_version
        Written on every row.
    scored_at
        Time of the run (default: now, UTC, without time zone as the store keeps it).

    Raises
    ------
    NotFoundError
        Some customers are not in the store (the first few are named).
    """
    engine = require_current(url)
    when = (scored_at or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Customer.external_id, Customer.id)).all())
    pk = scores["customer_id"].astype(str).map(ids)
    missing = scores.loc[pk.isna(), "customer_id"].astype(str)
    if len(missing):
        raise NotFoundError(
            f"{len(missing):,} scored customers are not in the store (e.g. {', '.join(missing.head(5))}); "
            "import the customers first or score the store itself (--data = the store URL)"
        )
    cutoffs = pd.to_datetime(scores["cutoff"]).dt.date.to_numpy()
    probs = scores["churn_probability"].to_numpy(dtype=float)
    tiers = scores["risk_tier"].astype(str).to_numpy()
    reasons: list[Any] = (
        [_reason_dicts(r) for r in scores["reasons_json"]]
        if "reasons_json" in scores.columns
        else [None] * len(scores)
    )
    pks = pk.astype(int).to_numpy()
    written = 0
    is_sqlite = engine.dialect.name == "sqlite"
    when_text = when.strftime("%Y-%m-%d %H:%M:%S.%f")
    cutoff_text = {d: d.isoformat() for d in set(cutoffs)}
    with engine.begin() as conn:
        for start in range(0, len(scores), _CHUNK):
            stop = min(start + _CHUNK, len(scores))
            if is_sqlite:  # plain DB-API executemany: the JSON is serialised once here
                rows = [
                    (
                        int(pks[i]),
                        when_text,
                        cutoff_text[cutoffs[i]],
                        horizon_days,
                        float(probs[i]),
                        tiers[i],
                        _dumps(reasons[i]),
                        model_version,
                    )
                    for i in range(start, stop)
                ]
                conn.exec_driver_sql(
                    "INSERT INTO churn_scores (customer_id, scored_at, cutoff, horizon_days, probability, "
                    "risk_tier, reasons, model_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            else:
                conn.execute(
                    insert(ChurnScore),
                    [
                        {
                            "customer_id": int(pks[i]),
                            "scored_at": when,
                            "cutoff": cutoffs[i],
                            "horizon_days": horizon_days,
                            "probability": float(probs[i]),
                            "risk_tier": tiers[i],
                            "reasons": reasons[i],
                            "model_version": model_version,
                        }
                        for i in range(start, stop)
                    ],
                )
            written += stop - start
            if progress is not None:
                progress(stop - start)
    return written


def _reason_dicts(reasons: Any) -> Any:
    """A customer's reasons as JSON-ready dicts (:class:`Reason` objects are turned into theirs)."""
    if isinstance(reasons, list | tuple) and any(hasattr(r, "to_dict") for r in reasons):
        return [r.to_dict() if hasattr(r, "to_dict") else r for r in reasons]
    return reasons


def _dumps(value: Any) -> str:
    """JSON text (orjson when installed: ~10x faster than the json module)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency
        return json.dumps(value, ensure_ascii=False)
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode("utf-8")
