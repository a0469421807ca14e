"""The direct DuckDB reading of a file gives exactly what the parser gives, or leaves it to the parser.

Each file is read twice: by the parser (``direct=False``, the importer's TypedReader) and with
the direct path allowed. Both must give the same table (same columns, types and values) or the
same problems; the files written the way programs write them must actually take the direct
path, and files it declines must leave nothing behind in the DuckDB connection.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.analytics.dataset import _read_file, duckdb_backend
from keepwise.errors import ValidationError


def _both(path: Path, table: str) -> tuple[object, object, bool]:
    """(parser's result, result with the direct path allowed, whether it went direct).

    A result is an Arrow table or the list of problems (file, row, column, value, message).
    """
    con = duckdb_backend()
    before = set(con.list_tables())

    def outcome(direct: bool) -> object:
        try:
            got = _read_file(path, table, con=con, direct=direct)
        except ValidationError as exc:
            return [(p.file, p.row, p.column, p.value, p.message) for p in exc.problems]
        return con.table(got).to_pyarrow() if isinstance(got, str) else got

    parsed = outcome(False)
    allowed = outcome(True)
    went_direct = set(con.list_tables()) != before
    if not isinstance(allowed, pa.Table) or not went_direct:
        assert set(con.list_tables()) == before, "a declined file left a table behind"
    return parsed, allowed, went_direct


def _same(parsed: object, allowed: object) -> None:
    if isinstance(parsed, pa.Table):
        assert isinstance(allowed, pa.Table), allowed
        assert allowed.schema == parsed.schema
        pd.testing.assert_frame_equal(allowed.to_pandas(), parsed.to_pandas())
    else:
        assert allowed == parsed


def test_whitespace_is_what_python_strips() -> None:
    import sys

    from keepwise.schema.fastpath import WHITESPACE

    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert everything == WHITESPACE
    assert ("x" + WHITESPACE + "x").split() == ["x", "x"]  # split() agrees with strip()


def _csv(tmp_path: Path, text: str, name: str = "f.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


HEAD = "order_id,customer_id,ordered_at,amount,status,currency,quantity,product\n"

# (table, CSV text, whether the direct path should take it)
CSV_CASES = {
    "plain": (
        "orders",
        "customer_id,ordered_at,amount\nC1,2024-01-05 10:00:00,120.5\n007,2024-03-01,80\n",
        True,
    ),
    "every order column, stored spellings": (
        "orders",
        HEAD + 'O1,C1,2024-01-05T10:00:00.123456,12.30,completed,USD,2,"tea, green"\n'
        'O2,C2,2024-01-06 09:30,5,refunded,,,"two\nlines"\n',
        True,
    ),
    "Chinese and capitalised values, currency spellings": (
        "orders",
        HEAD + "O1,C1,2024-01-05,12,已完成,人民币,1,茶\nO2,C1,2024-01-06,3,退款,usd,,\n"
        "O3,C2,2024-01-07,4,Completed,¥,,\nO4,C2,2024-01-08,4,,,,\n",
        True,
    ),
    "rounding to two decimals, half to even": (
        "orders",
        "customer_id,ordered_at,amount\nC1,2024-01-05,0.125\nC1,2024-01-06,0.135\n"
        "C2,2024-01-07,1234567.895\nC2,2024-01-08,000012\n",
        True,
    ),
    "blank rows and rows of empty cells": (
        "orders",
        "customer_id,ordered_at,amount,product\nC1,2024-01-05,1,\n\n,,,\nC2,2024-01-06,2,x\n,,,\n",
        True,
    ),
    "CRLF, BOM": (
        "orders",
        "\ufeffcustomer_id,ordered_at,amount\r\nC1,2024-01-05,1\r\nC2,2024-01-06,2\r\n",
        True,
    ),
    "extra columns": (
        "orders",
        "customer_id,ordered_at,amount,备注,other\nC1,2024-01-05,1,hello ,x\nC2,2024-01-06,2,,\n",
        True,
    ),
    "header only": ("orders", "customer_id,ordered_at,amount\n", True),
    "semicolons": ("orders", "customer_id;ordered_at;amount\nC1;2024-01-05;1.5\n", True),
    "amount forms only the parser reads": (
        "orders",
        'customer_id,ordered_at,amount\nC1,2024-01-05,¥12.50\nC1,2024-01-06,"1,234"\n'
        "C2,2024-01-07,1e3\nC2,2024-01-08,12345678901234567\n",
        False,
    ),
    "date forms only the parser reads": (
        "orders",
        "customer_id,ordered_at,amount\nC1,2024/3/5,1\nC1,2024年3月5日,2\nC1,20240305,3\n"
        "C1,2024-03-05T10:00:00+08:00,4\nC1,45356,5\n",
        False,
    ),
    "cells to strip": (
        "orders",
        "customer_id,ordered_at,amount\n C1 ,2024-01-05,1\nC2,\u30002024-01-06,2\u00a0\n",
        False,
    ),
    "a cell of spaces in an extra column": (
        "orders",
        "customer_id,ordered_at,amount,x\nC1,2024-01-05,1,\n,,,   \n",
        False,
    ),
    "full-width and NULL spellings": (
        "orders",
        "customer_id,ordered_at,amount,status,quantity\nC1,2024-01-05,1,ＣＯＭＰＬＥＴＥＤ,N/A\n"
        "C2,2024-01-06,2,null,-\n",
        False,
    ),
    "negative amount": ("orders", "customer_id,ordered_at,amount\nC1,2024-01-05,-3\n", False),
    "impossible and future dates": (
        "orders",
        "customer_id,ordered_at,amount\nC1,2024-02-30,1\nC1,2999-01-01,1\nC1,1850-01-01,1\n",
        False,
    ),
    "missing required value": ("orders", "customer_id,ordered_at,amount\nC1,2024-01-05,\n", False),
    "duplicate ids": (
        "orders",
        "order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-05,1\nO1,C2,2024-01-06,2\n",
        False,
    ),
    "unknown status": (
        "orders",
        "customer_id,ordered_at,amount,status\nC1,2024-01-05,1,shipped?\n",
        False,
    ),
    "too many cells": ("orders", "customer_id,ordered_at,amount\nC1,2024-01-05,1,9\n", False),
    "missing required column": ("orders", "customer_id,amount\nC1,1\n", False),
    "title above the header": (
        "orders",
        "订单明细 2024\ncustomer_id,ordered_at,amount\nC1,2024-01-05,1\n",
        False,
    ),
    "customers: tags, kinds, contracts": (
        "customers",
        "customer_id,name,kind,tags,contract_start,contract_end,technical_match,budget\n"
        "A1,甲公司,企业,vip；north、 east,2024-01-01,2025-12-31,0.8,1000\n"
        "A2,Bob,,,,,,\n",
        True,
    ),
    "customers: a contract ending before it starts": (
        "customers",
        "customer_id,contract_start,contract_end\nA1,2024-05-01,2024-01-01\n",
        False,
    ),
    "customers: percentages": (
        "customers",
        "customer_id,technical_match\nA1,80%\nA2,1.5\n",
        False,
    ),
    "tickets: priorities and times": (
        "tickets",
        "ticket_id,customer_id,opened_at,resolved_at,priority,satisfaction\n"
        "T1,C1,2024-01-05 10:00,2024-01-06 10:00,紧急,5\nT2,C1,2024-01-07,,,\n",
        True,
    ),
    "tickets: resolved before opened": (
        "tickets",
        "customer_id,opened_at,resolved_at\nC1,2024-01-05,2024-01-04\n",
        False,
    ),
    "feedback: kinds and score ranges": (
        "feedback",
        "customer_id,occurred_at,kind,score,comment\nC1,2024-01-05,nps,9,好\n"
        "C1,2024-01-06,满意度,4,\n",
        True,
    ),
    "feedback: NPS out of range": (
        "feedback",
        "customer_id,occurred_at,kind,score\nC1,2024-01-05,nps,11\n",
        False,
    ),
    "interactions: Chinese channels": (
        "interactions",
        "customer_id,occurred_at,channel,direction,duration_minutes\n"
        "C1,2024-01-05,电话,呼入,12.5\nC1,2024-01-06,wechat,,\n",
        True,
    ),
    "contacts: a name too long": (
        "contacts",
        "customer_id,name\nC1," + "x" * 256 + "\n",
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_csv_direct_reading_matches_the_parser(tmp_path: Path, case: str) -> None:
    table, text, direct = CSV_CASES[case]
    parsed, allowed, went_direct = _both(_csv(tmp_path, text), table)
    _same(parsed, allowed)
    assert went_direct is direct


def test_gbk_and_tab_files(tmp_path: Path) -> None:
    text = "客户编号,下单时间,订单金额\nC1,2024-01-05,1\n"
    parsed, allowed, went_direct = _both(_csv(tmp_path, text, encoding="gb18030"), "orders")
    _same(parsed, allowed)
    assert not went_direct and isinstance(parsed, pa.Table) and parsed.num_rows == 1
    tsv = _csv(tmp_path, "customer_id\tordered_at\tamount\nC1\t2024-01-05\t1\n", "f.tsv")
    parsed, allowed, went_direct = _both(tsv, "orders")
    _same(parsed, allowed)
    assert went_direct


def _parquet(tmp_path: Path, table: pa.Table) -> Path:
    path = tmp_path / "f.parquet"
    pq.write_table(table, path)
    return path


STAMPS = pa.array([datetime(2024, 1, 5, 10), datetime(2024, 2, 1), None], pa.timestamp("us"))
IDS = pa.array(["C1", "007", "C3"])

PARQUET_CASES = {
    "typed, two decimals": (
        {"customer_id": IDS, "ordered_at": STAMPS, "amount": pa.array([1.25, 3.0, 4.5])},
        False,  # a missing ordered_at: required
    ),
    "typed": (
        {
            "customer_id": IDS,
            "ordered_at": STAMPS.fill_null(datetime(2024, 3, 1)),
            "amount": pa.array([1.25, 3.0, 4.5]),
            "quantity": pa.array([1.0, np.nan, None]),
            "status": pa.array(["completed", "退款", None]),
        },
        True,
    ),
    "amounts to round, integers, seconds": (
        {
            "customer_id": IDS,
            "ordered_at": pa.array(
                [1_700_000_000, 1_700_000_001, 1_700_000_002], pa.timestamp("s")
            ),
            "amount": pa.array([0.125, 2.675, 1 / 3]),
            "quantity": pa.array([1, 2, None], pa.int64()),
        },
        True,
    ),
    "dates and ISO text": (
        {
            "customer_id": IDS,
            "ordered_at": pa.array(["2024-01-05", "2024-01-06 10:00:00", "2024-01-07T01:02:03"]),
            "amount": pa.array([1, 2, 3], pa.int32()),
        },
        True,
    ),
    "NaN and infinite amounts": (
        {
            "customer_id": IDS,
            "ordered_at": STAMPS.fill_null(datetime(2024, 3, 1)),
            "amount": pa.array([np.nan, np.inf, 1.0]),
        },
        False,
    ),
    "negative amount": (
        {
            "customer_id": IDS,
            "ordered_at": STAMPS.fill_null(datetime(2024, 3, 1)),
            "amount": pa.array([-0.001, 1.0, 2.0]),
        },
        False,
    ),
    "zoned and nanosecond times, integer ids": (
        {
            "customer_id": pa.array([1, 7, 3]),
            "ordered_at": pa.array(
                [datetime(2024, 1, 5), datetime(2024, 1, 6), datetime(2024, 1, 7)],
                pa.timestamp("ns", tz="Asia/Shanghai"),
            ),
            "amount": pa.array([1.0, 2.0, 3.0]),
        },
        False,
    ),
    "times before 1900": (
        {
            "customer_id": IDS,
            "ordered_at": pa.array([datetime(1850, 1, 5)] * 3, pa.timestamp("us")),
            "amount": pa.array([1.0, 2.0, 3.0]),
        },
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(PARQUET_CASES))
def test_parquet_direct_reading_matches_the_parser(tmp_path: Path, case: str) -> None:
    columns, direct = PARQUET_CASES[case]
    parsed, allowed, went_direct = _both(_parquet(tmp_path, pa.table(columns)), "orders")
    _same(parsed, allowed)
    assert went_direct is direct


# Cells people and programs write for a random orders CSV: ones the direct path reads, and
# others (it must leave those to the parser).
CLEAN = {
    "customer_id": ["C1", "007", "客户3", "C1"],
    "ordered_at": ["2024-01-05", "2024-01-05 10:00:00", "2024-01-05T10:00", "1900-01-01"],
    "amount": ["1", "12.5", "0.125", "007", "12.345", "0.005"],
    "status": ["", "completed", "Completed", "已完成", "退款"],
}
OTHER = {
    "customer_id": [" C2", "", "C1 ", "x" * 129],
    "ordered_at": [
        "2024/1/5",
        "2024-13-01",
        "2024-01-05 24:00:00",
        "20240105",
        "",
        "N/A",
        "2024-01-05 10:00:00.1234567",
        "2024-1-5",
        "1899-12-31",
        "2199-12-31",
    ],
    "amount": ["-1", "1,234", "¥5", "", "null", "1.", ".5", "1e2"],
    "status": ["nonsense", "NULL", "ＣＯＭＰＬＥＴＥＤ"],
}
COLUMNS = list(CLEAN)


@st.composite
def orders_rows(draw: st.DrawFn) -> list[list[str]]:
    n = draw(st.integers(min_value=1, max_value=6))
    dirty = draw(st.booleans())
    rows = []
    for _ in range(n):
        row = []
        for column in COLUMNS:
            pool = CLEAN[column] + (OTHER[column] if dirty else [])
            row.append(draw(st.sampled_from(pool)))
        rows.append(row)
    return rows


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(orders_rows())
def test_random_csv_reads_the_same_either_way(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    parsed, allowed, went_direct = _both(_csv(tmp_path, out.getvalue()), "orders")
    _same(parsed, allowed)
    if all(cell in CLEAN[c] for row in rows for c, cell in zip(COLUMNS, row, strict=True)):
        assert went_direct, rows
