"""The ASGI app: ``create_app(db_url)`` wires the store, sessions, CSRF, the API and the pages."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from starlette.types import ASGIApp

from keepwise import __version__
from keepwise.store.db import normalize_url, require_current
from keepwise.web import auth
from keepwise.web.api import API_PREFIX, api_router
from keepwise.web.apidocs import docs_router
from keepwise.web.deps import csrf_protect
from keepwise.web.errors import install_error_handlers
from keepwise.web.security import (
    SESSION_COOKIE,
    SecurityHeadersMiddleware,
    SessionCookieMiddleware,
    resolve_secret_key,
)

STATIC_DIR = Path(__file__).parent / "static"
PAGES_MODULE = "keepwise.web.pages"
#: Database connections of the web app: one per worker thread (anyio's default pool is 40
#: threads; a request holds its connection until it has answered), plus room for the
#: caches' background refreshes.
POOL_SIZE = 40
POOL_OVERFLOW = 10

__all__ = ["SESSION_COOKIE", "create_app", "open_pool", "web_engine"]

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


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def web_engine(url: str) -> Engine:
    """An engine sized for the web server's worker threads (the store's default pool has 15)."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=60
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=60, pool_pre_ping=True
    )


#: Connections opened at start-up (see :func:`open_pool`): a burst of concurrent requests on a
#: fresh server would otherwise open them all at once, each parsing the schema and warming its
#: page cache while the others wait.
POOL_WARM = 20


def open_pool(engine: Engine, connections: int = POOL_WARM) -> None:
    """Open ``connections`` pooled connections and run one query on each, then return them to
    the pool (at start-up, in the background)."""
    opened = []
    try:
        for _ in range(min(connections, POOL_SIZE)):
            conn = engine.connect()
            opened.append(conn)
            conn.exec_driver_sql("SELECT count(*) FROM customers").scalar()
    finally:
        for conn in opened:
            conn.close()


class KeepwiseApp(FastAPI):
    """FastAPI with the security headers outside everything, Starlette's error middleware
    included: even an unexpected error's 500 carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack())


def create_app(
    db_url: str | None = None, *, demo: bool = False, secret_key: str | None = None
) -> FastAPI:
    """Build the keepwise web app over the store at ``db_url`` (default: the settings' store).

    The store must be migrated (``keepwise init``). Sessions live in the store; the key that
    CSRF tokens are derived with comes from ``secret_key``, ``KEEPWISE_SECRET_KEY`` or the
    store's ``<db>.secret`` file (see :func:`keepwise.web.security.resolve_secret_key`).
    """
    url = normalize_url(db_url)
    require_current(url)
    engine = web_engine(url)
    key = resolve_secret_key(url, demo=demo, explicit=secret_key)
    app = KeepwiseApp(
        title="keepwise",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served from the package by docs_router, never from a CDN
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.db_url = url
    app.state.demo = demo
    app.state.engine = engine
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.state.secret_key = key
    app.add_middleware(SessionCookieMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR), check_dir=False), name="static")
    app.include_router(docs_router(f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs"))
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
