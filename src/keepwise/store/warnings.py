"""Early warnings in the store: saved once each from :mod:`keepwise.analytics.warnings`, listed per user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from keepwise.errors import Message
from keepwise.models import Customer, User, Warning
from keepwise.store.db import normalize_url, require_current, session_scope
from keepwise.store.paging import DEFAULT_PER_PAGE, Page, check_paging, customer_scope

__all__ = ["SaveReport", "list_warnings", "save_warnings", "warning_dict"]

_CHUNK = 500


@dataclass(frozen=True)
class SaveReport:
    """What :func:`save_warnings` did."""

    inserted: int
    skipped: int
    unknown_customers: int


def _when(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return dt.datetime.fromisoformat(str(value)[:10])


def save_warnings(url: str | None, frame: Any) -> SaveReport:
    """Insert warnings into the store, once each.

    ``frame`` has the columns of ``keepwise.analytics.warnings.WARNING_COLUMNS``
    (``customer_id`` is the external id). A warning whose customer, rule and date are
    already in the store (whatever its status, so acknowledged warnings stay closed) is
    skipped, which makes re-runs safe. Warnings of customers not in the store are skipped
    and counted in ``unknown_customers``. New warnings get status ``open``. The ``message``
    (a :class:`~keepwise.errors.Message`) is stored as catalog key and parameters, so it
    renders in any language; a plain-text message is kept as its text (with the
    ``message_zh`` column's Chinese text when the frame has one).

    Raises
    ------
    StoreError
        The store is missing or not migrated to the current schema.
    """
    url = normalize_url(url)
    require_current(url)
    records = frame.to_dict("records") if len(frame) else []
    if not records:
        return SaveReport(0, 0, 0)
    external = sorted({str(r["customer_id"]) for r in records})
    inserted = skipped = unknown = 0
    with session_scope(url) as session:
        ids: dict[str, int] = {}
        for i in range(0, len(external), _CHUNK):
            chunk = external[i : i + _CHUNK]
            rows = session.execute(
                sa.select(Customer.external_id, Customer.id).where(Customer.external_id.in_(chunk))
            ).all()
            ids.update({str(e): int(c) for e, c in rows})
        known = sorted(set(ids.values()))
        existing: set[tuple[int, str, dt.datetime]] = set()
        for i in range(0, len(known), _CHUNK):
            found = session.execute(
                sa.select(Warning.customer_id, Warning.rule, Warning.at).where(
                    Warning.customer_id.in_(known[i : i + _CHUNK])
                )
            ).all()
            existing.update((int(c), str(r), _when(a)) for c, r, a in found)
        new = []
        for r in records:
            cid = ids.get(str(r["customer_id"]))
            if cid is None:
                unknown += 1
                continue
            key = (cid, str(r["rule"])[:64], _when(r["at"]))
            if key in existing:
                skipped += 1
                continue
            existing.add(key)
            new.append(
                {
                    "customer_id": cid,
                    "rule": key[1],
                    "observed": None if r.get("observed") is None else float(r["observed"]),
                    "threshold": None if r.get("threshold") is None else float(r["threshold"]),
                    "at": key[2],
                    "severity": str(r.get("severity") or "medium")[:16],
                    "action": (str(r["action"])[:64] or None) if r.get("action") else None,
                    "message": _message_json(r.get("message"), r.get("message_zh")),
                    "status": "open",
                }
            )
        if new:
            session.execute(sa.insert(Warning), new)
        inserted = len(new)
    return SaveReport(inserted=inserted, skipped=skipped, unknown_customers=unknown)


def _message_json(message: object, message_zh: object = None) -> dict[str, Any] | None:
    """The JSON the ``message`` column keeps for a frame's message."""
    if isinstance(message, Message):
        return message.to_dict()
    if message is None or message != message or message == "":  # None, NaN, empty
        return None
    if isinstance(message_zh, str) and message_zh:
        return Message.fixed({"en": str(message), "zh_CN": message_zh}).to_dict()
    return Message.fixed({"en": str(message)}).to_dict()


def warning_dict(
    w: Warning, customer_external_id: str, customer_name: str | None
) -> dict[str, Any]:
    """A warning as the pages and the API read it; ``message`` is the stored JSON (render it
    with :func:`keepwise.i18n.render`)."""
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
    stmt = sa.select(Warning, Customer.external_id, Customer.name).join(
        Customer, Customer.id == Warning.customer_id
    )
    stmt = stmt.where(customer_scope(user))
    if status:
        stmt = stmt.where(Warning.status == status)
    if severity:
        stmt = stmt.where(Warning.severity == severity)
    if customer_id:
        stmt = stmt.where(Customer.external_id == customer_id)
    total = session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(Warning.at.desc(), Warning.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [warning_dict(w, ext, name) for w, ext, name in rows]
    return Page(items, int(total), page, per_page)
