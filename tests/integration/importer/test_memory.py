"""The importer streams: peak memory barely grows with the number of rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]


def _peak_kib(folder: Path, rows: int) -> int:
    """Write ``rows`` orders and import them in a fresh process; return its VmHWM (KiB)."""
    folder.mkdir()
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from benchmarks.bench_import import write_files
folder = Path({str(folder)!r})
customers, orders = write_files(folder, {rows})
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    code = f"""
from pathlib import Path
from keepwise.schema import import_file
folder = Path({str(folder)!r})
url = f"sqlite:///{{folder / 'store.db'}}"
import_file(url, "customers", folder / "customers.csv")
report = import_file(url, "orders", folder / "orders.csv", chunk_rows=10_000)
assert report.inserted == {rows}, report
status = Path("/proc/self/status").read_text().splitlines()
print([line.split()[1] for line in status if line.startswith("VmHWM")][0])
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc for VmHWM")
def test_ten_times_the_rows_costs_little_more_memory(tmp_path: Path) -> None:
    small = _peak_kib(tmp_path / "small", 20_000)
    large = _peak_kib(tmp_path / "large", 200_000)
    # Streaming: 180,000 more rows may add the duplicate-id index (16 bytes a row) and
    # allocator noise, but nowhere near what holding the rows would take (~100 MB).
    assert large - small < 40 * 1024, (small, large)
