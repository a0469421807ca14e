"""What administrators do to accounts, in the caller's transaction: create users, change roles,
disable and enable, set passwords, sign people out everywhere, issue and revoke API tokens.

Each function takes the acting user (``None`` for the command line, which runs with the store
owner's authority) for the audit row, and leaves committing to the caller. The URL-taking
functions of :mod:`keepwise.accounts` wrap these in a transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keepwise.accounts import sessions, throttle
from keepwise.accounts.credentials import hash_password, new_api_token
from keepwise.accounts.policy import check_password
from keepwise.accounts.signin import apply_new_password
from keepwise.errors import AuthenticationError, ConfigError, ConflictError
from keepwise.models import ApiToken, User
from keepwise.store import users as user_store
from keepwise.store.audit import record_audit
from keepwise.store.sessions import utcnow

#: The longest life an API token can be given.
MAX_TOKEN_DAYS = 3650


def add_user(
    session: Session,
    actor: User | None,
    username: str,
    password: str,
    *,
    role: str = "sales_rep",
    display_name: str | None = None,
    email: str | None = None,
    locale: str = "zh_CN",
    ip: str | None = None,
) -> User:
    """Add a user whose password passes the policy (:mod:`keepwise.accounts.policy`)."""
    user_store.check_role(role)
    user_store.check_locale(locale)
    check_password(password, username=username.strip())
    password_hash = hash_password(password)
    user = user_store.add_user(
        session,
        username,
        password_hash,
        role=role,
        display_name=display_name,
        email=email,
        locale=locale,
    )
    record_audit(session, actor, "create", "user", user.username, {"role": role}, ip=ip)
    return user


def _active_admins(session: Session) -> int:
    stmt = (
        select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True))
    )
    return int(session.execute(stmt).scalar_one())


def _keep_an_admin(session: Session, user: User, *, role: str, is_active: bool) -> None:
    """Refuse a change that would leave no active administrator."""
    was_admin = user.role == "admin" and user.is_active
    stays_admin = role == "admin" and is_active
    if was_admin and not stays_admin and _active_admins(session) <= 1:
        raise ConflictError(
            f"{user.username!r} is the last active admin: make another user admin first"
        )


def update_user(
    session: Session,
    actor: User | None,
    username: str,
    *,
    role: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    locale: str | None = None,
    is_active: bool | None = None,
    ip: str | None = None,
) -> User:
    """Change a user's role, names, language or whether they may sign in.

    Disabling ends their sessions and revokes their API tokens; enabling brings neither back
    (and clears the account's failed sign-ins). A change made in the web app (``actor`` given)
    that would leave no active admin is refused.
    """
    user = user_store.require_user(session, username)
    before = {
        "role": user.role,
        "display_name": user.display_name,
        "email": user.email,
        "locale": user.locale,
        "is_active": bool(user.is_active),
    }
    after = dict(before)
    if role is not None:
        after["role"] = user_store.check_role(role)
    if locale is not None:
        after["locale"] = user_store.check_locale(locale)
    if display_name is not None:
        after["display_name"] = display_name.strip() or None
    if email is not None:
        after["email"] = email.strip() or None
    if is_active is not None:
        after["is_active"] = bool(is_active)
    if actor is not None:  # in the web app; the command line can always repair
        _keep_an_admin(session, user, role=str(after["role"]), is_active=bool(after["is_active"]))
    changes: dict[str, list[object]] = {
        k: [before[k], after[k]] for k in before if before[k] != after[k]
    }
    if not changes:
        return user
    user.role = str(after["role"])
    user.locale = str(after["locale"])
    user.display_name = after["display_name"]  # type: ignore[assignment]
    user.email = after["email"]  # type: ignore[assignment]
    if "is_active" in changes:
        if after["is_active"]:
            user.is_active = True
            throttle.clear_account(session, user.username)
        else:
            user_store.set_active(session, user.username, False)
            changes["sessions_ended"] = [None, sessions.end_user_sessions(session, user)]
    session.flush()
    action = "update"
    if list(changes) in (["is_active"], ["is_active", "sessions_ended"]):
        action = "enable" if after["is_active"] else "disable"
    record_audit(session, actor, action, "user", user.username, changes, ip=ip)
    return user


def set_password(
    session: Session,
    actor: User | None,
    username: str,
    password: str,
    *,
    keep_tokens: bool = False,
    ip: str | None = None,
) -> dict[str, int]:
    """Give ``username`` a new password: their sessions end, and their API tokens are revoked
    unless ``keep_tokens``. Returns ``{"sessions_ended", "tokens_revoked"}``."""
    user = user_store.require_user(session, username)
    check_password(password, username=user.username)
    result = apply_new_password(session, user, hash_password(password), keep_tokens=keep_tokens)
    record_audit(
        session,
        actor,
        "set_password",
        "user",
        user.username,
        {**result, "keep_tokens": keep_tokens},
        ip=ip,
    )
    return result


def sign_out_everywhere(
    session: Session,
    actor: User | None,
    username: str,
    *,
    keep_token: str | None = None,
    ip: str | None = None,
) -> int:
    """End every session of ``username`` (but ``keep_token``'s: "everywhere else"); the
    number ended."""
    user = user_store.require_user(session, username)
    ended = sessions.end_user_sessions(session, user, keep_token=keep_token)
    record_audit(
        session,
        actor,
        "sign_out_everywhere",
        "user",
        user.username,
        {"sessions_ended": ended},
        ip=ip,
    )
    return ended


def token_expiry(expires_days: float | None) -> datetime | None:
    """When a token made now for ``expires_days`` days stops working (``None``: never)."""
    if expires_days is None:
        return None
    if not 0 < expires_days <= MAX_TOKEN_DAYS:
        raise ConfigError(f"a token lasts between 1 and {MAX_TOKEN_DAYS} days, not {expires_days}")
    return utcnow() + timedelta(days=expires_days)


def issue_token(
    session: Session,
    user: User,
    name: str,
    *,
    expires_days: float | None = None,
    actor: User | None = None,
    ip: str | None = None,
) -> tuple[str, ApiToken]:
    """A new API token for ``user``: ``(clear text, row)``. Show the text once; only its SHA-256
    is stored. ``actor`` (default: ``user``) is who the audit row names."""
    if not user.is_active:
        raise AuthenticationError(f"user {user.username!r} is disabled")
    expires_at = token_expiry(expires_days)
    token, token_hash, prefix = new_api_token()
    row = user_store.add_token(session, user, name, token_hash, prefix, expires_at=expires_at)
    record_audit(
        session,
        actor if actor is not None else user,
        "create",
        "api_token",
        prefix,
        {"name": name, "user": user.username, "expires_at": expires_at},
        ip=ip,
    )
    return token, row


def revoke_token(
    session: Session, actor: User | None, username: str, token_id: int, *, ip: str | None = None
) -> ApiToken:
    """Revoke API token ``token_id`` of ``username`` (404 when it is someone else's)."""
    user = user_store.require_user(session, username)
    token = user_store.revoke_token(session, user, token_id)
    record_audit(
        session, actor, "revoke", "api_token", token.prefix, {"user": user.username}, ip=ip
    )
    return token
