"""A small per-process cache for summaries that scan many rows (dashboard, at-risk list).

Entries expire after a time-to-live and whenever a write through the store's web functions
bumps :func:`keepwise.store.audit.data_generation`; writes from other processes (imports,
scoring runs) are seen after the time-to-live. One computation per key at a time: the
other requests for the same key wait for it instead of repeating the scan.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from keepwise.store.audit import data_generation

T = TypeVar("T")

DEFAULT_TTL_SECONDS = 60.0
_MAX_ENTRIES = 256

_entries: dict[Hashable, tuple[float, int, Any]] = {}
_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()


def cached(
    key: Hashable, compute: Callable[[], T], *, ttl_seconds: float = DEFAULT_TTL_SECONDS
) -> T:
    """Return the cached value for ``key``, computing it with ``compute()`` when stale or absent."""
    generation = data_generation()
    entry = _entries.get(key)
    now = time.monotonic()
    if entry is not None and entry[1] == generation and now - entry[0] < ttl_seconds:
        return entry[2]  # type: ignore[no-any-return]
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        entry = _entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[1] == generation and now - entry[0] < ttl_seconds:
            return entry[2]  # type: ignore[no-any-return]
        value = compute()
        with _guard:
            if len(_entries) >= _MAX_ENTRIES:
                oldest = min(_entries, key=lambda k: _entries[k][0])
                _entries.pop(oldest, None)
            _entries[key] = (time.monotonic(), generation, value)
        return value


def clear() -> None:
    """Forget every cached value (tests; after a bulk import in the same process)."""
    with _guard:
        _entries.clear()
