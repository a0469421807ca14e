"""The web app's analytics service: one copy of the store in DuckDB, one scoping, one result cache.

The pages (:mod:`keepwise.web.pages`) and the JSON API (:mod:`keepwise.web.api.analytics`)
read every analytics figure through this module, so a figure has one definition and one name
whichever of them shows it (``docs/metrics.md``, "The dashboard and the API").

* **One dataset per store URL and process.** The store is read into DuckDB
  (:func:`keepwise.analytics.load_dataset`) on first use and kept. When the store changed
  through the web (a new :func:`keepwise.store.audit.data_generation`) or the copy is older
  than :data:`DATASET_TTL_SECONDS` (changes by other processes: a CLI import, a scoring run),
  the old copy keeps serving while one background thread reads the store again; when the new
  copy is in, the results computed from the old one are dropped and the registered warm-ups
  (:func:`register_warm_up`) recompute the default views. :func:`clear` forgets everything at
  once (after an import through the web page, whose data must show at once).
* **One scoping.** A :class:`Scope` says whose customers a figure covers: a sales rep's own
  (:meth:`Scope.of`; admins and managers see everybody), customer fields (region, kind, ...)
  and/or a set of customer ids (an RFM segment's members).
* **Results live as long as their dataset copy** (:func:`cached`, at most
  :data:`MAX_RESULTS`, least recently used first out). DuckDB connections are not safe for
  concurrent use, so computations on one copy run one at a time (the copy's lock); a cached
  result is served without waiting.

Figures are measured at the store's date (:func:`store_as_of`, the newest completed order),
whatever the scope, so a customer is active or churned in the same way for everybody; RFM
scores and segments are scored over the whole store (quantiles need everybody) and then
restricted to the scope.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from keepwise.errors import NotFoundError
from keepwise.models import User
from keepwise.store.audit import data_generation
from keepwise.store.paging import query_problem, sees_all_customers

if TYPE_CHECKING:
    from keepwise.analytics.dataset import Dataset

log = logging.getLogger(__name__)

T = TypeVar("T")

DATASET_TTL_SECONDS = 300.0
MAX_RESULTS = 512
#: Customer fields a scope may filter on (the dashboard's segments and the API's filters).
SCOPE_FIELDS = ("kind", "region", "group_name", "industry", "owner")
#: Periods the churn figures are reported for (the page's choices; the API adds "year").
CHURN_PERIODS = ("month", "quarter", "year")


# -- scoping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The customers a figure covers (hashable: part of the cache keys).

    ``owner``: only this sales rep's customers (``None``: everybody); ``fields``: customer
    field = value pairs, all of which must hold; ``customer_ids``: only these customers
    (external ids).
    """

    owner: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    customer_ids: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        user: User,
        *,
        fields: Mapping[str, Any] | None = None,
        customer_ids: frozenset[str] | None = None,
    ) -> Scope:
        """What ``user`` may see (a sales rep: their own customers), narrowed by ``fields``
        (empty values ignored; an unknown field is a 422 problem) and ``customer_ids``."""
        pairs = tuple(
            sorted((k, str(v)) for k, v in (fields or {}).items() if v is not None and v != "")
        )
        for key, value in pairs:
            if key not in SCOPE_FIELDS:
                raise query_problem(
                    key, value, f"unknown filter; use one of {', '.join(SCOPE_FIELDS)}"
                )
        owner = None if sees_all_customers(user) else str(user.username)
        return cls(owner, pairs, customer_ids)

    @property
    def is_everyone(self) -> bool:
        return self.owner is None and not self.fields and self.customer_ids is None


def scope_dataset(ds: Dataset, scope: Scope) -> Dataset:
    """``ds`` restricted to the customers of ``scope`` (every table with a ``customer_id``)."""
    if scope.is_everyone:
        return ds
    # Without a customers table nobody's owner or fields are known: such a scope is empty.
    c = ds.customers if ds.customers is not None else ds.orders_all.select("customer_id").distinct()
    if ds.customers is None and (scope.owner is not None or scope.fields):
        c = c.limit(0)
    if scope.owner is not None and ds.customers is not None:
        c = c.filter(c.owner == scope.owner)
    for key, value in scope.fields if ds.customers is not None else ():
        if key not in c.columns:
            raise query_problem(key, value, "the customers have no such field")
        c = c.filter(c[key] == value)
    if scope.customer_ids is not None:
        import ibis

        ids = ibis.memtable(
            pd.DataFrame({"customer_id": sorted(scope.customer_ids)}, dtype=object),
            schema={"customer_id": c.customer_id.type()},
        )
        c = c.semi_join(ids, "customer_id")
    keys = c.select("customer_id")

    def only(table: Any) -> Any:
        if table is None or "customer_id" not in table.columns:
            return table
        return table.semi_join(keys, "customer_id")

    return dataclasses.replace(
        ds,
        customers=c if ds.customers is not None else None,
        orders=only(ds.orders),
        orders_all=only(ds.orders_all),
        interactions=only(ds.interactions),
        tickets=only(ds.tickets),
        feedback=only(ds.feedback),
        contacts=only(ds.contacts),
    )


