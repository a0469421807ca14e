"""Session key resolution, safe redirects and CSRF tokens (password and token hashing:
tests/unit/test_accounts.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from keepwise.errors import ConfigError
from keepwise.settings import get_settings
from keepwise.web.auth import safe_next
from keepwise.web.security import csrf_matches, resolve_secret_key


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
