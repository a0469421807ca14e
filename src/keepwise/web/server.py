"""Run the web app with uvicorn: ``serve(db_url, host, port)`` (``keepwise serve``, ``keepwise demo``)."""

from __future__ import annotations

from keepwise.errors import ConfigError
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


def serve(
    db_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool = False,
    *,
    log_level: str = "info",
) -> None:
    """Serve keepwise over the store at ``db_url`` until interrupted (blocks).

    Raises :class:`~keepwise.errors.ConfigError` when the store has no active user or no
    session key can be found (see :func:`keepwise.web.security.resolve_secret_key`).
    """
    import uvicorn

    from keepwise.web.app import create_app

    url = check_servable(db_url)
    app = create_app(url, demo=demo)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
