"""The dashboard's figures: customers, revenue per period, risk tiers and open work."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
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
from keepwise.store.risk import at_risk_customers, filter_risk, risk_frame, scoped_to

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
) -> dict[str, Any]:
    """The dashboard's figures for the customers ``user`` may see (cached per scope and filters).

    Returns a dict: ``as_of`` (date), ``period``, ``customers`` (``total``, ``by_status``,
    ``new``: acquired in the last period), ``churn_rate`` (share of customers with status
    churned), ``revenue`` (``series``: list of ``{"period", "revenue", "orders",
    "customers"}`` for the last ``periods`` periods, completed orders; ``last``,
    ``previous``, ``change``: fraction or ``None``), ``risk`` (``by_tier`` counts,
    ``scored``, ``value_at_risk``: sum of expected losses of high and medium tiers,
    ``top``: the 10 biggest at-risk customers), ``warnings_open`` and ``tasks_open``.
    ``filters`` are those of :func:`keepwise.store.customers.list_customers`
    (region, industry, owner, group_name, kind, status, tag, q).
    """
    if period not in PERIODS:
        raise query_problem("period", period, f"use one of {', '.join(PERIODS)}")
    if not 1 <= periods <= 120:
        raise query_problem("periods", periods, "must be between 1 and 120")
    conditions = [customer_scope(user), *customer_filters(filters)]
    scope_key = "all" if sees_all_customers(user) else f"owner:{user.username}"
    key = (
        "dashboard",
        url_key(session),
        scope_key,
        period,
        periods,
        tuple(sorted((filters or {}).items())),
    )
    filtered = bool(filters) and any(v not in (None, "") for v in (filters or {}).values())

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
            risks = filter_risk(scoped_to(risk_frame(session), user), filters)
            by_tier = {
                t: int((risks["risk_tier"] == t).sum()) if len(risks) else 0
                for t in ("high", "medium", "low")
            }
            at_risk = risks[risks["risk_tier"].isin(["high", "medium"])] if len(risks) else risks
            top = at_risk_customers(session, user, filters=filters, per_page=10).items
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
                "customers": {"total": total, "by_status": by_status, "new": int(new)},
                "churn_rate": (by_status.get("churned", 0) / total) if total else None,
                "revenue": {
                    "series": series,
                    "last": last,
                    "previous": previous,
                    "change": ((last - previous) / previous) if previous else None,
                },
                "risk": {
                    "by_tier": by_tier,
                    "scored": int(len(risks)),
                    "value_at_risk": float(at_risk["expected_loss"].sum()) if len(at_risk) else 0.0,
                    "top": top,
                },
                "warnings_open": int(warnings_open),
                "tasks_open": int(tasks_open),
            }

    return cache.cached(key, compute)
