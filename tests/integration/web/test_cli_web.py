"""`keepwise user ...` and `keepwise serve`'s refusal to start without users."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from keepwise.cli import app
from keepwise.errors import ConfigError
from keepwise.web.server import check_servable

pytestmark = pytest.mark.integration

runner = CliRunner()


def test_serve_refuses_a_store_without_users(sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match="keepwise user add"):
        check_servable(sqlite_url)
    result = runner.invoke(app, ["serve", "--db", sqlite_url, "--port", "0"])
    assert result.exit_code != 0
    assert "no active users" in result.output


def test_user_add_list_disable_token(sqlite_url: str) -> None:
    added = runner.invoke(
        app,
        ["user", "add", "alice", "--role", "admin", "--password-stdin", "--db", sqlite_url],
        input="s3cret-pass\n",
    )
    assert added.exit_code == 0, added.output
    assert check_servable(sqlite_url) == sqlite_url

    runner.invoke(
        app,
        ["user", "add", "bob", "--role", "sales_rep", "--password-stdin", "--db", sqlite_url],
        input="another-pass\n",
    )
    listed = runner.invoke(app, ["user", "list", "--format", "json", "--db", sqlite_url])
    users = {u["username"]: u for u in json.loads(listed.output)}
    assert users["alice"]["role"] == "admin" and users["bob"]["role"] == "sales_rep"
    assert users["bob"]["active"] is True

    token = runner.invoke(app, ["user", "token", "bob", "--name", "script", "--db", sqlite_url])
    assert token.exit_code == 0 and token.stdout.strip().splitlines()[-1].startswith("kw_")

    disabled = runner.invoke(app, ["user", "disable", "bob", "--db", sqlite_url])
    assert disabled.exit_code == 0
    listed = json.loads(
        runner.invoke(app, ["user", "list", "--format", "json", "--db", sqlite_url]).output
    )
    assert {u["username"]: u["active"] for u in listed} == {"alice": True, "bob": False}


def test_user_add_rejects_bad_input(sqlite_url: str) -> None:
    short = runner.invoke(
        app, ["user", "add", "carol", "--password-stdin", "--db", sqlite_url], input="short\n"
    )
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    role = runner.invoke(
        app,
        ["user", "add", "carol", "--role", "boss", "--password-stdin", "--db", sqlite_url],
        input="long-enough\n",
    )
    assert role.exit_code != 0 and "unknown role" in role.output
    runner.invoke(
        app, ["user", "add", "dave", "--password-stdin", "--db", sqlite_url], input="long-enough\n"
    )
    again = runner.invoke(
        app, ["user", "add", "dave", "--password-stdin", "--db", sqlite_url], input="long-enough\n"
    )
    assert again.exit_code != 0 and "already exists" in again.output
    missing = runner.invoke(app, ["user", "disable", "nobody", "--db", sqlite_url])
    assert missing.exit_code != 0 and "no user named" in missing.output