# -- the dataset copies and the result cache -------------------------------------------------


@dataclass(eq=False)
class _Copy:
    """One read of the store: its dataset (``None`` when the store has no orders), the data
    generation and the time it was read at, and the lock its computations run under."""

    dataset: Dataset | None
    generation: int
    loaded_at: float
    lock: threading.RLock = field(default_factory=threading.RLock)


_guard = threading.Lock()
_copies: dict[str, _Copy] = {}
_loading: dict[str, threading.Lock] = {}
_refreshing: set[str] = set()
_results: OrderedDict[tuple[str, Hashable], tuple[_Copy, Any]] = OrderedDict()
_warm_ups: list[Callable[[str], None]] = []
_epoch = 0  # bumped by clear(): a refresh started before it must not install its copy


def _load(url: str) -> Dataset | None:
    from keepwise.analytics.dataset import load_dataset

    try:
        ds = load_dataset(url)
    except NotFoundError:
        return None
    return ds if int(ds.orders.count().execute()) > 0 else None


def _current(url: str) -> _Copy:
    """The copy of ``url`` to compute on: read at once the first time, else the one in memory
    (starting a background refresh when it is stale)."""
    copy = _copies.get(url)
    if copy is not None:
        _refresh_if_stale(url, copy)
        return copy
    with _guard:
        loading = _loading.setdefault(url, threading.Lock())
    with loading:  # concurrent first requests read the store once
        copy = _copies.get(url)
        if copy is None:
            generation = data_generation()
            copy = _Copy(_load(url), generation, time.monotonic())
            with _guard:
                _copies[url] = copy
        return copy


def _refresh_if_stale(url: str, copy: _Copy) -> None:
    generation = data_generation()
    if copy.generation == generation and time.monotonic() - copy.loaded_at < DATASET_TTL_SECONDS:
        return
    with _guard:
        if url in _refreshing:
            return
        _refreshing.add(url)
        epoch = _epoch
    threading.Thread(
        target=_refresh,
        args=(url, copy, generation, epoch),
        name="keepwise-analytics-refresh",
        daemon=True,
    ).start()


def _refresh(url: str, old: _Copy, generation: int, epoch: int) -> None:
    installed = False
    try:
        ds = _load(url)  # a new DuckDB connection: the old copy keeps serving meanwhile
    except Exception:  # noqa: BLE001 - keep serving the old copy; try again after the TTL
        log.exception("refreshing the analytics dataset of %s failed", url)
        with _guard:
            old.generation, old.loaded_at = generation, time.monotonic()
            _refreshing.discard(url)
        return
    with _guard:
        if epoch == _epoch and _copies.get(url) is old:
            _copies[url] = _Copy(ds, generation, time.monotonic())
            for key in [k for k in _results if k[0] == url]:
                del _results[key]
            installed = True
        _refreshing.discard(url)
    if installed:
        warm_up(url)


def cached(url: str, key: Hashable, compute: Callable[[Dataset | None], T]) -> T:
    """``compute(dataset)`` once per ``key`` and copy of the store at ``url``.

    ``compute`` gets the whole-store dataset (``None`` when the store has no orders) and runs
    under the copy's lock; it may call other cached functions of this module.
    """
    copy = _current(url)
    slot = (url, key)
    hit = _results.get(slot)
    if hit is not None and hit[0] is copy:
        with _guard:
            if slot in _results:
                _results.move_to_end(slot)  # recently used: evicted last
        return hit[1]
    with copy.lock:
        hit = _results.get(slot)
        if hit is not None and hit[0] is copy:
            return hit[1]
        value = compute(copy.dataset)
    with _guard:
        _results[slot] = (copy, value)
        _results.move_to_end(slot)
        while len(_results) > MAX_RESULTS:
            _results.popitem(last=False)
    return value


def get_dataset(url: str) -> Dataset | None:
    """The whole store at ``url`` as a :class:`~keepwise.analytics.Dataset` (``None`` when it
    has no orders). Compute on it through :func:`cached` (which holds its lock)."""
    return _current(url).dataset


