"""Customer queries and changes for the web layer, with visibility and the audit log.

Every function takes the signed-in :class:`~keepwise.models.User`: a sales rep sees and
changes only the customers they own (``customers.owner == user.username``); anyone
else's customer is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import String, bindparam, cast, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keepwise.errors import ConflictError, NotFoundError, PermissionDeniedError
from keepwise.models import CUSTOMER_KINDS, CUSTOMER_STATUSES, Customer, User
from keepwise.store.audit import bump_generation, diff, record_audit
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

#: Columns a client may write (``external_id`` only on create).
CUSTOMER_FIELDS = (
    "name",
    "kind",
    "industry",
    "region",
    "group_name",
    "tags",
    "owner",
    "acquired_at",
    "acquisition_channel",
    "acquisition_cost",
    "status",
    "contract_start",
    "contract_end",
    "budget",
    "budget_required",
    "technical_match",
    "industry_fit",
    "supply_chain_risk",
    "attributes",
)

#: Filters :func:`list_customers` understands.
CUSTOMER_FILTERS = ("q", "industry", "region", "owner", "tag", "status", "kind", "group_name")

SORTABLE = {
    "external_id": Customer.external_id,
    "name": Customer.name,
    "industry": Customer.industry,
    "region": Customer.region,
    "group_name": Customer.group_name,
    "owner": Customer.owner,
    "status": Customer.status,
    "kind": Customer.kind,
    "acquired_at": Customer.acquired_at,
    "created_at": Customer.created_at,
    "updated_at": Customer.updated_at,
    "contract_end": Customer.contract_end,
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def customer_filters(filters: Mapping[str, Any] | None) -> list[Any]:
    """SQL conditions for ``filters`` (unknown keys are an error, empty values are ignored)."""
    conditions: list[Any] = []
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if key not in CUSTOMER_FILTERS:
            raise query_problem(
                key, value, f"unknown filter; use one of {', '.join(CUSTOMER_FILTERS)}"
            )
        if key == "q":
            pattern = f"%{_escape_like(str(value).lower())}%"
            conditions.append(
                or_(
                    func.lower(Customer.name).like(pattern, escape="\\"),
                    func.lower(Customer.external_id).like(pattern, escape="\\"),
                )
            )
        elif key == "tag":
            # tags is a JSON list; its text holds each tag as a quoted string on every backend.
            tag = str(value).replace('"', "")
            conditions.append(
                cast(Customer.tags, String).like(f'%"{_escape_like(tag)}"%', escape="\\")
            )
        else:
            conditions.append(getattr(Customer, key) == value)
    return conditions


def list_customers(
    session: Session,
    user: User,
    *,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    external_ids: Collection[str] | None = None,
) -> Page[Customer]:
    """Customers ``user`` may see, filtered, sorted (``"name"``, ``"-acquired_at"``) and paginated.

    ``external_ids``, when given, keeps only those customers (e.g. an RFM segment's members,
    computed by the analytics); the ids go into the SQL as literals, so any number works.
    """
    stmt = select(Customer).where(customer_scope(user), *customer_filters(filters))
    if external_ids is not None:
        ids: Any = bindparam(
            "external_ids", sorted(external_ids), expanding=True, literal_execute=True
        )
        stmt = stmt.where(Customer.external_id.in_(ids))
    stmt = order_by(stmt, sort, SORTABLE, [Customer.id.asc()])
    rows, total = paginate(session, stmt, page, per_page)
    return Page([r[0] for r in rows], total, page, per_page)


def get_customer(session: Session, user: User, external_id: str) -> Customer:
    """The customer with this external id, if ``user`` may see it, else :class:`NotFoundError`."""
    customer = session.execute(
        select(Customer).where(Customer.external_id == external_id, customer_scope(user))
    ).scalar_one_or_none()
    if customer is None:
        raise NotFoundError(f"no customer {external_id!r}")
    return customer


def customer_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "external_id": customer.external_id,
        **{f: getattr(customer, f) for f in CUSTOMER_FIELDS},
    }


def _check_values(data: Mapping[str, Any]) -> None:
    if "kind" in data and data["kind"] not in CUSTOMER_KINDS:
        raise query_problem("kind", data["kind"], f"use one of {', '.join(CUSTOMER_KINDS)}")
    if "status" in data and data["status"] not in CUSTOMER_STATUSES:
        raise query_problem("status", data["status"], f"use one of {', '.join(CUSTOMER_STATUSES)}")
    for key in ("technical_match", "industry_fit", "supply_chain_risk"):
        value = data.get(key)
        if value is not None and not 0 <= float(value) <= 1:
            raise query_problem(key, value, "must be between 0 and 1")


def _check_owner(user: User, owner: str | None) -> None:
    if not sees_all_customers(user) and owner != user.username:
        raise PermissionDeniedError(
            f"a sales rep can only own customers themselves: owner must be {user.username!r}"
        )


def create_customer(
    session: Session, user: User, data: Mapping[str, Any], *, ip: str | None = None
) -> Customer:
    """Add a customer (and its audit row) and commit.

    A sales rep's new customer is owned by the rep (``owner`` defaults to them and may
    not name someone else).
    """
    values = {k: v for k, v in data.items() if k in CUSTOMER_FIELDS}
    external_id = str(data.get("external_id") or "").strip()
    if not external_id:
        raise query_problem("external_id", external_id, "a customer needs an external_id")
    if not sees_all_customers(user):
        values.setdefault("owner", user.username)
        _check_owner(user, values.get("owner"))
    _check_values(values)
    if (
        session.execute(select(Customer.id).where(Customer.external_id == external_id)).first()
        is not None
    ):
        raise ConflictError(f"a customer with external_id {external_id!r} already exists")
    customer = Customer(external_id=external_id, **values)
    session.add(customer)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise integrity_problem("customer", external_id, exc) from None
    record_audit(
        session, user, "create", "customer", external_id, customer_snapshot(customer), ip=ip
    )
    session.commit()
    bump_generation()
    return customer


def update_customer(
    session: Session,
    user: User,
    external_id: str,
    data: Mapping[str, Any],
    *,
    ip: str | None = None,
) -> Customer:
    """Change the given fields of a visible customer, audit the diff and commit.

    Only admins and managers may move a customer to another owner.
    """
    customer = get_customer(session, user, external_id)
    values = {k: v for k, v in data.items() if k in CUSTOMER_FIELDS}
    if "owner" in values and values["owner"] != customer.owner and not sees_all_customers(user):
        raise PermissionDeniedError(
            "only an admin or a manager can give a customer to another owner"
        )
    _check_values(values)
    before = customer_snapshot(customer)
    for key, value in values.items():
        setattr(customer, key, value)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise integrity_problem("customer", external_id, exc) from None
    changes = diff(before, customer_snapshot(customer))
    if changes:
        record_audit(session, user, "update", "customer", external_id, changes, ip=ip)
    session.commit()
    bump_generation()
    return customer


def delete_customer(
    session: Session, user: User, external_id: str, *, ip: str | None = None
) -> None:
    """Delete a customer with all its records (admins and managers only) and commit."""
    customer = get_customer(session, user, external_id)
    if not sees_all_customers(user):
        raise PermissionDeniedError("only an admin or a manager can delete customers")
    snapshot = customer_snapshot(customer)
    session.execute(delete(Customer).where(Customer.id == customer.id))
    record_audit(session, user, "delete", "customer", external_id, snapshot, ip=ip)
    session.commit()
    session.expunge_all()
    bump_generation()
