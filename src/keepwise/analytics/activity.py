"""Who is active when: activity spells, the churn definition every metric shares.

Days are handled as integer day numbers (days since 1970-01-01), which compile the same
way on every Ibis backend. A customer is active on day *d*:

* contractual (``customers.contract_start`` set): ``contract_start <= d <= contract_end``
  (an open-ended contract runs forever);
* non-contractual: some completed order falls in ``(d - W, d]``, where *W* is the
  inactivity window (180 days by default, or adaptive to the customer's own cycle).

An **activity spell** is a maximal run of active days: ``[spell_start, spell_end]``
(inclusive). For orders on days ``t1 < t2 < ...`` the spells are the union of the
intervals ``[t_i, t_i + W - 1]``: a new spell starts when the gap to the previous order
day exceeds *W*. The first day after a spell is the customer's **churn day**.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis

from keepwise.analytics.config import ActivityConfig

EPOCH = date(1970, 1, 1)
OPEN_END_DAY = 2_932_896  # 9999-12-31: an open-ended contract


def day_number(value: date) -> int:
    """Days since 1970-01-01."""
    return (value - EPOCH).days


def from_day_number(day: int) -> date:
    """Inverse of :func:`day_number`."""
    return EPOCH + timedelta(days=int(day))


def order_days(orders: ibis.Table, *, as_of: date | None = None) -> ibis.Table:
    """One row per customer and order day.

    Returns
    -------
    ibis.Table
        ``customer_id``, ``day`` (int, days since 1970-01-01), ``orders`` (count),
        ``amount`` (sum).
    """
    t = orders.mutate(day=orders.ordered_at.date().epoch_days().cast("int64"))
    if as_of is not None:
        t = t.filter(t.day <= day_number(as_of))
    return t.group_by(["customer_id", "day"]).agg(orders=t.count(), amount=t.amount.sum())


def customer_windows(days: ibis.Table, *, config: ActivityConfig = ActivityConfig()) -> ibis.Table:
    """The inactivity window of each customer (``customer_id``, ``window_days``).

    ``days`` is :func:`order_days`. With ``config.adaptive`` the window is
    ``max(ceil(multiplier x median interval), floor)`` for customers with at least
    ``adaptive_min_orders`` order days, else ``config.window_days``.
    """
    if not config.adaptive:
        return (
            days.select("customer_id")
            .distinct()
            .mutate(window_days=ibis.literal(config.window_days, "int64"))
        )
    w = ibis.window(group_by="customer_id", order_by="day")
    gaps = days.mutate(gap=(days.day - days.day.lag().over(w)))
    per = gaps.group_by("customer_id").agg(n_days=gaps.count(), median_gap=gaps.gap.median())
    adaptive = (per.median_gap * config.adaptive_multiplier).ceil().cast("int64")
    adaptive = ibis.greatest(adaptive, ibis.literal(config.adaptive_floor_days, "int64"))
    window = ibis.ifelse(per.n_days >= config.adaptive_min_orders, adaptive, config.window_days)
    return per.select("customer_id", window_days=window.cast("int64"))


def activity_spells(
    orders: ibis.Table,
    customers: ibis.Table | None = None,
    *,
    as_of: date | None = None,
    config: ActivityConfig = ActivityConfig(),
) -> ibis.Table:
    """Every customer's activity spells.

    Parameters
    ----------
    orders
        Completed orders (``customer_id``, ``ordered_at``, ``amount``).
    customers
        Optional; customers with ``contract_start`` are contractual and their single
        spell is the contract (their orders are not used for activity).
    as_of
        Ignore orders after this date (contracts are cut at it too).
    config
        The activity definition.

    Returns
    -------
    ibis.Table
        ``customer_id``, ``spell_start``, ``spell_end`` (inclusive day numbers),
        ``is_contractual`` (bool), ``is_first`` (the customer's first spell: its start is
        when the customer was acquired).
    """
    # Same-day orders give a gap of 0, which never starts a spell: no need to make days distinct
    # (measured: the DISTINCT costs more than the window saves).
    days = orders.select("customer_id", day=orders.ordered_at.date().epoch_days().cast("int64"))
    if as_of is not None:
        days = days.filter(days.day <= day_number(as_of))
    contractual = _contract_spells(customers, as_of=as_of)
    if contractual is not None:
        days = days.anti_join(contractual, "customer_id")
    window: ibis.Value
    if config.adaptive:
        windows = customer_windows(order_days(orders, as_of=as_of), config=config)
        d = days.join(windows, "customer_id").select("customer_id", "day", "window_days")
        window = d.window_days
    else:  # one window for everybody: a constant, not a column the sorts would carry along
        d = days
        window = ibis.literal(config.window_days, "int64")
    # One pass over the orders: a row starts a spell when the gap to the previous order day
    # exceeds the window, and ends one when the gap to the next does. Only these boundary rows
    # (about two per spell) go on to be paired up.
    w = ibis.window(group_by="customer_id", order_by="day")
    prev_day = d.day.lag().over(w)
    next_day = d.day.lead().over(w)
    d = d.mutate(
        is_start=(d.day - prev_day > window).fill_null(True),
        is_end=(next_day - d.day > window).fill_null(True),
        is_first=prev_day.isnull(),
    )
    b = d.filter(d.is_start | d.is_end)
    # A one-day spell may have its start and end on two rows of the same day: start rows first.
    wb = ibis.window(group_by="customer_id", order_by=["day", "is_end"])
    b = b.mutate(
        spell_start=ibis.ifelse(b.is_start, b.day, b.day.lag().over(wb)),
        first=ibis.ifelse(b.is_start, b.is_first, b.is_first.lag().over(wb)),
    )
    b = b.filter(b.is_end)
    spells = b.select(
        "customer_id",
        spell_start=b.spell_start.cast("int64"),
        spell_end=(b.day + (b.window_days if config.adaptive else window) - 1).cast("int64"),
        is_contractual=ibis.literal(False),
        is_first=b.first,
    )
    if contractual is None:
        return spells
    return spells.union(contractual)


def _contract_spells(customers: ibis.Table | None, *, as_of: date | None) -> ibis.Table | None:
    if customers is None or "contract_start" not in customers.columns:
        return None
    c = customers.filter(customers.contract_start.notnull())
    start = c.contract_start.epoch_days().cast("int64")
    if "contract_end" in c.columns:
        end = c.contract_end.epoch_days().cast("int64").fill_null(OPEN_END_DAY)
    else:
        end = ibis.literal(OPEN_END_DAY, "int64")
    spells = c.select(
        "customer_id",
        spell_start=start,
        spell_end=end,
        is_contractual=ibis.literal(True),
        is_first=ibis.literal(True),
    )
    if as_of is not None:
        spells = spells.filter(spells.spell_start <= day_number(as_of))
    return spells.filter(spells.spell_end >= spells.spell_start)


def first_active_days(spells: ibis.Table) -> ibis.Table:
    """``customer_id`` and ``first_day``: when each customer first became active."""
    return spells.group_by("customer_id").agg(first_day=spells.spell_start.min())


def status_at(spells: ibis.Table, *, day: int) -> ibis.Table:
    """One row per customer with a spell starting on or before ``day``.

    Returns ``customer_id``, ``first_day``, ``is_active`` (active on ``day``) and
    ``last_active_day`` (the last active day on or before ``day``).
    """
    s = spells.filter(spells.spell_start <= day)
    covers = (s.spell_end >= day).cast("int64")
    return s.group_by("customer_id").agg(
        first_day=s.spell_start.min(),
        is_active=covers.max() == 1,
        last_active_day=ibis.least(s.spell_end, ibis.literal(day, "int64")).max(),
    )
