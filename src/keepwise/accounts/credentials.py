"""Secrets of accounts: argon2 password hashes and API tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from keepwise.errors import ConfigError
from keepwise.settings import get_settings

#: Every API token starts with this, so a leaked one is easy to recognise (and to search for).
TOKEN_PREFIX = "kw_"

_hasher = PasswordHasher()


@cache
def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(get_settings().password_check_slots)


@contextmanager
def password_slot() -> Iterator[None]:
    """Hold one of the process's ``KEEPWISE_PASSWORD_CHECK_SLOTS`` argon2 slots.

    Each argon2 hash takes 64 MiB and a core for a while; bounding how many run at once keeps
    a flood of sign-in attempts from multiplying the server's memory and starving everyone
    else. (The web app also queues sign-ins before they take a thread: ``keepwise.web.auth``.)
    """
    with _slots():
        yield


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; what the store keeps)."""
    if not password:
        raise ConfigError("a password cannot be empty")
    with password_slot():
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (never raises on a wrong password)."""
    with password_slot():
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_dummy(password: str) -> None:
    """Spend the time of one verification, so timing does not reveal which usernames exist."""
    verify_password(_dummy_hash(), password)


def generate_password(n_bytes: int = 12) -> str:
    """A random password for generated accounts (the demo admin)."""
    return secrets.token_urlsafe(n_bytes)


def new_api_token() -> tuple[str, str, str]:
    """A fresh API token: ``(token, sha256 hex, display prefix)``. Show ``token`` once, store the hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token), token[:10]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
