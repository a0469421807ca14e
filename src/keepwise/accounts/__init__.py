"""Accounts: users, their roles and passwords, sign-in, and API tokens.

The command line (``keepwise user ...``), the demo and the web app all call these; none of
it needs the web package. The SQL is in :mod:`keepwise.store.users`, the argon2 password
hashes and token digests in :mod:`keepwise.accounts.credentials`. Every change is audited.

Functions that take a store URL open their own transaction and commit; those that take a
``Session`` (``issue_token``, ``authenticate``, ``user_for_token``) leave committing to the
caller (a web request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from keepwise.accounts import credentials
from keepwise.accounts.credentials import (
    TOKEN_PREFIX,
    generate_password,
    hash_password,
    hash_token,
    new_api_token,
    verify_password,
)
from keepwise.errors import AuthenticationError
from keepwise.models import USER_ROLES, User
from keepwise.store import users as user_store
from keepwise.store.audit import record_audit
from keepwise.store.db import require_current, session_scope

__all__ = [
    "DEMO_ADMIN",
    "ROLES",
    "TOKEN_PREFIX",
    "UserInfo",
    "authenticate",
    "create_token",
    "create_user",
    "ensure_demo_admin",
    "generate_password",
    "hash_password",
    "hash_token",
    "issue_token",
    "list_users",
    "new_api_token",
    "set_password",
    "set_user_active",
    "user_for_token",
    "verify_password",
]

#: The roles a user can have, from most to least access (see docs/web.md, "Roles").
ROLES: tuple[str, ...] = USER_ROLES

DEMO_ADMIN = "admin"


@dataclass(frozen=True)
class UserInfo:
    """A user as the CLI lists it (no password hash)."""

    username: str
    role: str
    display_name: str | None
    email: str | None
    locale: str
    is_active: bool
    created_at: datetime | None
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(
            user.username,
            user.role,
            user.display_name,
            user.email,
            user.locale,
            bool(user.is_active),
            user.created_at,
            user.last_login_at,
        )


def create_user(
    url: str | None,
    username: str,
    password: str,
    *,
    role: str = "sales_rep",
    display_name: str | None = None,
    email: str | None = None,
    locale: str = "zh_CN",
) -> UserInfo:
    """Add a local user with an argon2 hash of ``password``."""
    require_current(url)
    user_store.check_role(role)
    password_hash = hash_password(password)
    with session_scope(url) as session:
        user = user_store.add_user(
            session,
            username,
            password_hash,
            role=role,
            display_name=display_name,
            email=email,
            locale=locale,
        )
        record_audit(session, None, "create", "user", user.username, {"role": role})
        return UserInfo.of(user)


def list_users(url: str | None) -> list[UserInfo]:
    require_current(url)
    with session_scope(url) as session:
        return [UserInfo.of(u) for u in user_store.list_users(session)]


def set_user_active(url: str | None, username: str, is_active: bool) -> UserInfo:
    """Disable (or re-enable) a user; disabling also revokes their API tokens."""
    require_current(url)
    with session_scope(url) as session:
        user = user_store.set_active(session, username, is_active)
        record_audit(session, None, "enable" if is_active else "disable", "user", username)
        return UserInfo.of(user)


def set_password(url: str | None, username: str, password: str) -> None:
    require_current(url)
    password_hash = hash_password(password)
    with session_scope(url) as session:
        user = user_store.require_user(session, username)
        user.password_hash = password_hash
        record_audit(session, None, "set_password", "user", username)


def create_token(url: str | None, username: str, name: str = "cli") -> str:
    """Issue an API token for ``username`` and return it (shown once; only its hash is kept)."""
    require_current(url)
    with session_scope(url) as session:
        user = user_store.require_user(session, username)
        if not user.is_active:
            raise AuthenticationError(f"user {username!r} is disabled")
        return issue_token(session, user, name)


def issue_token(session: Session, user: User, name: str) -> str:
    """Add a token for ``user`` to ``session`` and return its clear text (the caller commits)."""
    token, token_hash, prefix = new_api_token()
    user_store.add_token(session, user, name, token_hash, prefix)
    record_audit(session, user, "create", "api_token", prefix, {"name": name})
    return token


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with this username and password, else :class:`AuthenticationError`.

    The message never says whether the username exists.
    """
    user = user_store.get_user(session, username.strip())
    if user is None:
        credentials.verify_dummy(password)
        raise AuthenticationError("wrong username or password")
    if not verify_password(user.password_hash, password):
        raise AuthenticationError("wrong username or password")
    if not user.is_active:
        raise AuthenticationError("this account is disabled; ask an administrator")
    return user


def user_for_token(session: Session, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    return user_store.user_for_token_hash(session, hash_token(token))


def ensure_demo_admin(url: str | None) -> tuple[str, str]:
    """Create (or reset) the demo's ``admin`` user with a fresh random password.

    Returns ``(username, password)`` for the demo to print. There is no fixed default
    password: each call draws a new one.
    """
    require_current(url)
    password = generate_password()
    password_hash = hash_password(password)
    with session_scope(url) as session:
        user = user_store.get_user(session, DEMO_ADMIN)
        if user is None:
            user = user_store.add_user(
                session,
                DEMO_ADMIN,
                password_hash,
                role="admin",
                display_name="Demo admin",
                locale="zh_CN",
            )
            record_audit(
                session, None, "create", "user", DEMO_ADMIN, {"role": "admin", "demo": True}
            )
        else:
            user.password_hash = password_hash
            user.role = "admin"
            user.is_active = True
            record_audit(session, None, "set_password", "user", DEMO_ADMIN, {"demo": True})
    return DEMO_ADMIN, password
