"""Read queries over the store used by the CLI, the API and the analytics loader."""

from __future__ import annotations

from sqlalchemy import func, select

from keepwise.models import TABLES
from keepwise.store.db import require_current


def row_counts(url: str | None = None) -> dict[str, int]:
    """Number of rows in each CRM table, in load order."""
    engine = require_current(url)
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for name, model in TABLES.items():
            counts[name] = int(
                connection.execute(select(func.count()).select_from(model)).scalar_one()
            )
    return counts