def register_warm_up(warm: Callable[[str], None]) -> None:
    """Have ``warm(url)`` run at start-up (:func:`warm_up`) and after every background refresh
    (the pages register the default dashboard, customer frames and analysis)."""
    with _guard:
        if warm not in _warm_ups:
            _warm_ups.append(warm)


def warm_up(url: str) -> None:
    """Read the store and compute the default views (in a background thread)."""

    def default(url: str) -> None:
        last_period(url, Scope(), period="month")

    for warm in [default, *_warm_ups]:
        try:
            warm(url)
        except Exception:  # noqa: BLE001 - a failed warm-up only means a slower first page
            log.exception("warming up %s failed", url)


def clear() -> None:
    """Forget every dataset copy and result (tests; after an import through the web)."""
    global _epoch
    with _guard:
        _epoch += 1
        _copies.clear()
        _results.clear()


# -- the figures -----------------------------------------------------------------------------


def _scoped(ds: Dataset | None, url: str, scope: Scope) -> Dataset:
    if ds is None:
        raise NotFoundError(f"{url}: there are no completed orders")
    return scope_dataset(ds, scope)


def store_dates(url: str) -> tuple[date, date] | None:
    """The store's first and newest completed order dates (``None`` when there is none)."""

    def compute(ds: Dataset | None) -> tuple[date, date] | None:
        from keepwise.analytics.metrics import data_dates

        return data_dates(ds) if ds is not None else None

    return cached(url, ("dates",), compute)


def store_as_of(url: str) -> date | None:
    """The date every figure is measured at: the store's newest completed order (``None``
    when there is none), the same for every scope."""
    dates = store_dates(url)
    return dates[1] if dates is not None else None


def last_period_start(url: str, period: str) -> date | None:
    """First day of the last complete ``period`` at the store's date: the as-of date's own
    period when the as-of date ends it, else the one before; the as-of date's own period when
    the store has no order before it (less than one complete period of data). The same for
    every scope."""
    from keepwise.analytics.periods import add_periods, period_floor

    dates = store_dates(url)
    if dates is None:
        return None
    first, as_of = dates
    current = period_floor(as_of, period)
    if add_periods(current, period, 1) - timedelta(days=1) == as_of or first >= current:
        return current
    return add_periods(current, period, -1)


def has_orders(url: str, scope: Scope) -> bool:
    """Whether the customers of ``scope`` have completed orders at all."""

    def compute(ds: Dataset | None) -> bool:
        if ds is None:
            return False
        return int(_scoped(ds, url, scope).orders.count().execute()) > 0

    return cached(url, ("has_orders", scope), compute)


