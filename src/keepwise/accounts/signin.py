"""Signing in and changing one's own password: throttled, bounded, audited.

:func:`sign_in` is what ``POST /login`` runs (in a worker thread, one of at most
``KEEPWISE_PASSWORD_CHECK_SLOTS`` at a time): the throttle is checked before the password, a
failure counts against the account and the address, and a success starts a session.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from keepwise.accounts import sessions, throttle
from keepwise.accounts.credentials import hash_password, verify_dummy, verify_password
from keepwise.accounts.policy import check_password
from keepwise.errors import AuthenticationError
from keepwise.models import User
from keepwise.store import users as user_store
from keepwise.store.audit import record_audit

#: What every failed sign-in says: it never tells whether the name exists or is disabled.
WRONG_CREDENTIALS = "wrong username or password"


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with this username and password, else :class:`AuthenticationError`.

    The message is the same for an unknown name, a wrong password and a disabled account, and
    so is the time taken (an unknown name still costs one argon2 verification).
    """
    user = user_store.get_user(session, username.strip())
    if user is None:
        verify_dummy(password)
        raise AuthenticationError(WRONG_CREDENTIALS)
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise AuthenticationError(WRONG_CREDENTIALS)
    return user


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[User, str]:
    """Check the throttle and the password, start a session; ``(user, session token)``.

    Raises :class:`~keepwise.errors.TooManyAttemptsError` while the account or address is
    locked (the password is not checked then), :class:`AuthenticationError` otherwise. Commits.
    """
    username = username.strip()
    throttle.check(session, username, ip)
    try:
        user = authenticate(session, username, password)
    except AuthenticationError:
        session.rollback()
        throttle.record_failure(session, username, ip)
        raise
    throttle.clear_account(session, username)
    token = sessions.start_session(session, user, ip=ip, user_agent=user_agent)
    user_store.touch_login(session, user)
    record_audit(session, user, "login", "user", user.username, ip=ip)
    session.commit()
    return user, token


def sign_out(
    session: Session, user: User | None, token: str | None, *, ip: str | None = None
) -> None:
    """End the session ``token`` (every copy of its cookie) and audit it. Commits."""
    ended = sessions.end_session(session, token)
    if user is not None and ended:
        record_audit(session, user, "logout", "user", user.username, ip=ip)
    session.commit()


def change_own_password(
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    *,
    keep_tokens: bool = False,
    keep_session: str | None = None,
    ip: str | None = None,
) -> dict[str, int]:
    """Change ``user``'s password after checking the current one (throttled like a sign-in).

    Ends the user's other sessions (``keep_session``, the token of the session asking, stays)
    and revokes their API tokens unless ``keep_tokens``. Commits; returns
    ``{"sessions_ended", "tokens_revoked"}``.
    """
    throttle.check(session, user.username, ip)
    if not verify_password(user.password_hash, current_password):
        session.rollback()
        throttle.record_failure(session, user.username, ip)
        raise AuthenticationError("the current password is wrong")
    check_password(new_password, username=user.username)
    new_hash = hash_password(new_password)
    result = apply_new_password(
        session, user, new_hash, keep_tokens=keep_tokens, keep_session=keep_session
    )
    record_audit(session, user, "change_password", "user", user.username, dict(result), ip=ip)
    session.commit()
    return result


def apply_new_password(
    session: Session,
    user: User,
    password_hash: str,
    *,
    keep_tokens: bool,
    keep_session: str | None = None,
) -> dict[str, int]:
    """Store ``password_hash`` and end what the old password opened (the caller audits, commits)."""
    user.password_hash = password_hash
    ended = sessions.end_user_sessions(session, user, keep_token=keep_session)
    revoked = 0 if keep_tokens else user_store.revoke_user_tokens(session, user)
    throttle.clear_account(session, user.username)
    session.flush()
    return {"sessions_ended": ended, "tokens_revoked": revoked}
