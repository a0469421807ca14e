"""The server-rendered pages through the real app (TestClient + BeautifulSoup on the HTML)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from pages_seed import PASSWORD, REP2_ID, XSS_ID, XSS_NAME, seed_store
from sqlalchemy import select

from keepwise import store
from keepwise.models import Task, User
from keepwise.web.app import create_app

pytestmark = pytest.mark.integration

HX = {"HX-Request": "true"}  # what htmx sends with the requests for partials


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("pages")
    url = f"sqlite:///{folder / 'store.db'}"
    store.upgrade(url)
    seed_store(url, folder / "demo")
    yield url
    store.dispose_engines()


@pytest.fixture(scope="module")
def app(seeded: str):  # type: ignore[no-untyped-def]
    return create_app(seeded, secret_key="k" * 40)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page carries no CSRF token"
    return match.group(1)


def login(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    return client


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def admin(app) -> TestClient:  # type: ignore[no-untyped-def]
    return login(app, "admin")


@pytest.fixture
def rep1(app) -> TestClient:  # type: ignore[no-untyped-def]
    return login(app, "rep1")


def test_anonymous_pages_redirect_to_login(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    response = client.get("/at-risk", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/at-risk")
    page = soup(client.get("/login"))
    assert page.find("html")["lang"] == "zh-CN"
    assert page.find("h1").get_text(strip=True) == "登录"
    assert page.find("input", {"name": "csrf_token"})["value"]


def test_dashboard_renders_kpis_and_chart_data(admin: TestClient) -> None:
    shell = soup(admin.get("/"))
    assert shell.find("h1").get_text(strip=True) == "仪表盘"
    body_div = shell.find(id="dashboard-body")
    assert body_div["hx-get"].startswith("/dashboard/body?")
    assert shell.find("script", src=re.compile(r"/static/vendor/echarts-5\.6\.0\.min\.js"))
    assert not shell.find("script", src=re.compile(r"^(https?:)?//")), "nothing may load from a CDN"

    body = soup(admin.get("/dashboard/body?freq=month&months=12", headers=HX))
    kpis = body.find(attrs={"data-testid": "kpis"})
    labels = [k.find(class_="label").get_text(strip=True) for k in kpis.find_all(class_="kpi")]
    assert labels == ["活跃客户", "流失率", "留存率", "净收入留存率", "风险客户", "风险收入"]
    values = [k.find(class_="value").get_text(strip=True) for k in kpis.find_all(class_="kpi")]
    assert all(v and v != "—" for v in values), values
    assert values[1].endswith("%") and values[5].startswith("¥")
    charts = {
        el["id"]: json.loads(el["data-chart"]) for el in body.find_all(attrs={"data-chart": True})
    }
    assert set(charts) >= {"chart-trend", "chart-risk", "chart-cohorts", "chart-rfm", "chart-clv"}
    trend = charts["chart-trend"]
    assert trend["type"] == "line" and len(trend["x"]) >= 12
    churn, retention = trend["series"]
    assert churn["name"] == "流失率" and retention["name"] == "留存率"
    assert all(
        0 <= v <= 1 for v in churn["data"] if v is not None
    )  # retention may pass 1 (reactivations)
    risk = charts["chart-risk"]
    assert sum(risk["series"][0]["data"]) == 62  # every scored customer, in three tiers
    assert charts["chart-cohorts"]["type"] == "heatmap" and charts["chart-cohorts"]["data"]
    assert sum(d["value"] for d in charts["chart-rfm"]["data"]) > 100


def test_partials_opened_directly_send_the_browser_to_the_page(admin: TestClient) -> None:
    response = admin.get("/dashboard/body?freq=quarter", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?freq=quarter"
    response = admin.get("/analysis/body", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/analysis"


def test_dashboard_segment_filter(admin: TestClient) -> None:
    first = soup(admin.get("/dashboard/body", headers=HX))
    select = first.find(id="f-segment")
    assert select["hx-swap-oob"] == "true"  # the body fills in the shell's segment choices
    options = [o["value"] for o in select.find_all("option") if o["value"]]
    assert "kind:B2B" in options
    region = next(o for o in options if o.startswith("region:"))
    body = soup(admin.get("/dashboard/body", params={"segment": region}, headers=HX))
    assert region.split(":", 1)[1] in body.find(attrs={"data-testid": "as-of"}).get_text()


def _largest_rfm_segment(url: str) -> tuple[str, frozenset[str]]:
    from keepwise.web.pages import _analytics

    members = _analytics.customer_frames(url)["rfm_members"]
    key = max(members, key=lambda k: len(members[k]))
    return key, members[key]


def test_dashboard_rfm_segment_filter(admin: TestClient, seeded: str) -> None:
    """The RFM filter: its choices in the page's language, the body scoped to one segment (its
    customers' whole-store segments, the risk KPIs of its customers), unknown keys ignored."""
    from keepwise.analytics.rfm import SEGMENTS
    from keepwise.i18n import gettext
    from keepwise.store.risk import risk_summary

    shell = soup(admin.get("/"))
    options = shell.find(id="f-rfm").find_all("option")
    assert [o["value"] for o in options] == ["", *(key for key, _ in SEGMENTS)]
    assert [o.get_text() for o in options][1:3] == ["冠军客户", "不能失去"]
    key, members = _largest_rfm_segment(seeded)
    zh_name = gettext(dict(SEGMENTS)[key], "zh_CN")
    assert (
        soup(admin.get(f"/?rfm={key}")).find(id="f-rfm").find("option", selected=True)["value"]
        == key
    )
    assert f"rfm={key}" in soup(admin.get(f"/?rfm={key}")).find(id="dashboard-body")["hx-get"]

    body = soup(admin.get("/dashboard/body", params={"rfm": key}, headers=HX))
    assert body.find(attrs={"data-testid": "rfm-label"}).get_text() == zh_name
    treemap = json.loads(body.find(id="chart-rfm")["data-chart"])
    assert [(t["key"], t["value"]) for t in treemap["data"]] == [(key, len(members))]
    with store.session_scope(seeded) as session:
        user = session.execute(select(User).where(User.username == "admin")).scalar_one()
        risk = risk_summary(session, user, customer_ids=members)
        everyone = risk_summary(session, user)
    assert 0 < risk["scored"] < everyone["scored"]
    at_risk = body.find(attrs={"data-testid": "kpis"}).find("a", href=f"/at-risk?rfm={key}")
    assert (
        at_risk.get_text(strip=True) == f"{risk['by_tier']['high'] + risk['by_tier']['medium']:,}"
    )
    risk_chart = json.loads(body.find(id="chart-risk")["data-chart"])
    assert risk_chart["series"][0]["data"] == [
        risk["by_tier"][t] for t in ("low", "medium", "high")
    ]
    assert all(link.endswith(f"&rfm={key}") for link in risk_chart["links"])

    unknown = soup(admin.get("/dashboard/body", params={"rfm": "nope"}, headers=HX))
    assert not unknown.find(attrs={"data-testid": "rfm-label"})


