"""Where a command's data comes from and where its results go: the one place for both.

Every command that reads data takes ``--data`` (a folder of files or a store URL) and
``--db`` (the store); ``--data`` defaults to the ``--db`` store, which defaults to
``$KEEPWISE_DB`` and then ``sqlite:///./keepwise.db``. Commands that write results (churn
scores, warnings) write them to the store that was read, or to ``--db`` when it is given.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from keepwise.cli._options import Engine

if TYPE_CHECKING:
    from keepwise.analytics.dataset import Dataset


def store_url(db: str | None) -> str:
    """The store of ``--db`` (or the configured default) as a SQLAlchemy URL."""
    from keepwise.store import normalize_url

    return normalize_url(db)


def is_store(data: str) -> bool:
    """Whether ``--data`` names a store (a URL or a ``.db`` file) rather than a folder."""
    return "://" in data or (data.endswith(".db") and not Path(data).is_dir())


def store_exists(url: str) -> bool:
    """False for a SQLite file that does not exist (checked without creating it), else True."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        return Path(u.database).expanduser().is_file()
    return True


def open_dataset(data: str | None, db: str | None, *, engine: Engine = Engine.duckdb) -> Dataset:
    """The dataset a command reads: ``--data`` (folder or store URL), else the ``--db`` store.

    A missing folder or store, an empty store and bad files are reported by
    :func:`keepwise.analytics.dataset.load_dataset` (a ``KeepwiseError`` that names them);
    ``--engine spark`` without PySpark or Java says what to install before anything starts.
    """
    from keepwise.analytics.dataset import load_dataset

    if engine is Engine.spark:
        _check_spark()
    source = data if data is not None else store_url(db)
    return load_dataset(source, backend="pyspark" if engine is Engine.spark else "duckdb")


def _check_spark() -> None:
    import os
    import shutil

    from keepwise.errors import ConfigError
    from keepwise.extras import require_extra

    require_extra("spark", "--engine spark")
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise ConfigError(
            "--engine spark needs Java (17 or later): install it, or set JAVA_HOME to it"
        )


def results_store(data: str | None, db: str | None, *, what: str, otherwise: str = "") -> str:
    """The store that ``what`` (e.g. "scores") are written to, checked before any work.

    That is ``--db`` when given; else the ``--data`` store when ``--data`` is one; else the
    default store. It must exist and be at the current schema; ``otherwise`` names the
    alternative to offer (e.g. "--no-store --out FILE to write them to a CSV file only").
    """
    from keepwise.errors import ConfigError
    from keepwise.store import require_current

    url = store_url(db if db is not None or data is None or not is_store(data) else data)
    if not store_exists(url):
        alternative = f", or {otherwise}" if otherwise else ""
        raise ConfigError(
            f"{what} are written to the store, and there is no store at {url}: "
            f"give --db with your store URL{alternative}"
        )
    require_current(url)
    return url


def parse_date(value: str | None, option: str) -> dt.date | None:
    """A date option checked before the data loads, so a mistake names the option."""
    from keepwise.analytics.periods import to_date

    return to_date(value, name=option)
