"""`keepwise metrics churn|retention|revenue|cohorts|segments`, `keepwise rfm`, `keepwise cycles`.

Every command reads a dataset (``--data``: a folder of files or a store URL; default the
``--db`` store) on DuckDB or Spark (``--engine``) and prints a table, CSV or JSON
(``--format``), to stdout or ``--out FILE``. The JSON field names are the DataFrame columns
documented in ``docs/metrics.md``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from keepwise.cli._common import render_frame, user_errors, working
from keepwise.cli._data import open_dataset
from keepwise.cli._lang import localized
from keepwise.cli._options import (
    ActivityWindowOption,
    AdaptiveOption,
    AsOfOption,
    DataOption,
    DbOption,
    EndOption,
    Engine,
    EngineOption,
    FormatOption,
    Lang,
    LangOption,
    OutOption,
    OutputFormat,
    Period,
    PeriodOption,
    StartOption,
    TopOption,
)


class CohortValue(StrEnum):
    customer_retention = "customer_retention"
    revenue_retention = "revenue_retention"
    active_customers = "active_customers"
    revenue = "revenue"


metrics_app = typer.Typer(
    name="metrics",
    help="Churn, retention, revenue retention, cohorts and segment breakdowns.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(metrics_app, name="metrics")
    app.command("rfm")(rfm)
    app.command("cycles")(cycles)


def _activity(window_days: int, adaptive: bool) -> Any:
    from keepwise.analytics.config import ActivityConfig

    return ActivityConfig(window_days=window_days, adaptive=adaptive)


CHURN_VIEW = [
    "period",
    "period_start",
    "period_end",
    "is_complete",
    "customers_start",
    "customers_new",
    "customers_churned",
    "customers_reactivated",
    "customers_end",
    "churn_events",
    "churn_rate",
    "net_churn_rate",
]
RETENTION_VIEW = [
    "period",
    "period_start",
    "period_end",
    "is_complete",
    "customers_start",
    "customers_new",
    "customers_retained",
    "customers_end",
    "retention_rate",
    "survival_rate",
]


# Narrower column sets for the terminal table (CSV and JSON carry every field).
CHURN_TABLE = [
    "period",
    "customers_start",
    "customers_new",
    "customers_churned",
    "customers_end",
    "churn_rate",
    "net_churn_rate",
]
RETENTION_TABLE = [
    "period",
    "customers_start",
    "customers_new",
    "customers_retained",
    "customers_end",
    "retention_rate",
    "survival_rate",
]
REVENUE_TABLE = [
    "period",
    "revenue",
    "revenue_new",
    "customers_start",
    "revenue_start_prev",
    "revenue_start",
    "gross_revenue_retention",
    "net_revenue_retention",
]


def _churn_report(
    data: str | None,
    db: str | None,
    engine: Engine,
    period: Period,
    start: str | None,
    end: str | None,
    as_of: str | None,
    window_days: int,
    adaptive: bool,
) -> Any:
    """The per-period report behind `metrics churn` and `metrics retention` (one computation)."""
    from keepwise.analytics.metrics import churn_report

    with user_errors(), working("computing churn per period..."):
        return churn_report(
            open_dataset(data, db, engine=engine),
            freq=period.value,
            start=start,
            end=end,
            as_of=as_of,
            activity=_activity(window_days, adaptive),
        )


@metrics_app.command("churn")
def churn(
    data: DataOption = None,
    db: DbOption = None,
    period: PeriodOption = Period.month,
    start: StartOption = None,
    end: EndOption = None,
    as_of: AsOfOption = None,
    window_days: ActivityWindowOption = 180,
    adaptive: AdaptiveOption = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Customers at start, new, churned, at end, and the churn rate per period."""
    df = _churn_report(data, db, engine, period, start, end, as_of, window_days, adaptive)
    render_frame(df[CHURN_VIEW], fmt, out, title=f"churn per {period.value}", columns=CHURN_TABLE)


