"""Server-rendered pages (Jinja2 + htmx, charts drawn by the vendored ECharts).

``router`` holds every page route; ``create_app`` includes it. One module per page:
:mod:`.dashboard`, :mod:`.at_risk`, :mod:`.customers`, :mod:`.customer`, :mod:`.analysis`, :mod:`.importer`
and :mod:`.prefs` (language switch). Routes hold no SQL: they call
:mod:`keepwise.store.insights` and :mod:`keepwise.analytics`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from keepwise.web.pages import (
    _analytics,
    analysis,
    at_risk,
    customer,
    customers,
    dashboard,
    importer,
    prefs,
)

WARM_UP_ENV = "KEEPWISE_WARM_UP"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start-up, read the store into the analytics engine in the background.

    The first dashboard then opens without waiting for the store to load. Set
    ``KEEPWISE_WARM_UP=0`` to skip it.
    """
    url = getattr(app.state, "db_url", None)
    if url and os.environ.get(WARM_UP_ENV, "1") != "0":
        threading.Thread(
            target=_analytics.warm_up, args=(str(url),), name="keepwise-warm-up", daemon=True
        ).start()
    yield


router = APIRouter(tags=["pages"], include_in_schema=False, lifespan=_lifespan)
for _module in (dashboard, at_risk, customers, customer, analysis, importer, prefs):
    router.include_router(_module.router)

__all__ = ["router"]
