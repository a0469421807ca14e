"""The audit log: who changed what, when (one row per create, update, delete, login)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keepwise.models import AuditLog, User
from keepwise.store.paging import Page, check_paging, jsonable, paginate

_generation = 0
_generation_lock = threading.Lock()


def data_generation() -> int:
    """A counter bumped by every write through the store's web functions (cache invalidation)."""
    return _generation


def bump_generation() -> None:
    """Mark cached summaries (dashboard, at-risk list) as stale in this process."""
    global _generation
    with _generation_lock:
        _generation += 1


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = jsonable(before.get(key)), jsonable(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def record_audit(
    session: Session,
    user: User | None,
    action: str,
    entity: str,
    entity_id: str | None,
    changes: dict[str, Any] | None = None,
    *,
    ip: str | None = None,
) -> AuditLog:
    """Add one audit row to ``session`` (committed with the change it describes)."""
    row = AuditLog(
        user_id=user.id if user is not None else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        changes=jsonable(changes) if changes is not None else None,
        ip=ip,
    )
    session.add(row)
    return row


def list_audit(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    user_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[dict[str, Any]]:
    """Audit rows, newest first, with the username of who did it."""
    check_paging(page, per_page)
    stmt = select(AuditLog, User.username).outerjoin(User, User.id == AuditLog.user_id)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if user_id is not None:
        stmt = stmt.where(AuditLog.user_id == user_id)
    stmt = stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
    rows, total = paginate(session, stmt, page, per_page)
    items = [
        {
            "id": row.id,
            "at": row.at,
            "username": username,
            "action": row.action,
            "entity": row.entity,
            "entity_id": row.entity_id,
            "changes": row.changes,
            "ip": row.ip,
        }
        for row, username in rows
    ]
    return Page(items, total, page, per_page)
