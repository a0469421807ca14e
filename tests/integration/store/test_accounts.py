"""Accounts (keepwise.accounts): users, roles, argon2 passwords, sign-in and API tokens, on
SQLite and PostgreSQL; none of it needs the web package."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from keepwise import accounts
from keepwise.accounts import credentials
from keepwise.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    NotFoundError,
    StoreError,
)
from keepwise.models import ApiToken, AuditLog, User
from keepwise.store import get_engine, session_scope

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters (still argon2id); production keeps argon2-cffi's defaults."""
    monkeypatch.setattr(
        credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def test_password_hash_is_argon2_and_verifies() -> None:
    hashed = accounts.hash_password("s3cret-pass")
    assert hashed.startswith("$argon2id$") and "s3cret-pass" not in hashed
    assert accounts.verify_password(hashed, "s3cret-pass")
    assert not accounts.verify_password(hashed, "wrong")
    assert not accounts.verify_password("not-a-hash", "s3cret-pass")
    with pytest.raises(ConfigError):
        accounts.hash_password("")


def test_api_tokens_are_random_and_hashed() -> None:
    token, digest, prefix = accounts.new_api_token()
    other, _, _ = accounts.new_api_token()
    assert token.startswith("kw_") and token != other and len(token) > 40
    assert digest == accounts.hash_token(token) and len(digest) == 64 and token.startswith(prefix)


def test_users_roles_passwords_and_sign_in(db_url: str) -> None:
    info = accounts.create_user(db_url, " alice ", "s3cret-pass", role="admin", locale="en")
    assert (info.username, info.role, info.locale, info.is_active) == ("alice", "admin", "en", True)
    accounts.create_user(db_url, "bob", "another-pass")  # sales_rep by default
    assert [(u.username, u.role) for u in accounts.list_users(db_url)] == [
        ("alice", "admin"),
        ("bob", "sales_rep"),
    ]
    assert accounts.ROLES == ("admin", "manager", "sales_rep")
    with pytest.raises(ConfigError, match="unknown role 'boss'"):
        accounts.create_user(db_url, "carol", "long-enough", role="boss")
    with pytest.raises(ConflictError, match="already exists"):
        accounts.create_user(db_url, "bob", "long-enough")

    with session_scope(db_url) as session:
        stored = session.execute(select(User.password_hash).where(User.username == "bob"))
        assert stored.scalar_one().startswith("$argon2id$")
        assert accounts.authenticate(session, " bob ", "another-pass").username == "bob"
        for name, password in (("bob", "wrong"), ("nobody", "another-pass")):
            with pytest.raises(AuthenticationError, match="^wrong username or password$"):
                accounts.authenticate(session, name, password)

    accounts.set_password(db_url, "bob", "changed-pass")
    accounts.set_user_active(db_url, "alice", False)
    with session_scope(db_url) as session:
        assert accounts.authenticate(session, "bob", "changed-pass").username == "bob"
        # a disabled account answers exactly like a wrong password (issue 12)
        with pytest.raises(AuthenticationError, match="^wrong username or password$"):
            accounts.authenticate(session, "alice", "s3cret-pass")
        actions = session.execute(select(AuditLog.action, AuditLog.entity_id)).all()
    assert {("create", "alice"), ("set_password", "bob"), ("disable", "alice")} <= set(actions)
    with pytest.raises(NotFoundError, match="no user named 'nobody'"):
        accounts.set_password(db_url, "nobody", "long-enough")


def test_tokens_are_shown_once_and_die_with_the_user(db_url: str) -> None:
    # a plain session, as a web request has: user_for_token commits the token's last use
    accounts.create_user(db_url, "rep", "s3cret-pass")
    token = accounts.create_token(db_url, "rep", "script")
    with Session(get_engine(db_url)) as session:
        digests = session.execute(select(ApiToken.token_hash, ApiToken.name)).all()
        assert digests == [(accounts.hash_token(token), "script")]  # only the digest is kept
        user = accounts.user_for_token(session, token)
        assert user is not None and user.username == "rep"
        assert accounts.user_for_token(session, "kw_not-a-token") is None
        assert accounts.user_for_token(session, "no prefix") is None
    accounts.set_user_active(db_url, "rep", False)
    with Session(get_engine(db_url)) as session:
        assert accounts.user_for_token(session, token) is None
    with pytest.raises(AuthenticationError, match="disabled"):
        accounts.create_token(db_url, "rep")
    accounts.set_user_active(db_url, "rep", True)
    with Session(get_engine(db_url)) as session:  # re-enabling does not bring old tokens back
        assert accounts.user_for_token(session, token) is None


def test_demo_admin_gets_a_new_password_each_time(db_url: str) -> None:
    name, first = accounts.ensure_demo_admin(db_url)
    _, second = accounts.ensure_demo_admin(db_url)
    assert name == accounts.DEMO_ADMIN and first != second and len(second) >= 16
    with session_scope(db_url) as session:
        assert accounts.authenticate(session, name, second).role == "admin"
        with pytest.raises(AuthenticationError):
            accounts.authenticate(session, name, first)


def test_accounts_need_a_migrated_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is empty: run `keepwise init`"):
        accounts.list_users(f"sqlite:///{tmp_path}/empty.db")
