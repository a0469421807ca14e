"""`keepwise user add|list|role|disable|enable|password|signout|token|tokens|revoke-token`:
accounts, without the web package (the web app's twin is /admin/users and /api/v1/users)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

import typer

from keepwise.cli._common import console, dump_json, err_console, user_errors
from keepwise.cli._options import DbOption, FormatOption, OutputFormat, PasswordStdinOption

user_app = typer.Typer(
    help="Manage the people who can sign in: add, list, roles, passwords, sessions, tokens.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


RoleOption = Annotated[str, typer.Option("--role", "-r", help="admin, manager or sales_rep.")]
UsernameArgument = Annotated[str, typer.Argument(help="Login name.", show_default=False)]


def _read_password(password_stdin: bool, username: str) -> str:
    """A new password from stdin or the prompt, checked against the password policy
    (length, common passwords, the username: :mod:`keepwise.accounts.policy`)."""
    from keepwise.accounts.policy import check_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    check_password(password, username=username)
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

        password = _read_password(password_stdin, username.strip())
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
    _print_rows(rows, fmt, "keepwise users")


@user_app.command("role")
def user_role(
    username: UsernameArgument,
    role: Annotated[str, typer.Argument(help="admin, manager or sales_rep.", show_default=False)],
    db: DbOption = None,
) -> None:
    """Give a user another role (it applies to their next request)."""
    with user_errors():
        from keepwise import accounts

        info = accounts.set_role(db, username, role)
    console.print(f"user {info.username!r} is now {info.role}")


@user_app.command("disable")
def user_disable(username: UsernameArgument, db: DbOption = None) -> None:
    """Stop a user from signing in: their sessions end and their API tokens are revoked."""
    with user_errors():
        from keepwise import accounts

        accounts.set_user_active(db, username, False)
    console.print(f"user {username!r} disabled; their sessions ended and API tokens are revoked")


@user_app.command("enable")
def user_enable(username: UsernameArgument, db: DbOption = None) -> None:
    """Let a disabled user sign in again (old sessions and revoked tokens stay ended)."""
    with user_errors():
        from keepwise import accounts

        accounts.set_user_active(db, username, True)
    console.print(f"user {username!r} enabled")


@user_app.command("password")
def user_password(
    username: UsernameArgument,
    password_stdin: PasswordStdinOption = False,
    keep_tokens: Annotated[
        bool,
        typer.Option("--keep-tokens", help="Keep the user's API tokens (revoked by default)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Set a new password for a user: their sessions end, their API tokens are revoked."""
    with user_errors():
        from keepwise import accounts

        result = accounts.set_password(
            db, username, _read_password(password_stdin, username), keep_tokens=keep_tokens
        )
    console.print(
        f"password of {username!r} changed; {result['sessions_ended']} session(s) ended, "
        f"{result['tokens_revoked']} API token(s) revoked"
    )


@user_app.command("signout")
def user_signout(username: UsernameArgument, db: DbOption = None) -> None:
    """Sign a user out everywhere: every browser session of theirs ends now."""
    with user_errors():
        from keepwise import accounts

        ended = accounts.sign_out_everywhere(db, username)
    console.print(f"{ended} session(s) of {username!r} ended")


@user_app.command("token")
def user_token(
    username: UsernameArgument,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
    expires_days: Annotated[
        int | None,
        typer.Option("--expires-days", min=1, max=3650, help="Stop working after this many days."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an API token for a user and print it once (only its hash is kept)."""
    with user_errors():
        from keepwise import accounts

        token = accounts.create_token(db, username, name, expires_days=expires_days)
    until = f", valid {expires_days} days" if expires_days else ""
    err_console.print(
        f"API token {name!r} for {username!r}{until} "
        "(shown once; send as `Authorization: Bearer ...`):"
    )
    typer.echo(token)


@user_app.command("tokens")
def user_tokens(
    username: UsernameArgument, db: DbOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """List a user's API tokens (never the tokens themselves): id, name, prefix, dates."""
    with user_errors():
        from keepwise import accounts

        tokens = accounts.list_tokens(db, username)

    def when(value: datetime | None) -> str | None:
        return value.isoformat(timespec="seconds") if value is not None else None

    rows = [
        {
            "id": t.id,
            "name": t.name,
            "prefix": t.prefix,
            "created_at": when(t.created_at),
            "last_used_at": when(t.last_used_at),
            "expires_at": when(t.expires_at),
            "revoked_at": when(t.revoked_at),
        }
        for t in tokens
    ]
    _print_rows(rows, fmt, f"API tokens of {username}")


@user_app.command("revoke-token")
def user_revoke_token(
    username: UsernameArgument,
    token_id: Annotated[int, typer.Argument(help="The id `keepwise user tokens` shows.")],
    db: DbOption = None,
) -> None:
    """Revoke one API token of a user."""
    with user_errors():
        from keepwise import accounts

        info = accounts.revoke_token(db, username, token_id)
    console.print(f"API token {info.id} ({info.name!r}, {info.prefix}...) of {username!r} revoked")


def _print_rows(rows: Sequence[Mapping[str, Any]], fmt: OutputFormat, title: str) -> None:
    if fmt is OutputFormat.json:
        typer.echo(dump_json(rows))
        return
    columns = list(rows[0]) if rows else []
    if fmt is OutputFormat.csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if r[c] is None else r[c] for c in columns] for r in rows])
        return
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for r in rows:
        table.add_row(*("" if r[c] is None else str(r[c]) for c in columns))
    console.print(table)
