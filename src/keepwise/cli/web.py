"""`keepwise serve`: the web pages and the REST API.

The command line imports :mod:`keepwise.web` only to serve: here and in `keepwise demo`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from keepwise.cli._common import user_errors
from keepwise.cli._options import DbOption, HostOption, PortOption


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    db: DbOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (each keeps its own caches).")] = 1,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated, "
            "'*' for any, '' for none). Default: KEEPWISE_FORWARDED_ALLOW_IPS, 127.0.0.1,::1. "
            "A proxy that says https gets Secure cookies and HSTS.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the web pages and the REST API (needs at least one user: `keepwise user add`)."""
    with user_errors():
        from keepwise.extras import require_extra

        require_extra("web", "keepwise serve")
        from keepwise.web import server

        url = server.check_servable(db)
        typer.echo(f"keepwise serving {url} at http://{host}:{port}/ (API docs: /api/v1/docs)")
        server.serve(
            url, host=host, port=port, workers=workers, forwarded_allow_ips=forwarded_allow_ips
        )
