"""Import of a 1-million-row orders CSV into a fresh SQLite store: rows/s and peak memory.

``python -m benchmarks import`` (``--quick``: 50,000 rows). The CSV (about 50 MB) is
generated in a temp folder by a child process; each import runs in a fresh process
(:func:`benchmarks._util.measure`). Peak memory is the import process's own ``VmHWM``
(from ``/proc/self/status``): unlike ``ru_maxrss``, which Linux carries across ``exec``
from the forking parent, it starts afresh in the new process. It should stay flat as the
file grows, because the file is read, validated and written in chunks of
``import_chunk_rows`` rows. A second run re-imports the same file (every row unchanged).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from benchmarks._util import measure

CUSTOMERS = 20_000


def write_files(folder: Path, rows: int, seed: int = 0) -> tuple[Path, Path]:
    """customers.csv (20,000) and orders.csv (``rows``), written in blocks to stay small in memory."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    customers = folder / "customers.csv"
    pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(CUSTOMERS)],
            "name": [f"客户{i}" for i in range(CUSTOMERS)],
        }
    ).to_csv(customers, index=False)
    orders = folder / "orders.csv"
    block = 200_000
    start = np.datetime64("2021-01-01T00:00")
    with orders.open("w", encoding="utf-8") as fh:
        fh.write("order_id,customer_id,ordered_at,amount,status,product\n")
        for first in range(0, rows, block):
            n = min(block, rows - first)
            ids = np.arange(first, first + n)
            frame = pd.DataFrame(
                {
                    "order_id": [f"O{i:08d}" for i in ids],
                    "customer_id": [f"C{c:06d}" for c in rng.integers(0, CUSTOMERS, n)],
                    "ordered_at": (
                        start + rng.integers(0, 3 * 365 * 24 * 60, n).astype("timedelta64[m]")
                    ).astype(str),
                    "amount": np.round(rng.gamma(2.0, 150.0, n), 2),
                    "status": rng.choice(
                        ["completed", "completed", "completed", "refunded", "pending"], n
                    ),
                    "product": rng.choice(["A", "B", "C", "D"], n),
                }
            )
            frame["ordered_at"] = frame["ordered_at"].str.replace("T", " ")
            frame.to_csv(fh, header=False, index=False)
    return customers, orders


def _write(folder: str, rows: int) -> int:
    write_files(Path(folder), rows)
    return rows


def _import(url: str, table: str, path: str) -> tuple[int, int, int, int]:
    from keepwise.schema import import_file

    report = import_file(url, table, path)
    return report.rows_read, report.inserted, report.updated, report.unchanged


def main(quick: bool = False) -> None:
    rows = 50_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        measure(_write, tmp, rows)  # in a child, so this process stays small
        customers, orders = folder / "customers.csv", folder / "orders.csv"
        url = f"sqlite:///{folder / 'bench.db'}"
        size_mb = orders.stat().st_size / 2**20
        print(f"orders.csv: {rows:,} rows, {size_mb:,.1f} MiB")
        measure(_import, url, "customers", str(customers))
        for label in ("first import", "re-import (unchanged)"):
            seconds, peak, result = measure(_import, url, "orders", str(orders))
            read, inserted, updated, unchanged = result
            print(
                f"{label}: {read:,} rows in {seconds:,.1f} s = {read / seconds:,.0f} rows/s; "
                f"inserted {inserted:,}, updated {updated:,}, unchanged {unchanged:,}; "
                f"peak RSS {peak / 2**20:,.0f} MiB (VmHWM of the import process)",
                flush=True,
            )


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
