"""Purchase cycles: inter-purchase intervals, volatility, the next-order window and follow-up."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import ibis
import numpy as np
import pandas as pd

from keepwise.analytics._inputs import DataLike, as_dataset
from keepwise.analytics.activity import day_number, order_days
from keepwise.analytics.config import CycleConfig
from keepwise.analytics.periods import to_date

CYCLE_COLUMNS = [
    "customer_id",
    "order_days",
    "intervals",
    "first_order_date",
    "last_order_date",
    "mean_interval_days",
    "median_interval_days",
    "std_interval_days",
    "min_interval_days",
    "max_interval_days",
    "cv",
    "predicted_next_date",
    "window_start",
    "window_end",
    "follow_up_date",
    "days_since_last_order",
    "is_overdue",
    "days_overdue",
    "supply_chain_risk",
    "priority",
]
_DATE_COLUMNS = (
    "first_order_date",
    "last_order_date",
    "predicted_next_date",
    "window_start",
    "window_end",
    "follow_up_date",
)


def purchase_cycles(
    orders: ibis.Table,
    customers: ibis.Table | None = None,
    *,
    as_of: date,
    config: CycleConfig = CycleConfig(),
    industry_risk: Mapping[str, float] | None = None,
) -> ibis.Table:
    """Per-customer purchase cycle and follow-up plan.

    Intervals are the gaps in days between consecutive distinct order days on or before
    ``as_of``. With mean *mu* and sample standard deviation *sigma* of the intervals and
    the last order day *L*:

    * ``predicted_next_date`` = floor(L + mu + 0.5);
    * ``window_start`` = max(L + 1, floor(L + mu - z sigma)),
      ``window_end`` = ceil(L + mu + z sigma) (sigma = 0 with a single interval);
    * ``follow_up_date`` = ``window_start`` - ``lead_days``;
    * ``is_overdue``: ``as_of`` is after ``window_end``; ``days_overdue`` = as_of - window_end;
    * ``cv`` = sigma / mu (volatility; needs two intervals);
    * ``priority`` = ``cv`` x ``supply_chain_risk``, where the risk is the customer's own
      ``supply_chain_risk``, else ``industry_risk[industry]``, else 1.

    Dates are returned as day numbers (days since 1970-01-01); :func:`cycles_report`
    turns them into dates. Customers with fewer than ``config.min_intervals`` intervals
    have no window (nulls).

    Returns
    -------
    ibis.Table
        :data:`CYCLE_COLUMNS`.
    """
    as_of_day = day_number(as_of)
    d = order_days(orders, as_of=as_of)
    w = ibis.window(group_by="customer_id", order_by="day")
    d = d.mutate(interval=(d.day - d.day.lag().over(w)).cast("float64"))
    per = d.group_by("customer_id").agg(
        order_days=d.count().cast("int64"),
        intervals=d.interval.count().cast("int64"),
        first_day=d.day.min(),
        last_day=d.day.max(),
        mean_interval_days=d.interval.mean(),
        median_interval_days=d.interval.median(),
        std_interval_days=d.interval.std(how="sample"),
        min_interval_days=d.interval.min(),
        max_interval_days=d.interval.max(),
    )
    has = per.intervals >= config.min_intervals
    mu = per.mean_interval_days
    sigma = per.std_interval_days.fill_null(0.0)
    last = per.last_day.cast("float64")
    start = ibis.greatest((last + mu - sigma * config.z).floor().cast("int64"), per.last_day + 1)
    end = (last + mu + sigma * config.z).ceil().cast("int64")
    null_int = ibis.null("int64")
    per = per.mutate(
        cv=ibis.ifelse(mu > 0, per.std_interval_days / mu, ibis.null("float64")),
        predicted_next_date=ibis.ifelse(has, (last + mu + 0.5).floor().cast("int64"), null_int),
        window_start=ibis.ifelse(has, start, null_int),
        window_end=ibis.ifelse(has, end, null_int),
        days_since_last_order=(as_of_day - per.last_day).cast("int64"),
    )
    per = per.mutate(
        follow_up_date=per.window_start - config.lead_days,
        is_overdue=(as_of_day > per.window_end).fill_null(False),
        days_overdue=ibis.greatest(as_of_day - per.window_end, 0),
    )
    risk_table = _risk_table(customers, industry_risk)
    if risk_table is None:
        per = per.mutate(supply_chain_risk=ibis.literal(1.0))
    else:
        per = per.left_join(risk_table, "customer_id").select(per, risk_table.risk)
        per = per.mutate(supply_chain_risk=per.risk.fill_null(1.0)).drop("risk")
    per = per.mutate(
        priority=per.cv * per.supply_chain_risk,
        first_order_date=per.first_day,
        last_order_date=per.last_day,
    )
    return per.select(*CYCLE_COLUMNS)


def _risk_table(
    customers: ibis.Table | None, industry_risk: Mapping[str, float] | None
) -> ibis.Table | None:
    if customers is None:
        if industry_risk:
            from keepwise.errors import ConfigError

            raise ConfigError(
                "industry risks need the customers table (for each customer's industry)"
            )
        return None
    own = (
        customers.supply_chain_risk
        if "supply_chain_risk" in customers.columns
        else ibis.null("float64")
    )
    risk = own.cast("float64")
    if industry_risk and "industry" in customers.columns:
        cases = [(customers.industry == k, float(v)) for k, v in industry_risk.items()]
        risk = risk.fill_null(ibis.cases(*cases, else_=ibis.null("float64")))
    return customers.select("customer_id", risk=risk.fill_null(1.0))


def cycles_report(
    ds: DataLike,
    *,
    as_of: Any = None,
    config: CycleConfig = CycleConfig(),
    industry_risk: Mapping[str, float] | None = None,
    overdue_only: bool = False,
) -> pd.DataFrame:
    """:func:`purchase_cycles` on a dataset (or an orders DataFrame, or anything
    :func:`~keepwise.analytics.as_dataset` takes), with dates; sorted by priority (highest
    first)."""
    from keepwise.analytics.metrics import data_dates

    ds = as_dataset(ds)

    as_of_d = to_date(as_of) or data_dates(ds)[1]
    expr = purchase_cycles(
        ds.orders, ds.customers, as_of=as_of_d, config=config, industry_risk=industry_risk
    )
    if overdue_only:
        expr = expr.filter(expr.is_overdue)
    return finish_cycles_frame(expr.to_pandas())


def _days_to_dates(days: pd.Series) -> pd.Series:
    """Day numbers (days since 1970-01-01, float with NaN or int) to ``date`` objects or None.

    Not ``pd.to_datetime(days, unit="D")``: on float input with NaN it raises a spurious
    ``FloatingPointError`` from time to time (pandas issue 58419), which hid the windows.
    """
    values = days.to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(values)
    out = np.full(len(values), None, dtype=object)
    out[known] = values[known].astype("int64").astype("datetime64[D]").astype(object)
    return pd.Series(out, index=days.index, name=days.name, dtype=object)


def finish_cycles_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Day numbers to dates; sort by priority (nulls last), then customer_id."""
    for c in _DATE_COLUMNS:
        df[c] = _days_to_dates(df[c])
    df = df.sort_values(
        ["priority", "customer_id"], ascending=[False, True], na_position="last", kind="stable"
    )
    return df.reset_index(drop=True)
