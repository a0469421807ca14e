"""Accounts: users, their roles and passwords, sign-in, sessions and API tokens.

The command line (``keepwise user ...``), the demo and the web app all call these; none of
it needs the web package. The SQL is in :mod:`keepwise.store.users` and
:mod:`keepwise.store.sessions`; argon2 hashes and token digests in
:mod:`keepwise.accounts.credentials`; the password policy in :mod:`keepwise.accounts.policy`;
sign-in, its throttle and sessions in :mod:`.signin`, :mod:`.throttle` and :mod:`.sessions`;
what administrators do in :mod:`.manage`. Every change is audited.

Functions that take a store URL open their own transaction and commit (the command line);
those that take a ``Session`` leave committing to the caller (a web request), except
:func:`sign_in`, :func:`sign_out` and :func:`change_own_password`, which commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from keepwise.accounts import manage
from keepwise.accounts.credentials import (
    TOKEN_PREFIX,
    generate_password,
    hash_password,
    hash_token,
    new_api_token,
    verify_password,
)
from keepwise.accounts.policy import check_password, password_problem
from keepwise.accounts.sessions import (
    end_user_sessions,
    is_session_token,
    live_sessions,
    session_user,
    start_session,
)
from keepwise.accounts.signin import (
    apply_new_password,
    authenticate,
    change_own_password,
    sign_in,
    sign_out,
)
from keepwise.models import USER_ROLES, ApiToken, User
from keepwise.store import users as user_store
from keepwise.store.audit import record_audit
from keepwise.store.db import require_current, session_scope

__all__ = [
    "DEMO_ADMIN",
    "ROLES",
    "TOKEN_PREFIX",
    "TokenInfo",
    "UserInfo",
    "authenticate",
    "change_own_password",
    "check_password",
    "create_token",
    "create_user",
    "end_user_sessions",
    "ensure_demo_admin",
    "generate_password",
    "hash_password",
    "hash_token",
    "is_session_token",
    "issue_token",
    "list_tokens",
    "list_users",
    "live_sessions",
    "manage",
    "new_api_token",
    "password_problem",
    "revoke_token",
    "session_user",
    "set_password",
    "set_role",
    "set_user_active",
    "sign_in",
    "sign_out",
    "sign_out_everywhere",
    "start_session",
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


@dataclass(frozen=True)
class TokenInfo:
    """An API token as the CLI lists it (never the token itself)."""

    id: int
    name: str
    prefix: str
    created_at: datetime | None
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenInfo:
        return cls(
            token.id,
            token.name,
            token.prefix,
            token.created_at,
            token.last_used_at,
            token.expires_at,
            token.revoked_at,
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
    """Add a local user with an argon2 hash of ``password`` (which must pass the policy)."""
    require_current(url)
    with session_scope(url) as session:
        user = manage.add_user(
            session,
            None,
            username,
            password,
            role=role,
            display_name=display_name,
            email=email,
            locale=locale,
        )
        return UserInfo.of(user)


def list_users(url: str | None) -> list[UserInfo]:
    require_current(url)
    with session_scope(url) as session:
        return [UserInfo.of(u) for u in user_store.list_users(session)]


def set_user_active(url: str | None, username: str, is_active: bool) -> UserInfo:
    """Disable (or re-enable) a user; disabling ends their sessions and revokes their API
    tokens, re-enabling brings neither back."""
    require_current(url)
    with session_scope(url) as session:
        return UserInfo.of(manage.update_user(session, None, username, is_active=is_active))


def set_role(url: str | None, username: str, role: str) -> UserInfo:
    """Give a user another role (there is always one active admin left)."""
    require_current(url)
    with session_scope(url) as session:
        return UserInfo.of(manage.update_user(session, None, username, role=role))


def set_password(
    url: str | None, username: str, password: str, *, keep_tokens: bool = False
) -> dict[str, int]:
    """A new password: the user's sessions end and their API tokens are revoked unless
    ``keep_tokens``. Returns ``{"sessions_ended", "tokens_revoked"}``."""
    require_current(url)
    with session_scope(url) as session:
        return manage.set_password(session, None, username, password, keep_tokens=keep_tokens)


def sign_out_everywhere(url: str | None, username: str) -> int:
    """End every session of ``username``; the number ended."""
    require_current(url)
    with session_scope(url) as session:
        return manage.sign_out_everywhere(session, None, username)


def create_token(
    url: str | None, username: str, name: str = "cli", *, expires_days: float | None = None
) -> str:
    """Issue an API token for ``username`` and return it (shown once; only its hash is kept)."""
    require_current(url)
    with session_scope(url) as session:
        user = user_store.require_user(session, username)
        token, _ = manage.issue_token(session, user, name, expires_days=expires_days, actor=None)
        return token


def list_tokens(url: str | None, username: str) -> list[TokenInfo]:
    """The API tokens of ``username``, newest first (revoked and expired ones included)."""
    require_current(url)
    with session_scope(url) as session:
        user = user_store.require_user(session, username)
        return [TokenInfo.of(t) for t in user_store.list_tokens(session, user)]


def revoke_token(url: str | None, username: str, token_id: int) -> TokenInfo:
    require_current(url)
    with session_scope(url) as session:
        return TokenInfo.of(manage.revoke_token(session, None, username, token_id))


def issue_token(
    session: Session, user: User, name: str, *, expires_days: float | None = None
) -> str:
    """Add a token for ``user`` to ``session`` and return its clear text (the caller commits)."""
    token, _ = manage.issue_token(session, user, name, expires_days=expires_days)
    return token


def user_for_token(session: Session, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
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
            ended = apply_new_password(session, user, password_hash, keep_tokens=False)
            user.role = "admin"
            user.is_active = True
            record_audit(session, None, "set_password", "user", DEMO_ADMIN, {"demo": True, **ended})
    return DEMO_ADMIN, password
