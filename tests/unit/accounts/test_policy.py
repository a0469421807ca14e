"""The password policy (keepwise.accounts.policy): length, repetition, the username and the
shipped list of common passwords."""

from __future__ import annotations

import pytest

from keepwise.accounts.policy import MAX_PASSWORD_LENGTH, check_password, common_passwords
from keepwise.errors import ConfigError, PasswordPolicyError
from keepwise.settings import get_settings


def test_the_shipped_list_is_read() -> None:
    common = common_passwords()
    assert len(common) > 19_000
    assert {"123456", "password", "qwerty", "woaini1314", "5201314", "1qaz2wsx"} <= common
    assert all(p == p.lower() for p in list(common)[:500])


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 10"),
        ("Password123", "too common"),  # case does not matter
        (" qwertyuiop ", "too common"),
        ("abc123456789", "too common"),
        ("aaaaaaaaaaaa", "too few"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), "at most"),
        ("Alice-Smith", "the username"),
    ],
)
def test_weak_passwords_are_refused(password: str, problem: str) -> None:
    with pytest.raises(PasswordPolicyError, match=problem) as info:
        check_password(password, username="alice-smith")
    assert isinstance(info.value, ConfigError)  # the CLI prints it like any bad input
    assert info.value.message.template  # translatable on the pages


def test_good_passwords_pass() -> None:
    for password in ("violet-harbour-42", "correct horse battery", "我的密码是长的而且不常见"):
        check_password(password, username="alice")


def test_the_minimum_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEEPWISE_PASSWORD_MIN_LENGTH", "16")
    get_settings.cache_clear()
    with pytest.raises(PasswordPolicyError, match="at least 16"):
        check_password("violet-harbour-42"[:15])
    check_password("violet-harbour-42")
