"""`keepwise clv`, `keepwise warnings`, `keepwise potential`: customer value and early warning.

Each command reads a dataset (``--data``: a folder of files or a store URL; default the
``--db`` store) and prints a table, CSV or JSON (``--format``) to stdout or ``--out FILE``. The
JSON fields are documented in docs/clv.md, docs/warnings.md and docs/potential.md.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from keepwise.cli._common import dump_json, err_console, render_frame, user_errors, working
from keepwise.cli._data import open_dataset, parse_date, results_store
from keepwise.cli._lang import localized, localized_records
from keepwise.cli._options import (
    AsOfOption,
    DataOption,
    DbOption,
    FormatOption,
    Lang,
    LangOption,
    OutOption,
    OutputFormat,
)

# Columns shown by ``--format table`` (CSV and JSON carry every column).
CLV_TABLE_VIEW = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "p_alive",
    "expected_purchases",
    "expected_avg_spend",
    "clv",
    "formula_clv",
    "tier_name",
]
WARNINGS_TABLE_VIEW = ["customer_id", "rule", "observed", "threshold", "at", "severity", "message"]
#: CLV columns holding English catalog keys, written in the --lang language.
TIER_TEXTS = ("tier_name", "tier_action")
POTENTIAL_TABLE_VIEW = [
    "customer_id",
    "name",
    "budget_match",
    "penetration",
    "synergy",
    "potential_index",
    "is_director_led",
    "breakthrough",
]


class TimeUnit(StrEnum):
    D = "D"
    W = "W"
    M = "M"


class TierOn(StrEnum):
    clv = "clv"
    formula_clv = "formula_clv"


def register(app: typer.Typer) -> None:
    app.command("clv")(clv)
    app.command("warnings")(warnings)
    app.command("potential")(potential)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")


def _iso_dates(frame: Any, *columns: str) -> Any:
    """Dates as ``YYYY-MM-DD`` text, so JSON and CSV carry plain ISO dates."""
    import pandas as pd

    frame = frame.copy()
    for column in columns:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    return frame


def _last_date(*tables: Any) -> dt.date:
    """The latest date in the given (table, column) pairs; today when there is none."""
    import pandas as pd

    best: dt.date | None = None
    for table, column in tables:
        if table is None or column not in table.columns:
            continue
        value = table[column].max().execute()
        if value is not None and not pd.isna(value):
            day = pd.Timestamp(value).date()
            best = day if best is None or day > best else best
    return best or dt.date.today()


def clv(
    data: DataOption = None,
    db: DbOption = None,
    calibration_end: Annotated[
        str | None,
        typer.Option(
            "--calibration-end",
            "--as-of",
            help="End of the calibration period, inclusive (YYYY-MM-DD; default: the last order date).",
        ),
    ] = None,
    time_unit: Annotated[
        TimeUnit,
        typer.Option("--time-unit", help="Time unit of recency/T and alpha: D, W (7 days) or M."),
    ] = TimeUnit.W,
    horizon_months: Annotated[
        int,
        typer.Option(
            "--horizon-months", min=0, help="CLV and expected-purchases horizon in months."
        ),
    ] = 12,
    discount_rate: Annotated[
        float, typer.Option("--discount-rate", help="Monthly discount rate of the model CLV.")
    ] = 0.01,
    penalizer: Annotated[
        float, typer.Option("--penalizer", min=0.0, help="L2 penalizer of both fits.")
    ] = 0.0,
    years: Annotated[
        float,
        typer.Option("--years", min=0.0, help="Expected relationship years of the formula CLV."),
    ] = 3.0,
    years_from_model: Annotated[
        bool,
        typer.Option(
            "--years-from-model",
            help="Formula CLV: expected years = --years x P(alive) per customer.",
        ),
    ] = False,
    maintenance_cost: Annotated[
        float,
        typer.Option("--maintenance-cost", help="Annual cost to serve one customer (formula CLV)."),
    ] = 0.0,
    tiers: Annotated[
        str | None,
        typer.Option(
            "--tiers",
            help="Tiers as 'min=name,...', e.g. '5000000=strategic,1000000=key,0=standard'.",
        ),
    ] = None,
    tier_on: Annotated[
        TierOn, typer.Option("--tier-on", help="Value the tiers are assigned on.")
    ] = TierOn.clv,
    params: Annotated[
        bool,
        typer.Option("--params", help="Output only the fitted parameters (with standard errors)."),
    ] = False,
    top: Annotated[
        int, typer.Option("--top", min=0, help="Only the N customers of highest CLV (0 = all).")
    ] = 0,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    lang: LangOption = Lang.en,
) -> None:
    """Customer lifetime value: BG/NBD + Gamma-Gamma fit, P(alive), expected purchases, CLV and tiers."""
    with user_errors():
        from keepwise.analytics.clv import DEFAULT_TIERS, customer_value, parse_tiers

        dataset = open_dataset(data, db)
        with working("fitting BG/NBD and Gamma-Gamma..."):
            result = customer_value(
                dataset.orders,
                dataset.customers,
                calibration_end=parse_date(calibration_end, "--calibration-end"),
                time_unit=time_unit.value,
                horizon_months=horizon_months,
                discount_rate=discount_rate,
                penalizer=penalizer,
                expected_years=years,
                maintenance_cost=maintenance_cost,
                tiers=parse_tiers(tiers) if tiers else DEFAULT_TIERS,
                tier_on=tier_on.value,
                years_from_model=years_from_model,
            )
        if top:
            result.customers = result.customers.sort_values(
                "clv", ascending=False, kind="stable"
            ).head(top)
        if fmt is OutputFormat.json:
            payload = result.to_dict()
            if params:
                payload.pop("customers")
            else:
                payload["customers"] = localized_records(
                    payload["customers"], lang, names=TIER_TEXTS
                )
            _write(dump_json(payload), out)
            return
        if params:
            render_frame(result.params_frame(), fmt, out, title="BG/NBD and Gamma-Gamma parameters")
            return
        frame = localized(result.customers.reset_index(), lang, names=TIER_TEXTS)
        if fmt is OutputFormat.table and out is None:
            render_frame(
                result.params_frame(), fmt, None, title="BG/NBD and Gamma-Gamma parameters"
            )
        render_frame(frame, fmt, out, title="Customer lifetime value", columns=CLV_TABLE_VIEW)


def warnings(
    data: DataOption = None,
    db: DbOption = None,
    as_of: AsOfOption = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules", help="Rules file (TOML or JSON); default: the rules shipped with keepwise."
        ),
    ] = None,
    scores: Annotated[
        bool,
        typer.Option("--scores", help="Output the early-warning score of every customer instead."),
    ] = False,
    severity: Annotated[
        str | None,
        typer.Option(
            "--severity", help="Only warnings of this severity or higher: low|medium|high."
        ),
    ] = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save",
            help="Also record new warnings in the store: the --db store, or the --data store "
            "when --db is not given.",
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    lang: LangOption = Lang.en,
) -> None:
    """Early warnings with evidence (customer, rule, observed value, threshold, date), or scores."""
    with user_errors(), working("evaluating warning rules..."):
        from keepwise.analytics.warnings import load_rules, warning_scores
        from keepwise.errors import ConfigError

        rule_set = load_rules(rules)
        target = results_store(data, db, what="warnings (--save)") if save else None
        dataset = open_dataset(data, db)
        day = parse_date(as_of, "--as-of") or _last_date(
            (dataset.orders, "ordered_at"),
            (dataset.interactions, "occurred_at"),
            (dataset.tickets, "opened_at"),
            (dataset.feedback, "occurred_at"),
        )
        if scores:
            frame = warning_scores(dataset, as_of=day, config=rule_set.score)
            frame.insert(1, "as_of", day.isoformat())
            render_frame(frame, fmt, out, title=f"Early-warning scores as of {day}")
            return
        frame = rule_set.evaluate(dataset, as_of=day)
        if severity is not None:
            order = ["low", "medium", "high"]
            if severity not in order:
                raise ConfigError(f"--severity must be one of {', '.join(order)}, got {severity!r}")
            frame = frame[frame["severity"].map(order.index) >= order.index(severity)]
        if target is not None:
            from keepwise.store.warnings import save_warnings

            report = save_warnings(target, frame)
            err_console.print(
                f"saved {report.inserted} new warning(s); {report.skipped} already recorded"
                + (
                    f"; {report.unknown_customers} for customers not in the store"
                    if report.unknown_customers
                    else ""
                )
            )
        frame = localized(
            _iso_dates(frame.reset_index(drop=True), "at"),
            lang,
            messages=["message"],
            names=["action"],  # the default rules' actions are in the catalogs
        )
        render_frame(
            frame,
            fmt,
            out,
            title=f"Warnings as of {day}",
            columns=WARNINGS_TABLE_VIEW,
            empty="no rule raised a warning",
        )


def potential(
    data: DataOption = None,
    db: DbOption = None,
    as_of: AsOfOption = None,
    contact_window_days: Annotated[
        int | None,
        typer.Option(
            "--contact-window-days",
            min=0,
            help="Count contacts reached within N days up to --as-of only.",
        ),
    ] = None,
    synergy: Annotated[
        str | None,
        typer.Option(
            "--synergy",
            help="Synergy sub-scores and weights, e.g. 'synergy_strategy=0.5,synergy_product=0.3,"
            "synergy_channel=0.2' (a '1-' prefix inverts a score).",
        ),
    ] = None,
    director_threshold: Annotated[
        float,
        typer.Option(
            "--director-threshold",
            min=0.0,
            max=1.0,
            help="Index that flags a director-led account.",
        ),
    ] = 0.85,
    chain_weight: Annotated[
        float,
        typer.Option("--chain-weight", help="Total decision weight of a full decision chain."),
    ] = 1.0,
    all_kinds: Annotated[
        bool, typer.Option("--all-kinds", help="Include customers that are not B2B.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """B2B potential index (budget x penetration x synergy), director-led flag and breakthrough point.

    Contacts reached after --as-of do not count.
    """
    with user_errors(), working("computing B2B potential..."):
        from keepwise.analytics.potential import PotentialConfig, parse_synergy, potential_index
        from keepwise.errors import NotFoundError

        config = PotentialConfig(
            synergy=parse_synergy(synergy) if synergy else None,
            director_threshold=director_threshold,
            contact_window_days=contact_window_days,
            chain_weight=chain_weight,
            b2b_only=not all_kinds,
        )
        dataset = open_dataset(data, db)
        if dataset.customers is None:
            raise NotFoundError(
                "the potential index needs a customers table (customers.csv or the store)"
            )
        frame = potential_index(
            dataset.customers, dataset.contacts, as_of=parse_date(as_of, "--as-of"), config=config
        )
        render_frame(
            frame,
            fmt,
            out,
            title="B2B potential",
            columns=POTENTIAL_TABLE_VIEW,
            empty="no B2B customers (customers of kind B2B; --all-kinds scores every customer)",
        )
