"""Read queries over the store used by the CLI, the API and the analytics loader."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from keepwise.models import TABLES, Order
from keepwise.store import cache
from keepwise.store.db import require_current


def row_counts(url: str | None = None) -> dict[str, int]:
    """Number of rows in each CRM table, in load order."""
    engine = require_current(url)
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for name, model in TABLES.items():
            counts[name] = int(
                connection.execute(select(func.count()).select_from(model)).scalar_one()
            )
    return counts


def session_engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def url_key(session: Session) -> str:
    return session_engine(session).url.render_as_string(hide_password=True)


def data_as_of(session: Session) -> date:
    """The store's "today": the date of the newest order (today when there are none).

    Demo and imported data often end in the past; measuring the trailing 12 months from
    the newest order keeps values meaningful.
    """

    engine = session_engine(session)

    def compute() -> date:
        # Its own session: the cache may run this in a background thread.
        with Session(engine) as session:
            newest = session.execute(select(func.max(Order.ordered_at))).scalar_one_or_none()
            if newest is None:
                return date.today()
            if isinstance(newest, str):
                newest = datetime.fromisoformat(newest)
            return newest.date() if isinstance(newest, datetime) else newest

    return cache.cached(("as_of", url_key(session)), compute)
