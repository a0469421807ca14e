"""`keepwise user add|list|disable|enable|password|token`: accounts, without the web package."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from keepwise.cli._common import console, dump_json, err_console, user_errors
from keepwise.cli._options import DbOption, FormatOption, OutputFormat, PasswordStdinOption

user_app = typer.Typer(
    help="Manage the people who can sign in: add, list, disable, tokens.", no_args_is_help=True
)

#: At least this many characters in a password set from the command line.
MIN_PASSWORD_LENGTH = 8


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


RoleOption = Annotated[str, typer.Option("--role", "-r", help="admin, manager or sales_rep.")]
UsernameArgument = Annotated[str, typer.Argument(help="Login name.", show_default=False)]


def _read_password(password_stdin: bool) -> str:
    from keepwise.errors import ConfigError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


@user_app.command("add")
def user_add(
    username: Annotated[
        str,
        typer.Argument(
            help="Login name; a sales rep's name is what customers.owner holds.",
            show_default=False,
        ),
    ],
    role: RoleOption = "sales_rep",
    display_name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    locale: Annotated[str, typer.Option(help="Language of the pages: zh_CN or en.")] = "zh_CN",
    password_stdin: PasswordStdinOption = False,
    db: DbOption = None,
) -> None:
    """Add a user (asks for the password twice, or reads one line with --password-stdin)."""
    with user_errors():
        from keepwise import accounts

        password = _read_password(password_stdin)
        info = accounts.create_user(
            db, username, password, role=role, display_name=display_name, email=email, locale=locale
        )
    console.print(f"user {info.username!r} added ({info.role})")


@user_app.command("list")
def user_list(db: DbOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """List users with their roles and whether they can sign in."""
    with user_errors():
        from keepwise import accounts

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
    from rich.table import Table

    table = Table(title="keepwise users")
    for column in ("username", "role", "display_name", "locale", "active", "last_login_at"):
        table.add_column(column)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r.values()))
    console.print(table)


@user_app.command("disable")
def user_disable(username: UsernameArgument, db: DbOption = None) -> None:
    """Stop a user from signing in (and revoke their API tokens)."""
    with user_errors():
        from keepwise import accounts

        accounts.set_user_active(db, username, False)
    console.print(f"user {username!r} disabled; their API tokens are revoked")


@user_app.command("enable")
def user_enable(username: UsernameArgument, db: DbOption = None) -> None:
    """Let a disabled user sign in again (their revoked API tokens stay revoked)."""
    with user_errors():
        from keepwise import accounts

        accounts.set_user_active(db, username, True)
    console.print(f"user {username!r} enabled")


@user_app.command("password")
def user_password(
    username: UsernameArgument,
    password_stdin: PasswordStdinOption = False,
    db: DbOption = None,
) -> None:
    """Set a new password for a user (their signed-in sessions end)."""
    with user_errors():
        from keepwise import accounts

        accounts.set_password(db, username, _read_password(password_stdin))
    console.print(f"password of {username!r} changed")


@user_app.command("token")
def user_token(
    username: UsernameArgument,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
    db: DbOption = None,
) -> None:
    """Create an API token for a user and print it once (only its hash is kept)."""
    with user_errors():
        from keepwise import accounts

        token = accounts.create_token(db, username, name)
    err_console.print(
        f"API token {name!r} for {username!r} (shown once; send as `Authorization: Bearer ...`):"
    )
    typer.echo(token)
