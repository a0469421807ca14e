"""Demo company generation: seconds and peak memory for 5,000 and 200,000 customers.

``python -m benchmarks demo`` (``--quick``: 5,000 and 20,000). Each size runs in a fresh
process (:func:`benchmarks._util.measure`). Generation is chunked (50,000 customers at a
time), so peak memory should stay roughly flat beyond one chunk while time grows linearly.
"""

from __future__ import annotations

import tempfile

from benchmarks._util import gib, measure


def _generate(customers: int, folder: str) -> int:
    from keepwise.demo import generate

    summary = generate(folder, customers=customers, seed=0)
    return sum(summary.row_counts.values())


def main(quick: bool = False) -> None:
    sizes = (5_000, 20_000) if quick else (5_000, 200_000)
    for customers in sizes:
        with tempfile.TemporaryDirectory() as folder:
            seconds, peak, rows = measure(_generate, customers, folder)
        print(
            f"demo generate {customers:>9,} customers: {seconds:6.1f} s, {rows:>11,} rows "
            f"({rows / seconds:,.0f} rows/s), peak {gib(peak)}",
            flush=True,
        )
