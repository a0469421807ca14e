"""Shared benchmark helpers: timing and peak memory of a callable in a child process."""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from typing import Any


def _child(fn: Callable[..., Any], args: tuple[Any, ...], queue: Any) -> None:
    import resource

    started = time.perf_counter()
    result = fn(*args)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((elapsed, peak_kib * 1024, result))


def measure(fn: Callable[..., Any], *args: Any) -> tuple[float, int, Any]:
    """Run ``fn(*args)`` in a fresh process; return (seconds, peak RSS bytes, result).

    A fresh process per measurement makes peak memory comparable between implementations
    (the parent's memory is not counted). ``fn`` must be a module-level function and its
    result picklable (keep it small: a row count or a checksum).
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    elapsed, peak, result = queue.get()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"benchmark child exited with {proc.exitcode}")
    return elapsed, peak, result


def gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.2f} GiB"
