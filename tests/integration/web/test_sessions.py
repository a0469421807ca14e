"""Server-side sessions: logout ends every copy of the cookie, sessions expire, and password
changes, disabling and "sign out everywhere" end them; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _webhelp import PASSWORD, csrf_from, login
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from keepwise.accounts import (
    set_password,
    set_user_active,
    sign_out_everywhere,
)
from keepwise.models import LoginSession, User
from keepwise.store import session_scope
from keepwise.store.sessions import utcnow
from keepwise.web.security import SESSION_COOKIE

pytestmark = pytest.mark.integration


def _copy_of(web, browser: TestClient) -> TestClient:  # type: ignore[no-untyped-def]
    """Another client holding a copy of ``browser``'s session cookie (a stolen cookie)."""
    thief = TestClient(web.app)
    thief.cookies.set(SESSION_COOKIE, browser.cookies[SESSION_COOKIE])
    return thief


def _sessions_of(url: str, username: str) -> list[LoginSession]:
    with session_scope(url) as session:
        user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
        return list(
            session.execute(select(LoginSession).where(LoginSession.user_id == user_id)).scalars()
        )


def test_a_copied_cookie_is_refused_after_logout(web) -> None:
    browser = web.browser("rep1")
    thief = _copy_of(web, browser)
    assert thief.get("/api/v1/me").json()["username"] == "rep1"  # the copy works while signed in
    out = browser.post("/logout", data={"csrf_token": csrf_from(browser)}, follow_redirects=False)
    assert out.status_code == 303
    assert "max-age=0" in out.headers["set-cookie"].lower()  # the browser drops its cookie
    assert thief.get("/api/v1/me").status_code == 401  # ...and the copy is dead in the store
    assert thief.get("/customers", follow_redirects=False).status_code == 303  # pages: to /login
    assert _sessions_of(web.url, "rep1") == []


def test_the_store_keeps_only_a_hash_of_the_session_token(web) -> None:
    browser = web.browser("rep1")
    token = browser.cookies[SESSION_COOKIE]
    assert token.startswith("s.") and len(token) > 40
    (row,) = _sessions_of(web.url, "rep1")
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert row.ip == "testclient" and row.expires_at > utcnow() + timedelta(days=13)


def test_sign_in_renews_the_cookie_token(web) -> None:
    browser = web.browser()
    csrf_from(browser)
    anonymous = browser.cookies[SESSION_COOKIE]
    assert anonymous.startswith("a.")  # an anonymous visitor's token is in no table
    login(browser, "rep1", PASSWORD)
    assert browser.cookies[SESSION_COOKIE] != anonymous  # no session fixation
    fixated = TestClient(web.app)
    fixated.cookies.set(SESSION_COOKIE, anonymous)
    assert fixated.get("/api/v1/me").status_code == 401


def test_idle_and_absolute_expiry(web) -> None:
    idle = web.browser("rep1")
    assert idle.get("/api/v1/me").status_code == 200
    with session_scope(web.url) as session:  # nine hours without a request (limit: 480 min)
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=9)))
    assert idle.get("/api/v1/me").status_code == 401
    assert _sessions_of(web.url, "rep1") == []  # the ended session is deleted

    busy = web.browser("rep2")
    with session_scope(web.url) as session:  # active a minute ago, but past its absolute end
        session.execute(
            update(LoginSession).values(
                last_seen_at=utcnow() - timedelta(minutes=1),
                expires_at=utcnow() - timedelta(seconds=1),
            )
        )
    assert busy.get("/api/v1/me").status_code == 401


def test_idle_limit_comes_from_the_settings(web, monkeypatch: pytest.MonkeyPatch) -> None:
    from keepwise.settings import get_settings

    browser = web.browser("rep1")
    with session_scope(web.url) as session:
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=20)))
    assert browser.get("/api/v1/me").status_code == 200  # 20 min idle < 480 min
    with session_scope(web.url) as session:
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=20)))
    monkeypatch.setenv("KEEPWISE_SESSION_IDLE_MINUTES", "15")
    get_settings.cache_clear()
    assert browser.get("/api/v1/me").status_code == 401


def test_activity_keeps_a_session_alive(web) -> None:
    browser = web.browser("rep1")
    with session_scope(web.url) as session:
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=7)))
    assert browser.get("/api/v1/me").status_code == 200  # 7 h idle: still alive, and touched
    (row,) = _sessions_of(web.url, "rep1")
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_password_change_disable_and_sign_out_everywhere_end_all_sessions(web) -> None:
    laptop, phone = web.browser("rep1"), web.browser("rep1")
    set_password(web.url, "rep1", "a brand new password")
    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 401

    laptop, phone = web.browser("rep2"), web.browser("rep2")
    assert sign_out_everywhere(web.url, "rep2") == 2
    assert (
        laptop.get("/api/v1/me").status_code == 401 and phone.get("/api/v1/me").status_code == 401
    )

    browser = web.browser("rep2")
    set_user_active(web.url, "rep2", False)
    set_user_active(web.url, "rep2", True)
    assert browser.get("/api/v1/me").status_code == 401  # re-enabling brings no session back
    assert login(web.browser(), "rep2", PASSWORD).status_code == 303  # a new sign-in works


def test_cookie_flags_over_http_and_https(web) -> None:
    plain = web.browser()
    resp = login(plain, "rep1", PASSWORD)
    flags = resp.headers["set-cookie"].lower()
    assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags
    assert "strict-transport-security" not in resp.headers

    secure = TestClient(web.app, base_url="https://testserver")
    resp = login(secure, "rep1", PASSWORD)
    assert "secure" in resp.headers["set-cookie"].lower()
    assert resp.headers["strict-transport-security"] == "max-age=31536000"
    assert secure.get("/api/v1/me").json()["username"] == "rep1"