def churn_table(
    url: str,
    scope: Scope,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Customer churn per period (:data:`keepwise.analytics.metrics.CHURN_COLUMNS`), from the
    scope's first order (or ``start``) to the store's date (or ``end``)."""
    return _period_report(url, scope, "churn", period, start, end)


def revenue_table(
    url: str,
    scope: Scope,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Revenue and revenue retention per period (:data:`keepwise.analytics.metrics.REVENUE_COLUMNS`)."""
    return _period_report(url, scope, "revenue", period, start, end)


def _period_report(
    url: str, scope: Scope, name: str, period: str, start: date | None, end: date | None
) -> pd.DataFrame:
    from keepwise.analytics import churn_report, revenue_report

    report = churn_report if name == "churn" else revenue_report

    def compute(ds: Dataset | None) -> pd.DataFrame:
        scoped = _scoped(ds, url, scope)
        return report(scoped, freq=period, start=start, end=end, as_of=store_as_of(url))

    return cached(url, (name, scope, period, start, end), compute)


def retention_table(
    url: str,
    scope: Scope,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Customer retention and survival per period, with gross and net revenue retention."""
    churn = churn_table(url, scope, period=period, start=start, end=end)
    revenue = revenue_table(url, scope, period=period, start=start, end=end)
    left = churn[
        [
            "period",
            "period_start",
            "period_end",
            "is_complete",
            "customers_start",
            "customers_retained",
            "retention_rate",
            "survival_rate",
        ]
    ]
    right = revenue[["period", "gross_revenue_retention", "net_revenue_retention"]]
    return left.merge(right, on="period", how="left")


def last_period(url: str, scope: Scope, *, period: str = "month") -> dict[str, Any] | None:
    """The churn and retention figures of the last complete period (:func:`last_period_start`)
    of the customers of ``scope`` (the dashboard's KPIs, ``last_period`` of
    ``GET /api/v1/dashboard``): the columns of :func:`churn_table` and the
    ``net_revenue_retention`` of :func:`revenue_table`, the same values as their rows of that
    period; ``None`` when the scope has no completed orders."""
    from keepwise.analytics import churn_report, revenue_report

    def compute(ds: Dataset | None) -> dict[str, Any] | None:
        start = last_period_start(url, period)
        if start is None or not has_orders(url, scope):
            return None
        scoped = _scoped(ds, url, scope)
        when: dict[str, Any] = {"freq": period, "start": start, "end": start}
        when["as_of"] = store_as_of(url)
        row = churn_report(scoped, **when).iloc[-1]
        revenue = revenue_report(scoped, **when).iloc[-1]
        out = {name: plain(value) for name, value in row.items()}
        out["net_revenue_retention"] = plain(revenue["net_revenue_retention"])
        return out

    return cached(url, ("last_period", scope, period), compute)


def cohort_table(url: str, scope: Scope, *, max_months: int | None = 24) -> pd.DataFrame:
    """Monthly acquisition cohorts, long format (:data:`keepwise.analytics.cohorts.COHORT_COLUMNS`)."""
    from keepwise.analytics import cohort_report

    def compute(ds: Dataset | None) -> pd.DataFrame:
        scoped = _scoped(ds, url, scope)
        return cohort_report(scoped, as_of=store_as_of(url), max_months=max_months)

    return cached(url, ("cohorts", scope, max_months), compute)


def scope_customer_ids(url: str, scope: Scope) -> frozenset[str]:
    """External ids of the customers of ``scope``."""

    def compute(ds: Dataset | None) -> frozenset[str]:
        scoped = _scoped(ds, url, scope)
        if scoped.customers is None:
            ids = scoped.orders.select("customer_id").distinct()
        else:
            ids = scoped.customers.select("customer_id")
        return frozenset(ids.to_pandas()["customer_id"].astype(str))

    return cached(url, ("customer_ids", scope), compute)


def store_rfm(url: str) -> pd.DataFrame:
    """RFM scores and segments of every customer, scored over the whole store
    (:func:`keepwise.analytics.rfm_report`): what the customer 360 page shows."""
    from keepwise.analytics import rfm_report

    def compute(ds: Dataset | None) -> pd.DataFrame:
        return rfm_report(_scoped(ds, url, Scope()), as_of=store_as_of(url))

    return cached(url, ("rfm",), compute)


def rfm_table(url: str, scope: Scope) -> pd.DataFrame:
    """The whole-store RFM rows (:func:`store_rfm`) of the customers of ``scope``, so a
    customer has the same scores and segment for everybody and on every page."""
    if scope.is_everyone:
        return store_rfm(url)

    def compute(ds: Dataset | None) -> pd.DataFrame:
        frame = store_rfm(url)
        mine = scope_customer_ids(url, scope)
        return frame[frame["customer_id"].astype(str).isin(mine)].reset_index(drop=True)

    return cached(url, ("rfm", scope), compute)


def rfm_segments(url: str, scope: Scope) -> pd.DataFrame:
    """Customers and mean R/F/M per RFM segment (the dashboard's treemap counts)."""
    from keepwise.analytics import segment_summary

    return segment_summary(rfm_table(url, scope))


def rfm_segment_members(url: str) -> dict[str, frozenset[str]]:
    """External ids of the customers of each RFM segment (whole-store scores)."""

    def compute(ds: Dataset | None) -> dict[str, frozenset[str]]:
        frame = store_rfm(url)
        return {
            str(key): frozenset(group["customer_id"].astype(str))
            for key, group in frame.groupby("segment")
        }

    return cached(url, ("rfm_members",), compute)


def rfm_members(url: str, segment: str) -> frozenset[str]:
    """External ids of the customers in RFM ``segment`` (a key of
    :data:`keepwise.analytics.rfm.SEGMENTS`), scored over the whole store; a 422 problem for
    an unknown segment."""
    from keepwise.analytics.rfm import SEGMENT_NAMES

    if segment not in SEGMENT_NAMES:
        raise query_problem("rfm_segment", segment, f"use one of {', '.join(SEGMENT_NAMES)}")
    return rfm_segment_members(url).get(segment, frozenset())


# -- JSON ------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python value (``None`` for NaN/NaT)."""
    if isinstance(value, np.generic):
        value = value.item()
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: missing values as ``None``, dates as ISO text."""
    out = frame.astype(object).where(frame.notna(), None)
    rows = out.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, date):  # pandas Timestamps are dates too
                row[key] = value.isoformat()
            elif hasattr(value, "item"):
                row[key] = value.item()
    return rows
