"""Web sessions: the session keys, CSRF tokens and the key that signs session cookies.

Passwords and API tokens are the accounts' business: :mod:`keepwise.accounts.credentials`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from keepwise.errors import ConfigError
from keepwise.settings import get_settings
from keepwise.store.db import normalize_url

SESSION_USER_KEY = "user_id"
SESSION_CSRF_KEY = "csrf_token"
SESSION_AUTH_KEY = "auth"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


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
