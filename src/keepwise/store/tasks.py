"""Follow-up tasks: created for customers (audited) and listed for the people who do them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session

from keepwise.errors import NotFoundError, PermissionDeniedError
from keepwise.models import Customer, Task, User
from keepwise.store.audit import bump_generation, record_audit
from keepwise.store.customers import get_customer
from keepwise.store.paging import (
    DEFAULT_PER_PAGE,
    Page,
    check_paging,
    customer_scope,
    query_problem,
    sees_all_customers,
)
from keepwise.store.users import get_user


def task_dict(task: Task, customer_external_id: str, assignee: str | None) -> dict[str, Any]:
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
        created.append(task_dict(task, customer.external_id, who.username))
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
    return Page([task_dict(t, ext, name) for t, ext, name in rows], int(total), page, per_page)
