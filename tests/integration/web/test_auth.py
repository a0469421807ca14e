"""Login sessions, CSRF, API tokens, password hashing and disabled users."""

from __future__ import annotations

import re

import pytest
from _webhelp import PASSWORD, csrf_from, login
from sqlalchemy import select

from keepwise.accounts import create_token, ensure_demo_admin, hash_token, set_user_active
from keepwise.models import ApiToken, AuditLog, User
from keepwise.store import session_scope

pytestmark = pytest.mark.integration


def test_password_is_stored_as_argon2_hash(web) -> None:
    with session_scope(web.url) as session:
        user = session.execute(select(User).where(User.username == "rep1")).scalar_one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_api_token_is_stored_as_sha256_only(web) -> None:
    token = web.tokens["rep1"]
    assert token.startswith("kw_")
    with session_scope(web.url) as session:
        hashes = set(session.execute(select(ApiToken.token_hash)).scalars())
    assert hash_token(token) in hashes and token not in hashes


def test_login_logout_and_session_api_access(web) -> None:
    browser = web.browser()
    assert browser.get("/api/v1/me").status_code == 401
    resp = login(browser, "rep1", PASSWORD, next_url="/api/v1/me")
    assert resp.status_code == 303 and resp.headers["location"] == "/api/v1/me"
    set_cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    me = browser.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "rep1"
    token = csrf_from(browser)
    out = browser.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert browser.get("/api/v1/me").status_code == 401
    with session_scope(web.url) as session:
        actions = list(
            session.execute(
                select(AuditLog.action).where(
                    AuditLog.entity == "user", AuditLog.entity_id == "rep1"
                )
            ).scalars()
        )
    assert "login" in actions and "logout" in actions


def test_wrong_password_and_open_redirect(web) -> None:
    browser = web.browser()
    bad = login(browser, "rep1", "wrong password")
    assert bad.status_code == 401 and browser.get("/api/v1/me").status_code == 401
    unknown = login(browser, "nobody", PASSWORD)
    assert unknown.status_code == 401
    evil = login(browser, "rep1", PASSWORD, next_url="//evil.example/steal")
    assert evil.status_code == 303 and evil.headers["location"] == "/"


def test_form_without_csrf_token_is_refused(web) -> None:
    browser = web.browser()
    csrf_from(browser)  # the session has a token; the form below does not send it
    resp = browser.post(
        "/login", data={"username": "rep1", "password": PASSWORD}, follow_redirects=False
    )
    assert resp.status_code == 403
    wrong = browser.post(
        "/login",
        data={"username": "rep1", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert wrong.status_code == 403
    assert browser.get("/api/v1/me").status_code == 401


def test_cookie_authenticated_changes_need_the_csrf_header(web) -> None:
    browser = web.browser("rep1")
    refused = browser.patch("/api/v1/customers/C1", json={"region": "North"})
    assert refused.status_code == 403
    assert refused.json() == {
        "ok": False,
        "error": refused.json()["error"],
        "errors": [],
        "status": 403,
    }
    assert "CSRF" in refused.json()["error"]
    token = csrf_from(browser)
    allowed = browser.patch(
        "/api/v1/customers/C1", json={"region": "North"}, headers={"X-CSRF-Token": token}
    )
    assert allowed.status_code == 200 and allowed.json()["region"] == "North"
    # a page form posted without its token is refused too
    page_post = browser.post("/prefs/locale", data={"locale": "en"}, follow_redirects=False)
    assert page_post.status_code == 403


def test_bearer_token_requests_are_exempt_from_csrf(web) -> None:
    resp = web.client("rep1").patch("/api/v1/customers/C1", json={"region": "South"})
    assert resp.status_code == 200


def test_tokens_created_listed_and_revoked_over_the_api(web) -> None:
    api = web.client("rep2")
    created = api.post("/api/v1/tokens", json={"name": "laptop"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("kw_") and created.json()["name"] == "laptop"
    fresh = web.client()
    fresh.headers["Authorization"] = f"Bearer {token}"
    assert fresh.get("/api/v1/me").json()["username"] == "rep2"
    listed = api.get("/api/v1/tokens").json()
    assert "token" not in listed[0] and {t["name"] for t in listed} == {"tests", "laptop"}
    assert api.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 200
    assert fresh.get("/api/v1/me").status_code == 401
    assert web.client("rep1").delete(f"/api/v1/tokens/{listed[-1]['id']}").status_code == 404


def _login_error(resp) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'data-testid="login-error">([^<]*)<', resp.text)
    assert match, resp.text[:300]
    return match.group(1)


def test_disabled_user_cannot_log_in_or_use_tokens(web) -> None:
    set_user_active(web.url, "rep2", False)
    resp = login(web.browser(), "rep2", PASSWORD)
    wrong = login(web.browser(), "rep1", "not the password")
    # a disabled account answers exactly like a wrong password: no account-state oracle
    assert resp.status_code == wrong.status_code == 401
    assert _login_error(resp) == _login_error(wrong) and "disabled" not in resp.text
    assert web.client("rep2").get("/api/v1/me").status_code == 401
    with pytest.raises(Exception, match="disabled"):
        create_token(web.url, "rep2")


def test_disabling_a_signed_in_user_ends_their_session(web) -> None:
    browser = web.browser("rep2")
    assert browser.get("/api/v1/me").status_code == 200
    set_user_active(web.url, "rep2", False)
    assert browser.get("/api/v1/me").status_code == 401


def test_demo_admin_gets_a_fresh_random_password(web_sqlite) -> None:
    user1, password1 = ensure_demo_admin(web_sqlite.url)
    user2, password2 = ensure_demo_admin(web_sqlite.url)
    assert user1 == user2 == "admin" and password1 != password2 and len(password2) >= 12
    browser = web_sqlite.browser()
    assert login(browser, "admin", password1).status_code == 401  # the old one no longer works
    assert login(browser, "admin", password2).status_code == 303


def test_me_locale_switch(web) -> None:
    api = web.client("rep1")
    assert api.patch("/api/v1/me", json={"locale": "zh_CN"}).json()["locale"] == "zh_CN"
    assert api.patch("/api/v1/me", json={"locale": "fr"}).status_code == 422


def test_password_change_ends_existing_sessions(web) -> None:
    from keepwise.accounts import set_password

    browser = web.browser("rep1")
    assert browser.get("/api/v1/me").status_code == 200
    set_password(web.url, "rep1", "a brand new password")
    assert browser.get("/api/v1/me").status_code == 401
    assert login(web.browser(), "rep1", "a brand new password").status_code == 303
