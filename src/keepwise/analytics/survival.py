"""Survival analysis of customer lifetimes: Kaplan-Meier retention curves and Cox hazard ratios.

A customer's lifetime runs from the first completed order. It *ends* (event) when the customer
has not ordered for ``inactivity_days`` by ``as_of``: the lifetime is then first → last order
(plus one day). Otherwise it is *censored* at ``as_of``. Durations are built with Ibis
(:func:`lifetimes_table`); the fitting is done by lifelines.

References
----------
Kaplan & Meier (1958), "Nonparametric estimation from incomplete observations", JASA.
Cox (1972), "Regression models and life-tables", JRSS B.
Davidson-Pilon (2019), "lifelines: survival analysis in Python", JOSS.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from keepwise.analytics._base import Estimator, customer_index, instance_of, interval
from keepwise.analytics._inputs import DataLike, as_dataset
from keepwise.errors import ConfigError, ConvergenceError, SchemaError

try:
    from typing import Self
except ImportError:  # pragma: no cover
    from typing import Self

#: Customer attributes known at acquisition, usable as segments and Cox covariates.
SEGMENT_COLUMNS = ("kind", "industry", "region", "group_name", "acquisition_channel")


def lifetimes_expr(
    ds: DataLike, *, as_of: date | datetime | str | None = None, inactivity_days: int = 180
) -> ibis.Table:
    """Ibis expression: ``customer_id``, ``duration_days``, ``churned`` (1 = event), ``first_amount``.

    ``ds``: a dataset, a DataFrame of orders or anything :func:`~keepwise.analytics.as_dataset`
    takes.
    """
    o = as_dataset(ds).orders
    if as_of is not None:
        d = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
        o = o.filter(o.ordered_at < ibis.timestamp(d.to_pydatetime()))
        end_epoch = (d - pd.Timestamp("1970-01-01")).total_seconds()
    else:
        last = o.ordered_at.max().to_pyarrow().as_py()
        d = pd.Timestamp(last).normalize() + pd.Timedelta(days=1)
        end_epoch = (d - pd.Timestamp("1970-01-01")).total_seconds()
    w = ibis.window(group_by=o.customer_id, order_by=o.ordered_at)
    o = o.mutate(_e=o.ordered_at.epoch_seconds().cast("float64"), _rank=ibis.row_number().over(w))
    agg = o.group_by("customer_id").aggregate(
        _first=o._e.min(),
        _last=o._e.max(),
        first_amount=ibis.ifelse(
            o._rank == 0, o.amount.cast("float64"), ibis.null("float64")
        ).max(),
        orders=o.count(),
    )
    idle = (ibis.literal(end_epoch) - agg._last) / 86400.0
    churned = idle > inactivity_days
    duration = ibis.ifelse(
        churned,
        (agg._last - agg._first) / 86400.0 + 1.0,
        (ibis.literal(end_epoch) - agg._first) / 86400.0,
    )
    return agg.select(
        "customer_id",
        duration_days=duration,
        churned=churned.cast("int64"),
        first_amount=agg.first_amount,
    )


def lifetimes_table(ds: DataLike, *, as_of: Any = None, inactivity_days: int = 180) -> pd.DataFrame:
    """:func:`lifetimes_expr` materialised, joined with the customers' segment columns.

    ``ds``: a dataset, a DataFrame of orders or anything :func:`~keepwise.analytics.as_dataset`
    takes.
    """
    ds = as_dataset(ds)
    t = lifetimes_expr(ds, as_of=as_of, inactivity_days=inactivity_days)
    if ds.customers is not None:
        cols = [c for c in (*SEGMENT_COLUMNS, "acquisition_cost") if c in ds.customers.columns]
        if cols:
            t = t.left_join(ds.customers.select("customer_id", *cols), "customer_id").drop(
                "customer_id_right"
            )
    df = t.to_pandas().sort_values("customer_id", ignore_index=True)
    if df.empty:
        from keepwise.analytics.churn.labels import history

        raise ConfigError(f"no customer had ordered by {as_of}: the orders run from {history(ds)}")
    df["duration_days"] = df["duration_days"].astype(float)
    return df


def kaplan_meier(
    table: pd.DataFrame,
    *,
    by: str | None = None,
    duration_col: str = "duration_days",
    event_col: str = "churned",
    times: Sequence[float] = (30, 90, 180, 365, 730),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaplan-Meier retention by segment.

    Returns
    -------
    (summary, curves)
        ``summary``: one row per segment with ``segment``, ``customers``, ``churned``,
        ``median_days`` (NaN when retention never falls to half) and ``retention_<t>d`` for each
        of ``times``. ``curves``: ``segment``, ``days``, ``retention``, ``lower``, ``upper``,
        ``at_risk`` (the step function with its 95% confidence band).
    """
    from lifelines import KaplanMeierFitter

    for col in (duration_col, event_col):
        if col not in table.columns:
            raise SchemaError(
                col, None, f"column not found; have {', '.join(map(str, table.columns))}"
            )
    if by is not None and (by not in table.columns or by in (duration_col, event_col)):
        choices = [c for c in table.columns if c not in (duration_col, event_col, "customer_id")]
        raise SchemaError(by, None, f"not a segment column; use one of {', '.join(choices)}")
    groups = (
        [("all", table)]
        if by is None
        else [
            (str(k), g)
            for k, g in table.assign(**{by: table[by].fillna("(blank)")}).groupby(by, sort=True)
        ]
    )
    rows, curves = [], []
    for name, g in groups:
        kmf = KaplanMeierFitter().fit(g[duration_col], g[event_col], label=name)
        sf = kmf.survival_function_[name]
        ci = kmf.confidence_interval_survival_function_
        row: dict[str, Any] = {
            "segment": name,
            "customers": int(len(g)),
            "churned": int(g[event_col].sum()),
            "median_days": float(kmf.median_survival_time_),
        }
        for t in times:
            row[f"retention_{int(t)}d"] = float(kmf.predict(t))
        rows.append(row)
        curves.append(
            pd.DataFrame(
                {
                    "segment": name,
                    "days": sf.index.to_numpy(dtype=float),
                    "retention": sf.to_numpy(),
                    "lower": ci.iloc[:, 0].to_numpy(),
                    "upper": ci.iloc[:, 1].to_numpy(),
                    "at_risk": kmf.event_table["at_risk"].reindex(sf.index).to_numpy(),
                }
            )
        )
    summary = pd.DataFrame(rows)
    summary["median_days"] = summary["median_days"].replace(np.inf, np.nan)
    return summary, pd.concat(curves, ignore_index=True)


