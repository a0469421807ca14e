"""Churn labels: what happened in the horizon after a cutoff.

* Non-contractual customers: churned = no completed order in (cutoff, cutoff + horizon].
* Contractual customers (``contract_end`` set): also churned when their latest contract ended
  inside the horizon, i.e. it was not renewed (a renewal would have moved ``contract_end``
  beyond the horizon).

Only cutoffs whose horizon is complete (cutoff + horizon <= last order date in the data) give
labels; :func:`label_cutoffs` lists them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis
import pandas as pd

from keepwise.analytics.churn.features import cutoff_bounds
from keepwise.analytics.dataset import Dataset
from keepwise.analytics.periods import require_date
from keepwise.errors import ConfigError


def parse_horizon(value: str | int, name: str = "horizon") -> int:
    """Horizon in days from ``90``, ``"90d"``, ``"12w"``, ``"3m"`` (30-day months) or ``"1y"``;
    ``name`` is what error messages call it (e.g. ``--inactivity``)."""
    if isinstance(value, int):
        days = value
    else:
        text = str(value).strip().lower()
        units = {"d": 1, "w": 7, "m": 30, "y": 365}
        try:
            days = (
                int(float(text[:-1]) * units[text[-1]]) if text and text[-1] in units else int(text)
            )
        except ValueError:
            raise ConfigError(
                f"{name} {value!r}: use days like 90d, weeks like 12w or months like 3m"
            ) from None
    if days <= 0:
        raise ConfigError(f"{name} must be positive, got {value!r}")
    return days


def churn_labels(
    ds: Dataset, population: ibis.Table, cutoff: Any, *, horizon_days: int
) -> ibis.Table:
    """``customer_id``, ``churned`` (0/1) for the customers of ``population``."""
    d, end, _ = cutoff_bounds(cutoff)
    h_end = ibis.timestamp(pd.Timestamp(d) + pd.Timedelta(days=horizon_days + 1))
    o = ds.orders
    future = (
        o.filter((o.ordered_at >= end) & (o.ordered_at < h_end))
        .select("customer_id")
        .distinct()
        .mutate(_bought=1)
    )
    lab = population.left_join(future, "customer_id").drop("customer_id_right")
    churned = lab._bought.isnull()
    if ds.customers is not None and "contract_end" in ds.customers.columns:
        c = ds.customers.select("customer_id", _cend=ds.customers.contract_end.cast("date"))
        lab = lab.left_join(c, "customer_id").drop("customer_id_right")
        h_last = d + timedelta(days=horizon_days)
        ended = (
            lab._cend.notnull()
            & (lab._cend > ibis.literal(d))
            & (lab._cend <= ibis.literal(h_last))
        )
        churned = churned | ended.fill_null(False)
    return lab.select("customer_id", churned=churned.cast("int64"))


def data_end(ds: Dataset) -> date:
    """Date of the last completed order."""
    value = ds.orders.ordered_at.max().to_pyarrow().as_py()
    if value is None:
        raise ConfigError("the data has no completed orders")
    return require_date(value, "cutoff")


def data_span(ds: Dataset) -> tuple[date, date]:
    """Dates of the first and the last completed order, in one query."""
    o = ds.orders
    row = o.aggregate(first=o.ordered_at.min(), last=o.ordered_at.max()).to_pyarrow()
    first, last = row["first"][0].as_py(), row["last"][0].as_py()
    if first is None:
        raise ConfigError("the data has no completed orders")
    return require_date(first, "cutoff"), require_date(last, "cutoff")


def history(ds: Dataset) -> str:
    """``"2023-07-02 to 2026-06-30"``: the order history, for error messages."""
    start, end = data_span(ds)
    return f"{start} to {end}"


def label_cutoffs(
    ds: Dataset,
    *,
    horizon_days: int,
    count: int = 4,
    step_days: int | None = None,
    latest: Any = None,
) -> list[date]:
    """Cutoffs with complete horizons, oldest first: ``latest`` (default data end - horizon) and
    ``count - 1`` earlier ones every ``step_days`` (default the horizon)."""
    if count < 1:
        raise ConfigError(f"need at least one cutoff, not {count}")
    start, end = data_span(ds)
    last = (
        require_date(latest, "cutoff") if latest is not None else end - timedelta(days=horizon_days)
    )
    if last + timedelta(days=horizon_days) > end:
        raise ConfigError(
            f"cutoff {last} + horizon {horizon_days} days is after the last order ({end}); "
            f"use a cutoff on or before {end - timedelta(days=horizon_days)}"
        )
    if last <= start:
        if latest is None:
            raise ConfigError(
                f"a {horizon_days}-day horizon does not fit in the order history "
                f"({start} to {end}, {(end - start).days} days): use a shorter --horizon"
            )
        raise ConfigError(
            f"cutoff {last} is not after the first order ({start}); the orders run from "
            f"{start} to {end}: use a cutoff between {start + timedelta(days=1)} and "
            f"{end - timedelta(days=horizon_days)}"
        )
    step = step_days or horizon_days
    # a cutoff on or before the first order has nobody to learn from
    return sorted(c for c in (last - timedelta(days=step * k) for k in range(count)) if c > start)
