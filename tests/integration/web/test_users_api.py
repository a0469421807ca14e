"""Accounts over the API: admins manage users, passwords, sessions and tokens; everyone changes
their own password and ends their other sessions; tokens expire. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _webhelp import PASSWORD, csrf_from, login
from sqlalchemy import select, update

from keepwise.models import ApiToken, AuditLog
from keepwise.store import session_scope
from keepwise.store.sessions import utcnow

pytestmark = pytest.mark.integration


def _audit_actions(url: str, entity_id: str) -> list[tuple[str, str | None]]:
    with session_scope(url) as session:
        rows = session.execute(
            select(AuditLog.action, AuditLog.user_id).where(AuditLog.entity_id == entity_id)
        ).all()
    return [(action, uid) for action, uid in rows]


def test_admin_creates_a_user_who_can_sign_in(web) -> None:
    admin = web.client("admin")
    created = admin.post(
        "/api/v1/users",
        json={"username": "carol", "password": "violet-harbour-42", "role": "manager"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["username"], body["role"], body["is_active"]) == ("carol", "manager", True)
    assert body["sessions"] == 0 and body["tokens"] == 0 and "password" not in str(body)
    assert login(web.browser(), "carol", "violet-harbour-42").status_code == 303
    assert admin.get("/api/v1/users/carol").json()["sessions"] == 1
    assert ("create", None) not in _audit_actions(web.url, "carol")  # the admin is named
    assert any(a == "create" and uid is not None for a, uid in _audit_actions(web.url, "carol"))

    taken = admin.post("/api/v1/users", json={"username": "carol", "password": "another-long-one"})
    assert taken.status_code == 409
    for weak, why in (
        ("short", "at least 10"),
        ("password123", "too common"),
        ("aaaaaaaaaaab", "too few"),
    ):
        resp = admin.post("/api/v1/users", json={"username": "dave", "password": weak})
        assert resp.status_code == 422, (weak, resp.text)
        assert why in resp.json()["error"]
    assert admin.get("/api/v1/users/dave").status_code == 404


def test_a_password_that_is_the_username_is_refused(web) -> None:
    resp = web.client("admin").post(
        "/api/v1/users", json={"username": "longusername1", "password": "LongUsername1"}
    )
    assert resp.status_code == 422 and "username" in resp.json()["error"]


def test_admin_changes_role_disables_and_enables(web) -> None:
    admin = web.client("admin")
    rep2_browser = web.browser("rep2")
    promoted = admin.patch("/api/v1/users/rep2", json={"role": "manager", "display_name": "R2"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "manager"
    assert rep2_browser.get("/api/v1/customers").json()["total"] == 3  # a manager sees everyone

    disabled = admin.patch("/api/v1/users/rep2", json={"is_active": False})
    assert disabled.json()["is_active"] is False and disabled.json()["sessions"] == 0
    assert rep2_browser.get("/api/v1/me").status_code == 401
    assert web.client("rep2").get("/api/v1/me").status_code == 401  # token revoked
    enabled = admin.patch("/api/v1/users/rep2", json={"is_active": True})
    assert enabled.json()["is_active"] is True and enabled.json()["tokens"] == 0
    assert rep2_browser.get("/api/v1/me").status_code == 401  # nothing comes back
    actions = [a for a, _ in _audit_actions(web.url, "rep2")]
    assert {"update", "disable", "enable"} <= set(actions)


def test_there_is_always_an_active_admin(web) -> None:
    admin = web.client("admin")
    assert admin.patch("/api/v1/users/admin", json={"role": "manager"}).status_code == 409
    assert admin.patch("/api/v1/users/admin", json={"is_active": False}).status_code == 409
    assert admin.patch("/api/v1/users/boss", json={"role": "admin"}).status_code == 200
    assert admin.patch("/api/v1/users/admin", json={"role": "manager"}).status_code == 200


def test_admin_sets_a_password_with_or_without_the_tokens(web) -> None:
    admin = web.client("admin")
    browser = web.browser("rep1")
    kept = admin.put(
        "/api/v1/users/rep1/password", json={"password": "fresh-meadow-77", "keep_tokens": True}
    )
    assert kept.json() == {"ok": True, "sessions_ended": 1, "tokens_revoked": 0}
    assert browser.get("/api/v1/me").status_code == 401
    assert web.client("rep1").get("/api/v1/me").status_code == 200  # the token was kept
    revoked = admin.put("/api/v1/users/rep1/password", json={"password": "fresh-meadow-78"})
    assert revoked.json() == {"ok": True, "sessions_ended": 0, "tokens_revoked": 1}
    assert web.client("rep1").get("/api/v1/me").status_code == 401
    assert login(web.browser(), "rep1", "fresh-meadow-78").status_code == 303
    weak = admin.put("/api/v1/users/rep1/password", json={"password": "12345678"})
    assert weak.status_code == 422


def test_admin_signs_a_user_out_everywhere_and_revokes_their_tokens(web) -> None:
    admin = web.client("admin")
    laptop, phone = web.browser("boss"), web.browser("boss")
    assert admin.delete("/api/v1/users/boss/sessions").json() == {"ok": True, "sessions_ended": 2}
    assert (
        laptop.get("/api/v1/me").status_code == 401 and phone.get("/api/v1/me").status_code == 401
    )
    tokens = admin.get("/api/v1/users/boss/tokens").json()
    assert [t["name"] for t in tokens] == ["tests"] and "token" not in tokens[0]
    assert admin.delete(f"/api/v1/users/boss/tokens/{tokens[0]['id']}").status_code == 200
    assert web.client("boss").get("/api/v1/me").status_code == 401
    assert admin.delete(f"/api/v1/users/rep1/tokens/{tokens[0]['id']}").status_code == 404
    assert "sign_out_everywhere" in [a for a, _ in _audit_actions(web.url, "boss")]


def test_everyone_changes_their_own_password(web) -> None:
    browser = web.browser("rep1")
    other = web.browser("rep1")
    csrf = csrf_from(browser)
    url = "/api/v1/me/password"
    wrong = browser.put(
        url,
        json={"current_password": "nope", "new_password": "silver-lantern-9"},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 401
    weak = browser.put(
        url,
        json={"current_password": PASSWORD, "new_password": "qwerty123"},
        headers={"X-CSRF-Token": csrf},
    )
    assert weak.status_code == 422
    changed = browser.put(
        url,
        json={"current_password": PASSWORD, "new_password": "silver-lantern-9"},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.json() == {"ok": True, "sessions_ended": 1, "tokens_revoked": 1}
    assert browser.get("/api/v1/me").status_code == 200  # this session stays
    assert other.get("/api/v1/me").status_code == 401  # the other one ended
    assert web.client("rep1").get("/api/v1/me").status_code == 401  # tokens revoked
    assert "change_password" in [a for a, _ in _audit_actions(web.url, "rep1")]


def test_changing_your_password_is_throttled_like_a_sign_in(web) -> None:
    api = web.client("rep2")
    for attempt in range(10):
        resp = api.put(
            "/api/v1/me/password",
            json={"current_password": f"guess {attempt}", "new_password": "silver-lantern-9"},
        )
        assert resp.status_code == 401
    locked = api.put(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "silver-lantern-9"},
    )
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert locked.json()["status"] == 429


def test_my_sessions_are_listed_and_ended(web) -> None:
    here, there = web.browser("boss"), web.browser("boss")
    listed = here.get("/api/v1/me/sessions").json()
    assert len(listed) == 2 and [s["current"] for s in listed].count(True) == 1
    assert all("token_hash" not in s and "token" not in s for s in listed)
    ended = here.delete("/api/v1/me/sessions", headers={"X-CSRF-Token": csrf_from(here)})
    assert ended.json() == {"ok": True, "sessions_ended": 1}
    assert here.get("/api/v1/me").status_code == 200 and there.get("/api/v1/me").status_code == 401


def test_tokens_can_expire(web) -> None:
    api = web.client("rep1")
    created = api.post("/api/v1/tokens", json={"name": "ci", "expires_in_days": 30})
    assert created.status_code == 201
    expires = created.json()["expires_at"]
    assert (
        expires is not None and expires[:10] == (utcnow() + timedelta(days=30)).date().isoformat()
    )
    fresh = web.client()
    fresh.headers["Authorization"] = f"Bearer {created.json()['token']}"
    assert fresh.get("/api/v1/me").status_code == 200
    with session_scope(web.url) as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.name == "ci")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert fresh.get("/api/v1/me").status_code == 401
    assert api.post("/api/v1/tokens", json={"name": "x", "expires_in_days": 0}).status_code == 422
    revoked = api.delete(f"/api/v1/tokens/{created.json()['id']}")
    assert revoked.status_code == 200
    assert "revoke" in [a for a, _ in _audit_actions(web.url, created.json()["prefix"])]
