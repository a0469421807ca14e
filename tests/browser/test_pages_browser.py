"""The pages in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

The real app runs under uvicorn on 127.0.0.1 over a seeded SQLite store; the browser logs
in through the form, sees the dashboard's charts drawn by the vendored ECharts, follows a
customer from the at-risk list to its 360 page, assigns follow-ups through htmx (CSRF
header), loads more of the timeline, switches to English and back, and never runs the
script hidden in a customer's name. Screenshots go to ``$KEEPWISE_SCREENSHOTS`` (default:
the test's temporary folder).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kw_testing import skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("KEEPWISE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
#: Base URL -> store URL of the servers started by the ``server`` fixture.
_SERVED: dict[str, str] = {}
SEED_FILE = Path(__file__).resolve().parents[1] / "integration" / "web" / "pages_seed.py"


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seed_module() -> Any:
    return _load("keepwise_pages_seed", SEED_FILE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def seed() -> Any:
    return _seed_module()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seed: Any) -> Iterator[str]:
    """The real app under uvicorn over a seeded store; yields its base URL."""
    import uvicorn

    from keepwise import store
    from keepwise.web.app import create_app

    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'store.db'}"
    store.upgrade(url)
    seed.seed_store(url, folder / "demo")
    port = _free_port()
    config = uvicorn.Config(
        create_app(url, secret_key="b" * 40), host="127.0.0.1", port=port, log_level="warning"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    _SERVED[base] = url
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("the app did not start within 30 s")
        time.sleep(0.1)
    yield base
    uv.should_exit = True
    thread.join(timeout=10)
    store.dispose_engines()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        skip_or_fail(f"Chromium not found at {CHROMIUM} (make sysdeps installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KEEPWISE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=server, viewport={"width": 1400, "height": 1000}, locale="zh-CN"
    )
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    dialogs: list[str] = []
    errors: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # Nothing may be fetched from anywhere but the app itself.
    external: list[str] = []
    pg.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(server)
            else (external.append(route.request.url), route.abort())
        ),
    )
    pg.dialogs, pg.js_errors, pg.external = dialogs, errors, external  # type: ignore[attr-defined]
    pg.csp_violations = watch_csp(pg)  # type: ignore[attr-defined]
    yield pg
    context.close()
    # Every page ran under the app's Content-Security-Policy, and nothing broke it.
    assert pg.csp_violations == [], pg.csp_violations  # type: ignore[attr-defined]


#: Reports each ``securitypolicyviolation`` event to the console, where :func:`watch_csp`
#: collects it (the list survives navigations; window state does not).
_CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + " in " + e.documentURI);
});
"""


def watch_csp(pg: Any) -> list[str]:
    """Collect the CSP violations of every document ``pg`` loads (events and console reports)."""
    violations: list[str] = []
    pg.add_init_script(_CSP_REPORTER)
    pg.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if "CSP violation" in m.text or "Content Security Policy" in m.text
            else None
        ),
    )
    return violations


def log_in(page: Any, username: str, seed: Any) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", seed.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


CHARTS = ("chart-trend", "chart-risk", "chart-cohorts", "chart-rfm", "chart-clv")


def test_dashboard_draws_its_charts(page: Any, seed: Any, shots: Path) -> None:
    log_in(page, "admin", seed)
    assert page.locator("h1").first.inner_text() == "仪表盘"
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-drawn]", timeout=60_000)
    drawn = page.evaluate(
        """(ids) => ids.map((id) => {
            const el = document.getElementById(id);
            const inst = window.echarts && echarts.getInstanceByDom(el);
            const canvas = el.querySelector('canvas');
            return {id, instance: !!inst, w: canvas ? canvas.width : 0, h: canvas ? canvas.height : 0,
                    series: inst ? inst.getOption().series.length : 0};
        })""",
        list(CHARTS),
    )
    for chart in drawn:
        assert (
            chart["instance"] and chart["w"] > 100 and chart["h"] > 100 and chart["series"] >= 1
        ), chart
    kpis = page.locator("[data-testid=kpis] .kpi .value").all_inner_texts()
    assert len(kpis) == 6 and all(k.strip() and k.strip() != "—" for k in kpis), kpis
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    # the period filter reloads the body through htmx and the charts are drawn again
    page.select_option("#f-freq", "quarter")
    page.wait_for_function(
        "() => document.querySelector('#chart-trend [data-drawn], #chart-trend[data-drawn]') && "
        "JSON.parse(document.getElementById('chart-trend').dataset.chart).x[0].includes('Q')"
    )
    assert page.js_errors == [] and page.external == []


def test_at_risk_to_customer_360(page: Any, seed: Any, shots: Path) -> None:
    log_in(page, "admin", seed)
    page.click("nav >> text=风险客户")
    page.wait_for_selector("[data-testid=at-risk-table]")
    first = page.locator("[data-testid=customer-link]").first
    name = first.inner_text()
    page.screenshot(path=str(shots / "at_risk.png"), full_page=True)
    first.click()
    page.wait_for_url("**/customers/**")
    assert page.locator("[data-testid=customer-name]").inner_text() == name
    assert page.locator("[data-testid=risk-history] tbody tr").count() >= 1
    page.wait_for_selector("#chart-risk-history[data-drawn]")
    assert page.locator("#timeline-items li").count() >= 1
    page.screenshot(path=str(shots / "customer.png"), full_page=True)


