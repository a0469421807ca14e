"""One customer and its history: the customer 360 page and its timeline."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    bindparam,
    case,
    func,
    select,
)
from sqlalchemy.orm import Session

from keepwise.models import ChurnScore, Contact, Customer, Order, Task, User, Warning
from keepwise.store.customers import get_customer
from keepwise.store.paging import (
    DEFAULT_PER_PAGE,
    Page,
    check_paging,
    query_problem,
)
from keepwise.store.queries import data_as_of
from keepwise.store.records import RECORD_KINDS, record_dict
from keepwise.store.risk import VALUE_WINDOW_DAYS
from keepwise.store.scores import scores_of
from keepwise.store.tasks import task_dict
from keepwise.store.warnings import warning_dict

TIMELINE_KINDS = ("orders", "interactions", "tickets", "feedback")


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
    scores = scores_of(session, customer) if n_scores else []
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
            warning_dict(w, customer.external_id, customer.name)
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
        tasks = [task_dict(task, customer.external_id, username) for task, username in task_rows]
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
