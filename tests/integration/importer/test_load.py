"""Bulk upsert (keepwise.store.load): counts on both stores; SQLite fast path == SQLAlchemy path."""

from __future__ import annotations

import datetime as dt
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


SNAPSHOT = {
    "customers": "SELECT external_id, name, kind, CAST(tags AS TEXT) AS tags, acquired_at, acquisition_cost, "
    "status, CAST(attributes AS TEXT) AS attributes FROM customers ORDER BY external_id",
    "orders": "SELECT o.external_id, c.external_id AS customer, o.ordered_at, o.amount, o.currency, o.status "
    "FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.external_id",
}


def test_fast_path_stores_exactly_what_sqlalchemy_stores(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fill() -> dict[str, list[Any]]:
        with store.get_engine(db_url).begin() as conn:
            conn.execute(text("DELETE FROM orders"))
            conn.execute(text("DELETE FROM customers"))
            assert load.upsert(conn, CUSTOMERS, _customers(200)) == load.UpsertCounts(200, 0, 0)
            ids = load.ids_by_external_id(conn, CUSTOMERS, [f"C{i}" for i in range(50)])
            assert load.upsert(conn, ORDERS, _orders(5_000, ids)) == load.UpsertCounts(5_000, 0, 0)
            assert load.upsert(conn, ORDERS, _orders(5_000, ids)) == load.UpsertCounts(0, 0, 5_000)
            assert load.upsert(conn, CUSTOMERS, _customers(200)) == load.UpsertCounts(0, 0, 200)
            return {
                name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in SNAPSHOT.items()
            }

    fast = fill()
    monkeypatch.setattr(
        load,
        "_multirow_execute",
        lambda conn, table, stmt, rows: list(conn.execute(stmt, list(rows)).all()),
    )
    slow = fill()
    assert fast == slow
    assert len(fast["orders"]) == 5_000 and fast["customers"][1][3] is not None
