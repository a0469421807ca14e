"""Passwords (argon2), API tokens (only their SHA-256 is stored), CSRF tokens and the secret key."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import make_url

from keepwise.errors import ConfigError
from keepwise.settings import get_settings
from keepwise.store.db import normalize_url

TOKEN_PREFIX = "kw_"
SESSION_USER_KEY = "user_id"
SESSION_CSRF_KEY = "csrf_token"
SESSION_AUTH_KEY = "auth"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; what the store keeps)."""
    if not password:
        raise ConfigError("a password cannot be empty")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (never raises on a wrong password)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the username is unknown, so timing does not reveal which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def verify_dummy(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def generate_password(n_bytes: int = 12) -> str:
    """A random password for generated accounts (the demo admin)."""
    return secrets.token_urlsafe(n_bytes)


def new_api_token() -> tuple[str, str, str]:
    """A fresh API token: ``(token, sha256 hex, display prefix)``. Show ``token`` once, store the hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token), token[:10]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def session_fingerprint(username: str, password_hash: str) -> str:
    """What a login session stores to stay bound to the account: it no longer matches once the
    password changes (or the store is rebuilt and the user id now names someone else)."""
    return hashlib.sha256(f"{username}\0{password_hash}".encode()).hexdigest()[:32]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def secret_file_for(db_url: str) -> Path | None:
    """``<store>.secret`` next to a SQLite store file; ``None`` for other databases."""
    url = make_url(normalize_url(db_url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().resolve().with_name(Path(url.database).name + ".secret")


def resolve_secret_key(db_url: str, *, demo: bool = False, explicit: str | None = None) -> str:
    """The key that signs session cookies.

    In order: ``explicit``; the ``KEEPWISE_SECRET_KEY`` setting; for a SQLite store, the
    key kept in ``<store>.secret`` (generated with mode 0600 on first use); in demo mode a
    random per-process key. Otherwise (PostgreSQL, no key set) raise :class:`ConfigError`.
    """
    key = explicit or get_settings().secret_key
    if key:
        if len(key) < 16:
            raise ConfigError("KEEPWISE_SECRET_KEY is too short: use at least 16 random characters")
        return key
    path = secret_file_for(db_url)
    if path is not None:
        if path.exists():
            stored = path.read_text(encoding="utf-8").strip()
            if stored:
                return stored
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        return key
    if demo:
        return secrets.token_urlsafe(48)
    raise ConfigError(
        "set KEEPWISE_SECRET_KEY (a long random string) to serve a PostgreSQL store: "
        "e.g. export KEEPWISE_SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(48))')\""
    )
