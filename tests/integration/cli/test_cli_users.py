"""`keepwise user role|password|signout|token|tokens|revoke-token`: accounts from the command
line, the CLI twin of /admin/users (SQLite; the same functions run on PostgreSQL in
tests/integration/web)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from keepwise import accounts
from keepwise.cli import app
from keepwise.store import get_engine
from keepwise.store.sessions import utcnow

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from keepwise.accounts import credentials

    monkeypatch.setattr(
        credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def _run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["user", *args], input=stdin)


def _signed_in(url: str, username: str) -> str:
    with Session(get_engine(url)) as session:
        user = accounts.authenticate(session, username, "violet-harbour-42")
        token = accounts.start_session(session, user)
        session.commit()
        return token


def _alive(url: str, token: str) -> bool:
    with Session(get_engine(url)) as session:
        return accounts.session_user(session, token) is not None


def test_role_password_signout_and_tokens(sqlite_url: str) -> None:
    db = ["--db", sqlite_url]
    assert _run("add", "ann", "--password-stdin", *db, stdin="violet-harbour-42\n").exit_code == 0
    role = _run("role", "ann", "manager", *db)
    assert role.exit_code == 0 and "manager" in role.output
    assert _run("role", "ann", "boss", *db).exit_code != 0

    made = _run("token", "ann", "--name", "ci", "--expires-days", "7", *db)
    assert made.exit_code == 0
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("kw_")
    listed = json.loads(_run("tokens", "ann", "--format", "json", *db).stdout)
    assert [(t["name"], t["revoked_at"]) for t in listed] == [("ci", None)]
    assert listed[0]["expires_at"][:10] == (utcnow() + timedelta(days=7)).date().isoformat()
    assert token not in json.dumps(listed)

    session_token = _signed_in(sqlite_url, "ann")
    kept = _run(
        "password", "ann", "--password-stdin", "--keep-tokens", *db, stdin="amber-falcon-77\n"
    )
    assert kept.exit_code == 0 and "1 session(s) ended, 0 API token(s) revoked" in kept.output
    assert not _alive(sqlite_url, session_token)
    weak = _run("password", "ann", "--password-stdin", *db, stdin="iloveyou1\n")
    assert weak.exit_code != 0 and ("at least 10" in weak.output or "too common" in weak.output)
    revoked = _run("password", "ann", "--password-stdin", *db, stdin="violet-harbour-42\n")
    assert "0 session(s) ended, 1 API token(s) revoked" in revoked.output

    again = _run("token", "ann", *db).stdout.strip().splitlines()[-1]
    ids = [t["id"] for t in json.loads(_run("tokens", "ann", "--format", "json", *db).stdout)]
    gone = _run("revoke-token", "ann", str(ids[0]), *db)
    assert gone.exit_code == 0 and "revoked" in gone.output
    with Session(get_engine(sqlite_url)) as session:
        assert accounts.user_for_token(session, again) is None
    assert _run("revoke-token", "ann", "999", *db).exit_code != 0

    one, two = _signed_in(sqlite_url, "ann"), _signed_in(sqlite_url, "ann")
    out = _run("signout", "ann", *db)
    assert out.exit_code == 0 and "2 session(s)" in out.output
    assert not _alive(sqlite_url, one) and not _alive(sqlite_url, two)


def test_user_list_csv_is_real_csv(sqlite_url: str) -> None:
    accounts.create_user(
        sqlite_url, "bo", "violet-harbour-42", display_name='Bo, "the boss"', locale="en"
    )
    out = _run("list", "--format", "csv", "--db", sqlite_url).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["username"], r["display_name"], r["active"]) for r in rows] == [
        ("bo", 'Bo, "the boss"', "True")
    ]
