"""Property tests: malformed cells, rows and bytes never crash the importer or leave partial data.

Invariants, for any input file:

- ``import_file`` either returns an ``ImportReport`` or raises a ``KeepwiseError``
  (never another exception, so the CLI never shows a traceback);
- when it raises, the store's row counts are exactly what they were before, and the error
  is a validation report, never the store refusing data the validation let through;
- when it succeeds, ``inserted + updated + unchanged == rows_read`` and a second import of
  the same file changes nothing.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise import store
from keepwise.errors import KeepwiseError, StoreError
from keepwise.schema import ImportReport, import_file

pytestmark = pytest.mark.integration

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)

# Cells that look almost right: the importer's edge cases.
TRICKY = [
    "",
    " ",
    "NULL",
    "-",
    "无",
    "2024-03-05",
    "2024/3/5",
    "20240305",
    "2024年3月5日",
    "2024-02-30",
    "2099-01-01",
    "45356",
    "0",
    "-1",
    "¥1,234.50",
    "1 234,50",
    "(5)",
    "1e999",
    "nan",
    "inf",
    "C1",
    "C2",
    "C999",
    "O1",
    "completed",
    "已完成",
    "退款",
    "bogus",
    "\x00",
    "\ufeff",
    '"',
    "a,b",
    "a\nb",
    "[/x]",
    "x" * 300,
]
cells = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
HEADERS = [
    "order_id",
    "customer_id",
    "ordered_at",
    "amount",
    "status",
    "currency",
    "quantity",
    "订单日期",
    "金额",
    "",
    "extra",
]


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite store with two customers and one order, shared by the examples of a test."""
    folder = tmp_path_factory.mktemp("props")
    url = f"sqlite:///{folder / 'store.db'}"
    store.upgrade(url)
    customers = folder / "c.csv"
    customers.write_text("customer_id,name\nC1,One\nC2,Two\n", encoding="utf-8")
    import_file(url, "customers", customers)
    orders = folder / "o.csv"
    orders.write_text(
        "order_id,customer_id,ordered_at,amount\nSEED,C1,2024-01-01,5\n", encoding="utf-8"
    )
    import_file(url, "orders", orders)
    yield url
    store.dispose_engines()


def _write(folder: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = folder / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    return path


def _check(url: str, table: str, path: Path, **kwargs: object) -> ImportReport | None:
    before = store.row_counts(url)
    try:
        report = import_file(url, table, path, chunk_rows=3, **kwargs)  # type: ignore[arg-type]
    except StoreError as exc:  # the store refused data that validation let through
        raise AssertionError(f"validation missed a row the store refused: {exc}") from exc
    except KeepwiseError:
        assert store.row_counts(url) == before, "a failed import left partial data"
        return None
    assert report.inserted + report.updated + report.unchanged == report.rows_read
    if not kwargs.get("dry_run"):
        again = import_file(url, table, path, chunk_rows=3)
        assert (again.inserted, again.updated) == (0, 0)
    return report


@SETTINGS
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
    rows=st.lists(st.lists(cells, min_size=0, max_size=7), max_size=8),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_malformed_orders_never_crash_nor_leave_partial_data(
    seeded_url: str, tmp_path: Path, header: list[str], rows: list[list[str]], encoding: str
) -> None:
    _check(seeded_url, "orders", _write(tmp_path, header, rows, encoding))


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["O1", "O2", "O3", "", "C1"]),
            st.sampled_from(["C1", "C2", "C999", ""]),
            cells,
            cells,
            st.sampled_from(["completed", "refunded", "x", ""]),
        ),
        min_size=1,
        max_size=10,
    ),
    create=st.booleans(),
    dry_run=st.booleans(),
)
def test_well_formed_files_with_bad_values(
    seeded_url: str, tmp_path: Path, rows: list[tuple[str, ...]], create: bool, dry_run: bool
) -> None:
    path = _write(
        tmp_path,
        ["order_id", "customer_id", "ordered_at", "amount", "status"],
        [list(r) for r in rows],
        "utf-8",
    )
    _check(seeded_url, "orders", path, create_missing_customers=create, dry_run=dry_run)


@SETTINGS
@given(
    table=st.sampled_from(["customers", "interactions", "tickets", "feedback", "contacts"]),
    header=st.lists(
        st.sampled_from(
            [
                "customer_id",
                "客户编号",
                "name",
                "occurred_at",
                "opened_at",
                "channel",
                "kind",
                "score",
                "satisfaction",
                "decision_weight",
                "tags",
                "status",
                "contract_start",
                "contract_end",
                "resolved_at",
                "联系人",
            ]
        ),
        min_size=1,
        max_size=6,
        unique=True,
    ),
    rows=st.lists(st.lists(cells, min_size=1, max_size=6), max_size=6),
)
def test_other_tables_never_crash(
    seeded_url: str, tmp_path: Path, table: str, header: list[str], rows: list[list[str]]
) -> None:
    _check(seeded_url, table, _write(tmp_path, header, rows, "utf-8"))


@SETTINGS
@given(
    data=st.binary(max_size=400),
    prefix=st.sampled_from(
        [b"", b"PK\x03\x04", b"PAR1", b"\xef\xbb\xbf", b"order_id,customer_id,ordered_at,amount\n"]
    ),
)
def test_random_bytes_never_crash(
    seeded_url: str, tmp_path: Path, data: bytes, prefix: bytes
) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(prefix + data)
    _check(seeded_url, "orders", path)


@pytest.mark.postgres
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["P1", "P2", ""]), st.sampled_from(["PC1", "C999"]), cells, cells
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_postgres_rolls_back_on_any_problem(
    pg_url: str, tmp_path: Path, rows: list[tuple[str, ...]]
) -> None:
    customers = tmp_path / "pc.csv"
    customers.write_text("customer_id\nPC1\n", encoding="utf-8")
    import_file(pg_url, "customers", customers)
    path = _write(
        tmp_path,
        ["order_id", "customer_id", "ordered_at", "amount"],
        [list(r) for r in rows],
        "utf-8",
    )
    _check(pg_url, "orders", path)


xlsx_cells = st.one_of(
    cells,
    st.none(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 1, 1)),
    st.booleans(),
)


@SETTINGS
@given(
    header=st.lists(st.sampled_from(HEADERS[:8]), min_size=1, max_size=6),
    rows=st.lists(st.lists(xlsx_cells, min_size=0, max_size=7), max_size=6),
)
def test_malformed_xlsx_never_crash(
    seeded_url: str, tmp_path: Path, header: list[str], rows: list[list[object]]
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_safe(v) for v in row])
    path = tmp_path / f"{uuid.uuid4().hex}.xlsx"
    book.save(path)
    _check(seeded_url, "orders", path)


def _xlsx_safe(value: object) -> object:
    # openpyxl refuses control characters in strings; spreadsheets cannot hold them either.
    if isinstance(value, str):
        return "".join(c for c in value if c >= " " or c in "\t\n")
    return value
