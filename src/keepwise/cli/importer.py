"""`keepwise import TABLE FILE`: validate a file and load it into the store, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from keepwise.cli._common import console, dump_json, err_console, user_errors
from keepwise.cli._options import DbOption

TABLE_HELP = "customers, orders, interactions, tickets, feedback or contacts (or 客户, 订单, 互动, 工单, 反馈, 联系人)."


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)


def import_command(
    table: Annotated[str, typer.Argument(help=f"Table to load: {TABLE_HELP}", show_default=False)],
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV/TSV (UTF-8, UTF-8 BOM, GBK/GB18030), XLSX or Parquet file.",
            show_default=False,
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            "-m",
            help="JSON or TOML file mapping your column names to keepwise fields.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count what would change; write nothing.")
    ] = False,
    create_missing_customers: Annotated[
        bool,
        typer.Option(
            "--create-missing-customers",
            help="Create a minimal customer for each unknown customer_id instead of failing.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Import TABLE from FILE: validated, streaming, all or nothing (exit code 2 on invalid data).

    Columns are matched by English field name, common Chinese headers (客户编号, 订单日期,
    金额, ...) or a --mapping file. Re-importing the same file changes nothing: records are
    upserted by their id. See docs/data-model.md for every field.
    """
    from keepwise.errors import ValidationError
    from keepwise.schema import get_contract, import_file

    with user_errors():
        table = get_contract(table).name  # unknown table: a clear error before reading anything
        show_bar = not as_json and err_console.is_terminal
        with Progress(
            TextColumn(escape(f"importing {file.name}")),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=not show_bar,
        ) as bar:
            task = bar.add_task("import", total=None, rows=0)

            def progress(done: int, total: int | None, rows: int) -> None:
                bar.update(task, completed=done, total=total, rows=rows)

            try:
                report = import_file(
                    db,
                    table,
                    file,
                    mapping=mapping,
                    dry_run=dry_run,
                    create_missing_customers=create_missing_customers,
                    progress=progress,
                )
            except ValidationError as exc:
                if not as_json:
                    raise
                typer.echo(dump_json(_problems_json(exc)))
                raise typer.Exit(code=exc.exit_code) from None
    if as_json:
        data = {
            "ok": True,
            "table": report.table,
            "file": report.file,
            "format": report.format,
            "encoding": report.encoding,
            "rows_read": report.rows_read,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "created_customers": report.created_customers,
            "dry_run": report.dry_run,
            "columns": report.columns,
            "notes": report.notes,
            "seconds": round(report.seconds, 3),
        }
        typer.echo(dump_json(data))
        return
    encoding = f", {report.encoding}" if report.encoding else ""
    console.print(
        f"{escape(report.summary())}  [dim]({report.format}{encoding}, {report.seconds:,.1f} s)[/]",
        highlight=False,
    )
    for note in report.notes:
        console.print(f"  note: {escape(note)}", highlight=False)


def _problems_json(exc: Any) -> dict[str, Any]:
    """The JSON error shape of the web API: ``{"ok": false, "error", "errors", "status"}``."""
    return {
        "ok": False,
        "error": exc.summary or "validation failed",
        "errors": [
            {
                "file": p.file,
                "row": p.row,
                "column": p.column,
                "value": p.value,
                "message": p.message,
            }
            for p in exc.problems
        ],
        "total": exc.total,
        "status": 422,
    }
