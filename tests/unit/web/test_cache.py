"""The per-process summary cache: invalidation on writes, stale-while-revalidate on expiry."""

from __future__ import annotations

import threading
import time

from keepwise.store import cache
from keepwise.store.audit import bump_generation


def test_cached_value_until_a_write_bumps_the_generation() -> None:
    cache.clear()
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.cached("k1", compute) == 1
    assert cache.cached("k1", compute) == 1
    bump_generation()
    assert cache.cached("k1", compute) == 2  # recomputed at once after a write
    assert len(calls) == 2


def test_expired_value_is_served_stale_while_one_thread_refreshes() -> None:
    cache.clear()
    release = threading.Event()
    calls = []

    def compute() -> int:
        calls.append(1)
        if len(calls) > 1:
            release.wait(5)
        return len(calls)

    assert cache.cached("k2", compute, ttl_seconds=0.01) == 1
    time.sleep(0.02)
    # expired: the stale value comes back at once, several times, with one refresh running
    assert [cache.cached("k2", compute, ttl_seconds=0.01) for _ in range(5)] == [1] * 5
    release.set()
    deadline = time.monotonic() + 5
    while cache.cached("k2", compute, ttl_seconds=60) != 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.cached("k2", compute, ttl_seconds=60) == 2
    assert len(calls) == 2


def test_concurrent_misses_compute_once() -> None:
    cache.clear()
    calls = []

    def compute() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "v"

    threads = [threading.Thread(target=cache.cached, args=("k3", compute)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
