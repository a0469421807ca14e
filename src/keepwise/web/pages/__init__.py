"""Server-rendered pages (Jinja2 + htmx, charts drawn by the vendored ECharts).

``router`` holds every page route; ``create_app`` includes it. One module per page:
:mod:`.dashboard`, :mod:`.at_risk`, :mod:`.customers`, :mod:`.customer`, :mod:`.analysis`, :mod:`.importer`
and :mod:`.prefs` (language switch). Routes hold no SQL: they call
:mod:`keepwise.store` read models (risk, dashboard, customer360, tasks) and :mod:`keepwise.analytics`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from keepwise.web import analytics
from keepwise.web.pages import (
    _analytics,  # noqa: F401 - registers the pages' warm-up with the analytics service
    account,
    analysis,
    at_risk,
    customer,
    customers,
    dashboard,
    importer,
    prefs,
    users,
)

WARM_UP_ENV = "KEEPWISE_WARM_UP"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start-up, open the connection pool and read the store into the analytics engine in
    the background.

    The first dashboard then opens without waiting for the store to load. Set
    ``KEEPWISE_WARM_UP=0`` to skip it.
    """
    url = getattr(app.state, "db_url", None)
    if url and os.environ.get(WARM_UP_ENV, "1") != "0":
        engine = getattr(app.state, "engine", None)
        threading.Thread(
            target=_warm_up, args=(str(url), engine), name="keepwise-warm-up", daemon=True
        ).start()
    yield


def _warm_up(url: str, engine: Any) -> None:
    if engine is not None:
        from keepwise.web.app import open_pool

        try:
            open_pool(engine)
        except Exception:  # noqa: BLE001 - a failed warm-up only means a slower first burst
            logging.getLogger(__name__).exception("opening the connection pool failed")
    analytics.warm_up(url)


router = APIRouter(tags=["pages"], include_in_schema=False, lifespan=_lifespan)
for _module in (dashboard, at_risk, customers, customer, analysis, importer, prefs, account, users):
    router.include_router(_module.router)

__all__ = ["router"]
