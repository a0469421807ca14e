"""Opening the store: engines, sessions and schema migrations.

The store is SQLite by default (one file, zero set-up) and PostgreSQL in
production. Every schema change is an Alembic migration shipped in the package
(``keepwise/store/migrations``); :func:`upgrade` brings any store to the newest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from keepwise.errors import StoreError
from keepwise.settings import get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalize_url(url: str | None) -> str:
    """Return a SQLAlchemy URL for ``url``, defaulting to the settings' store.

    ``postgresql://`` and ``postgres://`` are given the psycopg 3 driver, and a
    bare file path is taken as a SQLite file.
    """
    url = url or get_settings().db
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if "://" not in url:
        url = f"sqlite:///{url}"
    try:
        make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r} ({exc})") from None
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_ENGINES: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """Return a (cached) engine for ``url``; SQLite gets foreign keys and WAL on."""
    url = normalize_url(url)
    engine = _ENGINES.get(url)
    if engine is None:
        sa_url = make_url(url)
        if sa_url.get_backend_name() == "sqlite":
            database = sa_url.database
            if database and database != ":memory:":
                parent = Path(database).expanduser().resolve().parent
                if not parent.exists():
                    raise StoreError(f"cannot open store {url!r}: folder {parent} does not exist")
            engine = create_engine(url)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _ENGINES[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every cached engine (tests and long-lived processes)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    factory = sessionmaker(get_engine(url), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def _alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Create or migrate the store at ``url`` to ``revision`` (default: newest)."""
    from alembic import command

    url = normalize_url(url)
    engine = get_engine(url)
    try:
        with engine.begin() as connection:
            config = _alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as exc:
        raise StoreError(f"cannot open store {url!r}: {exc.orig}") from None


def current_revision(url: str | None = None) -> str | None:
    """The store's migration revision, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    try:
        with get_engine(url).connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise StoreError(f"cannot open store {normalize_url(url)!r}: {exc.orig}") from None


def head_revision() -> str:
    """The newest migration revision shipped with this keepwise."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def require_current(url: str | None = None) -> Engine:
    """Return the engine for ``url`` if its schema is current, else raise a helpful error."""
    url = normalize_url(url)
    revision = current_revision(url)
    if revision is None:
        raise StoreError(f"the store {url!r} is empty: run `keepwise init` first")
    if revision != head_revision():
        raise StoreError(
            f"the store {url!r} is at schema revision {revision}, this keepwise expects "
            f"{head_revision()}: run `keepwise init` to migrate it"
        )
    return get_engine(url)


def table_names(url: str | None = None) -> list[str]:
    """Names of the tables in the store (without Alembic's bookkeeping table)."""
    names = inspect(get_engine(url)).get_table_names()
    return sorted(n for n in names if n != "alembic_version")