def test_rfm_segment_filter(page: Any, seed: Any, shots: Path) -> None:
    """The RFM filter in a real browser: the dashboard body and the at-risk list reload through
    htmx for one segment, and its customers' 360 pages show that segment."""
    log_in(page, "admin", seed)
    segments = {
        r["customer_id"]: r["segment"]
        for r in page.request.get("/api/v1/rfm?per_page=500").json()["items"]
    }
    at_risk = page.request.get("/api/v1/at-risk?per_page=500").json()["items"]
    counts: dict[str, int] = {}
    for item in at_risk:
        key = segments.get(item["customer_id"])
        if key:
            counts[key] = counts.get(key, 0) + 1
    key = max(counts, key=lambda k: counts[k])
    name = page.locator(f"#f-rfm option[value={key}]").inner_text()

    page.select_option("#f-rfm", key)
    page.wait_for_selector("[data-testid=rfm-label]")
    assert page.locator("[data-testid=rfm-label]").inner_text() == name
    page.wait_for_function(
        "() => document.getElementById('chart-rfm') && "
        "document.getElementById('chart-rfm').hasAttribute('data-drawn') && "
        "JSON.parse(document.getElementById('chart-rfm').dataset.chart).data.length === 1"
    )
    page.screenshot(path=str(shots / "dashboard_rfm.png"), full_page=True)

    page.goto("/at-risk")
    page.evaluate("window.__same_page = true")
    page.select_option("#f-rfm", key)
    page.wait_for_url(f"**/at-risk?*rfm={key}*")
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=customer-link]').length === {min(counts[key], 25)}"
    )
    assert page.evaluate("window.__same_page === true")  # htmx swapped the list, no reload
    expected = {i["customer_id"] for i in at_risk if segments.get(i["customer_id"]) == key}
    shown = page.locator("input.row-select").evaluate_all("(els) => els.map((e) => e.value)")
    assert shown and set(shown) <= expected
    page.screenshot(path=str(shots / "at_risk_rfm.png"), full_page=True)
    page.locator("[data-testid=customer-link]").first.click()
    page.wait_for_url("**/customers/**")
    assert page.locator("[data-testid=value-panel] .tag").inner_text() == name
    assert page.js_errors == [] and page.external == []


def test_script_in_a_name_stays_text(page: Any, seed: Any) -> None:
    log_in(page, "admin", seed)
    page.goto("/at-risk?tier=high")
    link = page.locator(f"a[href='/customers/{seed.XSS_ID}']")
    assert link.inner_text() == seed.XSS_NAME
    link.click()
    page.wait_for_url(f"**/customers/{seed.XSS_ID}")
    assert page.locator("[data-testid=customer-name]").inner_text() == seed.XSS_NAME
    page.wait_for_timeout(300)
    assert page.dialogs == []  # alert(1) never ran


def test_bulk_follow_up_through_htmx(page: Any, seed: Any) -> None:
    log_in(page, "admin", seed)
    page.goto("/at-risk")
    button = page.locator("[data-testid=assign-follow-ups]")
    assert button.is_disabled()
    boxes = page.locator(".row-select")
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert page.locator("[data-selected-count]").inner_text() == "2"
    button.click()
    result = page.wait_for_selector("[data-testid=bulk-result]")
    assert result.inner_text().strip() == "已分配 2 个跟进任务。"


def test_timeline_loads_more(page: Any, seed: Any, server: str) -> None:
    log_in(page, "admin", seed)
    page.goto("/at-risk?tier=high")
    # the busiest customers have more than one page of history
    hrefs = page.locator("[data-testid=customer-link]").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    for href in hrefs:
        page.goto(href)
        if page.locator("[data-testid=timeline-more]").count():
            break
    else:
        pytest.fail("no customer with a second page of timeline")
    before = page.locator("#timeline-items > li").count()
    page.click("[data-testid=timeline-more]")
    page.wait_for_function(
        f"() => document.querySelectorAll('#timeline-items > li').length > {before}"
    )


def test_switch_to_english_and_back(page: Any, seed: Any, shots: Path) -> None:
    log_in(page, "rep1", seed)
    page.goto("/at-risk")
    assert page.locator("h1").first.inner_text() == "风险客户"
    page.click("[data-testid=lang-en]")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.locator("h1").first.inner_text() == "At-risk customers"
    page.goto("/")
    page.wait_for_selector("#chart-trend[data-drawn]", timeout=60_000)
    assert "Churn rate" in page.locator("[data-testid=kpis]").inner_text()
    page.screenshot(path=str(shots / "dashboard_en.png"), full_page=True)
    page.click("[data-testid=lang-zh_CN]")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    assert page.locator("h1").first.inner_text() == "仪表盘"


