"""Queries on users and API tokens. Password hashing lives in :mod:`keepwise.accounts.credentials`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from keepwise.errors import ConfigError, ConflictError, NotFoundError
from keepwise.models import LOCALES, USER_ROLES, ApiToken, User
from keepwise.store.sessions import utcnow


def check_role(role: str) -> str:
    if role not in USER_ROLES:
        raise ConfigError(f"unknown role {role!r}; use one of {', '.join(USER_ROLES)}")
    return role


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ConfigError(f"unknown locale {locale!r}; use one of {', '.join(LOCALES)}")
    return locale


def count_users(session: Session, *, active_only: bool = False) -> int:
    stmt = select(func.count()).select_from(User)
    if active_only:
        stmt = stmt.where(User.is_active.is_(True))
    return int(session.execute(stmt).scalar_one())


def get_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def require_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise NotFoundError(f"no user named {username!r}; see `keepwise user list`")
    return user


def get_user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def add_user(
    session: Session,
    username: str,
    password_hash: str,
    *,
    role: str = "sales_rep",
    display_name: str | None = None,
    email: str | None = None,
    locale: str = "zh_CN",
) -> User:
    """Add a user (flushed, not committed). Raises :class:`ConflictError` if the name is taken."""
    username = username.strip()
    if not username:
        raise ConfigError("a username cannot be empty")
    check_role(role)
    check_locale(locale)
    if get_user(session, username) is not None:
        raise ConflictError(f"a user named {username!r} already exists")
    user = User(
        username=username,
        password_hash=password_hash,
        role=role,
        display_name=display_name,
        email=email,
        locale=locale,
        is_active=True,
    )
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, username: str, is_active: bool) -> User:
    user = require_user(session, username)
    user.is_active = is_active
    if not is_active:
        revoke_user_tokens(session, user)
    session.flush()
    return user


def revoke_user_tokens(session: Session, user: User) -> int:
    """Revoke every API token of ``user`` still in force; the number revoked."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def set_locale(session: Session, user: User, locale: str) -> User:
    """Store the user's language (``zh_CN`` or ``en``) and commit."""
    user.locale = check_locale(locale)
    session.commit()
    return user


def touch_login(session: Session, user: User) -> None:
    user.last_login_at = utcnow()
    session.flush()


def add_token(
    session: Session,
    user: User,
    name: str,
    token_hash: str,
    prefix: str,
    *,
    expires_at: datetime | None = None,
) -> ApiToken:
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_hash,
        prefix=prefix,
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    stmt = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.execute(stmt).scalars())


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFoundError(f"no API token {token_id} of user {user.username!r}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()
    return token


def user_for_token_hash(session: Session, token_hash: str) -> User | None:
    """The active user owning the unrevoked, unexpired token with this SHA-256 hash, else ``None``."""
    now = utcnow()
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == token_hash,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            User.is_active.is_(True),
        )
    ).first()
    if row is None:
        return None
    token, user = row
    # Write last use at most once a minute: API reads stay read-only under load.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        session.commit()
    return user


def active_token_counts(session: Session) -> dict[int, int]:
    """``{user id: API tokens in force}`` (not revoked, not expired)."""
    now = utcnow()
    stmt = (
        select(ApiToken.user_id, func.count())
        .where(
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        )
        .group_by(ApiToken.user_id)
    )
    return {int(uid): int(n) for uid, n in session.execute(stmt)}
