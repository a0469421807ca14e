"""Shared CLI plumbing: the console, option types and user-error handling."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from keepwise.errors import KeepwiseError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="KEEPWISE_DB",
        help="Store URL (sqlite:///path.db or postgresql+psycopg://user@host/db). "
        "Default: sqlite:///./keepwise.db",
        show_default=False,
    ),
]


DataOption = Annotated[
    str | None,
    typer.Option(
        "--data",
        envvar="KEEPWISE_DB",
        help="Store URL (sqlite:///keepwise.db, postgresql://...) or a folder with orders.csv|parquet "
        "and optional customers.*, interactions.*, tickets.*, feedback.*, contacts.*. Default: the store.",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Reference date YYYY-MM-DD (default: the last date in the data)."),
]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write the output to this file instead of stdout."),
]


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on stderr while a step runs; nothing when stderr is not a terminal (pipes,
    files and tests stay clean)."""
    if not err_console.is_terminal:
        yield
        return
    with err_console.status(message, spinner="dots"):
        yield


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn keepwise errors into a message on stderr and a non-zero exit, without a traceback."""
    try:
        yield
    except KeepwiseError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True
        )
        raise typer.Exit(code=exc.exit_code) from None
    except FileNotFoundError as exc:
        err_console.print(f"[bold red]error:[/] file not found: {exc.filename}", highlight=False)
        raise typer.Exit(code=1) from None
    except PermissionError as exc:
        err_console.print(f"[bold red]error:[/] permission denied: {exc.filename}", highlight=False)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise typer.Exit(code=130) from None


TABLE_ROWS = 50  # a terminal table shows this many rows; csv, json and --out have them all


def render_frame(
    frame: Any,
    fmt: OutputFormat,
    out: Path | None,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    empty: str | None = None,
) -> None:
    """Render a pandas DataFrame as a Rich table, CSV or JSON records (stable field names).

    CSV and JSON always carry every column and row. A table shows ``columns`` (the ones that
    fit and matter; default all), on the terminal only the first :data:`TABLE_ROWS` rows, and
    says what it left out. ``empty`` is the message printed instead of an empty table.
    """
    import pandas as pd

    df: pd.DataFrame = frame
    if fmt is OutputFormat.json:
        text = df.to_json(orient="records", date_format="iso", force_ascii=False, indent=2)
    elif fmt is OutputFormat.csv:
        text = df.to_csv(index=False)
    else:
        text = None
    if text is not None:
        if out is None:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            out.write_text(text, encoding="utf-8")
        return
    if df.empty and empty is not None and out is None:
        console.print(f"{title}: {empty}" if title else empty, highlight=False)
        return
    from rich.table import Table

    notes = []
    shown = df
    if columns is not None:
        keep = [c for c in columns if c in df.columns]
        hidden = len(df.columns) - len(keep)
        if hidden:
            shown = shown[keep]
            notes.append(f"{hidden} more columns")
    if out is None and len(shown) > TABLE_ROWS:
        notes.insert(0, f"first {TABLE_ROWS:,} of {len(shown):,} rows")
        shown = shown.head(TABLE_ROWS)
    caption = None
    if notes:
        caption = f"{'; '.join(notes)}: --format csv or json (with --out FILE) gives them all"
    table = Table(title=title, caption=caption, show_lines=False)
    for column in shown.columns:
        table.add_column(
            str(column),
            justify="right" if pd.api.types.is_numeric_dtype(shown[column]) else "left",
        )
    for row in shown.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    if out is None:
        console.print(table)
    else:
        with out.open("w", encoding="utf-8") as fh:
            Console(file=fh, width=200).print(table)


def _cell(value: Any) -> str:
    """A table cell: amounts in full with thousands separators, rates with 4 significant digits."""
    import pandas as pd

    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"
    return str(value)


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
