"""Churn, retention and revenue retention per period (month, quarter, year).

The expression functions (:func:`period_churn`, :func:`revenue_retention`) take Ibis
tables and return Ibis expressions; the ``*_report`` functions take a
:class:`~keepwise.analytics.dataset.Dataset`, fill in default dates and materialise a
pandas DataFrame with stable column names. Definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pandas as pd

from keepwise.analytics._inputs import DataLike, as_dataset
from keepwise.analytics.activity import activity_spells, day_number
from keepwise.analytics.config import ActivityConfig
from keepwise.analytics.dataset import Dataset
from keepwise.analytics.periods import (
    day_period_table,
    order_period_start,
    period_rows,
    periods_table,
    to_date,
)

CHURN_COLUMNS = [
    "period",
    "period_start",
    "period_end",
    "is_complete",
    "customers_start",
    "customers_new",
    "customers_churned",
    "customers_reactivated",
    "customers_end",
    "customers_retained",
    "churn_events",
    "churn_rate",
    "net_churn_rate",
    "retention_rate",
    "survival_rate",
]
REVENUE_COLUMNS = [
    "period",
    "period_start",
    "period_end",
    "is_complete",
    "revenue",
    "revenue_new",
    "customers_start",
    "revenue_start_prev",
    "revenue_start",
    "revenue_start_capped",
    "gross_revenue_retention",
    "net_revenue_retention",
]


def _ratio(num: Any, den: Any) -> Any:
    return ibis.ifelse(den > 0, num.cast("float64") / den.cast("float64"), ibis.null("float64"))


def _linked_spells(
    orders: ibis.Table, customers: ibis.Table | None, *, as_of: date, activity: ActivityConfig
) -> ibis.Table:
    """Activity spells with their customer's previous spell end and next spell start."""
    spells = activity_spells(orders, customers, as_of=as_of, config=activity)
    # A customer's spells are disjoint; link each to its neighbours so that the usual case (the
    # only spell of its customer that overlaps the period) needs no customer x period group-by.
    by_customer = ibis.window(group_by="customer_id", order_by="spell_start")
    return spells.mutate(
        prev_end=spells.spell_end.lag().over(by_customer),
        next_start=spells.spell_start.lead().over(by_customer),
    )


def _status_rows(j: ibis.Table) -> ibis.Table:
    """Spell x period rows (``period_index``, ``start_day``, ``end_day``) -> one row per customer
    and period."""
    covers_start = (j.spell_start <= j.start_day) & (j.spell_end >= j.start_day)
    covers_end = (j.spell_start <= j.end_day) & (j.spell_end >= j.end_day)
    # The first spell starts on the day the customer was acquired.
    is_new = j.is_first & (j.spell_start > j.start_day) & (j.spell_start <= j.end_day)
    ends_inside = (j.spell_end >= j.start_day) & (j.spell_end < j.end_day)
    alone = (j.prev_end.isnull() | (j.prev_end < j.start_day)) & (
        j.next_start.isnull() | (j.next_start > j.end_day)
    )
    j = j.mutate(
        alone=alone,
        is_active_start=covers_start.cast("int64"),
        is_active_end=covers_end.cast("int64"),
        is_new=is_new.cast("int64"),
        churn_events=ends_inside.cast("int64"),
    )
    cols = ["customer_id", "period_index", "is_active_start", "is_active_end", "is_new"]
    single = j.filter(j.alone).select(*cols, "churn_events")
    several = j.filter(~j.alone)
    several = several.group_by(["customer_id", "period_index"]).agg(
        is_active_start=several.is_active_start.max(),
        is_active_end=several.is_active_end.max(),
        is_new=several.is_new.max(),
        churn_events=several.churn_events.sum(),
    )
    return single.union(several.select(*cols, "churn_events"))