def test_dashboard_rfm_segment_without_customers(
    admin: TestClient, seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A segment nobody is in says so (not "import data")."""
    from keepwise.web.pages import _analytics

    key, _ = _largest_rfm_segment(seeded)
    other = next(k for k, _ in _analytics.rfm_segment_options("en") if k != key)
    monkeypatch.setattr(_analytics, "rfm_members", lambda url, segment: frozenset())
    body = soup(admin.get("/dashboard/body", params={"rfm": other}, headers=HX))
    assert (
        body.find(attrs={"data-testid": "no-match"}).find("h3").get_text() == "没有符合条件的客户"
    )


def test_at_risk_rfm_segment_filter(admin: TestClient, seeded: str) -> None:
    """The at-risk list filtered by RFM segment, through htmx (the list alone comes back) and
    as a full page (the choice kept in the form, the pager and the bulk form)."""
    from keepwise.store.risk import at_risk_customers

    key, members = _largest_rfm_segment(seeded)
    with store.session_scope(seeded) as session:
        user = session.execute(select(User).where(User.username == "admin")).scalar_one()
        expected = at_risk_customers(session, user, customer_ids=members, per_page=25)
        everyone = at_risk_customers(session, user, per_page=25)
    assert 0 < expected.total < everyone.total

    partial = admin.get(
        "/at-risk", params={"rfm": key}, headers={**HX, "HX-Target": "at-risk-list"}
    )
    assert partial.status_code == 200 and "<html" not in partial.text
    table = soup(partial).find(attrs={"data-testid": "at-risk-table"})
    ids = [a.get_text() for a in table.select("td .muted.small")]
    assert ids == [item["customer_id"] for item in expected.items]
    assert set(ids) <= members
    hidden = soup(partial).find("form", id="bulk-form").find("input", attrs={"name": "rfm"})
    assert hidden["value"] == key

    page = soup(admin.get("/at-risk", params={"rfm": key}))
    assert page.find("html") and page.find(id="f-rfm").find("option", selected=True)["value"] == key
    form = page.find(attrs={"data-testid": "at-risk-filters"})
    assert form["hx-get"] == "/at-risk" and form["hx-target"] == "#at-risk-list"
    if expected.pages > 1:
        assert page.find("nav", class_="pager").find("a", rel="next")["href"] == (
            f"/at-risk?rfm={key}&page=2"
        )
    unknown = soup(admin.get("/at-risk", params={"rfm": "nope"}))
    rows = unknown.find(attrs={"data-testid": "at-risk-table"}).find("tbody").find_all("tr")
    assert len(rows) == min(25, everyone.total)


def test_at_risk_list_sorted_with_reasons_and_pages(admin: TestClient) -> None:
    page = soup(admin.get("/at-risk"))
    table = page.find(attrs={"data-testid": "at-risk-table"})
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == 25  # one page
    losses = [float(re.sub(r"[^\d.]", "", r.find_all("td")[5].get_text())) for r in rows]
    assert losses == sorted(losses, reverse=True)
    first_reasons = rows[0].find(class_="reasons").get_text()
    assert "已 95 天未下单" in first_reasons  # the stored key and parameters, in Chinese
    # the suggested next step answers the top reason ("no order for 95 days")
    assert (
        rows[0].find_all("td")[7].get_text(strip=True)
        == "致电了解订单减少的原因，并给客户一个回来的理由"
    )
    pager = page.find("nav", class_="pager")
    assert pager and pager.find("a", rel="next")["href"] == "/at-risk?page=2"
    second = soup(admin.get("/at-risk?page=2")).find(attrs={"data-testid": "at-risk-table"})
    assert second.find("tbody").find_all("tr")


def test_script_name_is_shown_as_text(admin: TestClient) -> None:
    listing = admin.get("/at-risk", params={"q": "script"})
    assert XSS_NAME not in listing.text
    link = soup(listing).find("a", href=f"/customers/{XSS_ID}")
    assert link.get_text() == XSS_NAME

    page = admin.get(f"/customers/{XSS_ID}")
    assert page.status_code == 200
    assert XSS_NAME not in page.text and "<b>vip</b>" not in page.text
    html = soup(page)
    assert html.find(attrs={"data-testid": "customer-name"}).get_text() == XSS_NAME
    assert not [s for s in html.find_all("script") if "alert" in (s.string or "")]


def test_customer_360_sections(admin: TestClient) -> None:
    html = soup(admin.get(f"/customers/{XSS_ID}"))
    history = html.find(attrs={"data-testid": "risk-history"}).find("tbody").find_all("tr")
    assert len(history) == 2
    assert "已 95 天未下单" in history[0].get_text()  # a reason kept as key and parameters
    assert "已 95 天没有下单（推高流失风险）" in history[1].get_text()  # an old store's texts
    trend = json.loads(html.find(id="chart-risk-history")["data-chart"])
    assert trend["series"][0]["data"] == [0.82, 0.92]  # oldest first
    timeline = html.find(attrs={"data-testid": "timeline"})
    assert "订单" in timeline.get_text()
    value = html.find(attrs={"data-testid": "value-panel"}).get_text()
    assert "¥500,000.00" in value
    warnings = html.find(attrs={"data-testid": "warnings"}).get_text()
    assert "长时间无互动" in warnings and "主动联系" in warnings
    # The warning's own message in the page's language (the English one is for English pages).
    assert "已 95 天无互动（通常间隔 10 天，最近一次 2025-09-27）" in warnings
    assert "no interaction for" not in warnings
    for section in ("next-order", "warnings", "tasks", "contacts"):
        assert html.find(attrs={"data-testid": section})


def test_customer_360_in_english(app) -> None:  # type: ignore[no-untyped-def]
    """The same stored reasons and warning, rendered for a reader who chose English."""
    english = login(app, "admin")
    english.post(
        "/prefs/locale",
        data={"locale": "en", "next": "/", "csrf_token": csrf_of(english.get("/").text)},
    )
    try:
        html = soup(english.get(f"/customers/{XSS_ID}"))
        history = html.find(attrs={"data-testid": "risk-history"}).find("tbody").find_all("tr")
        assert "no order for 95 days" in history[0].get_text()
        assert "No order for 95 days (raises churn risk)" in history[1].get_text()
        warnings = html.find(attrs={"data-testid": "warnings"}).get_text()
        assert "no interaction for 95 days (usual gap 10 days; last on 2025-09-27)" in warnings
        assert "无互动" not in warnings
    finally:
        english.post(
            "/prefs/locale",
            data={"locale": "zh_CN", "next": "/", "csrf_token": csrf_of(english.get("/").text)},
        )


def test_customer_timeline_loads_more(admin: TestClient, seeded: str) -> None:
    from sqlalchemy import func

    from keepwise.models import Customer, Interaction

    with store.session_scope(seeded) as session:
        busiest = session.execute(
            select(Customer.external_id)
            .join(Interaction, Interaction.customer_id == Customer.id)
            .group_by(Customer.external_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
    html = soup(admin.get(f"/customers/{busiest}"))
    items = html.select("#timeline-items > li:not(#timeline-more)")
    assert len(items) == 20
    more = html.find(attrs={"data-testid": "timeline-more"})
    assert more["hx-get"] == f"/customers/{busiest}/timeline?page=2"
    nxt = soup(admin.get(more["hx-get"]))
    assert nxt.find_all("li")


def test_customer_360_counts_first_and_matches_the_timeline(seeded: str) -> None:
    """customer_360 counts every list in one query and fetches only the non-empty ones; its
    timeline page is the one customer_timeline gives, for customers with and without records."""
    from sqlalchemy import func

    from keepwise.models import Contact, Customer, Interaction
    from keepwise.store.customer360 import customer_360, customer_timeline

    with store.session_scope(seeded) as session:
        admin = session.execute(select(User).where(User.username == "admin")).scalar_one()
        busy = session.execute(
            select(Customer.external_id)
            .join(Interaction, Interaction.customer_id == Customer.id)
            .join(Contact, Contact.customer_id == Customer.id)
            .group_by(Customer.external_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        for external_id in (busy, XSS_ID):
            info = customer_360(session, admin, external_id, timeline_per_page=7)
            for page in (1, 2):
                expected = customer_timeline(session, admin, external_id, page=page, per_page=7)
                if page == 1:
                    got = info["timeline"]
                    assert (got.total, got.has_next) == (expected.total, expected.has_next)
                    assert [(i["kind"], i["external_id"]) for i in got.items] == [
                        (i["kind"], i["external_id"]) for i in expected.items
                    ]
                assert [i["at"] for i in expected.items] == sorted(
                    (i["at"] for i in expected.items), reverse=True
                )
        busy_info = customer_360(session, admin, busy)
        assert "timeline" not in busy_info and busy_info["contacts"]
        assert len({i["kind"] for i in info["timeline"].items}) >= 1


def test_sales_rep_cannot_open_another_reps_customer(rep1: TestClient) -> None:
    assert rep1.get(f"/customers/{XSS_ID}").status_code == 200
    denied = rep1.get(f"/customers/{REP2_ID}")
    assert denied.status_code == 404
    assert "Rep Two" not in denied.text
    assert soup(denied).find(attrs={"data-testid": "error-page"})
    assert rep1.get(f"/customers/{REP2_ID}/timeline?page=2").status_code == 404
    listing = rep1.get("/at-risk?tier=high&q=C").text
    assert REP2_ID not in listing and XSS_ID in listing
    assert rep1.get("/import").status_code == 403


def test_customer_list_search_and_pages(admin: TestClient, rep1: TestClient) -> None:
    page = soup(admin.get("/customers"))
    assert page.find("h1").get_text(strip=True) == "客户"  # the list; counts say 客户数
    rows = page.find(attrs={"data-testid": "customers-table"}).find("tbody").find_all("tr")
    assert len(rows) == 50
    assert page.find("nav", class_="pager").find("a", rel="next")["href"] == "/customers?page=2"
    found = soup(admin.get("/customers", params={"q": "script"}))
    links = found.find_all(attrs={"data-testid": "customer-link"})
    assert [a.get_text() for a in links] == [XSS_NAME]
    assert soup(admin.get("/customers", params={"q": "no-such-name"})).find(class_="empty")
    mine = soup(rep1.get("/customers")).find_all(attrs={"data-testid": "customer-link"})
    assert len(mine) == 21 and REP2_ID not in {a["href"].rsplit("/", 1)[1] for a in mine}


def test_bulk_follow_ups(admin: TestClient, seeded: str) -> None:
    page = admin.get("/at-risk")
    response = admin.post(
        "/at-risk/follow-ups",
        data={
            "customer_id": [XSS_ID, REP2_ID],
            "assignee": "",
            "due": "2026-12-01",
            "note": "call",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.status_code == 200
    result = soup(response).find(attrs={"data-testid": "bulk-result"})
    assert result.get_text(strip=True) == "已分配 2 个跟进任务。"
    with store.session_scope(seeded) as session:
        tasks = session.execute(select(Task).where(Task.note == "call")).scalars().all()
        owners = {session.get(User, t.assigned_to).username for t in tasks}
    assert owners == {"rep1", "rep2"}  # each customer's owner
    tasks_panel = soup(admin.get(f"/customers/{XSS_ID}")).find(attrs={"data-testid": "tasks"})
    assert "跟进：流失风险" in tasks_panel.get_text()


def test_follow_up_from_the_customer_page(rep1: TestClient, seeded: str) -> None:
    page = rep1.get(f"/customers/{XSS_ID}")
    form = soup(page).find(attrs={"data-testid": "follow-up-form"})
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    data["note"] = "from the 360 page"
    done = rep1.post(form["action"], data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/customers/{XSS_ID}#tasks"
    tasks = soup(rep1.get(f"/customers/{XSS_ID}")).find(attrs={"data-testid": "tasks"}).get_text()
    assert "跟进：流失风险" in tasks and "rep1" in tasks
    denied = rep1.post(f"/customers/{REP2_ID}/follow-ups", data={"csrf_token": data["csrf_token"]})
    assert denied.status_code == 404


def test_post_without_csrf_token_is_refused(admin: TestClient) -> None:
    response = admin.post("/at-risk/follow-ups", data={"customer_id": [XSS_ID]})
    assert response.status_code == 403


def test_language_switch_is_stored_per_user(app, seeded: str) -> None:  # type: ignore[no-untyped-def]
    client = login(app, "rep1")
    page = client.get("/at-risk")
    assert soup(page).find("h1").get_text(strip=True) == "风险客户"
    switched = client.post(
        "/prefs/locale",
        data={"locale": "en", "next": "/at-risk", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/at-risk"
    english = soup(client.get("/at-risk"))
    assert english.find("html")["lang"] == "en"
    assert english.find("h1").get_text(strip=True) == "At-risk customers"
    with store.session_scope(seeded) as session:
        assert (
            session.execute(select(User.locale).where(User.username == "rep1")).scalar_one() == "en"
        )
    # a fresh login (another browser) gets the stored language
    other = login(app, "rep1")
    body = soup(other.get("/dashboard/body", headers=HX))
    assert "Churn rate" in body.get_text()
    back = other.post(
        "/prefs/locale",
        data={"locale": "zh_CN", "next": "/", "csrf_token": csrf_of(other.get("/").text)},
    )
    assert soup(back).find("h1").get_text(strip=True) == "仪表盘"


def test_language_switch_for_anonymous_visitors_uses_a_cookie(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    page = client.get("/login")
    client.post(
        "/prefs/locale", data={"locale": "en", "next": "/login", "csrf_token": csrf_of(page.text)}
    )
    assert soup(client.get("/login")).find("h1").get_text(strip=True) == "Sign in"


def test_prefs_refuses_open_redirects(admin: TestClient) -> None:
    page = admin.get("/")
    response = admin.post(
        "/prefs/locale",
        data={"locale": "zh_CN", "next": "//evil.example", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_analysis_page(admin: TestClient) -> None:
    assert soup(admin.get("/analysis")).find(id="analysis-body")
    body = soup(admin.get("/analysis/body", headers=HX))
    breakdown = body.find(attrs={"data-testid": "segment-breakdown"})
    assert breakdown.find("table") and "行业" in breakdown.get_text()
    assert body.find(attrs={"data-testid": "churned-profile"})
    survival = json.loads(body.find(id="chart-survival")["data-chart"])
    assert survival["type"] == "step" and len(survival["series"]) == 1
    curve = survival["series"][0]["data"]
    assert curve[0] == [0.0, 1.0] and all(
        a[1] >= b[1] for a, b in zip(curve, curve[1:], strict=False)
    )
    summary = body.find(attrs={"data-testid": "survival-summary"}).find("tbody").find_all("tr")
    assert [td.get_text() for td in summary[0].find_all("td")][:1] == ["全部客户"]
    by_kind = soup(admin.get("/analysis/body?by=region", headers=HX))
    assert len(json.loads(by_kind.find(id="chart-survival")["data-chart"])["series"]) >= 2


def test_import_dry_run_then_confirm(admin: TestClient, tmp_path: Path) -> None:
    form = admin.get("/import")
    token = csrf_of(form.text)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "customer_id,name,kind\nCNEW1,New One,B2B\nCNEW2,New Two,NOT-A-KIND\n", encoding="utf-8"
    )
    with bad.open("rb") as handle:
        response = admin.post(
            "/import/preview",
            data={"table": "customers", "csrf_token": token},
            files={"file": ("bad.csv", handle, "text/csv")},
        )
    assert response.status_code == 422
    problems = soup(response).find(attrs={"data-testid": "import-problems"})
    cells = [td.get_text(strip=True) for td in problems.find("tbody").find("tr").find_all("td")]
    assert cells[0] == "3" and "kind" in cells[1] and cells[2] == "NOT-A-KIND"

    good = tmp_path / "good.csv"
    good.write_text(
        "customer_id,name,kind\nCNEW1,New One,B2B\nCNEW2,New Two,B2C\n", encoding="utf-8"
    )
    with good.open("rb") as handle:
        preview = admin.post(
            "/import/preview",
            data={"table": "customers", "csrf_token": token},
            files={"file": ("good.csv", handle, "text/csv")},
        )
    assert preview.status_code == 200
    report = soup(preview).find(attrs={"data-testid": "import-report"})
    assert [v.get_text(strip=True) for v in report.find_all(class_="value")][:2] == ["2", "2"]
    assert admin.get("/customers/CNEW1").status_code == 404  # dry run wrote nothing
    confirm = report.find("form")
    data = {i["name"]: i["value"] for i in confirm.find_all("input")}
    done = admin.post("/import/confirm", data=data)
    assert done.status_code == 200
    assert soup(done).find(attrs={"data-testid": "import-done"})
    assert admin.get("/customers/CNEW1").status_code == 200


def _preview(client: TestClient, path: Path, table: str) -> BeautifulSoup:
    with path.open("rb") as handle:
        response = client.post(
            "/import/preview",
            data={"table": table, "csrf_token": csrf_of(client.get("/import").text)},
            files={"file": (path.name, handle, "text/csv")},
        )
    assert response.status_code == 422, response.text[:500]
    return soup(response)


def test_import_report_in_the_users_language(app, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The importer's row/column/value problems are shown in Chinese on a Chinese page and in
    English on an English one; the CLI's English text is unchanged."""
    from keepwise.models import Customer

    with store.session_scope(seeded) as session:
        known = session.execute(select(Customer.external_id).limit(1)).scalar_one()
    bad = tmp_path / "订单.csv"
    bad.write_text(
        "order_id,customer_id,ordered_at,amount\n"
        f"O-NEW-1,{known},2024-13-45,100\n"
        f"O-NEW-2,{known},2024-03-05,-5\n"
        "O-NEW-3,NO-SUCH-CUSTOMER,2024-03-05,10\n",
        encoding="utf-8",
    )
    admin = login(app, "admin")  # the default language: Chinese
    page = _preview(admin, bad, "orders")
    problems = page.find(attrs={"data-testid": "import-problems"})
    rows = [
        [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in problems.find("tbody").find_all("tr")
    ]
    assert rows == [
        [
            "2",
            "ordered_at",
            "2024-13-45",
            "不是日期：请使用 2024-03-05、2024/3/5、20240305 或 2024年3月5日 这样的格式",
        ],
        ["3", "amount", "-5", "金额为负：退款请记为状态“refunded”且金额为正数，而不是负数订单"],
        [
            "4",
            "customer_id",
            "NO-SUCH-CUSTOMER",
            "未知客户：没有客户使用此编号；请先导入客户，或勾选“自动创建缺失的客户”（--create-missing-customers）",
        ],
    ]
    assert "订单.csv" in problems.get_text() and "3 个问题" in problems.get_text()

    missing = tmp_path / "no-amount.csv"
    missing.write_text("order_id,customer_id,订单日期\nO1,C1,2024-03-05\n", encoding="utf-8")
    text = _preview(admin, missing, "orders").find(attrs={"data-testid": "import-problems"})
    assert "缺少必需的列：amount（例如 " in text.get_text() and "文件中的表头：" in text.get_text()
    empty = tmp_path / "empty.csv"
    empty.write_text("\n", encoding="utf-8")
    text = _preview(admin, empty, "orders").find(attrs={"data-testid": "import-problems"})
    assert "文件为空：应包含一行表头和若干数据行" in text.get_text()

    english = login(app, "admin")
    english.post(
        "/prefs/locale",
        data={"locale": "en", "next": "/", "csrf_token": csrf_of(english.get("/").text)},
    )
    try:
        page = _preview(english, bad, "orders")
        cells = [td.get_text(strip=True) for td in page.find("tbody").find("tr").find_all("td")]
        assert (
            cells[3] == "not a date: use a form like 2024-03-05, 2024/3/5, 20240305 or 2024年3月5日"
        )
    finally:
        english.post(
            "/prefs/locale",
            data={"locale": "zh_CN", "next": "/", "csrf_token": csrf_of(english.get("/").text)},
        )
    from keepwise.errors import ValidationError
    from keepwise.schema.importer import import_file

    with pytest.raises(ValidationError) as caught:
        import_file(seeded, "orders", bad, dry_run=True)
    assert "row 3, column 'amount': negative amount: record a refund" in str(caught.value)
    assert "row 4, column 'customer_id': unknown customer: no customer has this id" in str(
        caught.value
    )


def test_unknown_page_is_a_designed_404(admin: TestClient) -> None:
    response = admin.get("/customers/NO-SUCH-ID")
    assert response.status_code == 404
    page = soup(response)
    assert page.find(class_="error-code").get_text(strip=True) == "404"
    assert page.find("h1").get_text(strip=True) == "页面不存在"


@pytest.mark.postgres
def test_pages_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """The same pages over a PostgreSQL store: dashboard, at-risk list, 360, a rep's 404."""
    seed_store(pg_url, tmp_path / "demo", customers=60)
    app = create_app(pg_url, secret_key="p" * 40)
    admin = login(app, "admin")
    body = soup(admin.get("/dashboard/body", headers=HX))
    assert {el["id"] for el in body.find_all(attrs={"data-chart": True})} >= {
        "chart-trend",
        "chart-risk",
    }
    listing = soup(admin.get("/at-risk", params={"q": "script"}))
    assert listing.find("a", href=f"/customers/{XSS_ID}").get_text() == XSS_NAME
    page = soup(admin.get(f"/customers/{XSS_ID}"))
    assert page.find(attrs={"data-testid": "customer-name"}).get_text() == XSS_NAME
    assert len(page.find(attrs={"data-testid": "risk-history"}).find("tbody").find_all("tr")) == 2
    assert login(app, "rep1").get(f"/customers/{REP2_ID}").status_code == 404
