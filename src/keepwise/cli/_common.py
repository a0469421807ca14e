"""Shared CLI plumbing: the consoles, user-error handling and rendering of tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape

from keepwise.cli._options import OutputFormat
from keepwise.errors import KeepwiseError

console = Console()
err_console = Console(stderr=True)


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on stderr while a step runs; nothing when stderr is not a terminal (pipes,
    files and tests stay clean)."""
    if not err_console.is_terminal:
        yield
        return
    with err_console.status(message, spinner="dots"):
        yield


def command_path() -> str:
    """The running command as typed, e.g. ``keepwise churn fit`` (``keepwise`` outside one)."""
    import importlib

    # Typer 0.2x carries its own copy of Click; older versions use Click itself.
    for name in ("typer._click.globals", "click.globals"):
        try:
            ctx = importlib.import_module(name).get_current_context(silent=True)
        except ImportError:
            continue
        if ctx is not None:
            return " ".join(["keepwise", *ctx.command_path.split()[1:]])
    return "keepwise"


def _fail(exc: KeepwiseError) -> typer.Exit:
    err_console.print(
        f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True
    )
    return typer.Exit(code=exc.exit_code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn keepwise errors into a message on stderr and a non-zero exit, without a traceback.

    A missing module that an optional extra provides (FastAPI, LightGBM, psycopg, ...) is
    reported as the extra to install; any other import error is a bug and propagates.
    """
    try:
        yield
    except KeepwiseError as exc:
        raise _fail(exc) from None
    except ImportError as exc:
        from keepwise.extras import from_import_error

        missing = from_import_error(exc, command_path())
        if missing is None:
            raise
        raise _fail(missing) from None
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
    cells = {str(c): [_cell(v) for v in shown[c]] for c in shown.columns}
    numeric = {str(c) for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])}
    widths = {  # a header wraps between words
        name: max([*(cell_len(w) for w in name.split()), *(cell_len(v) for v in values)])
        for name, values in cells.items()
    }
    # a file gets one table at its full width; the terminal gets groups of columns that fit,
    # where text (which folds onto more lines) counts as at most 30 cells wide
    room_needed = {n: w if n in numeric else min(w, 30) for n, w in widths.items()}
    groups = (
        _column_groups(list(cells), room_needed, console.width) if out is None else [list(cells)]
    )
    tables = []
    for i, group in enumerate(groups):
        part = title if len(groups) == 1 or title is None else f"{title} ({i + 1}/{len(groups)})"
        table = Table(
            title=part, caption=caption if i == len(groups) - 1 else None, show_lines=False
        )
        for name in group:
            # numbers are never cut; text may fold but is never replaced by an ellipsis
            table.add_column(
                name,
                justify="right" if name in numeric else "left",
                no_wrap=name in numeric,
                min_width=widths[name] if name in numeric else min(widths[name], 12),
                overflow="fold",
            )
        for r in range(len(shown)):
            table.add_row(*(cells[name][r] for name in group))
        tables.append(table)
    if out is None:
        for table in tables:
            console.print(table)
    else:
        with out.open("w", encoding="utf-8") as fh:
            full_width = sum(widths.values()) + 3 * len(widths) + 1
            Console(file=fh, width=full_width).print(tables[0])


def _column_groups(names: list[str], widths: dict[str, int], room: int) -> list[list[str]]:
    """Split a table's columns into groups that each fit ``room`` terminal cells, the first
    (key) column repeated in every group, as pandas prints a wide frame: nothing is cut."""
    if len(names) <= 1:
        return [names]
    key, rest = names[0], names[1:]
    used0 = 1 + widths[key] + 3  # left edge, key cell, padding and separator
    groups: list[list[str]] = []
    group: list[str] = [key]
    used = used0
    for name in rest:
        need = widths[name] + 3
        if len(group) > 1 and used + need > room:
            groups.append(group)
            group, used = [key], used0
        group.append(name)
        used += need
    groups.append(group)
    return groups


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
