"""The ASGI app: ``create_app(db_url)`` wires the store, sessions, CSRF, the API and the pages."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from keepwise import __version__
from keepwise.store.db import normalize_url, require_current
from keepwise.web import auth
from keepwise.web.api import API_PREFIX, api_router
from keepwise.web.deps import csrf_protect
from keepwise.web.errors import install_error_handlers
from keepwise.web.security import resolve_secret_key

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "keepwise_session"
SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600
PAGES_MODULE = "keepwise.web.pages"

API_DESCRIPTION = """
The keepwise REST API. Authenticate with `Authorization: Bearer kw_...` (create a token with
`keepwise user token USERNAME` or `POST /api/v1/tokens`), or with the session cookie of a
browser login plus the `X-CSRF-Token` header on changes.

Customers and their records are addressed by their `external_id`; `customer_id` is always the
customer's external id. A sales rep sees only customers they own: anyone else's answers 404.
Lists take `page`, `per_page` (at most 500) and `sort` (`-field` for descending) and return
`{"ok", "items", "total", "page", "per_page", "pages", "links"}`. Every error has the shape
`{"ok": false, "error": "...", "errors": [...], "status": 404}`.
"""


def create_app(
    db_url: str | None = None, *, demo: bool = False, secret_key: str | None = None
) -> FastAPI:
    """Build the keepwise web app over the store at ``db_url`` (default: the settings' store).

    The store must be migrated (``keepwise init``). The session-signing key comes from
    ``secret_key``, ``KEEPWISE_SECRET_KEY`` or the store's ``<db>.secret`` file (see
    :func:`keepwise.web.security.resolve_secret_key`).
    """
    url = normalize_url(db_url)
    engine = require_current(url)
    key = resolve_secret_key(url, demo=demo, explicit=secret_key)
    app = FastAPI(
        title="keepwise",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.db_url = url
    app.state.demo = demo
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        https_only=False,
    )
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR), check_dir=False), name="static")
    app.include_router(auth.router)
    app.include_router(api_router)
    if importlib.util.find_spec(PAGES_MODULE) is not None:
        app.include_router(importlib.import_module(PAGES_MODULE).router)
    else:  # API-only install: send browsers to the API docs

        @app.get("/", include_in_schema=False)
        def _root() -> RedirectResponse:
            return RedirectResponse(f"{API_PREFIX}/docs")

    @app.get("/healthz", include_in_schema=False)
    def _health() -> dict[str, object]:
        return {"ok": True, "version": __version__}

    return app