def period_churn(
    orders: ibis.Table,
    customers: ibis.Table | None = None,
    *,
    freq: str = "month",
    start: date,
    end: date,
    as_of: date,
    activity: ActivityConfig = ActivityConfig(),
) -> ibis.Table:
    """Customers at start, new, churned and at end, and the churn/retention rates per period.

    Parameters
    ----------
    orders, customers
        Completed orders; optional customers (contracts).
    freq
        ``"month"``, ``"quarter"`` or ``"year"``.
    start, end
        The first and last reported periods are those containing these dates.
    as_of
        Orders after this date are ignored; the last period ends on it.
    activity
        The activity definition (inactivity window).

    Returns
    -------
    ibis.Table
        Columns :data:`CHURN_COLUMNS`, one row per period, ordered by period:
        ``churn_rate = customers_churned / customers_start``,
        ``net_churn_rate = (customers_start - customers_end) / customers_start``,
        ``retention_rate = (customers_end - customers_new) / customers_start``,
        ``survival_rate = customers_retained / customers_start``.
    """
    rows = period_rows(freq, start, end, as_of)
    periods = periods_table(rows)
    spells = _linked_spells(orders, customers, as_of=as_of, activity=activity)
    agg = _period_counts(spells, periods, rows)
    counts = [c for c in agg.columns if c != "period_index"]
    t = periods.left_join(agg, "period_index")
    t = t.select(
        "period",
        "period_start",
        "period_end",
        "is_complete",
        **{c: t[c].fill_null(0).cast("int64") for c in counts},
    )
    t = t.mutate(
        churn_rate=_ratio(t.customers_churned, t.customers_start),
        net_churn_rate=_ratio(t.customers_start - t.customers_end, t.customers_start),
        retention_rate=_ratio(t.customers_end - t.customers_new, t.customers_start),
        survival_rate=_ratio(t.customers_retained, t.customers_start),
    )
    return t.select(*CHURN_COLUMNS).order_by("period_start")


def _period_counts(
    spells: ibis.Table, periods: ibis.Table, rows: list[dict[str, Any]]
) -> ibis.Table:
    """The customer counts of each period, without a spell x period row for every period.

    A spell ``[a, b]`` touches period *i* (the days ``start_day < d <= end_day``) either fully
    (``a <= start_day`` and ``b >= end_day``: the customer is active at both ends, nothing
    else happens, and no other spell of the customer touches the period) or partially, in the
    period that holds ``a`` and the one that holds ``b + 1``. The full periods of a spell are a
    run of period indexes, counted with +1/-1 events and a running sum over the periods; only
    the (at most two) partial periods of each spell need a row of their own. A long spell over
    a monthly report thus costs two rows, not one per month.
    """
    n = len(rows)
    first_day, last_day = rows[0]["start_day"], rows[-1]["end_day"]
    s = spells.filter((spells.spell_start <= last_day) & (spells.spell_end >= first_day))
    day_period = day_period_table(rows)
    a_map = day_period.rename(a_day="day", a_idx="period_index")
    s = s.left_join(a_map, s.spell_start == a_map.a_day).select(s, a_map.a_idx)
    b_map = day_period.rename(b_day="day", b_idx="period_index")
    s = s.left_join(b_map, (s.spell_end + 1) == b_map.b_day).select(s, b_map.b_idx)
    # No period holds a: it is on or before the first start_day. No period holds b + 1: the spell
    # runs past the last end_day.
    lo = ibis.ifelse(s.a_idx.isnull(), 0, s.a_idx + 1)
    hi = ibis.ifelse(s.b_idx.isnull(), n - 1, s.b_idx - 1)
    s = s.mutate(lo=lo.cast("int64"), hi=hi.cast("int64"))
    full = s.filter(s.lo <= s.hi)
    events = full.select(period_index=full.lo, delta=ibis.literal(1, "int64")).union(
        full.select(period_index=full.hi + 1, delta=ibis.literal(-1, "int64"))
    )
    events = events.group_by("period_index").agg(delta=events.delta.sum())
    idx = periods.select("period_index")
    full_counts = idx.left_join(events, "period_index").select(idx, events.delta)
    full_counts = full_counts.mutate(
        full=full_counts.delta.fill_null(0)
        .sum()
        .over(ibis.window(order_by="period_index", rows=(None, 0)))
        .cast("int64")
    ).select("period_index", "full")

    cols = ["customer_id", "spell_start", "spell_end", "is_first", "prev_end", "next_start"]
    at_a = s.filter(s.a_idx.notnull()).select(*cols, period_index=s.a_idx)
    at_b = s.filter(s.b_idx.notnull() & (s.a_idx.isnull() | (s.b_idx != s.a_idx)))
    partial = at_a.union(at_b.select(*cols, period_index=at_b.b_idx))
    bounds = periods.select("period_index", "start_day", "end_day")
    j = partial.join(bounds, "period_index")
    status = _status_rows(j)
    st = status.mutate(
        churned=((status.is_active_start == 1) & (status.is_active_end == 0)).cast("int64"),
        retained=((status.is_active_start == 1) & (status.is_active_end == 1)).cast("int64"),
        reactivated=(
            (status.is_active_start == 0) & (status.is_new == 0) & (status.is_active_end == 1)
        ).cast("int64"),
    )
    part = st.group_by("period_index").agg(
        customers_start=st.is_active_start.sum(),
        customers_new=st.is_new.sum(),
        customers_churned=st.churned.sum(),
        customers_reactivated=st.reactivated.sum(),
        customers_end=st.is_active_end.sum(),
        customers_retained=st.retained.sum(),
        churn_events=st.churn_events.sum(),
    )
    t = full_counts.left_join(part, "period_index").select(full_counts, *part.columns[1:])
    t = t.mutate(**{c: t[c].fill_null(0) for c in part.columns[1:]})
    return t.select(
        "period_index",
        customers_start=t.customers_start + t.full,
        customers_new=t.customers_new,
        customers_churned=t.customers_churned,
        customers_reactivated=t.customers_reactivated,
        customers_end=t.customers_end + t.full,
        customers_retained=t.customers_retained + t.full,
        churn_events=t.churn_events,
    )


