"""The analytics compute and return frames; writing results is the store's job (keepwise.store.scores,
keepwise.store.warnings, ...). This test reads every module under src/keepwise/analytics and fails
on anything that writes to a database."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import keepwise.analytics

ANALYTICS = Path(keepwise.analytics.__file__).parent
#: What the analytics may take from the store: the means to find and read it.
STORE_READ_HELPERS = {"normalize_url", "current_revision", "get_engine"}
SQLALCHEMY_WRITES = {"insert", "update", "delete", "Insert", "Update", "Delete", "text"}
WRITING_CALLS = {"exec_driver_sql", "to_sql", "commit", "bulk_save_objects", "bulk_insert_mappings"}
WRITING_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE|MERGE)\s", re.I)


def store_writes(source: str) -> list[str]:
    """Every way ``source`` could write to a database, as ``line: what``."""
    found: list[str] = []
    sqlalchemy_names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("keepwise.store"):
                    found.append(f"{node.lineno}: import {alias.name}")
                if alias.name.split(".")[0] == "sqlalchemy":
                    sqlalchemy_names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if module.startswith("keepwise.store") and alias.name not in STORE_READ_HELPERS:
                    found.append(f"{node.lineno}: from {module} import {alias.name}")
                if module.split(".")[0] == "sqlalchemy" and alias.name in SQLALCHEMY_WRITES:
                    found.append(f"{node.lineno}: from {module} import {alias.name}")
        elif isinstance(node, ast.Attribute):
            root = node.value
            if (
                isinstance(root, ast.Name)
                and root.id in sqlalchemy_names
                and node.attr in SQLALCHEMY_WRITES
            ):
                found.append(f"{node.lineno}: {root.id}.{node.attr}")
            if node.attr in WRITING_CALLS:
                found.append(f"{node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and WRITING_SQL.match(node.value)
        ):
            found.append(f"{node.lineno}: SQL {node.value.split()[0].upper()}")
    return sorted(found, key=lambda hit: int(hit.split(":")[0]))


def test_no_analytics_module_writes_to_the_store() -> None:
    modules = sorted(ANALYTICS.rglob("*.py"))
    assert len(modules) > 20  # the whole package is read
    offenders = {
        str(path.relative_to(ANALYTICS)): hits
        for path in modules
        if (hits := store_writes(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_finds_a_write() -> None:
    """What analytics/churn/scoring.py did before the scores moved to keepwise.store.scores."""
    old_scoring = """
from sqlalchemy import insert, select
from keepwise.store import require_current
import sqlalchemy as sa

def write(engine, rows):
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO churn_scores (customer_id) VALUES (?)", rows)
        conn.execute(sa.update(t))
"""
    hits = store_writes(old_scoring)
    assert hits == [
        "2: from sqlalchemy import insert",
        "3: from keepwise.store import require_current",
        "8: .exec_driver_sql",
        "8: SQL INSERT",
        "9: sa.update",
    ]
    reads = "import sqlalchemy as sa\nfrom keepwise.store import get_engine\nsa.select(t)\n"
    assert store_writes(reads) == []
