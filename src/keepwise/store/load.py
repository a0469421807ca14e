"""Bulk upserts by external id, on SQLite and PostgreSQL alike.

``INSERT ... ON CONFLICT (external_id) DO UPDATE SET ... WHERE <any column is distinct>``:
rows whose values did not change are not touched (their ``updated_at`` stays), so a
re-import of the same file writes nothing. Used by the importer inside its single
transaction; callers own the connection and its transaction.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Table,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

#: Keys per ``IN (...)`` query: well under SQLite's 32,766 bound parameters.
LOOKUP_BATCH = 5_000


@dataclass
class UpsertCounts:
    """Rows inserted, updated (some value changed) and unchanged by an upsert."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def ids_by_external_id(conn: Connection, table: Table, keys: Iterable[str]) -> dict[str, int]:
    """Map the given external ids that exist in ``table`` to their primary keys."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), LOOKUP_BATCH):
        batch = wanted[start : start + LOOKUP_BATCH]
        query = select(table.c.external_id, table.c.id).where(table.c.external_id.in_(batch))
        found.update({key: pk for key, pk in conn.execute(query)})
    return found


def _insert(conn: Connection, table: Table) -> Any:
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite as dialect
    elif name == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect  # type: ignore[no-redef]
    else:  # pragma: no cover - keepwise supports SQLite and PostgreSQL only
        raise NotImplementedError(f"bulk upsert is not implemented for {name}")
    return dialect.insert(table)


def _distinct(column: Any, new: Any) -> ColumnElement[bool]:
    # PostgreSQL's json type has no equality operator: compare JSON as text.
    if isinstance(column.type, JSON):
        return cast(column, Text).is_distinct_from(cast(new, Text))
    result: ColumnElement[bool] = column.is_distinct_from(new)
    return result


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    update_columns: Sequence[str] | None = None,
    key: str = "external_id",
) -> UpsertCounts:
    """Insert ``rows`` or update the rows with the same ``key``, counting what changed.

    Parameters
    ----------
    conn:
        A connection inside the caller's transaction.
    table:
        The target table; ``key`` must carry a unique constraint.
    rows:
        Dicts with the same keys each. Missing values are ``None``.
    update_columns:
        Columns an existing row takes from the new one (default: every key but ``key``).
        Columns not listed keep their stored values. An empty list inserts new rows only.

    Returns
    -------
    UpsertCounts
        ``inserted`` new keys, ``updated`` existing keys with some value changed, and
        ``unchanged`` existing keys whose listed columns already held the same values.
    """
    if not rows:
        return UpsertCounts()
    columns = (
        list(update_columns) if update_columns is not None else [c for c in rows[0] if c != key]
    )
    stmt = _insert(conn, table)
    if columns:
        changes: dict[str, Any] = {c: stmt.excluded[c] for c in columns}
        if "updated_at" in table.c:
            changes["updated_at"] = func.now()
        where = or_(*(_distinct(table.c[c], stmt.excluded[c]) for c in columns))
        stmt = stmt.on_conflict_do_update(index_elements=[table.c[key]], set_=changes, where=where)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=[table.c[key]])
    if conn.dialect.name == "postgresql":
        # xmax is 0 exactly for the rows this statement inserted (not for updated ones).
        is_new: ColumnElement[bool] = literal_column("(xmax = 0)")
        result = _multirow_execute(conn, table, stmt.returning(table.c[key], is_new), rows)
        inserted = sum(1 for _, new in result if new)
    else:
        # SQLite gives a new row max(rowid) + 1, and holds the write lock for our transaction:
        # rows returned with a larger id than the largest before are the inserted ones.
        before = conn.execute(select(func.max(table.c.id))).scalar_one() or 0
        result = _multirow_execute(conn, table, stmt.returning(table.c[key], table.c.id), rows)
        inserted = sum(1 for _, pk in result if pk > before)
    updated = len(result) - inserted
    return UpsertCounts(inserted, updated, len(rows) - len(result))


def _multirow_execute(
    conn: Connection, table: Table, stmt: Any, rows: Sequence[dict[str, Any]]
) -> list[Any]:
    """Run a one-row ``INSERT ... RETURNING`` for many rows as multi-row VALUES statements.

    SQLAlchemy's executemany processes every parameter of every row in Python, which is most
    of an import's time; here the statement is compiled once, each column goes through its
    type's bind processor once per value (so both paths store the same), and rows go to the
    database in batches bound by its parameter limit. Falls back to SQLAlchemy for any
    statement shape it does not expect.
    """

    def fallback() -> list[Any]:
        return list(conn.execute(stmt, list(rows)).all())

    names = list(rows[0])
    one = stmt.values({n: bindparam(n, type_=table.c[n].type) for n in names})
    compiled = one.compile(dialect=conn.dialect)
    sql = str(compiled)
    if conn.dialect.paramstyle == "qmark":  # SQLite
        order = list(compiled.positiontup or [])
        group = "(" + ", ".join("?" * len(order)) + ")"
        head, sep, tail = sql.partition(" VALUES " + group)
        limit = _SQLITE_MAX_PARAMS
    elif conn.dialect.paramstyle == "pyformat":  # psycopg
        found = re.search(r" VALUES (\(.*?\)) ON CONFLICT", sql)
        if found is None or sql.count("%(") != found.group(1).count("%("):
            return fallback()
        order = re.findall(r"%\((\w+)\)s", found.group(1))
        group = re.sub(r"%\((\w+)\)s", "%s", found.group(1))
        head, sep, tail = sql[: found.start()], found.group(0), sql[found.end(1) :]
        limit = 65_535
    else:  # pragma: no cover - other drivers use SQLAlchemy's executemany
        return fallback()
    defaults: dict[str, Any] = {}
    for name in set(order) - set(names):  # Python-side column defaults SQLAlchemy added
        default = table.c[name].default
        if default is None or not getattr(default, "is_scalar", False):  # pragma: no cover
            return fallback()
        defaults[name] = default.arg
    if not sep or sorted(order) != sorted([*names, *defaults]):  # pragma: no cover
        return fallback()
    processors = compiled._bind_processors
    columns = []
    for name in order:
        values = [defaults[name]] * len(rows) if name in defaults else [row[name] for row in rows]
        process = processors.get(name)
        columns.append([process(v) for v in values] if process is not None else values)
    per_statement = max(1, min(limit // len(order), 2_000))
    result: list[Any] = []
    for start in range(0, len(rows), per_statement):
        n = min(per_statement, len(rows) - start)
        params = [
            v
            for record in zip(*(c[start : start + n] for c in columns), strict=True)
            for v in record
        ]
        batch_sql = head + " VALUES " + ", ".join([group] * n) + tail
        result.extend(conn.exec_driver_sql(batch_sql, tuple(params)).all())
    return result


_SQLITE_MAX_PARAMS = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999
