"""`keepwise init` and `keepwise info`: create, migrate and describe the store."""

from __future__ import annotations

import typer

from keepwise.cli._common import console, dump_json, user_errors
from keepwise.cli._options import DbOption, FormatOption, OutputFormat


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("info")(info)


def init(db: DbOption = None) -> None:
    """Create the store, or migrate it to this version's schema."""
    with user_errors():
        from keepwise import store

        url = store.normalize_url(db)
        before = store.current_revision(url)
        store.upgrade(url)
        after = store.current_revision(url)
    if before == after:
        console.print(f"store {url} is up to date (schema {after})")
    else:
        console.print(f"store {url} ready (schema {before or 'empty'} -> {after})")


def info(db: DbOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Show the store's location, schema version, tables and row counts."""
    with user_errors():
        from keepwise import store

        url = store.normalize_url(db)
        counts = store.row_counts(url)
        revision = store.current_revision(url)
    if fmt is OutputFormat.json:
        typer.echo(dump_json({"db": url, "schema_revision": revision, "row_counts": counts}))
        return
    if fmt is OutputFormat.csv:
        typer.echo("table,rows")
        for name, n in counts.items():
            typer.echo(f"{name},{n}")
        return
    from rich.table import Table

    table = Table(title=f"{url}  (schema {revision})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
