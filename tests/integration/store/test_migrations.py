from __future__ import annotations

import pytest
from sqlalchemy import inspect

from keepwise import store
from keepwise.errors import StoreError
from keepwise.models import TABLES


@pytest.mark.integration
def test_migrated_store_has_every_table_and_is_current(db_url: str) -> None:
    assert store.current_revision(db_url) == store.head_revision()
    assert set(store.table_names(db_url)) >= set(TABLES)
    assert store.row_counts(db_url) == dict.fromkeys(TABLES, 0)


@pytest.mark.integration
def test_upgrade_is_idempotent(db_url: str) -> None:
    store.upgrade(db_url)
    store.upgrade(db_url)
    assert store.current_revision(db_url) == store.head_revision()


@pytest.mark.integration
def test_orm_metadata_matches_migrations(db_url: str) -> None:
    """The migrations create exactly the columns the ORM models declare."""
    inspector = inspect(store.get_engine(db_url))
    for name, model in TABLES.items():
        db_columns = {c["name"] for c in inspector.get_columns(name)}
        assert db_columns == set(model.__table__.columns.keys()), name


def test_empty_store_asks_for_init(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(StoreError, match="keepwise init"):
        store.row_counts(url)


def test_missing_folder_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match="does not exist"):
        store.get_engine(f"sqlite:///{tmp_path / 'nope' / 'x.db'}")


def test_postgres_urls_get_psycopg_driver() -> None:
    assert store.normalize_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert store.normalize_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert store.normalize_url("some/file.db") == "sqlite:///some/file.db"
