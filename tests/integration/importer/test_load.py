"""Bulk upsert (keepwise.store.load): counts on both stores; SQLite fast path == SQLAlchemy path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, text

from keepwise import store
from keepwise.models import TABLES
from keepwise.store import load

pytestmark = pytest.mark.integration

CUSTOMERS: Table = TABLES["customers"].__table__  # type: ignore[assignment]
ORDERS: Table = TABLES["orders"].__table__  # type: ignore[assignment]


def _customers(n: int) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"C{i}",
            "name": f"客户{i}",
            "tags": ["vip", "北京"] if i % 2 else None,
            "acquired_at": dt.date(2024, 1, 1 + i % 28) if i % 3 else None,
            "attributes": {"等级": "金"} if i % 5 else None,
            "acquisition_cost": 1.5 if i % 2 else None,
        }
        for i in range(n)
    ]


def _orders(n: int, ids: dict[str, int]) -> list[dict[str, Any]]:
    start = dt.datetime(2024, 1, 1, 10, 30, 15, 123)
    return [
        {
            "external_id": f"O{i}",
            "customer_id": ids[f"C{i % 50}"],
            "ordered_at": start + dt.timedelta(minutes=i),
            "amount": round(i * 1.01, 2),
            "currency": "CNY",
            "status": "completed",
        }
        for i in range(n)
    ]


def test_upsert_counts_inserted_updated_unchanged(db_url: str) -> None:
    with store.get_engine(db_url).begin() as conn:
        assert load.upsert(conn, CUSTOMERS, _customers(50)) == load.UpsertCounts(50, 0, 0)
        ids = load.ids_by_external_id(conn, CUSTOMERS, [f"C{i}" for i in range(60)])
        assert len(ids) == 50
        rows = _orders(3_000, ids)
        assert load.upsert(conn, ORDERS, rows) == load.UpsertCounts(3_000, 0, 0)
        rows[7]["amount"] = 1e6
        rows[8]["status"] = "refunded"
        more = _orders(3_005, ids)[3_000:]
        assert load.upsert(conn, ORDERS, rows + more) == load.UpsertCounts(5, 2, 2_998)
        # Only the listed columns are compared and updated; others keep their values.
        rows[9]["amount"] = 2e6
        counts = load.upsert(conn, ORDERS, rows[:10], update_columns=["status"])
        assert counts == load.UpsertCounts(0, 0, 10)
        assert load.upsert(conn, CUSTOMERS, _customers(52), update_columns=[]) == load.UpsertCounts(
            2, 0, 50
        )
        amount = conn.execute(
            text("SELECT amount FROM orders WHERE external_id = 'O9'")
        ).scalar_one()
        assert float(amount) == pytest.approx(9.09)


def test_sqlite_fast_path_stores_exactly_what_sqlalchemy_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fill(url: str) -> tuple[list[Any], list[Any]]:
        store.upgrade(url)
        with store.get_engine(url).begin() as conn:
            load.upsert(conn, CUSTOMERS, _customers(200))
            ids = load.ids_by_external_id(conn, CUSTOMERS, [f"C{i}" for i in range(50)])
            load.upsert(conn, ORDERS, _orders(5_000, ids))
            assert load.upsert(conn, ORDERS, _orders(5_000, ids)) == load.UpsertCounts(0, 0, 5_000)
            assert load.upsert(conn, CUSTOMERS, _customers(200)) == load.UpsertCounts(0, 0, 200)
            customers = conn.exec_driver_sql(
                "SELECT * FROM customers ORDER BY id"
            ).all()  # created_at/updated_at are the last two columns
            orders = conn.exec_driver_sql("SELECT * FROM orders ORDER BY id").all()
        drop_stamps = [tuple(r)[:-2] for r in customers], [tuple(r)[:-2] for r in orders]
        return drop_stamps

    fast = fill(f"sqlite:///{tmp_path / 'fast.db'}")
    monkeypatch.setattr(
        load,
        "_sqlite_execute",
        lambda conn, table, stmt, rows: list(conn.execute(stmt, list(rows)).all()),
    )
    slow = fill(f"sqlite:///{tmp_path / 'slow.db'}")
    assert fast == slow