def revenue_retention(
    orders: ibis.Table,
    customers: ibis.Table | None = None,
    *,
    freq: str = "month",
    start: date,
    end: date,
    as_of: date,
    activity: ActivityConfig = ActivityConfig(),
) -> ibis.Table:
    """Gross and net revenue retention per period.

    For the customers active at the start of a period: ``revenue_start_prev`` is their
    revenue in the previous period, ``revenue_start`` their revenue in this period, and
    ``revenue_start_capped`` the sum of each one's revenue capped at their previous-period
    revenue. ``net_revenue_retention = revenue_start / revenue_start_prev``,
    ``gross_revenue_retention = revenue_start_capped / revenue_start_prev``.

    Returns
    -------
    ibis.Table
        Columns :data:`REVENUE_COLUMNS`, one row per period.
    """
    rows = period_rows(freq, start, end, as_of)
    periods = periods_table(rows)
    spells = _linked_spells(orders, customers, as_of=as_of, activity=activity)
    counts = _period_counts(spells, periods, rows).select("period_index", "customers_start")
    o = orders.filter(orders.ordered_at.date() <= ibis.date(as_of.isoformat()))
    o = o.mutate(period_start=order_period_start(o.ordered_at, freq))
    rev = o.group_by(["customer_id", "period_start"]).agg(revenue=o.amount.sum())
    # Only customers with revenue in a period or the one before add to the sums, so pair those
    # (customer, period) rows instead of listing every customer active at every period start.
    p = periods.select("period_index", "period_start", "prev_period_start", "start_day", "end_day")
    cur = rev.join(p, "period_start").select("customer_id", "period_index", rev_cur=rev.revenue)
    rev_b, p_b = rev.view(), p.view()
    prev = rev_b.join(p_b, rev_b.period_start == p_b.prev_period_start).select(
        rev_b.customer_id, p_b.period_index, rev_prev=rev_b.revenue
    )
    pairs = cur.outer_join(
        prev,
        [cur.customer_id == prev.customer_id, cur.period_index == prev.period_index],
    ).select(
        customer_id=ibis.coalesce(cur.customer_id, prev.customer_id),
        period_index=ibis.coalesce(cur.period_index, prev.period_index),
        rev_cur=cur.rev_cur.fill_null(0.0),
        rev_prev=prev.rev_prev.fill_null(0.0),
    )
    bounds = periods.select("period_index", "start_day", "end_day").view()
    pairs = pairs.view()  # a new relation: the coalesced keys are not columns of the join above
    pairs = pairs.join(bounds, "period_index")
    # Active at the period's start: the (single, spells being disjoint) spell covering start_day.
    cover = spells.select("customer_id", c_start="spell_start", c_end="spell_end")
    pairs = pairs.left_join(
        cover,
        [
            pairs.customer_id == cover.customer_id,
            cover.c_start <= pairs.start_day,
            cover.c_end >= pairs.start_day,
        ],
    ).select(pairs, is_start=cover.c_start.notnull())
    # New in the period: the customer's first spell starts inside it.
    firsts = spells.filter(spells.is_first).select("customer_id", first_start="spell_start")
    pairs = pairs.left_join(firsts, pairs.customer_id == firsts.customer_id).select(
        pairs,
        is_new=(firsts.first_start > pairs.start_day) & (firsts.first_start <= pairs.end_day),
    )
    zero = ibis.literal(0.0)
    sums = pairs.group_by("period_index").agg(
        revenue=pairs.rev_cur.sum(),
        revenue_new=ibis.ifelse(pairs.is_new.fill_null(False), pairs.rev_cur, zero).sum(),
        revenue_start_prev=ibis.ifelse(pairs.is_start, pairs.rev_prev, zero).sum(),
        revenue_start=ibis.ifelse(pairs.is_start, pairs.rev_cur, zero).sum(),
        revenue_start_capped=ibis.ifelse(
            pairs.is_start, ibis.least(pairs.rev_cur, pairs.rev_prev), zero
        ).sum(),
    )
    t = periods.left_join(counts, "period_index").select(periods, counts.customers_start)
    t = t.left_join(sums, "period_index").select(t, *sums.columns[1:])
    t = t.mutate(
        revenue=t.revenue.fill_null(0.0),
        revenue_new=t.revenue_new.fill_null(0.0),
        customers_start=t.customers_start.fill_null(0).cast("int64"),
        revenue_start_prev=t.revenue_start_prev.fill_null(0.0),
        revenue_start=t.revenue_start.fill_null(0.0),
        revenue_start_capped=t.revenue_start_capped.fill_null(0.0),
    )
    t = t.mutate(
        gross_revenue_retention=_ratio(t.revenue_start_capped, t.revenue_start_prev),
        net_revenue_retention=_ratio(t.revenue_start, t.revenue_start_prev),
    )
    return t.select(*REVENUE_COLUMNS).order_by("period_start")


