"""Write churn scores to the store: one new ``churn_scores`` row per customer per run (history kept).

Rows are inserted in bulk (DB-API ``executemany`` in chunks), never as ORM objects one by one.
The newest row per customer is its current score (the web app reads it that way).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from keepwise.errors import NotFoundError

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
        ``reasons_json`` (a list of reason dicts per customer).
    horizon_days, model_version
        Written on every row.
    scored_at
        Time of the run (default: now, UTC, without time zone as the store keeps it).

    Raises
    ------
    NotFoundError
        Some customers are not in the store (the first few are named).
    """
    from sqlalchemy import insert, select

    from keepwise.models import ChurnScore, Customer
    from keepwise.store import require_current

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
    reasons = (
        scores["reasons_json"].to_numpy()
        if "reasons_json" in scores.columns
        else np.full(len(scores), None)
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


def _dumps(value: Any) -> str:
    """JSON text (orjson when installed: ~10x faster than the json module)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency
        return json.dumps(value, ensure_ascii=False)
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode("utf-8")
