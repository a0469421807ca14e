"""Queries on sign-in sessions (``sessions``) and the login throttle (``login_throttle``).

The rules (how long a session lasts, when sign-ins are refused) are in
:mod:`keepwise.accounts.sessions` and :mod:`keepwise.accounts.throttle`; times are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from keepwise.models import LoginSession, LoginThrottle, User


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp the accounts tables store."""
    return datetime.now(UTC).replace(tzinfo=None)


def add_session(
    session: Session,
    user: User,
    token_hash: str,
    *,
    now: datetime,
    expires_at: datetime,
    ip: str | None,
    user_agent: str | None,
) -> LoginSession:
    row = LoginSession(
        token_hash=token_hash,
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
        ip=(ip or None) and ip[:64],
        user_agent=(user_agent or None) and user_agent[:255],
    )
    session.add(row)
    session.flush()
    return row


def session_and_user(session: Session, token_hash: str) -> tuple[LoginSession, User] | None:
    """The session with this token hash and its user (active or not), else ``None``."""
    row = session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_hash)
    ).first()
    return None if row is None else (row[0], row[1])


def delete_session(session: Session, token_hash: str) -> int:
    result = session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_user_sessions(session: Session, user_id: int, *, keep_hash: str | None = None) -> int:
    """End every session of a user (but the one with ``keep_hash``); the number ended."""
    stmt = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep_hash is not None:
        stmt = stmt.where(LoginSession.token_hash != keep_hash)
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def purge_sessions(session: Session, *, now: datetime, idle_since: datetime) -> int:
    """Delete sessions past their absolute end or idle since before ``idle_since``."""
    stmt = delete(LoginSession).where(
        or_(LoginSession.expires_at <= now, LoginSession.last_seen_at < idle_since)
    )
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def user_sessions(
    session: Session, user_id: int, *, idle_since: datetime, now: datetime
) -> list[LoginSession]:
    """The live sessions of a user, most recently used first."""
    stmt = (
        select(LoginSession)
        .where(
            LoginSession.user_id == user_id,
            LoginSession.expires_at > now,
            LoginSession.last_seen_at >= idle_since,
        )
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    return list(session.execute(stmt).scalars())


def live_session_counts(session: Session, *, idle_since: datetime, now: datetime) -> dict[int, int]:
    """``{user_id: number of live sessions}``."""
    stmt = (
        select(LoginSession.user_id, func.count())
        .where(LoginSession.expires_at > now, LoginSession.last_seen_at >= idle_since)
        .group_by(LoginSession.user_id)
    )
    return {int(uid): int(n) for uid, n in session.execute(stmt)}


# --- login throttle ---------------------------------------------------------------------------


def throttles(
    session: Session, keys: list[str], *, for_update: bool = False
) -> dict[str, LoginThrottle]:
    stmt = select(LoginThrottle).where(LoginThrottle.key.in_(keys))
    if for_update:
        stmt = stmt.with_for_update()
    return {row.key: row for row in session.execute(stmt).scalars()}


def add_throttle(session: Session, key: str, *, now: datetime) -> LoginThrottle:
    row = LoginThrottle(key=key, failures=0, last_failure_at=now, locked_until=None)
    session.add(row)
    session.flush()
    return row


def delete_throttle(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def purge_throttles(session: Session, *, quiet_since: datetime) -> int:
    """Forget keys whose last failure and lock both ended before ``quiet_since``."""
    stmt = delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < quiet_since,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < quiet_since),
    )
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]
