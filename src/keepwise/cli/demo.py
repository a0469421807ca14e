"""`keepwise demo`: generate the demo company, load it through the importer, serve the dashboard."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from keepwise.cli._common import console, user_errors
from keepwise.cli._options import DbOption, HostOption, PortOption, SeedOption

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

#: The largest demo company (``keepwise.demo.MAX_CUSTOMERS``; a test keeps the two equal).
MAX_CUSTOMERS = 1_000_000


class DemoKind(StrEnum):
    b2c = "b2c"
    b2b = "b2b"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def _progress() -> Progress:
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def demo(
    customers: Annotated[
        int,
        typer.Option(
            "--customers",
            "-n",
            min=1,
            max=MAX_CUSTOMERS,
            help="Number of customers (1 to 1,000,000).",
        ),
    ] = 5000,
    kind: Annotated[
        DemoKind,
        typer.Option(
            "--kind",
            case_sensitive=False,
            help="b2c: an online retailer; b2b: a supplier to companies.",
        ),
    ] = DemoKind.b2c,
    seed: SeedOption = 0,
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for the CSV files (ground truth in OUT/ground_truth/)."),
    ] = Path("demo-data"),
    db: DbOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Empty the store's customers and their records first.")
    ] = False,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load the data, then exit (no web server).")
    ] = False,
    score: Annotated[
        bool,
        typer.Option(
            "--score/--no-score",
            help="Fit the churn model, score every customer and record warnings after loading.",
        ),
    ] = True,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Build a demo company whose churn has causes the analytics can find, and load it.

    Writes customers, contacts, orders, interactions, tickets and feedback as CSV files, imports them through the importer, keeps the ground truth (who churned, when and why) apart in OUT/ground_truth/, and then serves the dashboard unless --no-serve.
    """
    with user_errors():
        from keepwise.extras import require_extra

        # Fail before generating anything when an extra the run needs is missing.
        if score:
            require_extra("ml", "keepwise demo (scoring; --no-score skips it)")
        if not no_serve:
            require_extra("web", "keepwise demo (serving; --no-serve skips it)")
        from keepwise import store
        from keepwise.demo import generate
        from keepwise.demo.loader import check_replaceable, load_demo

        url = store.normalize_url(db)
        # Fail before generating: a store with the user's own data is not overwritten.
        replace = check_replaceable(url, replace=replace)
        with _progress() as bar:
            task = bar.add_task("generating customers", total=customers)
            summary = generate(
                out, customers=customers, kind=kind.value, seed=seed,
                progress=lambda done, _total: bar.update(task, completed=done),
            )  # fmt: skip
            tasks: dict[str, TaskID] = {}

            def loading(table: str, done: int, total: int | None) -> None:
                if table not in tasks:
                    tasks[table] = bar.add_task(f"loading {table}", total=total)
                bar.update(tasks[table], completed=done, total=total)

            load_demo(url, summary.out_dir, replace=replace, progress=loading)
            insights = None
            if score:
                from keepwise.demo.insights import score_demo

                step = bar.add_task("churn model and warnings", total=None)
                insights = score_demo(
                    url, summary.out_dir, seed=seed,
                    step=lambda what: bar.update(step, description=what),
                )  # fmt: skip
                bar.update(step, description="churn model and warnings", total=1, completed=1)
        counts = store.row_counts(url)
        user, password = _demo_admin(url)
    from rich.table import Table

    console.print(
        f"demo company ({kind.value.upper()}, seed {seed}) loaded into {url}", highlight=False
    )
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(
        f"history {summary.start_date} to {summary.end_date}; generated in {summary.seconds:.1f} s\n"
        f"data files:   {summary.out_dir.resolve()}\n"
        f"ground truth: {summary.ground_truth.resolve()} "
        f"({summary.churned:,} of {summary.customers:,} customers churned; never loaded into the store)",
        highlight=False,
    )
    if insights is not None:
        console.print(
            f"churn model {insights.model_version} ({insights.model_path}): scored {insights.scored:,} "
            f"active customers, {insights.high_risk:,} at high risk; {insights.warnings_saved:,} warnings recorded",
            highlight=False,
        )
    console.print(
        f"web sign-in: user [bold]{user}[/], password [bold]{password}[/] (new on every run)"
    )
    if no_serve:
        console.print(f"start the dashboard with `keepwise serve --db {url}`", highlight=False)
        return
    console.print(
        f"serving the dashboard on http://{host}:{port}/ (Ctrl+C to stop)", highlight=False
    )
    with user_errors():
        _serve(url, host, port)


def _demo_admin(url: str) -> tuple[str, str]:
    """Create (or reset) the demo's admin account; return its user name and new password."""
    from keepwise.accounts import ensure_demo_admin

    return ensure_demo_admin(url)


def _serve(url: str, host: str, port: int) -> None:
    from keepwise.web.server import serve

    serve(url, host, port, demo=True)
