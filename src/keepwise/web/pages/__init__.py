"""Server-rendered pages (Jinja2 + htmx, charts drawn by the vendored ECharts).

``router`` holds every page route; ``create_app`` includes it. One module per page:
:mod:`.dashboard`, :mod:`.at_risk`, :mod:`.customer`, :mod:`.analysis`, :mod:`.importer`
and :mod:`.prefs` (language switch). Routes hold no SQL: they call
:mod:`keepwise.store.insights` and :mod:`keepwise.analytics`.
"""

from __future__ import annotations

from fastapi import APIRouter

from keepwise.web.pages import analysis, at_risk, customer, dashboard, importer, prefs

router = APIRouter(tags=["pages"], include_in_schema=False)
for _module in (dashboard, at_risk, customer, analysis, importer, prefs):
    router.include_router(_module.router)

__all__ = ["router"]
