"""REST API: CRUD for every resource, pagination, filters, sorting, errors, audit rows (SQLite + PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from keepwise.models import AuditLog
from keepwise.store import session_scope

pytestmark = pytest.mark.integration


def audit_rows(url: str, entity: str, entity_id: str) -> list[AuditLog]:
    with session_scope(url) as session:
        return list(
            session.execute(
                select(AuditLog)
                .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
                .order_by(AuditLog.id)
            ).scalars()
        )


def test_customer_crud_writes_audit_rows(web) -> None:
    api = web.client("admin")
    created = api.post(
        "/api/v1/customers",
        json={
            "external_id": "C9",
            "name": "Delta",
            "kind": "B2B",
            "region": "North",
            "tags": ["new"],
            "owner": "rep1",
            "acquisition_cost": 120.5,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["external_id"] == "C9"
    assert created.json()["acquisition_cost"] == 120.5

    got = api.get("/api/v1/customers/C9").json()
    assert (got["name"], got["owner"], got["tags"]) == ("Delta", "rep1", ["new"])

    patched = api.patch("/api/v1/customers/C9", json={"name": "Delta Ltd", "status": "paused"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Delta Ltd" and patched.json()["status"] == "paused"
    assert patched.json()["region"] == "North"  # untouched fields stay

    assert api.delete("/api/v1/customers/C9").json() == {"ok": True, "deleted": "C9"}
    assert api.get("/api/v1/customers/C9").status_code == 404

    rows = audit_rows(web.url, "customer", "C9")
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert rows[1].changes == {"name": ["Delta", "Delta Ltd"], "status": ["active", "paused"]}
    assert all(r.user_id is not None for r in rows)


RECORDS = {
    "orders": (
        {"ordered_at": "2025-07-01T10:00:00", "amount": 99.5, "product": "Bolt"},
        {"amount": 150.0},
        "amount",
    ),
    "interactions": (
        {"occurred_at": "2025-07-01T10:00:00", "channel": "call", "note": "hi"},
        {"note": "bye"},
        "note",
    ),
    "tickets": (
        {"opened_at": "2025-07-01T10:00:00", "priority": "high", "subject": "broken"},
        {"priority": "urgent"},
        "priority",
    ),
    "feedback": (
        {"occurred_at": "2025-07-01T10:00:00", "kind": "nps", "score": 3},
        {"score": 9},
        "score",
    ),
    "contacts": (
        {"name": "Li Lei", "role": "CTO", "decision_weight": 0.7},
        {"role": "CEO"},
        "role",
    ),
}


@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_record_crud(web, kind: str) -> None:
    create, change, field = RECORDS[kind]
    api = web.client("admin")
    resp = api.post(f"/api/v1/{kind}", json={"external_id": "X1", "customer_id": "C1", **create})
    assert resp.status_code == 201, resp.text
    assert resp.json()["customer_id"] == "C1"
    assert api.get(f"/api/v1/{kind}/X1").json()["external_id"] == "X1"
    listed = api.get(f"/api/v1/{kind}", params={"customer_id": "C1"}).json()
    assert "X1" in [item["external_id"] for item in listed["items"]]
    patched = api.patch(f"/api/v1/{kind}/X1", json=change)
    assert patched.status_code == 200, patched.text
    assert patched.json()[field] == next(iter(change.values()))
    assert api.delete(f"/api/v1/{kind}/X1").status_code == 200
    assert api.get(f"/api/v1/{kind}/X1").status_code == 404
    entity = {
        "orders": "order",
        "interactions": "interaction",
        "tickets": "ticket",
        "feedback": "feedback",
        "contacts": "contact",
    }[kind]
    assert [r.action for r in audit_rows(web.url, entity, "X1")] == ["create", "update", "delete"]


def test_pagination_filters_and_sorting(web) -> None:
    api = web.client("admin")
    for i in range(12):
        resp = api.post(
            "/api/v1/customers",
            json={
                "external_id": f"P{i:02d}",
                "name": f"Page {i:02d}",
                "region": "South",
                "tags": ["bulk"] if i % 2 else [],
            },
        )
        assert resp.status_code == 201
    first = api.get(
        "/api/v1/customers", params={"region": "South", "per_page": 5, "sort": "-name"}
    ).json()
    assert (first["total"], first["pages"], first["page"]) == (12, 3, 1)
    assert [c["external_id"] for c in first["items"]] == ["P11", "P10", "P09", "P08", "P07"]
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    last = api.get(
        "/api/v1/customers", params={"region": "South", "per_page": 5, "sort": "-name", "page": 3}
    ).json()
    assert [c["external_id"] for c in last["items"]] == ["P01", "P00"] and last["links"][
        "next"
    ] is None
    tagged = api.get("/api/v1/customers", params={"tag": "bulk", "per_page": 500}).json()
    assert tagged["total"] == 6
    assert (
        api.get("/api/v1/customers", params={"q": "alpha"}).json()["items"][0]["external_id"]
        == "C1"
    )
    orders = api.get("/api/v1/orders", params={"sort": "-amount"}).json()["items"]
    amounts = [o["amount"] for o in orders]
    assert amounts == sorted(amounts, reverse=True) and amounts[0] == 5000.0
    since = api.get("/api/v1/orders", params={"since": "2025-06-01T00:00:00"}).json()
    assert {o["external_id"] for o in since["items"]} == {"O1b", "O2"}


def test_error_format(web) -> None:
    api = web.client("admin")
    missing = api.get("/api/v1/customers/NOPE")
    assert missing.status_code == 404
    assert missing.json() == {
        "ok": False,
        "error": "no customer 'NOPE'",
        "errors": [],
        "status": 404,
    }

    too_many = api.get("/api/v1/customers", params={"per_page": 501})
    assert too_many.status_code == 422
    body = too_many.json()
    assert (
        body["ok"] is False
        and body["status"] == 422
        and any("per_page" in e for e in body["errors"])
    )

    bad_body = api.post("/api/v1/customers", json={"external_id": "C10", "kind": "B2X"})
    assert bad_body.status_code == 422 and any("kind" in e for e in bad_body.json()["errors"])

    bad_sort = api.get("/api/v1/customers", params={"sort": "password"})
    assert bad_sort.status_code == 422 and "sort" in bad_sort.json()["error"]

    duplicate = api.post("/api/v1/customers", json={"external_id": "C1"})
    assert duplicate.status_code == 409 and duplicate.json()["status"] == 409

    anonymous = web.client().get("/api/v1/customers")
    assert anonymous.status_code == 401 and anonymous.json()["ok"] is False

    bad_token = web.client().get(
        "/api/v1/customers", headers={"Authorization": "Bearer kw_not-a-token"}
    )
    assert bad_token.status_code == 401 and "token" in bad_token.json()["error"]

    unknown_path = api.get("/api/v1/nothing-here")
    assert unknown_path.status_code == 404 and unknown_path.json()["status"] == 404


def test_openapi_documents_every_resource(web) -> None:
    spec = web.client().get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/customers",
        "/api/v1/customers/{external_id}",
        "/api/v1/orders",
        "/api/v1/interactions",
        "/api/v1/tickets",
        "/api/v1/feedback",
        "/api/v1/contacts",
        "/api/v1/metrics/churn",
        "/api/v1/scores",
        "/api/v1/warnings",
        "/api/v1/cohorts",
        "/api/v1/rfm",
        "/api/v1/tokens",
    ):
        assert path in spec["paths"], path
    assert set(spec["paths"]["/api/v1/customers/{external_id}"]) == {"get", "patch", "delete"}


def test_scores_warnings_dashboard_and_follow_ups(web) -> None:
    api = web.client("admin")
    scores = api.get("/api/v1/scores").json()
    assert scores["total"] == 3
    top = scores["items"][0]
    # C2: 0.55 x 5000 expected loss beats C1: 0.81 x 2000.5
    assert top["customer_id"] == "C2" and top["value_12m"] == pytest.approx(5000.0)
    assert top["expected_loss"] == pytest.approx(0.55 * 5000.0)
    c1 = next(s for s in scores["items"] if s["customer_id"] == "C1")
    assert (
        c1["probability"] == pytest.approx(0.81)
        and c1["reasons"][0]["text"] == "no order for 90 days"
    )

    history = api.get("/api/v1/customers/C1/scores").json()
    assert [h["model_version"] for h in history] == ["t1", "t0"]

    at_risk = api.get("/api/v1/at-risk").json()
    assert [i["customer_id"] for i in at_risk["items"]] == ["C2", "C1"]  # low tier left out

    warnings = api.get("/api/v1/warnings").json()
    assert warnings["total"] == 1 and warnings["items"][0]["customer_id"] == "C2"

    dash = api.get("/api/v1/dashboard").json()
    assert dash["customers"]["total"] == 3 and dash["customers"]["by_status"] == {
        "active": 2,
        "churned": 1,
    }
    assert dash["risk"]["by_tier"] == {"high": 1, "medium": 1, "low": 1}
    june = next(p for p in dash["revenue"]["series"] if p["period"] == "2025-06")
    assert june == {"period": "2025-06", "revenue": 5800.0, "orders": 2, "customers": 2}

    tasks = api.post(
        "/api/v1/tasks/follow-ups",
        json={"customer_ids": ["C1", "C2"], "due_at": "2025-07-10T09:00:00"},
    )
    assert tasks.status_code == 201, tasks.text
    assert {(t["customer_id"], t["assigned_to"]) for t in tasks.json()} == {
        ("C1", "rep1"),
        ("C2", "rep2"),
    }
    assert api.get("/api/v1/dashboard").json()["tasks_open"] == 2  # cache dropped on write
    assert len(audit_rows(web.url, "task", str(tasks.json()[0]["id"]))) == 1


def test_timeline_merges_records_newest_first(web) -> None:
    api = web.client("admin")
    api.post(
        "/api/v1/interactions",
        json={
            "external_id": "I1",
            "customer_id": "C1",
            "occurred_at": "2025-05-20T08:00:00",
            "channel": "visit",
        },
    )
    items = api.get("/api/v1/customers/C1/timeline").json()["items"]
    assert [(i["kind"], i["external_id"]) for i in items] == [
        ("order", "O1b"),
        ("interaction", "I1"),
        ("order", "O1a"),
    ]


def test_analytics_reads_are_scoped_to_the_user(web_sqlite) -> None:
    admin, rep1 = web_sqlite.client("admin"), web_sqlite.client("rep1")
    churn = admin.get("/api/v1/metrics/churn", params={"period": "quarter"})
    assert churn.status_code == 200, churn.text
    body = churn.json()
    assert body["period"] == "quarter" and "churn_rate" in body["columns"] and body["rows"]
    revenue_all = admin.get("/api/v1/metrics/revenue").json()
    revenue_rep = rep1.get("/api/v1/metrics/revenue").json()
    assert sum(r["revenue"] or 0 for r in revenue_all["rows"]) == pytest.approx(7099.5)
    assert sum(r["revenue"] or 0 for r in revenue_rep["rows"]) == pytest.approx(2000.5)
    retention = admin.get("/api/v1/metrics/retention").json()
    assert {"retention_rate", "net_revenue_retention"} <= set(retention["columns"])
    cohorts = admin.get("/api/v1/cohorts").json()
    assert {"cohort", "months_since", "customer_retention"} <= set(cohorts["columns"])
    rfm_all = admin.get("/api/v1/rfm").json()
    rfm_rep = rep1.get("/api/v1/rfm").json()
    assert rfm_all["total"] == 3 and [r["customer_id"] for r in rfm_rep["items"]] == ["C1"]
    # Scored over the whole store: the rep sees C1 with the scores and segment everybody sees.
    (c1_all,) = [r for r in rfm_all["items"] if r["customer_id"] == "C1"]
    assert rfm_rep["items"][0] == c1_all
    assert admin.get("/api/v1/rfm/segments").status_code == 200
    assert admin.get("/api/v1/metrics/churn", params={"period": "decade"}).status_code == 422


def test_out_of_range_value_is_a_422_not_a_conflict(web) -> None:
    api = web.client("admin")
    resp = api.post(
        "/api/v1/feedback",
        json={
            "external_id": "F1",
            "customer_id": "C1",
            "occurred_at": "2025-07-01T00:00:00",
            "kind": "csat",
            "score": 9,
        },
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["ok"] is False and resp.json()["errors"]
    assert api.get("/api/v1/feedback/F1").status_code == 404


def test_customer_overview(web) -> None:
    overview = web.client("admin").get("/api/v1/customers/C1/overview")
    assert overview.status_code == 200, overview.text
    body = overview.json()
    assert body["customer"]["external_id"] == "C1"
    assert body["stats"]["orders"] == 2 and body["stats"]["revenue"] == pytest.approx(2000.5)
    assert body["score"]["probability"] == pytest.approx(0.81) and len(body["scores"]) == 2
    assert web.client("rep2").get("/api/v1/customers/C1/overview").status_code == 404


def test_rfm_segment_filters(web_sqlite) -> None:
    """customers and at-risk lists filtered by RFM segment (whole-store scores, as the customer
    page shows them), still scoped to the user; an unknown segment is a 422."""
    admin, rep2 = web_sqlite.client("admin"), web_sqlite.client("rep2")
    rfm = admin.get("/api/v1/rfm").json()["items"]
    segment_of = {r["customer_id"]: r["segment"] for r in rfm}
    segment = segment_of["C1"]
    same = sorted(c for c, s in segment_of.items() if s == segment)
    customers = admin.get("/api/v1/customers", params={"rfm_segment": segment})
    assert customers.status_code == 200, customers.text
    assert sorted(c["external_id"] for c in customers.json()["items"]) == same
    assert customers.json()["total"] == len(same)
    at_risk = admin.get(
        "/api/v1/at-risk", params={"rfm_segment": segment, "tier": ["high", "medium", "low"]}
    )
    assert at_risk.status_code == 200, at_risk.text
    assert {i["customer_id"] for i in at_risk.json()["items"]} <= set(same)
    assert "C1" in {i["customer_id"] for i in at_risk.json()["items"]}
    # rep2 owns C2 only: C1's segment through rep2's eyes never shows C1
    mine = rep2.get("/api/v1/customers", params={"rfm_segment": segment}).json()["items"]
    assert "C1" not in {c["external_id"] for c in mine}
    for path in ("/api/v1/customers", "/api/v1/at-risk"):
        wrong = admin.get(path, params={"rfm_segment": "best"})
        assert wrong.status_code == 422 and "champions" in str(wrong.json()["errors"])


def test_at_risk_frame_decodes_json_per_row(web) -> None:
    """The cached risk frame keeps tags and reasons as JSON text; rows and the tag filter decode
    them (SQLite and PostgreSQL)."""
    from keepwise.models import User
    from keepwise.store.risk import at_risk_customers

    with session_scope(web.url) as session:
        admin = session.execute(select(User).where(User.username == "admin")).scalar_one()
        tagged = at_risk_customers(session, admin, tiers=None, filters={"tag": "north"})
        assert [i["customer_id"] for i in tagged.items] == ["C1"]
        assert at_risk_customers(session, admin, tiers=None, filters={"tag": "nor"}).total == 0
        items = at_risk_customers(session, admin, tiers=None).items
        assert all(isinstance(i["reasons"], list) for i in items)
        assert any(r.get("text") == "no order for 90 days" for i in items for r in i["reasons"])


def test_reasons_warnings_and_names_in_the_requested_language(web) -> None:
    """Reasons and warnings are stored as catalog keys; the API renders them in the language
    asked for (``?lang=``, else Accept-Language, else the account's) and returns the key too."""
    from datetime import date, datetime

    from keepwise.analytics.churn.reasons import Reason
    from keepwise.analytics.rfm import SEGMENT_NAMES
    from keepwise.analytics.warnings import SilenceRule
    from keepwise.errors import plural_message
    from keepwise.i18n import gettext
    from keepwise.models import ChurnScore, Customer, Warning

    said = SilenceRule(name="silence").describe(
        {"observed": 40, "median_gap": 9, "at": "2025-05-20"}
    )
    reason = Reason(
        "recency_days",
        30,
        0.6,
        plural_message("no order for %(n)s day", "no order for %(n)s days", 30),
    )
    with session_scope(web.url) as session:
        c1 = session.execute(select(Customer).where(Customer.external_id == "C1")).scalar_one()
        session.add(
            ChurnScore(
                customer_id=c1.id,
                scored_at=datetime(2025, 7, 1),
                cutoff=date(2025, 7, 1),
                horizon_days=90,
                probability=0.7,
                risk_tier="high",
                reasons=[reason.to_dict()],
                model_version="t2",
            )
        )
        session.add(
            Warning(
                customer_id=c1.id,
                rule="silence",
                at=datetime(2025, 7, 1),
                severity="low",
                message=said.to_dict(),
            )
        )
    api = web.client("admin")
    zh = api.get("/api/v1/warnings", params={"customer_id": "C1", "lang": "zh"}).json()["items"]
    assert zh[0]["message"] == "已 40 天无互动（通常间隔 9 天，最近一次 2025-05-20）"
    assert zh[0]["message_key"] == said.to_dict()
    en = api.get(
        "/api/v1/warnings",
        params={"customer_id": "C1"},
        headers={"Accept-Language": "en-US,en;q=0.9"},
    )
    assert (
        en.json()["items"][0]["message"]
        == "no interaction for 40 days (usual gap 9 days; last on 2025-05-20)"
    )
    history = api.get("/api/v1/customers/C1/scores", params={"lang": "en"}).json()
    assert history[0]["reasons"] == [
        {
            "feature": "recency_days",
            "value": 30,
            "impact": 0.6,
            "text": "no order for 30 days",
            "message_key": reason.message.to_dict(),
        }
    ]
    overview = api.get("/api/v1/customers/C1/overview", params={"lang": "zh_CN"}).json()
    assert overview["score"]["reasons"][0]["text"] == "已 30 天未下单"
    assert overview["warnings"][0]["message"].startswith("已 40 天无互动")
    # no choice made: Chinese, the default, whoever asks (rep1's own language is English)
    plain = api.get("/api/v1/customers/C1/scores").json()
    assert plain[0]["reasons"][0]["text"] == "已 30 天未下单"
    rep = web.client("rep1").get("/api/v1/customers/C1/scores").json()
    assert rep[0]["reasons"] == plain[0]["reasons"]
    segments = api.get("/api/v1/rfm/segments", params={"lang": "zh"}).json()["rows"]
    assert segments and all(
        r["segment_name"]
        == gettext(SEGMENT_NAMES[r["segment"]], "zh_CN")
        != SEGMENT_NAMES[r["segment"]]
        for r in segments
    )
    assert api.get("/api/v1/warnings", params={"lang": "fr"}).status_code == 422
