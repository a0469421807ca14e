"""Read and write facts about the store itself (the ``store_meta`` table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from keepwise.models import StoreMeta
from keepwise.store.db import require_current


def get_meta(url: str | None, key: str) -> Any:
    """The value stored under ``key``, or ``None``."""
    with require_current(url).connect() as conn:
        return conn.execute(
            select(StoreMeta.value).where(StoreMeta.key == key)
        ).scalar_one_or_none()


def set_meta(url: str | None, key: str, value: Any) -> None:
    """Store ``value`` (JSON-serialisable) under ``key``, replacing what was there."""
    with require_current(url).begin() as conn:
        conn.execute(delete(StoreMeta).where(StoreMeta.key == key))
        conn.execute(insert(StoreMeta).values(key=key, value=value))


def delete_meta(url: str | None, key: str) -> None:
    with require_current(url).begin() as conn:
        conn.execute(delete(StoreMeta).where(StoreMeta.key == key))
