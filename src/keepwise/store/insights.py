"""What the dashboard, the at-risk list and the customer 360 page show, for pages and API alike.

* :func:`at_risk_customers` - newest churn score of each customer times its value
  (completed-order revenue of the trailing 12 months), with the score's reasons.
* :func:`dashboard_summary` - customer counts, revenue per period, risk tiers, open work.
* :func:`customer_360` and :func:`customer_timeline` - one customer and its history.
* :func:`assign_follow_ups` - follow-up tasks for at-risk customers (audited).

Scans over all orders are cached per process (:mod:`keepwise.store.cache`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from keepwise.errors import NotFoundError, PermissionDeniedError
from keepwise.models import ChurnScore, Contact, Customer, Order, Task, User, Warning
from keepwise.store import cache
from keepwise.store.audit import bump_generation, record_audit
from keepwise.store.customers import customer_filters, get_customer
from keepwise.store.paging import (
    DEFAULT_PER_PAGE,
    Page,
    check_paging,
    customer_scope,
    query_problem,
    sees_all_customers,
)
from keepwise.store.records import RECORD_KINDS, record_dict
from keepwise.store.users import get_user

VALUE_WINDOW_DAYS = 365
PERIODS = ("week", "month", "quarter")
TIMELINE_KINDS = ("orders", "interactions", "tickets", "feedback")
RISK_COLUMNS = [
    "customer_id",
    "name",
    "owner",
    "region",
    "industry",
    "group_name",
    "kind",
    "status",
    "tags",
    "probability",
    "risk_tier",
    "reasons",
    "scored_at",
    "model_version",
    "value_12m",
    "expected_loss",
]


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def _url_key(session: Session) -> str:
    return _engine(session).url.render_as_string(hide_password=True)


def data_as_of(session: Session) -> date:
    """The store's "today": the date of the newest order (today when there are none).

    Demo and imported data often end in the past; measuring the trailing 12 months from
    the newest order keeps values meaningful.
    """

    engine = _engine(session)

    def compute() -> date:
        # Its own session: the cache may run this in a background thread.
        with Session(engine) as session:
            newest = session.execute(select(func.max(Order.ordered_at))).scalar_one_or_none()
            if newest is None:
                return date.today()
            if isinstance(newest, str):
                newest = datetime.fromisoformat(newest)
            return newest.date() if isinstance(newest, datetime) else newest

    return cache.cached(("as_of", _url_key(session)), compute)


# --- at-risk list -------------------------------------------------------------------------------


def _risk_frame(session: Session) -> pd.DataFrame:
    """Every scored customer: newest score, 12-month value and expected loss (cached)."""

    engine = _engine(session)

    def compute() -> pd.DataFrame:
        # Its own session: the cache may run this in a background thread.
        with Session(engine) as session:
            ranked = select(
                ChurnScore.customer_id,
                ChurnScore.probability,
                ChurnScore.risk_tier,
                ChurnScore.reasons,
                ChurnScore.scored_at,
                ChurnScore.model_version,
                func.row_number()
                .over(
                    partition_by=ChurnScore.customer_id,
                    order_by=(ChurnScore.scored_at.desc(), ChurnScore.id.desc()),
                )
                .label("rank"),
            ).subquery()
            latest = select(
                Customer.id.label("pk"),
                Customer.external_id.label("customer_id"),
                Customer.name,
                Customer.owner,
                Customer.region,
                Customer.industry,
                Customer.group_name,
                Customer.kind,
                Customer.status,
                # JSON kept as text: decoded only for the rows a page shows (decoding 100,000
                # reasons on every refresh took a second of the server's time).
                cast(Customer.tags, Text).label("tags"),
                ranked.c.probability,
                ranked.c.risk_tier,
                cast(ranked.c.reasons, Text).label("reasons"),
                ranked.c.scored_at,
                ranked.c.model_version,
            ).join(ranked, and_(ranked.c.customer_id == Customer.id, ranked.c.rank == 1))
            rows = session.execute(latest).all()
            frame = pd.DataFrame(rows, columns=["pk", *RISK_COLUMNS[:14]])
            if frame.empty:
                return pd.DataFrame(columns=RISK_COLUMNS)
            start = datetime.combine(
                data_as_of(session) - timedelta(days=VALUE_WINDOW_DAYS), datetime.min.time()
            )
            # One pass over the orders table: the expressions keep SQLite from walking the
            # customer_id or ordered_at index, whose random row lookups take 3-8x longer
            # (4 s instead of 0.5 s for 2,000,000 orders); other databases plan it alike.
            pk = (Order.customer_id + literal_column("0")).label("customer_pk")
            value_rows = session.execute(
                select(pk, func.sum(Order.amount))
                .where(Order.status == "completed", func.coalesce(Order.ordered_at, start) > start)
                .group_by(pk)
            ).all()
            values = pd.Series({pk: float(v or 0) for pk, v in value_rows}, dtype="float64")
            frame["value_12m"] = frame["pk"].map(values).fillna(0.0)
            frame["probability"] = frame["probability"].astype("float64")
            frame["expected_loss"] = frame["probability"] * frame["value_12m"]
            frame = frame.sort_values(
                ["expected_loss", "probability"], ascending=False, kind="stable"
            )
            return frame.drop(columns=["pk"]).reset_index(drop=True)

    return cache.cached(("risk", _url_key(session)), compute)


def _scoped(frame: pd.DataFrame, user: User) -> pd.DataFrame:
    if sees_all_customers(user) or frame.empty:
        return frame
    return frame[frame["owner"] == user.username]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        if isinstance(row["scored_at"], pd.Timestamp):
            row["scored_at"] = row["scored_at"].to_pydatetime()
        row.pop("tags", None)
        row["reasons"] = _json(row["reasons"])
        out.append({k: (None if _is_missing(v) else v) for k, v in row.items()})
    return out


def _json(value: Any) -> Any:
    """A JSON column read as text, decoded (values already decoded pass through)."""
    if isinstance(value, str):
        return json.loads(value)
    return None if _is_missing(value) else value


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


RISK_FILTERS = ("region", "industry", "owner", "group_name", "kind", "status", "tag", "q")
RISK_SORTS = ("expected_loss", "probability", "value_12m", "name", "customer_id", "scored_at")


def _filter_risk(frame: pd.DataFrame, filters: Mapping[str, Any] | None) -> pd.DataFrame:
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if key not in RISK_FILTERS:
            raise query_problem(key, value, f"unknown filter; use one of {', '.join(RISK_FILTERS)}")
        if frame.empty:
            continue
        if key == "q":
            text = str(value).lower()
            frame = frame[
                frame["name"].fillna("").str.lower().str.contains(text, regex=False)
                | frame["customer_id"].str.lower().str.contains(text, regex=False)
            ]
        elif key == "tag":
            frame = frame[
                frame["tags"].map(
                    lambda tags, v=str(value): isinstance(t := _json(tags), list) and v in t
                )
            ]
        else:
            frame = frame[frame[key] == value]
    return frame


def at_risk_customers(
    session: Session,
    user: User,
    *,
    tiers: Sequence[str] | None = ("high", "medium"),
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    customer_ids: frozenset[str] | None = None,
) -> Page[dict[str, Any]]:
    """Customers ``user`` may see, by newest churn score × 12-month value (biggest loss first).

    Each item: ``customer_id`` (external id), ``name``, ``owner``, ``region``, ``industry``,
    ``group_name``, ``kind``, ``status``, ``probability``, ``risk_tier``, ``reasons`` (the
    score's list), ``scored_at``, ``model_version``, ``value_12m`` (completed revenue in the
    365 days before :func:`data_as_of`) and ``expected_loss`` (``probability * value_12m``).
    ``tiers=None`` lists every scored customer. ``customer_ids`` keeps only those customers
    (external ids, e.g. an RFM segment's members). ``page.extra["as_of"]`` is the value date.
    """
    check_paging(page, per_page)
    base = _risk_frame(session)
    scope = "all" if sees_all_customers(user) else f"owner:{user.username}"
    tier_key = tuple(sorted(tiers)) if tiers else ()

    def scoped_tiers() -> pd.DataFrame:
        frame = _scoped(base, user)
        if tier_key and not frame.empty:
            frame = frame[frame["risk_tier"].isin(list(tier_key))]
        return frame

    # The scoped, tier-filtered frame is reused by every page of the list (cheap paging).
    frame = cache.cached(("risk_view", _url_key(session), id(base), scope, tier_key), scoped_tiers)
    if customer_ids is not None:
        view = frame
        frame = cache.cached(
            ("risk_view_ids", _url_key(session), id(view), customer_ids),
            lambda: _only(view, customer_ids),
        )
    frame = _filter_risk(frame, filters)
    if sort:
        name = sort.lstrip("-+")
        if name not in RISK_SORTS:
            raise query_problem(
                "sort", sort, f"cannot sort by {name!r}; use one of {', '.join(RISK_SORTS)}"
            )
        if not frame.empty:
            frame = frame.sort_values(name, ascending=not sort.startswith("-"), kind="stable")
    total = len(frame)
    chunk = frame.iloc[(page - 1) * per_page : page * per_page]
    return Page(_records(chunk), total, page, per_page, extra={"as_of": data_as_of(session)})


def _only(frame: pd.DataFrame, customer_ids: Collection[str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[frame["customer_id"].isin(customer_ids)]


def risk_summary(
    session: Session,
    user: User,
    *,
    filters: Mapping[str, Any] | None = None,
    customer_ids: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Current risk of the scored customers ``user`` may see (cached per scope and filters):
    ``by_tier`` (counts of high, medium, low), ``scored`` and ``value_at_risk`` (expected loss
    of the high and medium tiers). ``filters`` as :func:`at_risk_customers`'; ``customer_ids``
    keeps only those customers.

    The dashboard's risk figures, without the rest of :func:`dashboard_summary`.
    """
    base = _risk_frame(session)
    scope = "all" if sees_all_customers(user) else f"owner:{user.username}"
    key = (
        "risk_summary",
        _url_key(session),
        id(base),
        scope,
        tuple(sorted((filters or {}).items())),
        customer_ids,
    )

    def compute() -> dict[str, Any]:
        frame = _filter_risk(_scoped(base, user), filters)
        if customer_ids is not None:
            frame = _only(frame, customer_ids)
        tiers = frame["risk_tier"].value_counts() if len(frame) else pd.Series(dtype="int64")
        at_risk = frame[frame["risk_tier"].isin(["high", "medium"])] if len(frame) else frame
        return {
            "by_tier": {t: int(tiers.get(t, 0)) for t in ("high", "medium", "low")},
            "scored": int(len(frame)),
            "value_at_risk": float(at_risk["expected_loss"].sum()) if len(at_risk) else 0.0,
        }

    return cache.cached(key, compute)


def customer_scores(session: Session, user: User, external_id: str) -> list[dict[str, Any]]:
    """Every churn score of one visible customer, newest first."""
    return _scores_of(session, get_customer(session, user, external_id))


_SCORES_OF = (
    select(ChurnScore)
    .where(ChurnScore.customer_id == bindparam("customer_pk", type_=Integer))
    .order_by(ChurnScore.scored_at.desc(), ChurnScore.id.desc())
)


def _scores_of(session: Session, customer: Customer) -> list[dict[str, Any]]:
    rows = session.execute(_SCORES_OF, {"customer_pk": customer.id}).scalars()
    return [
        {
            "customer_id": customer.external_id,
            "scored_at": s.scored_at,
            "cutoff": s.cutoff,
            "horizon_days": s.horizon_days,
            "probability": s.probability,
            "risk_tier": s.risk_tier,
            "reasons": s.reasons or [],
            "model_version": s.model_version,
        }
        for s in rows
    ]


def _warning_dict(
    w: Warning, customer_external_id: str, customer_name: str | None
) -> dict[str, Any]:
    return {
        "id": w.id,
        "customer_id": customer_external_id,
        "customer_name": customer_name,
        "rule": w.rule,
        "observed": w.observed,
        "threshold": w.threshold,
        "at": w.at,
        "severity": w.severity,
        "action": w.action,
        "message": w.message,
        "message_zh": w.message_zh,
        "status": w.status,
    }


def list_warnings(
    session: Session,
    user: User,
    *,
    status: str | None = "open",
    severity: str | None = None,
    customer_id: str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[dict[str, Any]]:
    """Early warnings on customers ``user`` may see, newest first."""
    check_paging(page, per_page)
    stmt = select(Warning, Customer.external_id, Customer.name).join(
        Customer, Customer.id == Warning.customer_id
    )
    stmt = stmt.where(customer_scope(user))
    if status:
        stmt = stmt.where(Warning.status == status)
    if severity:
        stmt = stmt.where(Warning.severity == severity)
    if customer_id:
        stmt = stmt.where(Customer.external_id == customer_id)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(Warning.at.desc(), Warning.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [_warning_dict(w, ext, name) for w, ext, name in rows]
    return Page(items, int(total), page, per_page)


# --- dashboard ----------------------------------------------------------------------------------


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
        _url_key(session),
        scope_key,
        period,
        periods,
        tuple(sorted((filters or {}).items())),
    )
    filtered = bool(filters) and any(v not in (None, "") for v in (filters or {}).values())

    engine = _engine(session)

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
            risk_frame = _filter_risk(_scoped(_risk_frame(session), user), filters)
            by_tier = {
                t: int((risk_frame["risk_tier"] == t).sum()) if len(risk_frame) else 0
                for t in ("high", "medium", "low")
            }
            at_risk = (
                risk_frame[risk_frame["risk_tier"].isin(["high", "medium"])]
                if len(risk_frame)
                else risk_frame
            )
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
                    "scored": int(len(risk_frame)),
                    "value_at_risk": float(at_risk["expected_loss"].sum()) if len(at_risk) else 0.0,
                    "top": top,
                },
                "warnings_open": int(warnings_open),
                "tasks_open": int(tasks_open),
            }

    return cache.cached(key, compute)


