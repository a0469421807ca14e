"""Analytics reports for the web (API and pages): churn, retention, revenue, cohorts, RFM.

The store is read into DuckDB once per process (:func:`keepwise.analytics.load_dataset`)
and kept for :data:`DATASET_TTL_SECONDS` or until a write through the web bumps the data
generation. A sales rep's reports cover only the customers they own. DuckDB connections are
not safe for concurrent use, so report queries on one dataset run one at a time; results
are cached too.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import date
from typing import Any

import pandas as pd

from keepwise.models import User
from keepwise.store import cache
from keepwise.store.paging import sees_all_customers

DATASET_TTL_SECONDS = 300.0
REPORT_TTL_SECONDS = 120.0

_query_lock = threading.Lock()


def _base_dataset(url: str) -> Any:
    from keepwise.analytics import load_dataset

    return cache.cached(
        ("dataset", url), lambda: load_dataset(url), ttl_seconds=DATASET_TTL_SECONDS
    )


def dataset_for(url: str, user: User) -> Any:
    """The analytics :class:`~keepwise.analytics.Dataset` restricted to what ``user`` may see."""
    ds = _base_dataset(url)
    if sees_all_customers(user) or ds.customers is None:
        return ds
    mine = ds.customers.filter(ds.customers.owner == user.username).select("customer_id")
    keep = {}
    for name in ("orders", "orders_all", "interactions", "tickets", "feedback", "contacts"):
        table = getattr(ds, name)
        keep[name] = table.semi_join(mine, "customer_id") if table is not None else None
    return dataclasses.replace(
        ds, customers=ds.customers.filter(ds.customers.owner == user.username), **keep
    )


def _report(url: str, user: User, name: str, params: tuple[Any, ...], build: Any) -> pd.DataFrame:
    scope = "all" if sees_all_customers(user) else f"owner:{user.username}"

    def compute() -> pd.DataFrame:
        ds = dataset_for(url, user)
        with _query_lock:
            return build(ds)

    return cache.cached(
        ("report", url, scope, name, params), compute, ttl_seconds=REPORT_TTL_SECONDS
    )


def churn_table(
    url: str,
    user: User,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Customer churn per period (:data:`keepwise.analytics.metrics.CHURN_COLUMNS`)."""
    from keepwise.analytics import churn_report

    return _report(
        url,
        user,
        "churn",
        (period, start, end),
        lambda ds: churn_report(ds, freq=period, start=start, end=end),
    )


def retention_table(
    url: str,
    user: User,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Customer retention and survival per period, with gross and net revenue retention."""
    churn = churn_table(url, user, period=period, start=start, end=end)
    revenue = revenue_table(url, user, period=period, start=start, end=end)
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


def revenue_table(
    url: str,
    user: User,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Revenue and revenue retention per period (:data:`keepwise.analytics.metrics.REVENUE_COLUMNS`)."""
    from keepwise.analytics import revenue_report

    return _report(
        url,
        user,
        "revenue",
        (period, start, end),
        lambda ds: revenue_report(ds, freq=period, start=start, end=end),
    )


def cohort_table(url: str, user: User, *, max_months: int | None = 24) -> pd.DataFrame:
    """Monthly acquisition cohorts, long format (:data:`keepwise.analytics.cohorts.COHORT_COLUMNS`)."""
    from keepwise.analytics import cohort_report

    return _report(
        url, user, "cohorts", (max_months,), lambda ds: cohort_report(ds, max_months=max_months)
    )


def rfm_table(url: str, user: User) -> pd.DataFrame:
    """RFM scores and segments per customer (:func:`keepwise.analytics.rfm_report`).

    Scored over the whole store, so a customer has the same scores and segment for everybody
    (and on the 360 page and in the segment filters); a sales rep gets their own customers' rows.
    """
    if sees_all_customers(user):
        return _store_rfm(url)

    def compute() -> pd.DataFrame:
        frame = _store_rfm(url)
        ds = dataset_for(url, user)
        if ds.customers is None:
            return frame.iloc[0:0]
        with _query_lock:
            mine = set(ds.customers.select("customer_id").to_pandas()["customer_id"].astype(str))
        return frame[frame["customer_id"].astype(str).isin(mine)].reset_index(drop=True)

    return cache.cached(
        ("report", url, f"owner:{user.username}", "rfm", ()),
        compute,
        ttl_seconds=REPORT_TTL_SECONDS,
    )


def _store_rfm(url: str) -> pd.DataFrame:
    from keepwise.analytics import rfm_report

    def compute() -> pd.DataFrame:
        ds = _base_dataset(url)
        with _query_lock:
            return rfm_report(ds)

    return cache.cached(("rfm-store", url), compute, ttl_seconds=REPORT_TTL_SECONDS)


def rfm_segments(url: str, user: User) -> pd.DataFrame:
    """Customers and mean R/F/M per RFM segment."""
    from keepwise.analytics import segment_summary

    return segment_summary(rfm_table(url, user))


def rfm_members(url: str, segment: str) -> frozenset[str]:
    """External ids of the customers in RFM ``segment`` (a key of
    :data:`keepwise.analytics.rfm.SEGMENTS`), scored over the whole store, as the customer
    360 page shows them; a 422 problem for an unknown segment."""
    from keepwise.analytics.rfm import SEGMENT_NAMES
    from keepwise.store.paging import query_problem

    if segment not in SEGMENT_NAMES:
        raise query_problem("rfm_segment", segment, f"use one of {', '.join(SEGMENT_NAMES)}")

    def compute() -> dict[str, frozenset[str]]:
        frame = _store_rfm(url)
        return {
            str(key): frozenset(group["customer_id"].astype(str))
            for key, group in frame.groupby("segment")
        }

    members = cache.cached(("rfm-members", url), compute, ttl_seconds=REPORT_TTL_SECONDS)
    return members.get(segment, frozenset())


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
