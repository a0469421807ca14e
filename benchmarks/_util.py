"""Shared benchmark helpers: timing and peak memory of a callable in a child process."""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from typing import Any


def peak_rss_bytes() -> int:
    """This process's peak resident set size (``VmHWM``).

    ``VmHWM`` starts afresh at exec, unlike ``ru_maxrss``, which a spawned child inherits
    from the parent that forked it (so a big parent would inflate every child's figure).
    """
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    import resource  # not Linux: the best figure there is

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(fn: Callable[..., Any], args: tuple[Any, ...], queue: Any) -> None:
    started = time.perf_counter()
    result = fn(*args)
    elapsed = time.perf_counter() - started
    queue.put((elapsed, peak_rss_bytes(), result))


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
