"""The dashboard's figures: customers, revenue per period, risk tiers and open work."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Session

from keepwise.models import Customer, Order, Task, User, Warning
from keepwise.store import cache
from keepwise.store.customers import customer_filters
from keepwise.store.paging import (
    customer_scope,
    query_problem,
    sees_all_customers,
)
from keepwise.store.queries import data_as_of, session_engine, url_key
from keepwise.store.risk import at_risk_customers, risk_summary

PERIODS = ("week", "month", "quarter")


def _period_expr(session: Session, column: Any, period: str) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        if period == "month":
            return func.strftime("%Y-%m", column)
        if period == "week":
            return func.strftime("%Y-W%W", column)
        quarter = (cast(func.strftime("%m", column), Integer) + 2) / 3
        return func.strftime("%Y", column).concat("-Q").concat(cast(quarter, Integer))
    if period == "month":
        return func.to_char(column, "YYYY-MM")
    if period == "week":
        return func.to_char(column, 'IYYY-"W"IW')
    return func.to_char(column, 'YYYY-"Q"Q')


def _period_start(as_of: date, period: str, periods: int) -> date:
    if period == "week":
        return as_of - timedelta(weeks=periods)
    months = periods * (3 if period == "quarter" else 1)
    year, month = as_of.year, as_of.month - months + 1
    while month < 1:
        month += 12
        year -= 1
    if period == "quarter":
        month -= (month - 1) % 3
    return date(year, month, 1)


def dashboard_summary(
    session: Session,
    user: User,
    *,
    period: str = "month",
    periods: int = 12,
    filters: Mapping[str, Any] | None = None,
    customer_ids: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The store's dashboard figures for the customers ``user`` may see (cached per scope and
    filters).

    Returns a dict: ``as_of`` (date), ``period``, ``customers`` (``total``, ``by_status``,
    ``new``: acquired since the start of the current period, ``churned_share``: share of
    customers whose status is "churned"), ``revenue`` (``series``: list of ``{"period",
    "revenue", "orders", "customers"}`` for the last ``periods`` periods, completed orders;
    ``last``, ``previous``, ``change``: fraction or ``None``), ``risk``
    (:func:`keepwise.store.risk.risk_summary`: ``by_tier``, ``at_risk``, ``scored``,
    ``value_at_risk``; and ``top``: the 10 biggest at-risk customers), ``warnings_open`` and
    ``tasks_open``. ``filters`` are those of :func:`keepwise.store.customers.list_customers`
    (region, industry, owner, group_name, kind, status, tag, q); ``customer_ids`` keeps only
    those customers (external ids: an RFM segment's members). Churn rates are the analytics'
    (activity-based, ``docs/metrics.md``), not counted from statuses here.
    """
    if period not in PERIODS:
        raise query_problem("period", period, f"use one of {', '.join(PERIODS)}")
    if not 1 <= periods <= 120:
        raise query_problem("periods", periods, "must be between 1 and 120")
    conditions = [customer_scope(user), *customer_filters(filters), *_only(customer_ids)]
    scope_key = "all" if sees_all_customers(user) else f"owner:{user.username}"
    key = (
        "dashboard",
        url_key(session),
        scope_key,
        period,
        periods,
        tuple(sorted((filters or {}).items())),
        customer_ids,
    )
    filtered = customer_ids is not None or any(
        v not in (None, "") for v in (filters or {}).values()
    )

    engine = session_engine(session)

    def compute() -> dict[str, Any]:
        # Its own session: the cache may run this in a background thread.
        with Session(engine) as session:
            as_of = data_as_of(session)
            by_status = dict(
                session.execute(
                    select(Customer.status, func.count())
                    .where(*conditions)
                    .group_by(Customer.status)
                ).all()
            )
            total = int(sum(by_status.values()))
            start = _period_start(as_of, period, periods)
            bucket = _period_expr(session, Order.ordered_at, period).label("period")
            stmt = select(
                bucket,
                func.sum(Order.amount),
                func.count(),
                func.count(Order.customer_id.distinct()),
            ).where(
                Order.status == "completed",
                Order.ordered_at >= datetime.combine(start, datetime.min.time()),
            )
            if filtered or not sees_all_customers(user):
                stmt = stmt.join(Customer, Customer.id == Order.customer_id).where(*conditions)
            series: list[dict[str, Any]] = [
                {"period": str(p), "revenue": float(r or 0), "orders": int(n), "customers": int(c)}
                for p, r, n, c in session.execute(stmt.group_by(bucket).order_by(bucket)).all()
            ]
            last: float = series[-1]["revenue"] if series else 0.0
            previous: float | None = series[-2]["revenue"] if len(series) > 1 else None
            new_since = _period_start(as_of, period, 1)
            new = session.execute(
                select(func.count())
                .select_from(Customer)
                .where(*conditions, Customer.acquired_at >= new_since)
            ).scalar_one()
            risk = risk_summary(session, user, filters=filters, customer_ids=customer_ids)
            top = at_risk_customers(
                session, user, filters=filters, per_page=10, customer_ids=customer_ids
            ).items
            warnings_open = session.execute(
                select(func.count())
                .select_from(Warning)
                .join(Customer, Customer.id == Warning.customer_id)
                .where(Warning.status == "open", *conditions)
            ).scalar_one()
            tasks_stmt = (
                select(func.count())
                .select_from(Task)
                .join(Customer, Customer.id == Task.customer_id)
                .where(Task.status == "open", *conditions)
            )
            tasks_open = session.execute(tasks_stmt).scalar_one()
            return {
                "as_of": as_of,
                "period": period,
                "customers": {
                    "total": total,
                    "by_status": by_status,
                    "new": int(new),
                    "churned_share": (by_status.get("churned", 0) / total) if total else None,
                },
                "revenue": {
                    "series": series,
                    "last": last,
                    "previous": previous,
                    "change": ((last - previous) / previous) if previous else None,
                },
                "risk": {**risk, "top": top},
                "warnings_open": int(warnings_open),
                "tasks_open": int(tasks_open),
            }

    return cache.cached(key, compute)


def _only(customer_ids: Collection[str] | None) -> list[Any]:
    """The condition keeping the customers ``customer_ids`` (external ids; none when ``None``)."""
    if customer_ids is None:
        return []
    ids: Any = bindparam("customer_ids", sorted(customer_ids), expanding=True, literal_execute=True)
    return [Customer.external_id.in_(ids)]