# -- materialising wrappers ------------------------------------------------------------------


def data_dates(ds: Dataset) -> tuple[date, date]:
    """The first and last order dates of the dataset."""
    o = ds.orders
    row = o.aggregate(first=o.ordered_at.min(), last=o.ordered_at.max()).execute()
    first, last = row["first"].iloc[0], row["last"].iloc[0]
    if pd.isna(first):
        from keepwise.errors import NotFoundError

        raise NotFoundError(f"{ds.source}: there are no completed orders")
    return to_date(first), to_date(last)  # type: ignore[return-value]


def resolve_dates(ds: Dataset, start: Any, end: Any, as_of: Any) -> tuple[date, date, date]:
    """Default as-of = last order date; start = first order date; end = as-of."""
    first, last = data_dates(ds)
    as_of_d = to_date(as_of) or last
    start_d = to_date(start) or first
    end_d = to_date(end) or as_of_d
    return start_d, end_d, as_of_d


def _frame(expr: ibis.Table) -> pd.DataFrame:
    df = expr.to_pandas()
    for c in ("period_start", "period_end", "cohort"):
        if c in df.columns:
            df[c] = pd.to_datetime(df[c]).dt.date
    return df.reset_index(drop=True)


def churn_report(
    ds: DataLike,
    *,
    freq: str = "month",
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    activity: ActivityConfig = ActivityConfig(),
) -> pd.DataFrame:
    """:func:`period_churn` on a dataset (or an orders DataFrame, or anything
    :func:`~keepwise.analytics.as_dataset` takes), as a DataFrame (columns :data:`CHURN_COLUMNS`)."""
    ds = as_dataset(ds)
    s, e, a = resolve_dates(ds, start, end, as_of)
    return _frame(
        period_churn(ds.orders, ds.customers, freq=freq, start=s, end=e, as_of=a, activity=activity)
    )


def revenue_report(
    ds: DataLike,
    *,
    freq: str = "month",
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    activity: ActivityConfig = ActivityConfig(),
) -> pd.DataFrame:
    """:func:`revenue_retention` on a dataset (or an orders DataFrame, or anything
    :func:`~keepwise.analytics.as_dataset` takes; columns :data:`REVENUE_COLUMNS`)."""
    ds = as_dataset(ds)
    s, e, a = resolve_dates(ds, start, end, as_of)
    expr = revenue_retention(
        ds.orders, ds.customers, freq=freq, start=s, end=e, as_of=a, activity=activity
    )
    return _frame(expr)


__all__ = [
    "CHURN_COLUMNS",
    "REVENUE_COLUMNS",
    "churn_report",
    "data_dates",
    "day_number",
    "period_churn",
    "resolve_dates",
    "revenue_report",
    "revenue_retention",
]
