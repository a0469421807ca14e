"""Session key resolution, password and token hashing, safe redirects."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from keepwise.errors import ConfigError
from keepwise.settings import get_settings
from keepwise.web.auth import safe_next
from keepwise.web.security import (
    csrf_matches,
    hash_password,
    hash_token,
    new_api_token,
    resolve_secret_key,
    verify_password,
)


def test_secret_key_is_generated_once_next_to_a_sqlite_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEEPWISE_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first = resolve_secret_key(url)
    secret_file = tmp_path / "store.db.secret"
    assert secret_file.exists() and stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert resolve_secret_key(url) == first and len(first) >= 32


def test_secret_key_from_settings_wins_and_must_be_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEEPWISE_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    assert resolve_secret_key(f"sqlite:///{tmp_path / 's.db'}") == "k" * 40
    assert not (tmp_path / "s.db.secret").exists()
    monkeypatch.setenv("KEEPWISE_SECRET_KEY", "short")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="too short"):
        resolve_secret_key(f"sqlite:///{tmp_path / 's.db'}")


def test_postgres_needs_a_secret_key_outside_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEEPWISE_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    url = "postgresql+psycopg://u@127.0.0.1/db"
    with pytest.raises(ConfigError, match="KEEPWISE_SECRET_KEY"):
        resolve_secret_key(url)
    assert resolve_secret_key(url, demo=True) != resolve_secret_key(url, demo=True)


def test_password_hash_is_argon2_and_verifies() -> None:
    hashed = hash_password("s3cret-pass")
    assert hashed.startswith("$argon2id$") and "s3cret-pass" not in hashed
    assert verify_password(hashed, "s3cret-pass")
    assert not verify_password(hashed, "wrong")
    assert not verify_password("not-a-hash", "s3cret-pass")
    with pytest.raises(ConfigError):
        hash_password("")


def test_api_tokens_are_random_and_hashed() -> None:
    token, digest, prefix = new_api_token()
    other, _, _ = new_api_token()
    assert token.startswith("kw_") and token != other and len(token) > 40
    assert digest == hash_token(token) and len(digest) == 64 and token.startswith(prefix)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/customers/C1?x=1", "/customers/C1?x=1"),
        (None, "/"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil", "/"),
        ("", "/"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_csrf_matches() -> None:
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd")
    assert (
        not csrf_matches(None, None) and not csrf_matches("", "") and not csrf_matches("abc", None)
    )
