"""Orders, interactions, tickets, feedback and contacts: queries and changes for the web layer.

Each record belongs to a customer; a user sees and changes a record only if they may see
its customer (:func:`keepwise.store.paging.customer_scope`). Records are addressed by
their own ``external_id``; in and out, ``customer_id`` is the customer's *external* id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keepwise.errors import ConflictError, NotFoundError
from keepwise.models import (
    DIRECTIONS,
    FEEDBACK_KINDS,
    INTERACTION_CHANNELS,
    ORDER_STATUSES,
    TICKET_PRIORITIES,
    Base,
    Contact,
    Customer,
    Feedback,
    Interaction,
    Order,
    Ticket,
    User,
)
from keepwise.store.audit import bump_generation, diff, record_audit
from keepwise.store.customers import get_customer
from keepwise.store.paging import (
    DEFAULT_PER_PAGE,
    Page,
    customer_scope,
    integrity_problem,
    order_by,
    paginate,
    query_problem,
    sees_all_customers,
)


@dataclass(frozen=True)
class RecordKind:
    """How one child table is exposed: writable fields, equality filters, sort keys and choices."""

    name: str
    entity: str
    model: type[Base]
    fields: tuple[str, ...]
    date_field: str
    filters: tuple[str, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def column(self, name: str) -> Any:
        return getattr(self.model, name)


RECORD_KINDS: dict[str, RecordKind] = {
    "orders": RecordKind(
        "orders",
        "order",
        Order,
        ("ordered_at", "amount", "currency", "quantity", "product", "category", "status"),
        "ordered_at",
        ("status", "category", "product", "currency"),
        (("status", ORDER_STATUSES),),
    ),
    "interactions": RecordKind(
        "interactions",
        "interaction",
        Interaction,
        ("occurred_at", "channel", "direction", "duration_minutes", "note", "handled_by"),
        "occurred_at",
        ("channel", "direction", "handled_by"),
        (("channel", INTERACTION_CHANNELS), ("direction", DIRECTIONS)),
    ),
    "tickets": RecordKind(
        "tickets",
        "ticket",
        Ticket,
        (
            "opened_at",
            "first_response_at",
            "resolved_at",
            "category",
            "priority",
            "satisfaction",
            "subject",
        ),
        "opened_at",
        ("category", "priority"),
        (("priority", TICKET_PRIORITIES),),
    ),
    "feedback": RecordKind(
        "feedback",
        "feedback",
        Feedback,
        ("occurred_at", "kind", "score", "comment"),
        "occurred_at",
        ("kind",),
        (("kind", FEEDBACK_KINDS),),
    ),
    "contacts": RecordKind(
        "contacts",
        "contact",
        Contact,
        ("name", "role", "decision_weight", "last_contacted_at", "email", "phone"),
        "last_contacted_at",
        ("role",),
    ),
}


def record_kind(name: str) -> RecordKind:
    try:
        return RECORD_KINDS[name]
    except KeyError:
        raise NotFoundError(
            f"no record type {name!r}; use one of {', '.join(RECORD_KINDS)}"
        ) from None


def record_dict(kind: RecordKind, record: Any, customer_external_id: str) -> dict[str, Any]:
    """The record as the API shows it (``customer_id`` = the customer's external id)."""
    data: dict[str, Any] = {"external_id": record.external_id, "customer_id": customer_external_id}
    for name in kind.fields:
        data[name] = getattr(record, name)
    data["created_at"] = record.created_at
    data["updated_at"] = record.updated_at
    return data


def _sortable(kind: RecordKind) -> dict[str, Any]:
    columns = {name: kind.column(name) for name in kind.fields}
    columns["external_id"] = kind.column("external_id")
    columns["created_at"] = kind.column("created_at")
    columns["customer_id"] = Customer.external_id
    return columns


def list_records(
    session: Session,
    user: User,
    kind_name: str,
    *,
    customer_id: str | None = None,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page[dict[str, Any]]:
    """Records of one kind whose customer ``user`` may see; newest first unless ``sort`` says otherwise.

    ``customer_id`` (external id) narrows to one customer; ``filters`` are equality filters
    on :attr:`RecordKind.filters`; ``since``/``until`` bound the record's date.
    """
    kind = record_kind(kind_name)
    model = kind.model
    conditions: list[Any] = []
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if key == "since":
            conditions.append(kind.column(kind.date_field) >= value)
        elif key == "until":
            conditions.append(kind.column(kind.date_field) < value)
        elif key in kind.filters:
            conditions.append(kind.column(key) == value)
        else:
            allowed = ", ".join((*kind.filters, "since", "until", "customer_id"))
            raise query_problem(key, value, f"unknown filter for {kind.name}; use one of {allowed}")
    customer_conditions: list[Any] = [] if sees_all_customers(user) else [customer_scope(user)]
    if customer_id:
        customer_conditions.append(Customer.external_id == customer_id)
    stmt = (
        select(model, Customer.external_id)
        .join(Customer, Customer.id == kind.column("customer_id"))
        .where(*customer_conditions, *conditions)
    )
    count_stmt = select(func.count()).select_from(model).where(*conditions)
    if customer_conditions:  # the count needs the customers only to apply visibility
        count_stmt = count_stmt.join(Customer, Customer.id == kind.column("customer_id")).where(
            *customer_conditions
        )
    date_column = kind.column(kind.date_field)
    stmt = order_by(stmt, sort, _sortable(kind), [date_column.desc(), kind.column("id").desc()])
    rows, total = paginate(session, stmt, page, per_page, count_stmt=count_stmt)
    return Page([record_dict(kind, rec, ext) for rec, ext in rows], total, page, per_page)


def _get(session: Session, user: User, kind: RecordKind, external_id: str) -> tuple[Any, Customer]:
    row = session.execute(
        select(kind.model, Customer)
        .join(Customer, Customer.id == kind.column("customer_id"))
        .where(kind.column("external_id") == external_id, customer_scope(user))
    ).first()
    if row is None:
        raise NotFoundError(f"no {kind.entity} {external_id!r}")
    return row[0], row[1]


def get_record(session: Session, user: User, kind_name: str, external_id: str) -> dict[str, Any]:
    """One record by its external id, if ``user`` may see its customer, else :class:`NotFoundError`."""
    kind = record_kind(kind_name)
    record, customer = _get(session, user, kind, external_id)
    return record_dict(kind, record, customer.external_id)


def _check_choices(kind: RecordKind, values: Mapping[str, Any]) -> None:
    for field, allowed in kind.choices:
        value = values.get(field)
        if value is not None and value not in allowed:
            raise query_problem(field, value, f"use one of {', '.join(allowed)}")


def _snapshot(kind: RecordKind, record: Any, customer_external_id: str) -> dict[str, Any]:
    return {"customer_id": customer_external_id, **{f: getattr(record, f) for f in kind.fields}}


def _flush(session: Session, kind: RecordKind, external_id: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise integrity_problem(kind.entity, external_id, exc) from None


def create_record(
    session: Session, user: User, kind_name: str, data: Mapping[str, Any], *, ip: str | None = None
) -> dict[str, Any]:
    """Add a record for a customer ``user`` may see (``data["customer_id"]``: external id); audit; commit."""
    kind = record_kind(kind_name)
    external_id = str(data.get("external_id") or "").strip()
    if not external_id:
        raise query_problem("external_id", external_id, f"a new {kind.entity} needs an external_id")
    customer_key = str(data.get("customer_id") or "").strip()
    if not customer_key:
        raise query_problem(
            "customer_id", customer_key, f"a new {kind.entity} needs the customer's external id"
        )
    customer = get_customer(session, user, customer_key)
    values = {k: v for k, v in data.items() if k in kind.fields and v is not None}
    _check_choices(kind, values)
    taken = session.execute(
        select(kind.column("id")).where(kind.column("external_id") == external_id)
    ).first()
    if taken is not None:
        raise ConflictError(f"an {kind.entity} with external_id {external_id!r} already exists")
    record = kind.model(external_id=external_id, customer_id=customer.id, **values)
    session.add(record)
    _flush(session, kind, external_id)
    record_audit(
        session,
        user,
        "create",
        kind.entity,
        external_id,
        _snapshot(kind, record, customer.external_id),
        ip=ip,
    )
    session.commit()
    bump_generation()
    return record_dict(kind, record, customer.external_id)


def update_record(
    session: Session,
    user: User,
    kind_name: str,
    external_id: str,
    data: Mapping[str, Any],
    *,
    ip: str | None = None,
) -> dict[str, Any]:
    """Change fields of a visible record (moving it to another visible customer too); audit; commit."""
    kind = record_kind(kind_name)
    record, customer = _get(session, user, kind, external_id)
    before = _snapshot(kind, record, customer.external_id)
    values = {k: v for k, v in data.items() if k in kind.fields}
    _check_choices(kind, values)
    if data.get("customer_id") and data["customer_id"] != customer.external_id:
        customer = get_customer(session, user, str(data["customer_id"]))
        record.customer_id = customer.id
    for key, value in values.items():
        setattr(record, key, value)
    _flush(session, kind, external_id)
    changes = diff(before, _snapshot(kind, record, customer.external_id))
    if changes:
        record_audit(session, user, "update", kind.entity, external_id, changes, ip=ip)
    session.commit()
    bump_generation()
    return record_dict(kind, record, customer.external_id)


def delete_record(
    session: Session, user: User, kind_name: str, external_id: str, *, ip: str | None = None
) -> None:
    """Delete a visible record; audit; commit."""
    kind = record_kind(kind_name)
    record, customer = _get(session, user, kind, external_id)
    snapshot = _snapshot(kind, record, customer.external_id)
    session.execute(delete(kind.model).where(kind.column("id") == record.id))
    record_audit(session, user, "delete", kind.entity, external_id, snapshot, ip=ip)
    session.commit()
    bump_generation()
