"""Login throttling, per account and per client address, kept in the store (``login_throttle``).

Each failed sign-in counts against two keys: ``account:<username>`` (whatever name was typed,
existing or not) and ``address:<client ip>``. When a key reaches its limit
(``KEEPWISE_LOGIN_MAX_FAILURES`` for an account, ``KEEPWISE_LOGIN_MAX_FAILURES_PER_ADDRESS`` for
an address), further attempts are refused (429, ``Retry-After``) for
``KEEPWISE_LOGIN_LOCKOUT_SECONDS``, without checking the password; each further failure after
that doubles the wait, up to ``KEEPWISE_LOGIN_LOCKOUT_MAX_SECONDS``. A run of failures ends
after ``KEEPWISE_LOGIN_WINDOW_MINUTES`` without a failure or a lock; a successful sign-in, a
password set by an administrator and re-enabling the user clear the account's key.

The state is in the store, so several server processes share it. Every failure is audited
(``login_failed``), and so is the start of each lock (``login_locked``, entity ``login``, id the
key).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keepwise.errors import TooManyAttemptsError
from keepwise.models import LoginThrottle
from keepwise.settings import get_settings
from keepwise.store import sessions as session_store
from keepwise.store.audit import record_audit
from keepwise.store.sessions import utcnow

ACCOUNT_KEY = "account:"
ADDRESS_KEY = "address:"


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    max_failures_per_address: int
    window: timedelta
    lockout: timedelta
    lockout_max: timedelta

    @classmethod
    def from_settings(cls) -> ThrottlePolicy:
        s = get_settings()
        return cls(
            max_failures=s.login_max_failures,
            max_failures_per_address=s.login_max_failures_per_address,
            window=timedelta(minutes=s.login_window_minutes),
            lockout=timedelta(seconds=s.login_lockout_seconds),
            lockout_max=timedelta(
                seconds=max(s.login_lockout_max_seconds, s.login_lockout_seconds)
            ),
        )

    def lock_for(self, failures: int, limit: int) -> timedelta:
        """How long the ``failures``-th failure (``>= limit``) locks the key."""
        doublings = min(failures - limit, 30)
        return min(self.lockout_max, self.lockout * (2**doublings))


def account_key(username: str) -> str:
    return ACCOUNT_KEY + username.strip()[:128]


def _keys(username: str, ip: str | None, policy: ThrottlePolicy) -> dict[str, int]:
    keys = {account_key(username): policy.max_failures}
    if ip:
        keys[ADDRESS_KEY + ip[:64]] = policy.max_failures_per_address
    return keys


def check(session: Session, username: str, ip: str | None, *, now: datetime | None = None) -> None:
    """Raise :class:`TooManyAttemptsError` while the account or the address is locked."""
    now = now or utcnow()
    rows = session_store.throttles(
        session, list(_keys(username, ip, ThrottlePolicy.from_settings()))
    )
    wait = max(
        (
            (row.locked_until - now).total_seconds()
            for row in rows.values()
            if row.locked_until and row.locked_until > now
        ),
        default=0.0,
    )
    if wait > 0:
        seconds = math.ceil(wait)
        raise TooManyAttemptsError(
            f"too many failed sign-ins; try again in {seconds} seconds", seconds
        )


def _row(session: Session, key: str, now: datetime) -> LoginThrottle:
    row = session_store.throttles(session, [key], for_update=True).get(key)
    return row if row is not None else session_store.add_throttle(session, key, now=now)


def record_failure(
    session: Session, username: str, ip: str | None, *, now: datetime | None = None
) -> None:
    """Count a failed sign-in against the account and the address, audit it, and commit.

    Starts a lock on a key that reaches its limit (audited as ``login_locked``).
    """
    policy = ThrottlePolicy.from_settings()
    for attempt in range(3):
        now = now or utcnow()
        try:
            record_audit(
                session, None, "login_failed", "user", username.strip()[:128] or None, ip=ip
            )
            for key, limit in _keys(username, ip, policy).items():
                row = _row(session, key, now)
                quiet_from = max(row.last_failure_at, row.locked_until or row.last_failure_at)
                if now - quiet_from > policy.window:
                    row.failures, row.locked_until = 0, None
                row.failures += 1
                row.last_failure_at = now
                if row.failures >= limit:
                    lock = policy.lock_for(row.failures, limit)
                    row.locked_until = now + lock
                    record_audit(
                        session,
                        None,
                        "login_locked",
                        "login",
                        key,
                        {"failures": row.failures, "locked_seconds": int(lock.total_seconds())},
                        ip=ip,
                    )
            session_store.purge_throttles(
                session, quiet_since=now - policy.window - policy.lockout_max
            )
            session.commit()
            return
        except IntegrityError:  # another process added the same key first: count again
            session.rollback()
            if attempt == 2:
                raise


def clear_account(session: Session, username: str) -> None:
    """Forget the failures of an account (the caller commits)."""
    session_store.delete_throttle(session, account_key(username))
