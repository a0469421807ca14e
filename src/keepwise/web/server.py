"""Run the web app with uvicorn: ``serve(db_url, host, port)`` (``keepwise serve``, ``keepwise demo``)."""

from __future__ import annotations

import os
from typing import Any

from keepwise.errors import ConfigError
from keepwise.settings import get_settings
from keepwise.store.db import normalize_url, require_current, session_scope
from keepwise.store.users import count_users


def check_servable(db_url: str | None) -> str:
    """The normalised URL if the store is migrated and has an active user, else a helpful error.

    There is no default account: outside the demo, someone must create the first user
    (``keepwise user add NAME --role admin``) before the server starts.
    """
    url = normalize_url(db_url)
    require_current(url)
    with session_scope(url) as session:
        if count_users(session, active_only=True) == 0:
            raise ConfigError(
                f"the store {url!r} has no active users: create the first one with "
                "`keepwise user add NAME --role admin` (it asks for a password), then serve again"
            )
    return url


_ENV_URL = "KEEPWISE_SERVE_DB"
_ENV_DEMO = "KEEPWISE_SERVE_DEMO"


def app_from_env() -> Any:
    """The app factory uvicorn's worker processes call (``workers > 1``)."""
    from keepwise.web.app import create_app

    return create_app(os.environ[_ENV_URL], demo=os.environ.get(_ENV_DEMO) == "1")


def serve(
    db_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool = False,
    *,
    workers: int = 1,
    log_level: str = "info",
) -> None:
    """Serve keepwise over the store at ``db_url`` until interrupted (blocks).

    ``workers > 1`` runs that many server processes (each with its own caches); they share
    one session key, so a login works whichever process answers.

    Raises :class:`~keepwise.errors.ConfigError` when the store has no active user or no
    session key can be found (see :func:`keepwise.web.security.resolve_secret_key`).
    """
    import uvicorn

    from keepwise.web.app import create_app
    from keepwise.web.security import resolve_secret_key

    url = check_servable(db_url)
    if workers < 1:
        raise ConfigError(f"--workers must be 1 or more, not {workers}")
    if workers == 1:
        app = create_app(url, demo=demo)
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
        return
    os.environ["KEEPWISE_SECRET_KEY"] = resolve_secret_key(url, demo=demo)
    os.environ[_ENV_URL] = url
    os.environ[_ENV_DEMO] = "1" if demo else "0"
    get_settings.cache_clear()
    uvicorn.run(
        "keepwise.web.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=300,  # importing the analytics stack takes a while
        log_level=log_level,
        access_log=False,
    )
