"""A small per-process cache for summaries that scan many rows (dashboard, at-risk list, reports).

* A write through the store's web functions bumps :func:`keepwise.store.audit.data_generation`;
  the next request recomputes (and waits), so people see their own changes at once.
* When an entry is only older than its time-to-live (changes made by other processes, such
  as a CLI import or a scoring run, are picked up this way), the stale value is returned at
  once and one background thread recomputes it (stale-while-revalidate), so a busy server
  never stalls every request on the same expensive scan.
* One computation per key at a time: concurrent requests for a missing key wait for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from keepwise.store.audit import data_generation

T = TypeVar("T")

DEFAULT_TTL_SECONDS = 60.0
_MAX_ENTRIES = 256

logger = logging.getLogger("keepwise.cache")

_entries: dict[Hashable, tuple[float, int, Any]] = {}
_locks: dict[Hashable, threading.Lock] = {}
_refreshing: set[Hashable] = set()
_guard = threading.Lock()


def _store(key: Hashable, generation: int, value: Any) -> None:
    with _guard:
        if key not in _entries and len(_entries) >= _MAX_ENTRIES:
            oldest = min(_entries, key=lambda k: _entries[k][0])
            _entries.pop(oldest, None)
        _entries[key] = (time.monotonic(), generation, value)


def _refresh(key: Hashable, compute: Callable[[], Any], generation: int) -> None:
    try:
        _store(key, generation, compute())
    except Exception:  # noqa: BLE001 - keep serving the stale value; log why it could not refresh
        logger.exception("could not refresh cached %r", key)
    finally:
        with _guard:
            _refreshing.discard(key)


def cached(
    key: Hashable, compute: Callable[[], T], *, ttl_seconds: float = DEFAULT_TTL_SECONDS
) -> T:
    """Return the cached value for ``key``, computing it with ``compute()`` when needed.

    ``compute`` must not depend on request state that differs between callers with the same
    key (it may run in a background thread).
    """
    generation = data_generation()
    entry = _entries.get(key)
    if entry is not None and entry[1] == generation:
        if time.monotonic() - entry[0] >= ttl_seconds:
            with _guard:
                start = key not in _refreshing
                _refreshing.add(key)
            if start:
                threading.Thread(
                    target=_refresh, args=(key, compute, generation), daemon=True
                ).start()
        return entry[2]
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        entry = _entries.get(key)
        if entry is not None and entry[1] == generation:
            return entry[2]
        value = compute()
        _store(key, generation, value)
        return value


def clear() -> None:
    """Forget every cached value (tests; after a bulk import in the same process)."""
    with _guard:
        _entries.clear()
