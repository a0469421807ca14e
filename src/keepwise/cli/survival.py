"""`keepwise survival km|cox`: Kaplan-Meier retention curves and Cox hazard ratios."""

from __future__ import annotations

from typing import Annotated

import typer

from keepwise.cli._common import command_path, render_frame, user_errors
from keepwise.cli._data import open_dataset, parse_date
from keepwise.cli._options import (
    AsOfOption,
    DataOption,
    DbOption,
    FormatOption,
    InactivityOption,
    OutOption,
    OutputFormat,
)
from keepwise.extras import require_extra

survival_app = typer.Typer(
    help="Survival analysis: Kaplan-Meier retention curves and Cox hazard ratios.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(survival_app, name="survival")


@survival_app.command("km")
def km_command(
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Segment column: kind, industry, region, group_name, acquisition_channel."
        ),
    ] = None,
    data: DataOption = None,
    db: DbOption = None,
    inactivity: InactivityOption = "180d",
    as_of: AsOfOption = None,
    curves: Annotated[
        bool, typer.Option("--curves", help="Print the retention curves instead of the summary.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Kaplan-Meier retention by segment: median lifetime and retention at 30/90/180/365/730 days.

    Lifetimes still running on --as-of are censored there.
    """
    with user_errors():
        require_extra("ml", command_path())
        from keepwise.analytics.churn.labels import parse_horizon
        from keepwise.analytics.survival import kaplan_meier, lifetimes_table

        as_of_day = parse_date(as_of, "--as-of")
        inactivity_days = parse_horizon(inactivity, "--inactivity")
        table = lifetimes_table(
            open_dataset(data, db), as_of=as_of_day, inactivity_days=inactivity_days
        )
        summary, curve = kaplan_meier(table, by=by)
        render_frame(
            (curve if curves else summary).round(4), fmt, out, title="Kaplan-Meier retention"
        )


@survival_app.command("cox")
def cox_command(
    covariates: Annotated[
        list[str] | None,
        typer.Option(
            "--covariate",
            "-c",
            help="Covariate (repeatable). Default: segments, first order amount, acquisition cost.",
        ),
    ] = None,
    data: DataOption = None,
    db: DbOption = None,
    inactivity: InactivityOption = "180d",
    penalizer: Annotated[
        float, typer.Option("--penalizer", help="L2 penalty for the Cox fit.")
    ] = 0.0,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Cox proportional hazards: hazard ratios of churn by customer attributes known at acquisition."""
    with user_errors():
        require_extra("ml", command_path())
        from keepwise.analytics.churn.labels import parse_horizon
        from keepwise.analytics.survival import SEGMENT_COLUMNS, CoxModel, lifetimes_table

        inactivity_days = parse_horizon(inactivity, "--inactivity")
        table = lifetimes_table(open_dataset(data, db), inactivity_days=inactivity_days)
        cols = covariates or [
            c
            for c in (*SEGMENT_COLUMNS, "first_amount", "acquisition_cost")
            if c in table.columns and table[c].notna().any() and table[c].nunique() > 1
        ]
        model = CoxModel(penalizer=penalizer, covariates=cols).fit(table)
        render_frame(
            model.summary_.round(4),
            fmt,
            out,
            title=f"Cox hazard ratios (concordance {model.concordance_index_:.3f})",
        )