@metrics_app.command("retention")
def retention(
    data: DataOption = None,
    db: DbOption = None,
    period: PeriodOption = Period.month,
    start: StartOption = None,
    end: EndOption = None,
    as_of: AsOfOption = None,
    window_days: ActivityWindowOption = 180,
    adaptive: AdaptiveOption = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Retention rate (end - new) / start and survival (still active among those at start) per period."""
    df = _churn_report(data, db, engine, period, start, end, as_of, window_days, adaptive)
    render_frame(
        df[RETENTION_VIEW],
        fmt,
        out,
        title=f"retention per {period.value}",
        columns=RETENTION_TABLE,
    )


@metrics_app.command("revenue")
def revenue(
    data: DataOption = None,
    db: DbOption = None,
    period: PeriodOption = Period.month,
    start: StartOption = None,
    end: EndOption = None,
    as_of: AsOfOption = None,
    window_days: ActivityWindowOption = 180,
    adaptive: AdaptiveOption = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Gross and net revenue retention per period."""
    from keepwise.analytics.metrics import revenue_report

    with user_errors(), working("computing revenue retention..."):
        ds = open_dataset(data, db, engine=engine)
        df = revenue_report(
            ds,
            freq=period.value,
            start=start,
            end=end,
            as_of=as_of,
            activity=_activity(window_days, adaptive),
        )
    render_frame(
        df,
        fmt,
        out,
        title=f"revenue retention per {period.value}",
        columns=REVENUE_TABLE,
    )


@metrics_app.command("cohorts")
def cohorts(
    data: DataOption = None,
    db: DbOption = None,
    as_of: AsOfOption = None,
    value: Annotated[
        CohortValue,
        typer.Option("--value", help="Cell value of the matrix (table and csv formats)."),
    ] = CohortValue.customer_retention,
    max_months: Annotated[
        int | None, typer.Option("--max-months", min=0, help="Months since to show.")
    ] = None,
    long: Annotated[
        bool, typer.Option("--long", help="One row per cohort and month (as in JSON).")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Cohort retention matrix: acquisition month x months since, by customers or revenue.

    JSON output is always the long form (one record per cohort and month since).
    """
    from keepwise.analytics.cohorts import cohort_matrix, cohort_report

    with user_errors(), working("computing cohorts..."):
        ds = open_dataset(data, db, engine=engine)
        df = cohort_report(ds, as_of=as_of, max_months=max_months)
    if long or fmt is OutputFormat.json:
        render_frame(df, fmt, out, title="cohort retention")
        return
    wide = cohort_matrix(df, value=value.value)
    wide.columns = [f"m{c}" for c in wide.columns]
    wide = wide.reset_index()
    wide["cohort"] = wide["cohort"].astype(str)
    render_frame(wide, fmt, out, title=f"cohorts: {value.value}")


@metrics_app.command("segments")
def segments(
    data: DataOption = None,
    db: DbOption = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Dimension (repeat or comma-separate): industry, region, channel, group, kind, owner, tag, "
            "frequency_band, monetary_band, interaction_band, or any customers column.",
        ),
    ] = None,
    as_of: AsOfOption = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="Population = customers active on this date (default: every customer)."
        ),
    ] = None,
    window_days: ActivityWindowOption = 180,
    adaptive: AdaptiveOption = False,
    alpha: Annotated[
        float, typer.Option("--alpha", min=0.0, max=1.0, help="Significance level.")
    ] = 0.05,
    profile: Annotated[
        bool,
        typer.Option("--profile", help="Only the traits over-represented among churned customers."),
    ] = False,
    min_customers: Annotated[
        int, typer.Option("--min-customers", min=1, help="Smallest segment in --profile.")
    ] = 30,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Churn rate, counts, lift and significance by segment; --profile names the churned customers' traits."""
    from keepwise.analytics.segments import (
        DEFAULT_DIMENSIONS,
        available_dimensions,
        churned_profile,
        segment_report,
    )

    dims = [d.strip() for item in (by or []) for d in item.split(",") if d.strip()] or list(
        DEFAULT_DIMENSIONS
    )
    with user_errors(), working("computing segments..."):
        ds = open_dataset(data, db, engine=engine)
        if not by:
            dims = available_dimensions(ds, dims)
        df = segment_report(
            ds,
            by=dims,
            as_of=as_of,
            start=start,
            activity=_activity(window_days, adaptive),
            alpha=alpha,
        )
        if profile:
            df = churned_profile(df, min_customers=min_customers)
    render_frame(
        df,
        fmt,
        out,
        title="churned-customer profile" if profile else "churn by segment",
        columns=["description"]
        if profile
        else ["dimension", "segment", "customers", "churned", "churn_rate", "lift", "p_value"],
    )


def rfm(
    data: DataOption = None,
    db: DbOption = None,
    as_of: AsOfOption = None,
    window_days: Annotated[
        int,
        typer.Option(
            "--window-days", min=1, help="Frequency and monetary count this many days back."
        ),
    ] = 365,
    bins: Annotated[
        int, typer.Option("--bins", min=2, max=10, help="Number of quantile scores.")
    ] = 5,
    recent_days: Annotated[
        int, typer.Option("--recent-days", help="Rule: recent if last order within N days.")
    ] = 182,
    frequent_orders: Annotated[
        int,
        typer.Option(
            "--frequent-orders", help="Rule: frequent if at least N orders in the window."
        ),
    ] = 3,
    high_value: Annotated[
        float,
        typer.Option(
            "--high-value", help="Rule: high value if the window's spend is at least this."
        ),
    ] = 500_000.0,
    industry_fit: Annotated[
        bool,
        typer.Option(
            "--industry-fit/--no-industry-fit", help="Weight the score by customers.industry_fit."
        ),
    ] = True,
    summary: Annotated[bool, typer.Option("--summary", help="One row per named segment.")] = False,
    segment: Annotated[
        str | None, typer.Option("--segment", help="Only this segment (e.g. at_risk).")
    ] = None,
    top: TopOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    engine: EngineOption = Engine.duckdb,
    lang: LangOption = Lang.en,
) -> None:
    """RFM scores 1-5, rule flags and named segments (Champions 冠军客户, At Risk 风险客户, ...)."""
    from keepwise.analytics.config import RFMConfig
    from keepwise.analytics.rfm import SEGMENT_NAMES, rfm_report, segment_summary
    from keepwise.errors import ConfigError

    with user_errors(), working("computing RFM..."):
        config = RFMConfig(
            window_days=window_days,
            bins=bins,
            recent_days=recent_days,
            frequent_orders=frequent_orders,
            high_value_amount=high_value,
            use_industry_fit=industry_fit,
        )
        if segment is not None and segment not in SEGMENT_NAMES:
            raise ConfigError(f"unknown segment {segment!r}; known: {', '.join(SEGMENT_NAMES)}")
        ds = open_dataset(data, db, engine=engine)
        df = rfm_report(ds, as_of=as_of, config=config)
    if summary:
        table = localized(segment_summary(df), lang, names=["segment_name"])
        render_frame(
            table,
            fmt,
            out,
            title="RFM segments",
            columns=[
                "segment_name",
                "customers",
                "share",
                "recency_days_mean",
                "frequency_mean",
                "monetary_mean",
            ],
        )
        return
    if segment is not None:
        df = df[df["segment"] == segment]
    if top is not None:
        df = df.head(top)
    render_frame(
        localized(df, lang, names=["segment_name"]),
        fmt,
        out,
        title="RFM",
        columns=[
            "customer_id",
            "recency_days",
            "frequency",
            "monetary",
            "rfm_code",
            "rule_code",
            "segment_name",
        ],
        empty="no customer has an order on or before the as-of date",
    )


def cycles(
    data: DataOption = None,
    db: DbOption = None,
    as_of: AsOfOption = None,
    lead_days: Annotated[
        int, typer.Option("--lead-days", min=0, help="Follow up N days before the window.")
    ] = 7,
    z: Annotated[
        float, typer.Option("--z", min=0.0, help="Window half-width in standard deviations.")
    ] = 1.0,
    industry_risk: Annotated[
        str | None,
        typer.Option(
            "--industry-risk", help="Supply-chain risk per industry, e.g. 'steel=2,retail=1.2'."
        ),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only customers past their window.")
    ] = False,
    top: TopOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    engine: EngineOption = Engine.duckdb,
) -> None:
    """Purchase cycles: interval volatility, next-order window, follow-up date, overdue flag, priority."""
    from keepwise.analytics.config import CycleConfig
    from keepwise.analytics.cycles import cycles_report

    with user_errors(), working("computing purchase cycles..."):
        risks = _parse_risks(industry_risk)
        ds = open_dataset(data, db, engine=engine)
        df = cycles_report(
            ds,
            as_of=as_of,
            config=CycleConfig(z=z, lead_days=lead_days),
            industry_risk=risks,
            overdue_only=overdue,
        )
    if top is not None:
        df = df.head(top)
    render_frame(
        df,
        fmt,
        out,
        title="purchase cycles",
        columns=[
            "customer_id",
            "order_days",
            "mean_interval_days",
            "cv",
            "last_order_date",
            "window_start",
            "window_end",
            "follow_up_date",
            "is_overdue",
            "priority",
        ],
        empty="no customer has two or more order days yet",
    )


def _parse_risks(text: str | None) -> dict[str, float] | None:
    from keepwise.errors import ConfigError

    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.rpartition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise ConfigError(
                f"--industry-risk: cannot read {part!r}; write industry=number"
            ) from None
    return out
