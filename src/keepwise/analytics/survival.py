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
from sklearn.base import BaseEstimator

from keepwise.analytics.dataset import Dataset
from keepwise.errors import ConfigError, ConvergenceError, NotFittedError, SchemaError

try:
    from typing import Self
except ImportError:  # pragma: no cover
    from typing import Self

#: Customer attributes known at acquisition, usable as segments and Cox covariates.
SEGMENT_COLUMNS = ("kind", "industry", "region", "group_name", "acquisition_channel")


def lifetimes_expr(
    ds: Dataset, *, as_of: date | datetime | str | None = None, inactivity_days: int = 180
) -> ibis.Table:
    """Ibis expression: ``customer_id``, ``duration_days``, ``churned`` (1 = event), ``first_amount``."""
    o = ds.orders
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


def lifetimes_table(ds: Dataset, *, as_of: Any = None, inactivity_days: int = 180) -> pd.DataFrame:
    """:func:`lifetimes_expr` materialised, joined with the customers' segment columns."""
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


class CoxModel(BaseEstimator):  # type: ignore[misc]
    """Cox proportional-hazards model of customer lifetimes (a thin lifelines wrapper).

    Parameters
    ----------
    penalizer
        L2 penalty (lifelines' ``penalizer``); helps with many or collinear covariates.
    """

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self,
        table: pd.DataFrame,
        *,
        duration_col: str = "duration_days",
        event_col: str = "churned",
        covariates: Sequence[str] | None = None,
        max_levels: int = 10,
    ) -> Self:
        """Fit on ``table``; categorical covariates are one-hot encoded (most frequent level = reference)."""
        from lifelines import CoxPHFitter

        cols = (
            list(covariates)
            if covariates is not None
            else [c for c in table.columns if c not in (duration_col, event_col, "customer_id")]
        )
        if self.penalizer < 0:
            raise ConfigError(f"the penalizer must be 0 or more, not {self.penalizer}")
        choices = [c for c in table.columns if c not in (duration_col, event_col, "customer_id")]
        wrong = [c for c in cols if c not in choices]
        if wrong:
            raise SchemaError(
                wrong[0], None, f"not a covariate; use one of {', '.join(map(str, choices))}"
            )
        X = pd.DataFrame(index=table.index)
        for c in cols:
            s = table[c]
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                X[c] = s.astype(float).fillna(s.median())
            else:
                s = s.astype("string").fillna("(blank)")
                top = s.value_counts().index[:max_levels]
                s = s.where(s.isin(top), "(other)")
                dummies = pd.get_dummies(s, prefix=c, prefix_sep="=", dtype=float)
                ref = f"{c}={s.value_counts().index[0]}"
                X = X.join(dummies.drop(columns=[ref]))
        X = X.loc[:, X.std() > 0]
        df = X.assign(
            **{
                duration_col: table[duration_col].astype(float),
                event_col: table[event_col].astype(int),
            }
        )
        try:
            self.fitter_ = CoxPHFitter(penalizer=self.penalizer).fit(
                df, duration_col=duration_col, event_col=event_col
            )
        except Exception as exc:  # lifelines raises ConvergenceError (its own) or LinAlgError
            raise ConvergenceError(
                f"the Cox model did not converge ({exc}); try --penalizer 0.1 or fewer covariates"
            ) from None
        self.covariates_ = list(X.columns)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """``covariate``, ``coef``, ``hazard_ratio``, ``lower``/``upper`` (95% CI of the ratio), ``p``."""
        if not hasattr(self, "fitter_"):
            raise NotFittedError("this CoxModel is not fitted yet; call fit() first")
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

    @property
    def concordance_index(self) -> float:
        if not hasattr(self, "fitter_"):
            raise NotFittedError("this CoxModel is not fitted yet; call fit() first")
        return float(self.fitter_.concordance_index_)