def test_analysis_page_draws_survival_curves(page: Any, seed: Any, shots: Path) -> None:
    log_in(page, "admin", seed)
    page.click("nav >> text=分析")
    page.wait_for_selector("#chart-survival[data-drawn]", timeout=60_000)
    assert page.locator("[data-testid=segment-breakdown] table").count() >= 2
    page.select_option("#f-by", "region")
    page.wait_for_function(
        "() => JSON.parse(document.getElementById('chart-survival').dataset.chart).series.length >= 2"
        " && echarts.getInstanceByDom(document.getElementById('chart-survival'))"
    )
    page.screenshot(path=str(shots / "analysis.png"), full_page=True)
    assert page.js_errors == []


def test_a_failed_panel_says_so(page: Any, seed: Any) -> None:
    log_in(page, "admin", seed)
    page.route("**/dashboard/body*", lambda route: route.fulfill(status=500, body="boom"))
    page.goto("/")
    alert = page.wait_for_selector("#dashboard-body .empty[role=alert]")
    assert "出错" in alert.inner_text()
    assert page.locator("#dashboard-body .spinner").count() == 0
    assert page.locator("#htmx-error").is_visible()


def test_sales_rep_gets_404_for_another_reps_customer(page: Any, seed: Any) -> None:
    log_in(page, "rep1", seed)
    response = page.goto(f"/customers/{seed.REP2_ID}")
    assert response.status == 404
    assert page.locator(".error-code").inner_text() == "404"
    assert "Rep Two" not in page.content()


# --- security: CSP, offline API docs, accounts ------------------------------------------------


def test_pages_are_served_under_a_strict_csp(page: Any, seed: Any, server: str) -> None:
    """The policy is on, and the watcher sees a violation when one happens (a control)."""
    response = page.goto("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    log_in(page, "admin", seed)
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__inline_ran = true'; document.body.append(s); }"
    )
    assert page.evaluate("window.__inline_ran === undefined")  # the inline script was refused
    deadline = time.monotonic() + 5
    while not page.csp_violations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.csp_violations and "script-src" in page.csp_violations[0]
    page.csp_violations.clear()  # the control's violation is the only one allowed


def test_api_docs_render_with_no_network(page: Any, seed: Any, server: str, shots: Path) -> None:
    """Swagger UI comes from the package: with every other host blocked the operations show."""
    operations = sum(
        1
        for methods in httpx.get(f"{server}/api/v1/openapi.json").json()["paths"].values()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    )
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    shown = page.locator(".opblock").count()
    assert shown == operations and operations > 40, (shown, operations)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/customers").count() >= 2
    page.screenshot(path=str(shots / "api_docs.png"))
    assert page.external == [] and page.js_errors == []


def test_change_own_password_in_the_browser(browser: Any, server: str, seed: Any) -> None:
    """rep2 changes their password on /account; a second browser of theirs is signed out."""
    contexts = [browser.new_context(base_url=server, locale="zh-CN") for _ in range(2)]
    try:
        here, there = (c.new_page() for c in contexts)
        for pg in (here, there):
            pg.csp_violations = watch_csp(pg)
            log_in(pg, "rep2", seed)
        here.click("[data-testid=account-link]")
        here.wait_for_url("**/account")
        assert here.locator("h1").first.inner_text() == "我的账户"
        here.fill("#pw-current", seed.PASSWORD)
        here.fill("#pw-new", "amber-falcon-77")
        here.fill("#pw-confirm", "amber-falcon-77")
        here.click("[data-testid=change-password]")
        here.wait_for_url("**/account?done=password")
        assert "其他会话已结束" in here.locator("[data-testid=notice]").inner_text()
        there.goto("/customers")
        there.wait_for_url("**/login?next=**")  # the other browser's session is gone
        for pg in (here, there):
            assert pg.csp_violations == []
    finally:
        for c in contexts:
            c.close()
        from keepwise.accounts import set_password

        set_password(server_store(server), "rep2", seed.PASSWORD)  # as it was, for other tests


def test_admin_adds_and_disables_a_user_in_the_browser(
    page: Any, seed: Any, server: str, shots: Path
) -> None:
    log_in(page, "admin", seed)
    page.click("[data-testid=nav-users]")
    page.wait_for_url("**/admin/users")
    page.fill("#nu-username", "newrep")
    page.fill("#nu-name", "New Rep")
    page.select_option("#nu-role", "sales_rep")
    page.fill("#nu-password", "violet-harbour-42")
    page.click("[data-testid=add-user-submit]")
    page.wait_for_url("**/admin/users/newrep?done=created")
    assert page.locator("[data-testid=user-name]").inner_text() == "newrep"
    page.screenshot(path=str(shots / "admin_user.png"), full_page=True)
    page.click("[data-testid=disable-user]")
    page.wait_for_url("**/admin/users/newrep?done=updated")
    assert page.locator("[data-testid=user-status]").inner_text() == "已停用"
    page.goto("/admin/users")
    assert page.locator("[data-testid=user-row]", has_text="newrep").count() == 1
    page.screenshot(path=str(shots / "admin_users.png"), full_page=True)
    assert page.js_errors == [] and page.external == []


def server_store(server: str) -> str:
    """The store URL of the module's server (kept by the ``server`` fixture)."""
    return _SERVED[server]