class CoxModel(Estimator):
    """Cox proportional-hazards model of customer lifetimes (a thin lifelines wrapper).

    Fitted on a table with one row per customer, a duration and an event column (as
    :func:`lifetimes_table` makes it): ``CoxModel().fit(lifetimes_table(data))``. Numeric
    covariates are used as they are (blanks filled with the median); the others are one-hot
    encoded, keeping the ``max_levels`` most frequent levels (the rest are ``(other)``) and
    leaving out the most frequent one, the reference whose hazard ratio is 1.

    Parameters
    ----------
    penalizer
        L2 penalty (lifelines' ``penalizer``); helps with many or collinear covariates.
    duration_col, event_col
        The duration (days) and the event (1 = churned, 0 = censored) columns.
    covariates
        The covariate columns; default: every other column except ``customer_id``.
    max_levels
        Levels kept per categorical covariate.

    Attributes
    ----------
    fitter_ : lifelines.CoxPHFitter
    covariates_ : list of str
        The columns of the design matrix (``column=level`` for one-hot levels).
    encoding_ : dict
        How each covariate becomes design columns: ``{"median": m}`` for a numeric one,
        ``{"levels": [...], "reference": level}`` for a categorical one.
    concordance_index_ : float
        Harrell's C on the training table.
    summary_ : pandas.DataFrame
        ``covariate``, ``coef``, ``hazard_ratio``, ``lower``/``upper`` (95% CI of the
        ratio), ``p``.

    References
    ----------
    Cox (1972), "Regression models and life-tables", JRSS B 34(2), 187-220.
    """

    _parameter_constraints = {
        "penalizer": interval(0.0),
        "duration_col": instance_of(str),
        "event_col": instance_of(str),
        "covariates": instance_of(list, tuple, none=True),
        "max_levels": interval(1, integer=True),
    }
    _fit_signature = "fit(lifetimes_table(data))"
    _fitted_attribute = "fitter_"

    def __init__(
        self,
        penalizer: float = 0.0,
        *,
        duration_col: str = "duration_days",
        event_col: str = "churned",
        covariates: Sequence[str] | None = None,
        max_levels: int = 10,
    ) -> None:
        self.penalizer = penalizer
        self.duration_col = duration_col
        self.event_col = event_col
        self.covariates = covariates
        self.max_levels = max_levels

    def fit(self, X: pd.DataFrame, y: None = None) -> Self:
        """Fit on the lifetimes table ``X``; ``y`` is unused (the event is a column of ``X``).

        Raises
        ------
        SchemaError
            The duration or event column is missing, or a covariate is not a column.
        ConvergenceError
            The partial likelihood could not be maximised (try a penalizer, fewer covariates).
        """
        from lifelines import CoxPHFitter

        self._validate_params()
        table = X
        reserved = (self.duration_col, self.event_col, "customer_id")
        for col in (self.duration_col, self.event_col):
            if col not in table.columns:
                raise SchemaError(
                    col, None, f"column not found; have {', '.join(map(str, table.columns))}"
                )
        choices = [c for c in table.columns if c not in reserved]
        cols = list(self.covariates) if self.covariates is not None else choices
        wrong = [c for c in cols if c not in choices]
        if wrong:
            raise SchemaError(
                wrong[0], None, f"not a covariate; use one of {', '.join(map(str, choices))}"
            )
        encoding: dict[str, dict[str, Any]] = {}
        for c in cols:
            s = table[c]
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                encoding[c] = {"median": float(s.astype(float).median())}
            else:
                levels = _levels(s)
                top = [str(v) for v in levels.value_counts().index[: self.max_levels]]
                mapped = levels.where(levels.isin(top), "(other)").value_counts()
                encoding[c] = {
                    "levels": top,
                    "reference": str(mapped.index[0]) if len(mapped) else None,
                }
        X_design = _design(table, encoding)
        X_design = X_design.loc[:, X_design.std() > 0]
        df = X_design.assign(
            **{
                self.duration_col: table[self.duration_col].astype(float),
                self.event_col: table[self.event_col].astype(int),
            }
        )
        try:
            fitter = CoxPHFitter(penalizer=self.penalizer).fit(
                df, duration_col=self.duration_col, event_col=self.event_col
            )
        except Exception as exc:  # lifelines raises ConvergenceError (its own) or LinAlgError
            raise ConvergenceError(
                f"the Cox model did not converge ({exc}); try --penalizer 0.1 or fewer covariates"
            ) from None
        self.encoding_ = encoding
        self.covariates_ = list(X_design.columns)
        self.concordance_index_ = float(fitter.concordance_index_)
        self.fitter_ = fitter
        return self

    def _summary(self) -> pd.DataFrame:
        """``covariate``, ``coef``, ``hazard_ratio``, ``lower``/``upper`` (95% CI of the ratio), ``p``."""
        s = self.fitter_.summary
        return pd.DataFrame(
            {
                "covariate": s.index.astype(str),
                "coef": s["coef"].to_numpy(),
                "hazard_ratio": s["exp(coef)"].to_numpy(),
                "lower": s["exp(coef) lower 95%"].to_numpy(),
                "upper": s["exp(coef) upper 95%"].to_numpy(),
                "p": s["p"].to_numpy(),
            }
        )

    def predict_partial_hazard(self, X: pd.DataFrame) -> pd.Series:
        """Each customer's churn hazard relative to the average training customer,
        ``exp((x − x̄)·β)`` (lifelines' centring): above 1 means a higher hazard, and the ratio
        of two customers' values is their hazard ratio. A Series ``partial_hazard`` indexed by
        customer id (the ``customer_id`` column, else the index)."""
        self._check_is_fitted()
        hazard = self.fitter_.predict_partial_hazard(self._features(X))
        return pd.Series(
            np.asarray(hazard, dtype=float), index=customer_index(X), name="partial_hazard"
        )

    def predict_survival(self, X: pd.DataFrame, *, days: float) -> pd.Series:
        """P(still a customer ``days`` after the first order), per customer: a Series
        ``survival`` indexed by customer id."""
        self._check_is_fitted()
        if not days >= 0:
            raise ConfigError(f"days must be 0 or more, got {days!r}")
        curves = self.fitter_.predict_survival_function(self._features(X), times=[float(days)])
        return pd.Series(curves.to_numpy(dtype=float)[0], index=customer_index(X), name="survival")

    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.encoding_ if c not in X.columns]
        if missing:
            raise SchemaError(
                missing[0], None, f"covariate missing ({len(missing)} missing in all)"
            )
        return _design(X, self.encoding_)[self.covariates_]

    def plot(self, ax: Any = None) -> Any:
        """Hazard ratios with their 95% intervals on a log axis (matplotlib Axes)."""
        summary = self.summary_
        ax = self._axes(ax)
        ratio = summary["hazard_ratio"].to_numpy()
        spread = np.vstack(
            [ratio - summary["lower"].to_numpy(), summary["upper"].to_numpy() - ratio]
        )
        ax.errorbar(ratio, range(len(summary)), xerr=spread, fmt="o", capsize=3)
        ax.axvline(1.0, color="grey", linewidth=1)
        ax.set_xscale("log")
        ax.set_yticks(range(len(summary)), list(summary["covariate"]))
        ax.set_xlabel("hazard ratio (95% interval)")
        ax.set_title("Cox proportional hazards")
        return ax


def _levels(s: pd.Series) -> pd.Series:
    return s.astype("string").fillna("(blank)")


def _design(table: pd.DataFrame, encoding: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The design matrix of ``table`` under ``encoding`` (see :attr:`CoxModel.encoding_`)."""
    X = pd.DataFrame(index=table.index)
    for c, enc in encoding.items():
        if "median" in enc:
            X[c] = table[c].astype(float).fillna(enc["median"])
            continue
        s = _levels(table[c])
        s = s.where(s.isin(enc["levels"]), "(other)")
        for level in sorted([*enc["levels"], "(other)"]):  # as pandas.get_dummies orders them
            if level != enc["reference"]:
                X[f"{c}={level}"] = (s == level).astype(float)
    return X
