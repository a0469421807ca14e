"""Sign-in sessions kept in the store (table ``sessions``).

A browser that signs in gets a random session token (``s.`` + 43 characters); the store keeps
only its SHA-256. Every request looks the token up, so deleting the row ends the session for
every copy of the cookie: ``POST /logout``, a password change, disabling the user and "sign
out everywhere" all delete rows, and re-enabling a user brings none back.

A session ends after ``KEEPWISE_SESSION_IDLE_MINUTES`` without a request and
``KEEPWISE_SESSION_MAX_DAYS`` after sign-in, whichever comes first. The last request's time is
written at most once a minute, so reading pages does not turn into a write per request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from keepwise.accounts.credentials import hash_token
from keepwise.models import LoginSession, User
from keepwise.settings import get_settings
from keepwise.store import sessions as session_store
from keepwise.store.sessions import utcnow

#: Every session token starts with this; anything else in the cookie is an anonymous visitor.
SESSION_TOKEN_PREFIX = "s."
#: ``last_seen_at`` is refreshed when it is older than this.
TOUCH_EVERY = timedelta(seconds=60)
_MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class SessionLimits:
    """How long a session lasts without a request (``idle``) and at most (``absolute``)."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls) -> SessionLimits:
        settings = get_settings()
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(days=settings.session_max_days),
        )


def is_session_token(value: str | None) -> bool:
    return (
        value is not None
        and value.startswith(SESSION_TOKEN_PREFIX)
        and len(value) <= _MAX_TOKEN_LENGTH
    )


def start_session(
    session: Session,
    user: User,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> str:
    """Add a session for ``user`` and return its token (for the cookie; the caller commits).

    Sessions that have ended by time are deleted on the way.
    """
    limits = SessionLimits.from_settings()
    now = now or utcnow()
    session_store.purge_sessions(session, now=now, idle_since=now - limits.idle)
    token = SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session_store.add_session(
        session,
        user,
        hash_token(token),
        now=now,
        expires_at=now + limits.absolute,
        ip=ip,
        user_agent=user_agent,
    )
    return token


def session_user(
    session: Session, token: str | None, *, now: datetime | None = None
) -> User | None:
    """The active user of the live session ``token``, else ``None``.

    A session found ended (by time, or its user disabled) is deleted and committed.
    """
    if token is None or not is_session_token(token):
        return None
    token_hash = hash_token(token)
    found = session_store.session_and_user(session, token_hash)
    if found is None:
        return None
    row, user = found
    limits = SessionLimits.from_settings()
    now = now or utcnow()
    if not user.is_active or row.expires_at <= now or row.last_seen_at < now - limits.idle:
        session_store.delete_session(session, token_hash)
        session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return user


def session_hash(token: str | None) -> str | None:
    """The stored form of a session token (to name "this session" among a user's)."""
    return hash_token(token) if token is not None and is_session_token(token) else None


def end_session(session: Session, token: str | None) -> bool:
    """End the session ``token`` (every copy of its cookie); whether there was one."""
    token_hash = session_hash(token)
    return token_hash is not None and session_store.delete_session(session, token_hash) > 0


def end_user_sessions(session: Session, user: User, *, keep_token: str | None = None) -> int:
    """End every session of ``user``, except ``keep_token``'s; the number ended."""
    return session_store.delete_user_sessions(session, user.id, keep_hash=session_hash(keep_token))


def live_sessions(
    session: Session, user: User, *, now: datetime | None = None
) -> list[LoginSession]:
    """The sessions of ``user`` that have not ended, most recently used first."""
    limits = SessionLimits.from_settings()
    now = now or utcnow()
    return session_store.user_sessions(session, user.id, idle_since=now - limits.idle, now=now)


def live_session_counts(session: Session, *, now: datetime | None = None) -> dict[int, int]:
    """``{user id: live sessions}`` for every user who has one."""
    limits = SessionLimits.from_settings()
    now = now or utcnow()
    return session_store.live_session_counts(session, idle_since=now - limits.idle, now=now)
