"""Roles: a sales rep sees and changes only their own customers, through the API and the pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_rep_cannot_read_change_or_delete_another_reps_customer(web) -> None:
    rep1 = web.client("rep1")
    for method, path, body in (
        ("GET", "/api/v1/customers/C2", None),
        ("PATCH", "/api/v1/customers/C2", {"name": "mine now"}),
        ("DELETE", "/api/v1/customers/C2", None),
        ("GET", "/api/v1/customers/C2/scores", None),
        ("GET", "/api/v1/customers/C2/timeline", None),
        ("GET", "/api/v1/orders/O2", None),
        ("PATCH", "/api/v1/orders/O2", {"amount": 1}),
        ("DELETE", "/api/v1/orders/O2", None),
        (
            "POST",
            "/api/v1/orders",
            {
                "external_id": "OX",
                "customer_id": "C2",
                "ordered_at": "2025-07-01T00:00:00",
                "amount": 1,
            },
        ),
        ("PATCH", "/api/v1/orders/O1a", {"customer_id": "C2"}),
        ("POST", "/api/v1/tasks/follow-ups", {"customer_ids": ["C2"]}),
    ):
        resp = rep1.request(method, path, json=body)
        assert resp.status_code == 404, (method, path, resp.status_code, resp.text)
        assert resp.json()["ok"] is False and resp.json()["status"] == 404
    # nothing changed
    admin = web.client("admin")
    assert admin.get("/api/v1/customers/C2").json()["name"] == "Beta Foods"
    assert admin.get("/api/v1/orders/O2").json()["amount"] == 5000.0
    assert admin.get("/api/v1/orders/O1a").json()["customer_id"] == "C1"


def test_rep_lists_only_own_customers_and_records(web) -> None:
    rep1 = web.client("rep1")
    customers = rep1.get("/api/v1/customers", params={"per_page": 500}).json()
    assert [c["external_id"] for c in customers["items"]] == ["C1"] and customers["total"] == 1
    assert rep1.get("/api/v1/customers", params={"owner": "rep2"}).json()["total"] == 0
    orders = rep1.get("/api/v1/orders", params={"per_page": 500}).json()
    assert {o["external_id"] for o in orders["items"]} == {"O1a", "O1b"}
    assert rep1.get("/api/v1/orders", params={"customer_id": "C2"}).json()["total"] == 0
    assert [s["customer_id"] for s in rep1.get("/api/v1/scores").json()["items"]] == ["C1"]
    assert [s["customer_id"] for s in rep1.get("/api/v1/at-risk").json()["items"]] == ["C1"]
    assert rep1.get("/api/v1/warnings").json()["total"] == 0  # the only warning is on C2
    dash = rep1.get("/api/v1/dashboard").json()
    assert dash["customers"]["total"] == 1
    assert sum(p["revenue"] for p in dash["revenue"]["series"]) == pytest.approx(2000.5)
    # The churn figures of 2025-05 (as of the store's last order, 2025-06-09): C1 (rep1) is new
    # and active at its end; C2 (rep2) first ordered in June.
    assert dash["last_period"]["period"] == "2025-05"
    assert (dash["last_period"]["customers_new"], dash["last_period"]["customers_end"]) == (1, 1)
    rep2_last = web.client("rep2").get("/api/v1/dashboard").json()["last_period"]
    assert rep2_last["period"] == "2025-05"  # the same period for everybody
    assert (rep2_last["customers_new"], rep2_last["customers_end"]) == (0, 0)
    other = rep1.get("/api/v1/dashboard", params={"owner": "rep2"}).json()
    assert other["customers"]["total"] == 0 and other["last_period"] is None
    assert rep1.get("/api/v1/dashboard", params={"rfm_segment": "nope"}).status_code == 422


def test_manager_and_admin_see_everyone(web) -> None:
    for who in ("boss", "admin"):
        assert web.client(who).get("/api/v1/customers").json()["total"] == 3
        assert web.client(who).get("/api/v1/orders/O2").status_code == 200


def test_rep_may_change_own_customer_but_not_give_it_away_or_delete_it(web) -> None:
    rep1 = web.client("rep1")
    assert rep1.patch("/api/v1/customers/C1", json={"region": "North"}).json()["region"] == "North"
    given = rep1.patch("/api/v1/customers/C1", json={"owner": "rep2"})
    assert given.status_code == 403 and given.json()["status"] == 403
    assert rep1.delete("/api/v1/customers/C1").status_code == 403
    created = rep1.post("/api/v1/customers", json={"external_id": "R1", "name": "Rep's new"})
    assert created.status_code == 201 and created.json()["owner"] == "rep1"
    foreign = rep1.post("/api/v1/customers", json={"external_id": "R2", "owner": "rep2"})
    assert foreign.status_code == 403
    assert (
        rep1.post(
            "/api/v1/tasks/follow-ups", json={"customer_ids": ["C1"], "assignee": "rep2"}
        ).status_code
        == 403
    )
    assert rep1.post("/api/v1/tasks/follow-ups", json={"customer_ids": ["C1"]}).status_code == 201


def test_admin_only_endpoints(web) -> None:
    assert web.client("rep1").get("/api/v1/audit").status_code == 403
    assert web.client("rep1").get("/api/v1/users").status_code == 403
    assert web.client("boss").get("/api/v1/audit").status_code == 200
    users = web.client("admin").get("/api/v1/users").json()
    assert {u["username"] for u in users} == {"admin", "boss", "rep1", "rep2"}
    assert all("password_hash" not in u for u in users)


def test_rep_cannot_open_another_reps_customer_page(web_sqlite) -> None:
    """The customer 360 page applies the same rule as the API (when the pages are installed)."""
    import importlib.util

    if importlib.util.find_spec("keepwise.web.pages") is None:
        pytest.fail("keepwise.web.pages is missing: the pages must enforce visibility too")
    browser = web_sqlite.browser("rep1")
    own = browser.get("/customers/C1")
    assert own.status_code == 200, own.text[:300]
    assert "Alpha Trading" in own.text
    other = browser.get("/customers/C2")
    assert other.status_code == 404
    assert "Beta Foods" not in other.text


ACCOUNT_WRITES = (
    ("POST", "/api/v1/users", {"username": "mallory", "password": "violet-harbour-42"}),
    ("PATCH", "/api/v1/users/rep2", {"role": "admin"}),
    ("PATCH", "/api/v1/users/admin", {"is_active": False}),
    ("PUT", "/api/v1/users/rep2/password", {"password": "violet-harbour-42"}),
    ("DELETE", "/api/v1/users/admin/sessions", None),
    ("GET", "/api/v1/users/rep2/tokens", None),
    ("DELETE", "/api/v1/users/rep2/tokens/1", None),
)


@pytest.mark.parametrize("who", ["rep1", "boss"])
def test_only_admins_manage_accounts(web, who: str) -> None:  # type: ignore[no-untyped-def]
    """Sales reps and managers get 403 for every account change, and nothing changes."""
    client = web.client(who)
    for method, path, body in ACCOUNT_WRITES:
        resp = client.request(method, path, json=body)
        assert resp.status_code == 403, (who, method, path, resp.status_code, resp.text)
    admin = web.client("admin")
    users = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert "mallory" not in users and users["rep2"]["role"] == "sales_rep"
    assert users["admin"]["is_active"] and users["rep2"]["tokens"] == 1
    assert web.client("rep2").get("/api/v1/me").status_code == 200  # password and token intact
    # managers read the user list, reps do not
    assert web.client("boss").get("/api/v1/users/rep2").status_code == 200
    assert web.client("rep1").get("/api/v1/users/rep2").status_code == 403


def test_own_account_endpoints_touch_only_your_own(web) -> None:  # type: ignore[no-untyped-def]
    rep1 = web.client("rep1")
    rep2_tokens = web.client("rep2").get("/api/v1/tokens").json()
    assert rep1.delete(f"/api/v1/tokens/{rep2_tokens[0]['id']}").status_code == 404
    assert web.client("rep2").get("/api/v1/me").status_code == 200
    rep2_browser = web.browser("rep2")
    assert rep1.delete("/api/v1/me/sessions").json()["sessions_ended"] == 0
    assert rep2_browser.get("/api/v1/me").status_code == 200
    assert {s["current"] for s in rep1.get("/api/v1/me/sessions").json()} <= {False}
