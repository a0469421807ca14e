"""Run the benchmarks: ``python -m benchmarks [NAME ...] [--quick]``.

Every ``benchmarks/bench_<name>.py`` module exposes ``main(quick: bool) -> None``; it times
keepwise against its baselines in the same run and prints ratios (and peak memory where the
target asks for it). ``--quick`` uses small sizes, for a smoke run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def _available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default all): {', '.join(_available())}"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args(argv)
    names = args.names or _available()
    unknown = sorted(set(names) - set(_available()))
    if unknown:
        parser.error(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(_available())}"
        )
    for name in names:
        print(f"\n=== benchmark: {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.bench_{name}")
        module.main(quick=args.quick)
        print(f"=== {name} took {time.perf_counter() - started:,.1f} s ===", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