# --- customer 360 -------------------------------------------------------------------------------


def customer_timeline(
    session: Session,
    user: User,
    external_id: str,
    *,
    kinds: Sequence[str] = TIMELINE_KINDS,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[dict[str, Any]]:
    """A visible customer's orders, interactions, tickets and feedback merged newest first.

    Each item: ``{"kind": "order"|"interaction"|"ticket"|"feedback", "at": datetime,
    "external_id": str, "record": {...the record's fields...}}``.
    """
    check_paging(page, per_page)
    unknown = [k for k in kinds if k not in TIMELINE_KINDS]
    if unknown:
        raise query_problem("kinds", unknown, f"use some of {', '.join(TIMELINE_KINDS)}")
    customer = get_customer(session, user, external_id)
    row = session.execute(_counts_statement(tuple(kinds)), {"customer_pk": customer.id}).one()
    counts = dict(zip(kinds, row, strict=True))
    return _timeline_page(session, customer, counts, page, per_page)


def _record_counts(customer_pk: Any, kinds: Sequence[str]) -> list[Any]:
    """One scalar subquery per record kind: how many records the customer ``customer_pk`` has."""
    return [
        select(func.count())
        .select_from(RECORD_KINDS[name].model)
        .where(RECORD_KINDS[name].column("customer_id") == customer_pk)
        .scalar_subquery()
        for name in kinds
    ]


@functools.cache
def _counts_statement(kinds: tuple[str, ...]) -> Any:
    return select(*_record_counts(bindparam("customer_pk", type_=Integer), kinds))


@functools.cache
def _recent_records_statement(name: str) -> Any:
    """The newest records of one kind of one customer (bound: ``customer_pk``, ``n``)."""
    kind = RECORD_KINDS[name]
    return (
        select(kind.model)
        .where(kind.column("customer_id") == bindparam("customer_pk", type_=Integer))
        .order_by(kind.column(kind.date_field).desc(), kind.column("id").desc())
        .limit(bindparam("n", type_=Integer))
    )


def _timeline_page(
    session: Session, customer: Customer, counts: Mapping[str, Any], page: int, per_page: int
) -> Page[dict[str, Any]]:
    """Page ``page`` of the timeline, given each kind's record count (kinds without records
    cost no query)."""
    need = page * per_page
    items: list[dict[str, Any]] = []
    for name, count in counts.items():
        if not count:
            continue
        kind = RECORD_KINDS[name]
        rows = session.execute(
            _recent_records_statement(name),
            {"customer_pk": customer.id, "n": min(need, int(count))},
        ).scalars()
        rec: Any
        for rec in rows:
            items.append(
                {
                    "kind": kind.entity,
                    "at": getattr(rec, kind.date_field),
                    "external_id": rec.external_id,
                    "record": record_dict(kind, rec, customer.external_id),
                }
            )
    items.sort(key=lambda item: item["at"] or datetime.min, reverse=True)
    total = sum(int(n or 0) for n in counts.values())
    return Page(items[(page - 1) * per_page : need], total, page, per_page)


@functools.cache
def _overview_statement(kinds: tuple[str, ...]) -> Any:
    """Order stats and how many scores, contacts, open warnings, open tasks (and records of
    each of ``kinds``) one customer has, in one query (bound: ``customer_pk``, ``value_start``)."""
    pk = bindparam("customer_pk", type_=Integer)
    start = bindparam("value_start", type_=DateTime())

    def counted(model: Any, *where: Any) -> Any:
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    return select(
        func.count(),
        func.sum(Order.amount),
        func.min(Order.ordered_at),
        func.max(Order.ordered_at),
        func.sum(case((Order.ordered_at > start, Order.amount), else_=0)),
        counted(ChurnScore, ChurnScore.customer_id == pk),
        counted(Contact, Contact.customer_id == pk),
        counted(Warning, Warning.customer_id == pk, Warning.status == "open"),
        counted(Task, Task.customer_id == pk, Task.status == "open"),
        *_record_counts(pk, kinds),
    ).where(Order.customer_id == pk, Order.status == "completed")


def customer_360(
    session: Session, user: User, external_id: str, *, timeline_per_page: int = 0
) -> dict[str, Any]:
    """Everything the customer 360 page shows.

    Returns ``customer`` (the ORM row), ``stats`` (``orders``, ``revenue``, ``revenue_12m``,
    ``first_order_at``, ``last_order_at``, ``average_order``), ``score`` (newest score dict or
    ``None``), ``scores`` (history, newest first), ``contacts`` (list of dicts),
    ``warnings`` (open ones) and ``tasks`` (open ones, with the assignee's username); with
    ``timeline_per_page > 0`` also ``timeline``, the first page of :func:`customer_timeline`.

    One query counts everything first, so the lists a customer has none of cost nothing.
    """
    if timeline_per_page:
        check_paging(1, timeline_per_page)
    customer = get_customer(session, user, external_id)
    start = datetime.combine(
        data_as_of(session) - timedelta(days=VALUE_WINDOW_DAYS), datetime.min.time()
    )
    kinds = TIMELINE_KINDS if timeline_per_page else ()
    row = session.execute(
        _overview_statement(kinds), {"customer_pk": customer.id, "value_start": start}
    ).one()
    n, revenue, first, last, revenue_12m, n_scores, n_contacts, n_warnings, n_tasks = row[:9]
    scores = _scores_of(session, customer) if n_scores else []
    contacts: list[dict[str, Any]] = []
    if n_contacts:
        contact_kind = RECORD_KINDS["contacts"]
        contacts = [
            record_dict(contact_kind, c, customer.external_id)
            for c in session.execute(
                select(Contact)
                .where(Contact.customer_id == customer.id)
                .order_by(Contact.decision_weight.desc().nulls_last(), Contact.id.asc())
                .limit(100)
            ).scalars()
        ]
    warnings: list[dict[str, Any]] = []
    if n_warnings:
        warnings = [
            _warning_dict(w, customer.external_id, customer.name)
            for w in session.execute(
                select(Warning)
                .where(Warning.customer_id == customer.id, Warning.status == "open")
                .order_by(Warning.at.desc(), Warning.id.desc())
                .limit(50)
            ).scalars()
        ]
    tasks: list[dict[str, Any]] = []
    if n_tasks:
        task_rows = session.execute(
            select(Task, User.username)
            .outerjoin(User, User.id == Task.assigned_to)
            .where(Task.customer_id == customer.id, Task.status == "open")
            .order_by(Task.due_at.asc(), Task.id.asc())
        ).all()
        tasks = [_task_dict(task, customer.external_id, username) for task, username in task_rows]
    info: dict[str, Any] = {
        "customer": customer,
        "stats": {
            "orders": int(n),
            "revenue": float(revenue or 0),
            "revenue_12m": float(revenue_12m or 0),
            "first_order_at": first,
            "last_order_at": last,
            "average_order": float(revenue or 0) / int(n) if n else None,
        },
        "score": scores[0] if scores else None,
        "scores": scores,
        "contacts": contacts,
        "warnings": warnings,
        "tasks": tasks,
    }
    if timeline_per_page:
        counts = dict(zip(kinds, row[9:], strict=True))
        info["timeline"] = _timeline_page(session, customer, counts, 1, timeline_per_page)
    return info


# --- follow-up tasks ----------------------------------------------------------------------------


def _task_dict(task: Task, customer_external_id: str, assignee: str | None) -> dict[str, Any]:
    return {
        "id": task.id,
        "customer_id": customer_external_id,
        "assigned_to": assignee,
        "title": task.title,
        "kind": task.kind,
        "source": task.source,
        "note": task.note,
        "due_at": task.due_at,
        "status": task.status,
        "created_at": task.created_at,
    }


def assign_follow_ups(
    session: Session,
    user: User,
    customer_ids: Sequence[str],
    assignee: str | None,
    due_at: datetime | date | None,
    *,
    title: str = "Follow up: churn risk",
    note: str | None = None,
    source: str = "at_risk",
    ip: str | None = None,
) -> list[dict[str, Any]]:
    """Create an open follow-up task for each listed visible customer; audit each; commit.

    ``assignee`` is a username (default: the customer's owner if that is a user, else
    ``user``). A sales rep may only assign tasks to themselves.
    """
    if not customer_ids:
        raise query_problem("customer_ids", [], "choose at least one customer")
    if isinstance(due_at, date) and not isinstance(due_at, datetime):
        due_at = datetime.combine(due_at, datetime.min.time())
    target = None
    if assignee:
        target = get_user(session, assignee)
        if target is None or not target.is_active:
            raise NotFoundError(f"no active user named {assignee!r}")
        if not sees_all_customers(user) and target.id != user.id:
            raise PermissionDeniedError("a sales rep can only assign follow-ups to themselves")
    created = []
    for external_id in dict.fromkeys(customer_ids):
        customer = get_customer(session, user, external_id)
        who = target
        if who is None:
            owner = get_user(session, customer.owner) if customer.owner else None
            who = owner if owner is not None and owner.is_active else user
        task = Task(
            customer_id=customer.id,
            assigned_to=who.id,
            created_by=user.id,
            title=title,
            kind="follow_up",
            source=source,
            note=note,
            due_at=due_at,
            status="open",
        )
        session.add(task)
        session.flush()
        record_audit(
            session,
            user,
            "create",
            "task",
            str(task.id),
            {
                "customer_id": customer.external_id,
                "assigned_to": who.username,
                "due_at": due_at,
                "title": title,
            },
            ip=ip,
        )
        created.append(_task_dict(task, customer.external_id, who.username))
    session.commit()
    bump_generation()
    return created


def list_tasks(
    session: Session,
    user: User,
    *,
    status: str | None = "open",
    mine: bool = False,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[dict[str, Any]]:
    """Tasks on customers ``user`` may see (``mine``: only those assigned to ``user``), by due date."""
    check_paging(page, per_page)
    stmt = (
        select(Task, Customer.external_id, User.username)
        .join(Customer, Customer.id == Task.customer_id)
        .outerjoin(User, User.id == Task.assigned_to)
        .where(customer_scope(user))
    )
    if status:
        stmt = stmt.where(Task.status == status)
    if mine:
        stmt = stmt.where(Task.assigned_to == user.id)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(Task.due_at.asc(), Task.id.asc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page([_task_dict(t, ext, name) for t, ext, name in rows], int(total), page, per_page)


__all__ = [
    "at_risk_customers",
    "assign_follow_ups",
    "customer_360",
    "customer_scores",
    "customer_timeline",
    "dashboard_summary",
    "data_as_of",
    "list_tasks",
    "list_warnings",
]
