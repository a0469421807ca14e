"""The column contract is the one declaration: the ORM models and a store migrated by Alembic
(SQLite and PostgreSQL) agree with it, field by field.

For every field of every contract the table has a column of that name, of the kind the
field's type calls for, as long as the field allows, nullable exactly when the field is
optional, with the field's default as the server default and, for categorical fields, a
CHECK constraint allowing exactly the field's choices. The only columns the store has beyond
the contract are the ones listed in :data:`STORE_ONLY`, each for a stated reason.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from keepwise.models import TABLES
from keepwise.schema import CONTRACTS, Field
from keepwise.store import get_engine

pytestmark = pytest.mark.integration

#: Columns of the store that are no field of a contract, and why.
STORE_ONLY = {
    "id": "the primary key; files refer to records by external_id",
    "created_at": "kept by the database (Timestamped)",
    "updated_at": "kept by the database (Timestamped)",
}
#: Columns of single tables that are no field of the contract.
STORE_ONLY_BY_TABLE = {
    "customers": {"attributes": "a customers file's other columns, as JSON"},
}

#: Categorical fields whose allowed values the store does not check itself (yet).
UNCHECKED_CHOICES = {
    ("customers", "status"): "checked by the importer and store.customers, but the initial "
    "migration gave the column no CHECK constraint; add one with the next migration",
}

#: Column kind each field type is stored as (checked on the model and on the migrated store).
KINDS = {
    "id": sa.String,
    "ref": sa.Integer,  # customers.id, found from the customer's external id
    "text": sa.String,
    "enum": sa.String,
    "currency": sa.String,
    "tags": sa.JSON,
    "date": sa.Date,
    "datetime": sa.DateTime,
    "money": sa.Numeric,
    "number": sa.Float,
}


def _nullable(field: Field) -> bool:
    """Optional fields are nullable, except those the store always fills: a record's own id
    (derived when a file has none), fields with a default, and an order's currency."""
    always = field.type in ("id", "currency") or field.default is not None
    return not (field.required or always)


def _kind_ok(field: Field, column_type: Any) -> bool:
    kind = KINDS[field.type]
    if field.type == "text" and field.max_length is None:
        return isinstance(column_type, sa.Text)
    if kind is sa.Float:  # not Numeric: SQLAlchemy's Float is a Numeric
        return isinstance(column_type, sa.Float)
    if kind is sa.Numeric:
        return isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float)
    if kind is sa.String:
        return isinstance(column_type, sa.String) and not isinstance(column_type, sa.Text)
    if kind is sa.JSON:  # SQLite reflects JSON as JSON, PostgreSQL as JSON/JSONB
        return isinstance(column_type, sa.JSON)
    return isinstance(column_type, kind)


def _length_ok(field: Field, column_type: Any) -> bool:
    length = getattr(column_type, "length", None)
    if field.type == "enum":
        return length is not None and length >= max(len(c) for c in field.choices)
    if field.type == "currency":
        return length == 3
    if field.type in ("id", "text") and field.max_length is not None:
        return length == field.max_length
    return True


def _choices(check_texts: list[str], column: str) -> set[str] | None:
    """The values a CHECK constraint on ``column`` allows (``col IN ('a', 'b')`` on SQLite,
    ``col = ANY (ARRAY['a', 'b'])`` on PostgreSQL), or None when there is none."""
    for text in check_texts:
        if re.search(rf"\b{column}\b", text) and re.search(r"\bIN\b|ANY", text, re.I):
            if " AND " in text:  # a rule between columns (feedback score by kind)
                continue
            return set(re.findall(r"'([^']*)'", text))
    return None


def _default_ok(field: Field, default: object) -> bool:
    if field.default is None:
        return True
    text = str(getattr(default, "arg", default))
    return text.strip("'").split("'")[0] == field.default


@pytest.mark.parametrize("table", list(CONTRACTS))
def test_the_models_follow_the_contract(table: str) -> None:
    contract = CONTRACTS[table]
    model: Any = TABLES[table].__table__
    assert list(CONTRACTS) == list(TABLES)
    extra = {**STORE_ONLY, **STORE_ONLY_BY_TABLE.get(table, {})}
    assert set(model.columns.keys()) == {f.name for f in contract.fields} | set(extra)
    checks = [str(c.sqltext) for c in model.constraints if isinstance(c, sa.CheckConstraint)]
    for field in contract.fields:
        column = model.columns[field.name]
        where = f"{table}.{field.name}"
        assert _kind_ok(field, column.type), (where, column.type)
        assert _length_ok(field, column.type), (where, column.type)
        assert column.nullable is _nullable(field), where
        assert _default_ok(field, column.server_default), (where, column.server_default)
        if field.type == "enum" and (table, field.name) not in UNCHECKED_CHOICES:
            assert _choices(checks, field.name) == set(field.choices), where
        if field.type == "ref":
            (fk,) = column.foreign_keys
            assert fk.target_fullname == "customers.id", where
    assert model.columns["id"].primary_key
    for name, field in [(n, contract.by_name[n]) for t, n in UNCHECKED_CHOICES if t == table]:
        assert _choices(checks, name) is None, f"{table}.{name} is checked now: drop the exception"
        assert field.choices


@pytest.mark.parametrize("table", list(CONTRACTS))
def test_a_migrated_store_follows_the_contract(db_url: str, table: str) -> None:
    """The store as Alembic's migrations build it (the db_url fixture upgrades to head)."""
    contract = CONTRACTS[table]
    inspector = sa.inspect(get_engine(db_url))
    columns = {c["name"]: c for c in inspector.get_columns(table)}
    extra = {**STORE_ONLY, **STORE_ONLY_BY_TABLE.get(table, {})}
    assert set(columns) == {f.name for f in contract.fields} | set(extra)
    checks = [c["sqltext"] for c in inspector.get_check_constraints(table)]
    foreign = {
        tuple(fk["constrained_columns"]): (fk["referred_table"], tuple(fk["referred_columns"]))
        for fk in inspector.get_foreign_keys(table)
    }
    unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
    for field in contract.fields:
        column = columns[field.name]
        where = f"{table}.{field.name}"
        assert _kind_ok(field, column["type"]), (where, column["type"])
        assert _length_ok(field, column["type"]), (where, column["type"])
        assert column["nullable"] is _nullable(field), where
        assert _default_ok(field, column["default"]), (where, column["default"])
        if field.type == "enum" and (table, field.name) not in UNCHECKED_CHOICES:
            assert _choices(checks, field.name) == set(field.choices), where
        if field.type == "ref":
            assert foreign[(field.name,)] == ("customers", ("id",)), where
        if field.type == "id":
            assert (field.name,) in unique, where
    assert inspector.get_pk_constraint(table)["constrained_columns"] == ["id"]
