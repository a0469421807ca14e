"""The options that several commands share: declared once here, with one help text each.

A command's docstring says what an option means for it (the date ``--as-of`` scores at, the
censoring date of a survival curve, ...); the option's declaration and help stay the same.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

# -- where the data is ---------------------------------------------------------------------

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store URL (sqlite:///path.db or postgresql+psycopg://user@host/db). "
        "Default: $KEEPWISE_DB, else sqlite:///./keepwise.db.",
        show_default=False,
    ),
]
DataOption = Annotated[
    str | None,
    typer.Option(
        "--data",
        help="The data to read: a folder of files named after the tables (orders.* and "
        "optional customers.*, interactions.*, tickets.*, feedback.*, contacts.*) or a store "
        "URL. Default: the --db store.",
        show_default=False,
    ),
]


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


EngineOption = Annotated[
    Engine,
    typer.Option(
        "--engine",
        case_sensitive=False,
        help="Analytics engine: duckdb (in process) or spark (a local Spark session; needs "
        "the spark extra and Java).",
    ),
]

# -- what to compute -----------------------------------------------------------------------

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Reference date YYYY-MM-DD (default: the last date in the data).",
        show_default=False,
    ),
]


class Period(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


PeriodOption = Annotated[
    Period,
    typer.Option("--period", "--freq", "-p", help="Period length.", case_sensitive=False),
]
StartOption = Annotated[
    str | None, typer.Option("--start", help="First period: the one containing this date.")
]
EndOption = Annotated[
    str | None, typer.Option("--end", help="Last period: the one containing this date.")
]
ActivityWindowOption = Annotated[
    int,
    typer.Option(
        "--window-days", min=1, help="Inactivity window of non-contractual customers, in days."
    ),
]
AdaptiveOption = Annotated[
    bool,
    typer.Option(
        "--adaptive/--fixed",
        help="Adapt the inactivity window to each customer's purchase cycle (3x median gap).",
    ),
]
TopOption = Annotated[int | None, typer.Option("--top", min=1, help="Only the first N customers.")]
HorizonOption = Annotated[
    str,
    typer.Option("--horizon", help="Churn horizon after the cutoff, e.g. 90d, 12w, 3m."),
]
InactivityOption = Annotated[
    str,
    typer.Option(
        "--inactivity", help="A customer is churned after this long without an order, e.g. 180d."
    ),
]
SeedOption = Annotated[
    int,
    typer.Option("--seed", help="Random seed: the same input and seed give the same result."),
]
ModelOption = Annotated[
    Path,
    typer.Option("--model", "-m", help="Model file (written by fit, read by predict and score)."),
]


class Lang(StrEnum):
    en = "en"
    zh = "zh"

    @property
    def locale(self) -> str:
        """The catalog locale (``en``, ``zh_CN``)."""
        return "zh_CN" if self is Lang.zh else "en"


LangOption = Annotated[
    Lang,
    typer.Option(
        "--lang",
        help="Language of reasons, messages and names in the output (table, CSV and JSON): "
        "en or zh.",
    ),
]

# -- where the output goes -----------------------------------------------------------------


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

# -- the web server and accounts -----------------------------------------------------------

HostOption = Annotated[
    str, typer.Option("--host", help="Address to listen on (0.0.0.0 for all interfaces).")
]
PortOption = Annotated[int, typer.Option("--port", help="Port to listen on.")]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from one line of stdin instead of asking."
    ),
]
