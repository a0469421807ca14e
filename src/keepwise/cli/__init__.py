"""The ``keepwise`` command line (Typer). Commands are thin: parse, call the library, render.

Command modules import only Typer and the CLI's own helpers at import time (the library,
pandas, SQLAlchemy and the optional extras inside the commands), so ``keepwise --help`` is
quick and a command needs only what it uses: the web package only to serve.
"""

from __future__ import annotations

import typer

from keepwise import __version__
from keepwise.cli import churn as _churn
from keepwise.cli import demo as _demo
from keepwise.cli import importer as _importer
from keepwise.cli import metrics as _metrics
from keepwise.cli import store as _store
from keepwise.cli import survival as _survival
from keepwise.cli import users as _users
from keepwise.cli import value as _value
from keepwise.cli import web as _web

app = typer.Typer(
    name="keepwise",
    help="keepwise: retention-first CRM and customer-churn analytics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"keepwise {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """keepwise: retention-first CRM and customer-churn analytics."""


# Each command module registers its commands on the app.
_store.register(app)
_importer.register(app)
_demo.register(app)
_metrics.register(app)
_web.register(app)
_users.register(app)
_value.register(app)
_churn.register(app)
_survival.register(app)


def main() -> None:
    app()
