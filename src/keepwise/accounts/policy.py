"""The password policy: long enough, not a common password, not the username.

The list of common passwords ships with keepwise (``common-passwords.txt.gz``: 20,000
passwords seen most often in breaches, lowercased; see ``common-passwords.LICENSE``), so the
check needs no network. Comparison ignores case and surrounding spaces, as the list does.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from keepwise.errors import N_, Message, PasswordPolicyError
from keepwise.settings import get_settings

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")
#: Longer passwords are refused: hashing megabytes of input is a cheap way to load a server.
MAX_PASSWORD_LENGTH = 1024


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lowercase), read once."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problem(
    password: str, *, username: str | None = None, min_length: int | None = None
) -> Message | None:
    """What is wrong with ``password`` as a new password, or ``None`` when it is acceptable."""
    if min_length is None:
        min_length = get_settings().password_min_length
    if len(password) < min_length:
        return Message(N_("A password needs at least %(n)s characters."), {"n": min_length})
    if len(password) > MAX_PASSWORD_LENGTH:
        return Message(
            N_("A password can have at most %(n)s characters."), {"n": MAX_PASSWORD_LENGTH}
        )
    folded = password.strip().lower()
    if len(set(folded)) < 3:
        return Message(N_("This password repeats too few characters; choose another."))
    if username and folded in {username.strip().lower(), username.strip().lower()[::-1]}:
        return Message(N_("A password cannot be the username."))
    if folded in common_passwords():
        return Message(
            N_("This password is too common; choose one that is not on lists of leaked passwords.")
        )
    return None


def check_password(
    password: str, *, username: str | None = None, min_length: int | None = None
) -> None:
    """Raise :class:`~keepwise.errors.PasswordPolicyError` when ``password`` breaks the policy."""
    problem = password_problem(password, username=username, min_length=min_length)
    if problem is not None:
        raise PasswordPolicyError(problem)
