"""The pages /account (everyone) and /admin/users (admins): forms with CSRF, role checks, audit
rows, both languages (the browser runs them too: tests/browser/test_pages_browser.py)."""

from __future__ import annotations

import re

import pytest
from _webhelp import PASSWORD, csrf_from, login
from bs4 import BeautifulSoup
from sqlalchemy import select

from keepwise.models import AuditLog
from keepwise.store import session_scope

pytestmark = pytest.mark.integration


def _post(client, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_from(client), **data}, follow_redirects=False)


def _text(resp, testid: str) -> str:  # type: ignore[no-untyped-def]
    node = BeautifulSoup(resp.text, "html.parser").find(attrs={"data-testid": testid})
    assert node is not None, (testid, resp.status_code, resp.text[:500])
    return node.get_text(" ", strip=True)


def _actions(url: str, entity_id: str) -> list[str]:
    with session_scope(url) as session:
        return list(
            session.execute(
                select(AuditLog.action).where(AuditLog.entity_id == entity_id)
            ).scalars()
        )


def test_own_password_change_in_the_app(web_sqlite) -> None:
    me, elsewhere = web_sqlite.browser("rep1"), web_sqlite.browser("rep1")
    page = me.get("/account")
    assert page.status_code == 200 and "Change your password" in page.text  # rep1 reads English
    differ = _post(
        me,
        "/account/password",
        current_password=PASSWORD,
        new_password="amber-falcon-77",
        confirm_password="amber-falcon-78",
    )
    assert differ.status_code == 422 and "differ" in _text(differ, "password-error")
    wrong = _post(
        me,
        "/account/password",
        current_password="not it",
        new_password="amber-falcon-77",
        confirm_password="amber-falcon-77",
    )
    assert wrong.status_code == 401 and "wrong" in _text(wrong, "password-error")
    weak = _post(
        me,
        "/account/password",
        current_password=PASSWORD,
        new_password="1234567890",
        confirm_password="1234567890",
    )
    assert weak.status_code == 422 and "too common" in _text(weak, "password-error")
    done = _post(
        me,
        "/account/password",
        current_password=PASSWORD,
        new_password="amber-falcon-77",
        confirm_password="amber-falcon-77",
    )
    assert done.status_code == 303 and done.headers["location"] == "/account?done=password"
    assert "other sessions have ended" in _text(me.get(done.headers["location"]), "notice")
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert login(web_sqlite.browser(), "rep1", "amber-falcon-77").status_code == 303
    assert "change_password" in _actions(web_sqlite.url, "rep1")


def test_policy_messages_are_translated(web_sqlite) -> None:
    rep2 = web_sqlite.browser("rep2")  # rep2 reads Chinese
    weak = _post(
        rep2,
        "/account/password",
        current_password=PASSWORD,
        new_password="short",
        confirm_password="short",
    )
    message = _text(weak, "password-error")
    assert weak.status_code == 422 and "10" in message and re.search(r"[\u4e00-\u9fff]", message)


def test_tokens_on_the_account_page(web_sqlite) -> None:
    me = web_sqlite.browser("boss")
    made = _post(me, "/account/tokens", name="reporting", expires_days="30")
    assert made.status_code == 200
    token = _text(made, "new-token")
    assert token.startswith("kw_")
    api = web_sqlite.client()
    api.headers["Authorization"] = f"Bearer {token}"
    assert api.get("/api/v1/me").json()["username"] == "boss"
    assert token not in me.get("/account").text  # shown once
    rows = me.get("/api/v1/tokens").json()
    made_id = next(t["id"] for t in rows if t["name"] == "reporting")
    gone = _post(me, f"/account/tokens/{made_id}/revoke")
    assert gone.status_code == 303 and api.get("/api/v1/me").status_code == 401
    # someone else's token id is not yours to revoke
    rep_token = web_sqlite.client("rep1").get("/api/v1/tokens").json()[0]["id"]
    assert _post(me, f"/account/tokens/{rep_token}/revoke").status_code == 404
    assert web_sqlite.client("rep1").get("/api/v1/me").status_code == 200


def test_sign_out_everywhere_else(web_sqlite) -> None:
    me, other = web_sqlite.browser("admin"), web_sqlite.browser("admin")
    assert _post(me, "/account/sessions/end-others").status_code == 303
    assert me.get("/api/v1/me").status_code == 200 and other.get("/api/v1/me").status_code == 401


def test_admin_manages_users_in_the_app(web_sqlite) -> None:
    admin = web_sqlite.browser("admin")
    listing = admin.get("/admin/users")
    assert listing.status_code == 200
    assert len(BeautifulSoup(listing.text, "html.parser").select("[data-testid=user-row]")) == 4
    weak = _post(admin, "/admin/users", username="erin", password="password1")
    assert weak.status_code == 422 and _text(weak, "form-error")
    taken = _post(admin, "/admin/users", username="rep1", password="violet-harbour-42")
    assert taken.status_code == 409
    added = _post(
        admin,
        "/admin/users",
        username="erin",
        password="violet-harbour-42",
        role="manager",
        display_name="Erin",
        locale="en",
    )
    assert (
        added.status_code == 303 and added.headers["location"] == "/admin/users/erin?done=created"
    )
    erin = web_sqlite.browser()
    assert login(erin, "erin", "violet-harbour-42").status_code == 303

    assert (
        _post(admin, "/admin/users/erin", role="sales_rep", display_name="Erin E.").status_code
        == 303
    )
    assert erin.get("/api/v1/me").json()["role"] == "sales_rep"
    assert _post(admin, "/admin/users/erin", is_active="false").status_code == 303
    assert erin.get("/api/v1/me").status_code == 401
    page = admin.get("/admin/users/erin")
    assert _text(page, "user-status") == "已停用"  # the admin reads Chinese
    assert _post(admin, "/admin/users/erin", is_active="true").status_code == 303

    reset = _post(
        admin,
        "/admin/users/erin/password",
        password="amber-falcon-77",
        confirm_password="amber-falcon-77",
    )
    assert reset.status_code == 303
    assert login(web_sqlite.browser(), "erin", "amber-falcon-77").status_code == 303
    assert _post(admin, "/admin/users/erin/sign-out").status_code == 303

    last = _post(admin, "/admin/users/admin", is_active="false")
    assert last.status_code == 409 and _text(last, "form-error")
    assert {"create", "update", "disable", "enable", "set_password", "sign_out_everywhere"} <= set(
        _actions(web_sqlite.url, "erin")
    )


@pytest.mark.parametrize("who", ["rep1", "boss"])
def test_only_admins_open_the_user_pages(web_sqlite, who: str) -> None:
    client = web_sqlite.browser(who)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/rep2").status_code == 403
    for path, data in (
        ("/admin/users", {"username": "x1", "password": "violet-harbour-42"}),
        ("/admin/users/rep2", {"role": "admin"}),
        (
            "/admin/users/rep2/password",
            {"password": "violet-harbour-42", "confirm_password": "violet-harbour-42"},
        ),
        ("/admin/users/rep2/sign-out", {}),
        ("/admin/users/rep2/tokens/1/revoke", {}),
    ):
        assert _post(client, path, **data).status_code == 403, path
    users = web_sqlite.client("admin").get("/api/v1/users").json()
    assert {u["username"]: u["role"] for u in users}["rep2"] == "sales_rep"
    assert "x1" not in {u["username"] for u in users}
    assert 'data-testid="nav-users"' not in client.get("/").text
