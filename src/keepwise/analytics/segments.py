"""Churn by segment: rates, lift, significance tests and the churned-customer profile.

The population and the churn flag come from the activity definition
(:mod:`keepwise.analytics.activity`): without ``start``, every customer who became active
on or before ``as_of`` counts and is churned when not active on ``as_of``; with ``start``,
the population is the customers active on ``start`` and churned means not active on
``as_of``. The per-segment counts are Ibis expressions; the tests (scipy) run on the small
aggregated result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import ibis
import numpy as np
import pandas as pd

from keepwise.analytics._inputs import DataLike, as_dataset
from keepwise.analytics.activity import activity_spells, day_number, status_at
from keepwise.analytics.config import ActivityConfig
from keepwise.analytics.dataset import Dataset
from keepwise.analytics.periods import to_date
from keepwise.errors import ConfigError

# Dimension name -> customers column.
CUSTOMER_DIMENSIONS = {
    "industry": "industry",
    "region": "region",
    "channel": "acquisition_channel",
    "group": "group_name",
    "kind": "kind",
    "owner": "owner",
}
BAND_DIMENSIONS = ("frequency_band", "monetary_band", "interaction_band")
DIMENSIONS = (*CUSTOMER_DIMENSIONS, "tag", *BAND_DIMENSIONS)
DEFAULT_DIMENSIONS = ("industry", "region", "channel", "frequency_band", "monetary_band")
MISSING = "(missing)"
# Natural order of each band dimension's labels.
_BAND_ORDER = {
    "frequency_band": ("1", "2", "3-5", "6-10", "11+"),
    "monetary_band": ("Q1", "Q2", "Q3", "Q4"),
    "interaction_band": ("0", "1-2", "3-5", "6+"),
}

SEGMENT_COLUMNS = [
    "dimension",
    "segment",
    "customers",
    "churned",
    "churn_rate",
    "overall_churn_rate",
    "lift",
    "share_of_customers",
    "share_of_churned",
    "z",
    "p_value",
    "is_significant",
    "dimension_chi2",
    "dimension_p_value",
]
PROFILE_COLUMNS = [
    "dimension",
    "segment",
    "customers",
    "churned",
    "churn_rate",
    "overall_churn_rate",
    "lift",
    "share_of_churned",
    "share_of_customers",
    "p_value",
    "description",
]


def customer_churn_flags(
    orders: ibis.Table,
    customers: ibis.Table | None = None,
    *,
    as_of: date,
    start: date | None = None,
    activity: ActivityConfig = ActivityConfig(),
) -> ibis.Table:
    """``customer_id`` and ``is_churned`` (int 0/1) for the analysed population."""
    spells = activity_spells(orders, customers, as_of=as_of, config=activity)
    end = status_at(spells, day=day_number(as_of))
    if start is None:
        return end.select("customer_id", is_churned=(~end.is_active).cast("int64"))
    begin = status_at(spells, day=day_number(start))
    begin = begin.filter(begin.is_active).select("customer_id")
    j = begin.left_join(end, "customer_id").select(begin.customer_id, end.is_active)
    return j.select("customer_id", is_churned=(~j.is_active.fill_null(False)).cast("int64"))


def _band_frequency(n: Any) -> Any:
    return ibis.cases((n <= 1, "1"), (n == 2, "2"), (n <= 5, "3-5"), (n <= 10, "6-10"), else_="11+")


def _band_interactions(n: Any) -> Any:
    return ibis.cases((n == 0, "0"), (n <= 2, "1-2"), (n <= 5, "3-5"), else_="6+")


def segment_counts(
    orders: ibis.Table,
    customers: ibis.Table | None = None,
    interactions: ibis.Table | None = None,
    *,
    by: Sequence[str] = DEFAULT_DIMENSIONS,
    as_of: date,
    start: date | None = None,
    activity: ActivityConfig = ActivityConfig(),
    interaction_days: int = 365,
) -> ibis.Table:
    """Customers and churned customers per (dimension, segment).

    Dimensions: customer fields (``industry``, ``region``, ``channel``, ``group``, ``kind``,
    ``owner`` or any other customers column), ``tag`` (a customer counts in each of their
    tags), ``frequency_band`` (orders up to ``as_of``: 1, 2, 3-5, 6-10, 11+),
    ``monetary_band`` (quartiles of revenue up to ``as_of``: Q1 lowest .. Q4 highest) and
    ``interaction_band`` (interactions in the ``interaction_days`` before ``as_of``: 0,
    1-2, 3-5, 6+). Missing values form the segment ``"(missing)"``.

    Returns
    -------
    ibis.Table
        ``dimension``, ``segment``, ``customers``, ``churned``.
    """
    if not by:
        raise ConfigError("give at least one dimension to break churn down by")
    flags = customer_churn_flags(orders, customers, as_of=as_of, start=start, activity=activity)
    parts: list[ibis.Table] = []
    for dim in by:
        seg = _dimension(
            dim, flags, orders, customers, interactions, as_of=as_of, days=interaction_days
        )
        g = seg.group_by("segment").agg(
            customers=seg.count().cast("int64"), churned=seg.is_churned.sum().cast("int64")
        )
        parts.append(
            g.select(
                dimension=ibis.literal(dim),
                segment=g.segment,
                customers=g.customers,
                churned=g.churned,
            )
        )
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


def _dimension(
    dim: str,
    flags: ibis.Table,
    orders: ibis.Table,
    customers: ibis.Table | None,
    interactions: ibis.Table | None,
    *,
    as_of: date,
    days: int,
) -> ibis.Table:
    """``customer_id``, ``is_churned``, ``segment`` (string) for one dimension."""
    as_of_day = day_number(as_of)
    if dim in ("frequency_band", "monetary_band"):
        o = orders.filter(orders.ordered_at.date().epoch_days() <= as_of_day)
        per = o.group_by("customer_id").agg(n=o.count(), revenue=o.amount.sum())
        j = flags.left_join(per, "customer_id").select(flags, per.n, per.revenue)
        if dim == "frequency_band":
            return j.select("customer_id", "is_churned", segment=_band_frequency(j.n.fill_null(0)))
        j = j.mutate(revenue=j.revenue.fill_null(0.0))
        rank0 = ibis.rank().over(ibis.window(order_by=j.revenue))
        q = (rank0 * 4) // j.count().over(ibis.window()) + 1
        return j.select(
            "customer_id",
            "is_churned",
            segment=ibis.literal("Q").concat(q.cast("int64").cast("string")),
        )
    if dim == "interaction_band":
        if interactions is None:
            raise ConfigError(
                "interaction_band needs the interactions table, and the dataset has none"
            )
        day = interactions.occurred_at.date().epoch_days()
        i = interactions.filter((day <= as_of_day) & (day > as_of_day - days))
        per = i.group_by("customer_id").agg(n=i.count())
        j = flags.left_join(per, "customer_id").select(flags, per.n)
        return j.select("customer_id", "is_churned", segment=_band_interactions(j.n.fill_null(0)))
    if customers is None:
        raise ConfigError(f"dimension {dim!r} needs the customers table, and the dataset has none")
    if dim == "tag":
        if "tags" not in customers.columns:
            raise ConfigError("dimension 'tag' needs a tags column in customers")
        tags = customers.select("customer_id", tag=customers.tags.split(";").unnest())
        tags = tags.mutate(tag=tags.tag.strip()).filter(lambda t: t.tag != "")
        j = flags.left_join(tags, "customer_id").select(flags, tags.tag)
        return j.select("customer_id", "is_churned", segment=j.tag.fill_null(MISSING))
    column = CUSTOMER_DIMENSIONS.get(dim, dim)
    if column not in customers.columns:
        raise ConfigError(
            f"unknown dimension {dim!r}: not a customers column; known: {', '.join(DIMENSIONS)}"
        )
    c = customers.select("customer_id", value=customers[column].cast("string"))
    j = flags.left_join(c, "customer_id").select(flags, c.value)
    return j.select("customer_id", "is_churned", segment=j.value.fill_null(MISSING))


def available_dimensions(ds: Dataset, dimensions: Sequence[str] = DEFAULT_DIMENSIONS) -> list[str]:
    """The ``dimensions`` the dataset can break churn down by (columns present, tables loaded)."""
    out = []
    for dim in dimensions:
        if dim in ("frequency_band", "monetary_band"):
            out.append(dim)
        elif dim == "interaction_band":
            if ds.interactions is not None:
                out.append(dim)
        elif ds.customers is not None:
            column = "tags" if dim == "tag" else CUSTOMER_DIMENSIONS.get(dim, dim)
            if column in ds.customers.columns:
                out.append(dim)
    return out


def segment_statistics(
    counts: pd.DataFrame, *, overall: tuple[int, int], alpha: float = 0.05
) -> pd.DataFrame:
    """Add rates, lift and tests to :func:`segment_counts` output.

    ``overall`` is (customers, churned) of the whole population. Each segment is tested
    against the rest of the population with a two-sided two-proportion z-test (pooled
    variance); each single-valued dimension gets a chi-square test of independence over
    its segments (``tag`` customers may sit in several segments: no chi-square).
    """
    from scipy import stats

    n_all, c_all = overall
    df = counts.copy()
    rate_all = c_all / n_all if n_all else np.nan
    df["churn_rate"] = df["churned"] / df["customers"].where(df["customers"] > 0)
    df["overall_churn_rate"] = rate_all
    df["lift"] = df["churn_rate"] / rate_all if rate_all else np.nan
    df["share_of_customers"] = df["customers"] / n_all if n_all else np.nan
    df["share_of_churned"] = df["churned"] / c_all if c_all else np.nan
    n1, x1 = df["customers"].astype(float), df["churned"].astype(float)
    n2, x2 = n_all - n1, c_all - x1
    pooled = c_all / n_all if n_all else np.nan
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2.where(n2 > 0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x1 / n1 - x2 / n2.where(n2 > 0)) / se.where(se > 0)
    df["z"] = z
    df["p_value"] = 2 * stats.norm.sf(np.abs(z))
    df.loc[z.isna(), "p_value"] = np.nan
    df["is_significant"] = df["p_value"] < alpha
    chi = {}
    for dim, g in df.groupby("dimension", sort=False):
        if dim == "tag" or len(g) < 2:
            chi[dim] = (np.nan, np.nan)
            continue
        table = np.array([g["churned"], g["customers"] - g["churned"]], dtype=float)
        if (table.sum(axis=1) == 0).any():
            chi[dim] = (np.nan, np.nan)
            continue
        res = stats.chi2_contingency(table, correction=False)
        chi[dim] = (float(res.statistic), float(res.pvalue))
    df["dimension_chi2"] = df["dimension"].map(lambda d: chi[d][0])
    df["dimension_p_value"] = df["dimension"].map(lambda d: chi[d][1])
    return df[SEGMENT_COLUMNS]


def segment_report(
    ds: DataLike,
    *,
    by: Sequence[str] | None = None,
    as_of: Any = None,
    start: Any = None,
    activity: ActivityConfig = ActivityConfig(),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Churn rate, counts, lift and significance per segment (:data:`SEGMENT_COLUMNS`).

    ``ds`` is a dataset, a DataFrame of orders or anything
    :func:`~keepwise.analytics.as_dataset` takes. ``by`` names the dimensions
    (:data:`DIMENSIONS`); by default those of :data:`DEFAULT_DIMENSIONS` the data has (see
    :func:`available_dimensions`). A dimension named in ``by`` that the data lacks raises
    :class:`~keepwise.errors.ConfigError`.
    """
    from keepwise.analytics.metrics import data_dates

    ds = as_dataset(ds)
    if by is None:
        by = available_dimensions(ds)

    as_of_d = to_date(as_of) or data_dates(ds)[1]
    start_d = to_date(start)
    flags = customer_churn_flags(
        ds.orders, ds.customers, as_of=as_of_d, start=start_d, activity=activity
    )
    total = flags.aggregate(n=flags.count(), c=flags.is_churned.sum()).to_pandas()
    overall = (int(total["n"].iloc[0]), int(total["c"].fillna(0).iloc[0]))
    expr = segment_counts(
        ds.orders,
        ds.customers,
        ds.interactions,
        by=by,
        as_of=as_of_d,
        start=start_d,
        activity=activity,
    )
    counts = expr.to_pandas()
    order = {d: i for i, d in enumerate(by)}
    band_rank = {
        (dim, label): i for dim, labels in _BAND_ORDER.items() for i, label in enumerate(labels)
    }
    keys = zip(counts["dimension"], counts["segment"], strict=True)
    counts = counts.assign(
        _o=counts["dimension"].map(order),
        _b=[band_rank.get(key, len(band_rank)) for key in keys],
    )
    counts = counts.sort_values(["_o", "_b", "segment"]).drop(columns=["_o", "_b"])
    return segment_statistics(counts.reset_index(drop=True), overall=overall, alpha=alpha)


def churned_profile(
    segments: pd.DataFrame, *, min_customers: int = 30, min_lift: float = 1.1
) -> pd.DataFrame:
    """The traits over-represented among churned customers.

    Keeps the segments of :func:`segment_report` with at least ``min_customers``
    customers, ``lift >= min_lift`` and a significant z-test, most over-represented first.
    Columns: :data:`PROFILE_COLUMNS` (``description`` is a sentence for people).
    """
    s = segments[
        (segments["customers"] >= min_customers)
        & (segments["lift"] >= min_lift)
        & segments["is_significant"]
    ].copy()
    s = s.sort_values(["lift", "churned"], ascending=[False, False], kind="stable")
    s["description"] = [
        f"{r.dimension} = {r.segment}: churn {r.churn_rate:.1%} vs {r.overall_churn_rate:.1%} overall "
        f"({r.lift:.2f}x), {r.share_of_churned:.1%} of churned vs {r.share_of_customers:.1%} of customers"
        for r in s.itertuples()
    ]
    return s[PROFILE_COLUMNS].reset_index(drop=True)
