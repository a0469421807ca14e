"""`keepwise serve --forwarded-allow-ips`: a trusted proxy's X-Forwarded-Proto: https makes the
session cookie Secure and adds HSTS, and its X-Forwarded-For is the client address the login
throttle and the audit log see; an untrusted client's headers change nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from keepwise.accounts import create_user
from keepwise.models import AuditLog
from keepwise.store import session_scope

pytestmark = pytest.mark.integration


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve(sqlite_url: str, tmp_path: Path) -> Iterator[object]:
    create_user(sqlite_url, "admin", "a-long-password", role="admin")
    procs: list[subprocess.Popen[bytes]] = []

    def start(*cli_args: str) -> str:
        port = _free_port()
        env = {**os.environ, "KEEPWISE_SECRET_KEY": "p" * 32, "KEEPWISE_WARM_UP": "0"}
        args = ["serve", "--db", sqlite_url, "--port", str(port), *cli_args]
        code = (
            f"import sys; from keepwise.cli import main; sys.argv = ['keepwise', *{args!r}]; main()"
        )
        log = (tmp_path / f"serve{port}.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log)
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / f"serve{port}.log").read_text())
            time.sleep(0.2)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


def _login(base: str, headers: dict[str, str], password: str = "a-long-password") -> httpx.Response:
    with httpx.Client(base_url=base, headers=headers) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        cookie = re.match(r"([^;]+)", page.headers["set-cookie"])
        assert token and cookie
        # sent by hand: the client speaks plain HTTP to the "proxy", and a cookie marked
        # Secure is one a cookie jar keeps for HTTPS
        return client.post(
            "/login",
            data={"username": "admin", "password": password, "csrf_token": token.group(1)},
            headers={"Cookie": cookie.group(1)},
        )


PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def test_a_trusted_proxy_makes_cookies_secure_and_names_the_client(serve, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    base = serve("--forwarded-allow-ips", "127.0.0.1")
    resp = _login(base, PROXIED)
    assert resp.status_code == 303
    assert "secure" in resp.headers["set-cookie"].lower()
    assert resp.headers["strict-transport-security"].startswith("max-age=")
    assert _login(base, PROXIED, password="wrong-password").status_code == 401
    with session_scope(sqlite_url) as session:
        ips = set(
            session.execute(
                select(AuditLog.ip).where(AuditLog.action.in_(["login", "login_failed"]))
            ).scalars()
        )
    assert ips == {"203.0.113.7"}


def test_headers_from_an_untrusted_client_change_nothing(serve) -> None:  # type: ignore[no-untyped-def]
    base = serve("--forwarded-allow-ips", "")
    resp = _login(base, PROXIED)
    assert resp.status_code == 303
    assert "secure" not in resp.headers["set-cookie"].lower()
    assert "strict-transport-security" not in resp.headers
