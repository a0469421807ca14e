"""`keepwise serve` and `keepwise user add|list|disable|enable|password|token`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from keepwise.cli._common import (
    DbOption,
    FormatOption,
    OutputFormat,
    console,
    dump_json,
    err_console,
    user_errors,
)

user_app = typer.Typer(
    help="Manage the people who can sign in: add, list, disable, tokens.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")


def serve(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 for all interfaces).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (each keeps its own caches).")] = 1,
) -> None:
    """Serve the web pages and the REST API (needs at least one user: `keepwise user add`)."""
    from keepwise.web import server

    with user_errors():
        url = server.check_servable(db)
        typer.echo(f"keepwise serving {url} at http://{host}:{port}/ (API docs: /api/v1/docs)")
        server.serve(url, host=host, port=port, workers=workers)


RoleOption = Annotated[str, typer.Option("--role", "-r", help="admin, manager or sales_rep.")]


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        from keepwise.errors import ConfigError

        raise ConfigError("a password needs at least 8 characters")
    return password


@user_app.command("add")
def user_add(
    username: Annotated[
        str, typer.Argument(help="Login name; a sales rep's name is what customers.owner holds.")
    ],
    role: RoleOption = "sales_rep",
    display_name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    locale: Annotated[str, typer.Option(help="Language of the pages: zh_CN or en.")] = "zh_CN",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user (asks for the password twice, or reads one line with --password-stdin)."""
    from keepwise import accounts

    with user_errors():
        password = _read_password(password_stdin)
        info = accounts.create_user(
            db, username, password, role=role, display_name=display_name, email=email, locale=locale
        )
    console.print(f"user {info.username!r} added ({info.role})")


@user_app.command("list")
def user_list(db: DbOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """List users with their roles and whether they can sign in."""
    from keepwise import accounts

    with user_errors():
        users = accounts.list_users(db)
    rows = [
        {
            "username": u.username,
            "role": u.role,
            "display_name": u.display_name,
            "locale": u.locale,
            "active": u.is_active,
            "last_login_at": u.last_login_at.isoformat(timespec="seconds")
            if u.last_login_at
            else None,
        }
        for u in users
    ]
    if fmt is OutputFormat.json:
        typer.echo(dump_json(rows))
        return
    if fmt is OutputFormat.csv:
        typer.echo("username,role,display_name,locale,active,last_login_at")
        for r in rows:
            typer.echo(",".join("" if v is None else str(v) for v in r.values()))
        return
    table = Table(title="keepwise users")
    for column in ("username", "role", "display_name", "locale", "active", "last_login_at"):
        table.add_column(column)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r.values()))
    console.print(table)


@user_app.command("disable")
def user_disable(username: str, db: DbOption = None) -> None:
    """Stop a user from signing in (and revoke their API tokens)."""
    from keepwise import accounts

    with user_errors():
        accounts.set_user_active(db, username, False)
    console.print(f"user {username!r} disabled; their API tokens are revoked")


@user_app.command("enable")
def user_enable(username: str, db: DbOption = None) -> None:
    """Let a disabled user sign in again."""
    from keepwise import accounts

    with user_errors():
        accounts.set_user_active(db, username, True)
    console.print(f"user {username!r} enabled")


@user_app.command("password")
def user_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Set a new password for a user."""
    from keepwise import accounts

    with user_errors():
        accounts.set_password(db, username, _read_password(password_stdin))
    console.print(f"password of {username!r} changed")


@user_app.command("token")
def user_token(
    username: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
    db: DbOption = None,
) -> None:
    """Create an API token for a user and print it once (only its hash is kept)."""
    from keepwise import accounts

    with user_errors():
        token = accounts.create_token(db, username, name)
    err_console.print(
        f"API token {name!r} for {username!r} (shown once; send as `Authorization: Bearer ...`):"
    )
    typer.echo(token)
