"""`keepwise churn fit|predict|evaluate|score`: churn models, backtests and scores with reasons."""

from __future__ import annotations

import os
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from keepwise.cli._common import (
    command_path,
    console,
    dump_json,
    err_console,
    render_frame,
    user_errors,
    working,
)
from keepwise.cli._data import open_dataset, parse_date, results_store
from keepwise.cli._options import (
    AsOfOption,
    DataOption,
    DbOption,
    FormatOption,
    HorizonOption,
    Lang,
    LangOption,
    ModelOption,
    OutOption,
    OutputFormat,
    SeedOption,
)
from keepwise.extras import require_extra

churn_app = typer.Typer(
    help="Churn risk: fit, evaluate and score models; explain each customer's risk.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(churn_app, name="churn")


#: Below this many training rows `churn fit` warns that its figures are unreliable.
MIN_TRAINING_ROWS = 200


#: Terminal headers of metric tables (csv/json keep the field names).
_METRIC_LABELS = {
    "base_rate": "churn rate",
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "brier": "Brier",
    "lift_top10": "lift top 10%",
    "capture_top10": "capture top 10%",
}


def _metrics_view(frame: Any) -> Any:
    """A ``model`` + metrics frame for the terminal: readable headers and model names."""
    view = frame.round(4).rename(columns=_METRIC_LABELS)
    view["model"] = view["model"].map(lambda m: "keepwise" if m == "model" else m.replace("_", " "))
    return view


@churn_app.command("fit")
def fit_command(
    table: Annotated[
        Path | None,
        typer.Option(
            "--table",
            help="Snapshot table: one row per customer with a churn column (CSV/XLSX/Parquet).",
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="Churn column of --table (Yes/No, 1/0, True/False, or two values such as "
            "'Attrited Customer'/'Existing Customer').",
        ),
    ] = None,
    positive: Annotated[
        str | None,
        typer.Option(
            "--positive",
            help="The --target value that means churn, when it cannot be told from the values "
            "(saved in the model).",
        ),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option("--id", help="Customer id column of --table (default: found automatically)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="A --table column not to learn from, e.g. one filled in after the churn "
            "(churn reason, churn score); repeat for more.",
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="Sheet of an XLSX --table (default: the one with --target)."),
    ] = None,
    data: DataOption = None,
    horizon: HorizonOption = "90d",
    cutoff: Annotated[
        str | None,
        typer.Option(
            "--cutoff",
            help="Transaction mode: latest cutoff date to train on (default: the last date whose horizon is complete).",
        ),
    ] = None,
    model: ModelOption = Path("churn-model.kwm"),
    seed: SeedOption = 0,
    calibration: Annotated[
        str, typer.Option("--calibration", help="sigmoid or isotonic.")
    ] = "sigmoid",
    tier_medium: Annotated[
        float | None,
        typer.Option(
            "--tier-medium",
            help="Probability threshold of the medium tier (default 0.2), or with "
            "--tiers-by-share the share of customers in it (default 0.25).",
        ),
    ] = None,
    tier_high: Annotated[
        float | None,
        typer.Option(
            "--tier-high",
            help="Probability threshold of the high tier (default 0.5), or with "
            "--tiers-by-share the share of customers in it (default 0.15).",
        ),
    ] = None,
    tiers_by_share: Annotated[
        bool | None,
        typer.Option(
            "--tiers-by-share/--tiers-by-threshold",
            help="Tiers by share of customers (default with --data: the top 15% high, the next "
            "25% medium, a list a team can work through) or by probability threshold (default "
            "with --table).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the model metadata as JSON.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Fit a churn model from a snapshot table (--table, --target) or from transactions
    (--data, default: the --db store)."""
    with user_errors():
        require_extra("ml", command_path())
        from keepwise.analytics.churn import RiskTiers, save_model
        from keepwise.errors import ConfigError

        by_share = tiers_by_share if tiers_by_share is not None else table is None
        medium, high = (0.25, 0.15) if by_share else (0.2, 0.5)
        tiers = RiskTiers(
            "share" if by_share else "threshold",
            medium=medium if tier_medium is None else tier_medium,
            high=high if tier_high is None else tier_high,
        )
        if table is not None and data is not None:
            raise ConfigError("give --table (a snapshot table) or --data (transactions), not both")
        if (positive is not None or exclude) and table is None:
            raise ConfigError(
                "--positive and --exclude go with --table and --target (snapshot mode)"
            )
        if table is not None:
            if target is None:
                raise ConfigError("--table needs --target: the name of the churn column")
            from keepwise.analytics.churn import fit_snapshot_file

            with working("fitting the snapshot churn model"):
                fitted = fit_snapshot_file(
                    table,
                    target=target,
                    id_column=id_column,
                    positive=positive,
                    exclude=tuple(exclude or ()),
                    sheet=sheet,
                    tiers=tiers,
                    calibration=calibration,
                    random_state=seed,
                )
            meta = save_model(
                fitted, model, kind="snapshot", metadata={**fitted.metadata(), "source": str(table)}
            )
        else:
            from keepwise.analytics.churn.labels import parse_horizon
            from keepwise.analytics.churn.transaction import fit_transaction_model

            horizon_days = parse_horizon(horizon, "--horizon")
            with working("computing features and fitting the churn model"):
                tx_model = fit_transaction_model(
                    open_dataset(data, db),
                    horizon=horizon_days,
                    cutoff=cutoff,
                    tiers=tiers,
                    calibration=calibration,
                    random_state=seed,
                )
            meta = save_model(tx_model, model, kind="transaction", metadata=tx_model.metadata())
        rows = int((meta.get("training_window") or {}).get("rows") or 0)
        if rows < MIN_TRAINING_ROWS:
            err_console.print(
                f"warning: only {rows:,} training rows: with under {MIN_TRAINING_ROWS} the model "
                "and its cross-validated figures are unreliable"
                + ("; use a later --cutoff" if table is None else ""),
                style="yellow",
                highlight=False,
            )
        for leak in meta.get("near_perfect_columns") or []:
            err_console.print(
                escape(
                    f"warning: column {leak['column']!r} tells churners apart almost perfectly "
                    f"on its own (ROC-AUC {leak['auc']:.3f}). If it is filled in after the churn "
                    f"(a churn reason, label, score or date), the model leans on something no "
                    f"customer still to be scored has: fit again with --exclude "
                    f"{shlex.quote(leak['column'])}"
                ),
                style="yellow",
                highlight=False,
            )
        if as_json:
            typer.echo(dump_json(meta))
            return
        tw = meta.get("training_window", {})
        console.print(f"saved {escape(str(model))}  (model {meta['model_version']})")
        labels = meta.get("target_values") or {}
        if labels:
            console.print(
                escape(
                    f"target {meta['target']!r}: churn = {labels.get('churn')!r}, "
                    f"not churn = {labels.get('not_churn')!r}"
                ),
                highlight=False,
            )
        console.print(f"training rows: {tw.get('rows', '?'):,}  features: {len(meta['features'])}")
        if meta.get("training_cutoffs"):
            console.print(
                f"cutoffs {', '.join(meta['training_cutoffs'])}; horizon {meta['horizon_days']} "
                f"days; churn rate {tw.get('churn_rate', float('nan')):.1%}",
                highlight=False,
            )
        medium_at, high_at = meta["tier_thresholds"]
        console.print(
            f"risk tiers: high from probability {high_at:.3f}, medium from {medium_at:.3f}"
            + (
                f" ({tiers.high:.0%} and {tiers.medium:.0%} of the training customers)"
                if tiers.method == "share"
                else ""
            ),
            highlight=False,
        )
        import pandas as pd

        render_frame(
            _metrics_view(
                pd.DataFrame(meta["metrics"])
                .T.rename_axis("model")
                .reset_index()[
                    ["model", "roc_auc", "pr_auc", "brier", "lift_top10", "capture_top10"]
                ]
            ),
            OutputFormat.table,
            None,
            title="out-of-fold cross-validated metrics on the training data",
        )


@churn_app.command("predict")
def predict_command(
    model: ModelOption,
    table: Annotated[
        Path, typer.Option("--table", help="Table to score (the target column is not needed).")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="CSV file to write: id, churn_probability, risk_tier, reasons."
        ),
    ] = Path("preds.csv"),
    sheet: Annotated[str | None, typer.Option("--sheet", help="Sheet of an XLSX --table.")] = None,
    lang: LangOption = Lang.en,
    top: Annotated[int, typer.Option("--top", min=1, max=10, help="Reasons per customer.")] = 3,
) -> None:
    """Score a snapshot table with a model from `keepwise churn fit --table`."""
    with user_errors():
        require_extra("ml", command_path())
        from keepwise.analytics.churn import load_model, read_table

        fitted, meta = load_model(model, kind="snapshot")
        fitted.classifier_.n_jobs = os.cpu_count() or 1  # scoring may use every core
        df = read_table(table, sheet=sheet, want_column=meta.get("id_column"))
        missing = fitted.missing_columns(df)
        if missing:
            err_console.print(
                escape(
                    f"note: {len(missing)} column(s) the model uses are not in {table} and are "
                    f"read as blank: {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
                ),
                highlight=False,
                soft_wrap=True,
            )
        preds = fitted.predict_frame(df, lang=lang.locale, top=top)
        out.parent.mkdir(parents=True, exist_ok=True)
        preds.to_csv(out, index=False, encoding="utf-8")
        counts = preds["risk_tier"].value_counts()
        console.print(
            f"wrote {len(preds):,} predictions to {escape(str(out))}: "
            f"high {counts.get('high', 0):,}, medium {counts.get('medium', 0):,}, low {counts.get('low', 0):,}"
        )


@churn_app.command("evaluate")
def evaluate_command(
    data: DataOption = None,
    horizon: HorizonOption = "90d",
    train_cutoffs: Annotated[
        int, typer.Option("--train-cutoffs", help="Number of earlier cutoffs to train on.")
    ] = 3,
    cutoff: Annotated[
        str | None,
        typer.Option(
            "--cutoff", help="Validation cutoff (default: the last one whose horizon is complete)."
        ),
    ] = None,
    seed: SeedOption = 0,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    db: DbOption = None,
) -> None:
    """Backtest: train on earlier cutoffs, validate on a later one; compare with the baselines."""
    with user_errors():
        require_extra("ml", command_path())
        from keepwise.analytics.churn.labels import parse_horizon
        from keepwise.analytics.churn.transaction import backtest

        horizon_days = parse_horizon(horizon, "--horizon")
        ds = open_dataset(data, db)
        with working("backtesting"):
            report = backtest(
                ds,
                horizon_days=horizon_days,
                n_train_cutoffs=train_cutoffs,
                validation_cutoff=cutoff,
                random_state=seed,
            )
        if fmt is OutputFormat.json:
            text = dump_json(report.to_dict())
            if out is None:
                typer.echo(text)
            else:
                out.write_text(text, encoding="utf-8")
            return
        if fmt is OutputFormat.csv:
            render_frame(report.metrics_frame(), fmt, out)
            return
        console.print(
            f"train cutoffs {', '.join(map(str, report.train_cutoffs))} ({report.train_rows:,} rows); "
            f"validation cutoff {report.validation_cutoff} ({report.validation_rows:,} customers); "
            f"horizon {report.horizon_days} days"
        )
        render_frame(
            _metrics_view(report.metrics_frame()), fmt, out, title="out-of-time validation"
        )
        render_frame(
            report.calibration.round(4), fmt, out, title="calibration (deciles of predicted risk)"
        )
        render_frame(report.top_features.head(10).round(4), fmt, out, title="top features (gain)")


@churn_app.command("score")
def score_command(
    model: ModelOption,
    data: DataOption = None,
    as_of: AsOfOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the scores to this CSV file.")
    ] = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not write to the store (with --out).")
    ] = False,
    lang: LangOption = Lang.en,
    db: DbOption = None,
) -> None:
    """Score every active customer: probability, tier and reasons, written to the store with history."""
    with user_errors():
        require_extra("ml", command_path())
        from keepwise.analytics.churn import load_model
        from keepwise.errors import ConfigError
        from keepwise.store.scores import write_churn_scores

        if no_store and out is None:
            raise ConfigError("--no-store needs --out FILE: otherwise the scores go nowhere")
        as_of_day = parse_date(as_of, "--as-of")
        fitted, meta = load_model(model, kind="transaction")
        fitted.classifier_.n_jobs = os.cpu_count() or 1  # scoring may use every core
        url = None
        if not no_store:
            url = results_store(
                data,
                db,
                what="scores",
                otherwise="--no-store --out FILE to write them to a CSV file only",
            )
        ds = open_dataset(data, db)
        if as_of_day is not None:
            from keepwise.analytics.churn.labels import data_end

            last = data_end(ds)
            if (as_of_day - last).days > 30:
                err_console.print(
                    f"warning: --as-of {as_of_day} is {(as_of_day - last).days} days after the "
                    f"last order in the data ({last}): every customer looks quieter than they "
                    "are unless the data is complete up to that date",
                    style="yellow",
                    highlight=False,
                )
        with working("scoring"):
            scores = fitted.score_frame(ds, as_of=as_of_day, lang=lang.locale)
        scored_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        if out is not None:
            scores.drop(columns=["reasons_json"]).assign(
                model_version=meta["model_version"], scored_at=scored_at.isoformat(sep=" ")
            ).to_csv(out, index=False, encoding="utf-8")
        written = 0
        if url is not None:
            written = write_churn_scores(
                url,
                scores,
                horizon_days=fitted.horizon_days,
                model_version=meta["model_version"],
                scored_at=scored_at,
            )
        counts = scores["risk_tier"].value_counts()
        console.print(
            f"scored {len(scores):,} customers as of {scores['cutoff'].iloc[0] if len(scores) else '-'}: "
            f"high {counts.get('high', 0):,}, medium {counts.get('medium', 0):,}, low {counts.get('low', 0):,}; "
            + (
                "not written to the store (--no-store)"
                if no_store
                else f"{written:,} rows written to the store"
            )
            + f" (model {meta['model_version']})"
        )
