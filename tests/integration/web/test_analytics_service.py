"""The web's analytics service: one copy of the store for pages and API, refreshed in the
background after writes and after its time-to-live, cleared by an import through the page,
with computations on one copy run one at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from keepwise.web import analytics

pytestmark = pytest.mark.integration

HX = {"HX-Request": "true"}


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every read of the store into DuckDB, by URL (the real reads, counted)."""
    seen: list[str] = []
    real = analytics._load

    def counting(url: str) -> Any:
        seen.append(url)
        return real(url)

    monkeypatch.setattr(analytics, "_load", counting)
    analytics.clear()
    yield seen
    analytics.clear()


def wait_for(check: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_pages_and_api_share_one_copy_of_the_store(web_sqlite: Any, loads: list[str]) -> None:
    browser = web_sqlite.browser("admin")
    assert browser.get("/dashboard/body", headers=HX).status_code == 200
    for path in ("/api/v1/metrics/churn", "/api/v1/rfm", "/api/v1/cohorts", "/api/v1/dashboard"):
        assert browser.get(path).status_code == 200, path
    assert web_sqlite.client("rep1").get("/api/v1/rfm").json()["total"] == 1
    assert browser.get("/analysis/body", headers=HX).status_code == 200
    assert loads == [web_sqlite.url]


def test_a_write_is_read_in_the_background_while_the_old_copy_serves(
    web_sqlite: Any, loads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = web_sqlite.client("admin")
    assert api.get("/api/v1/rfm").json()["total"] == 3
    release = threading.Event()
    real = analytics._load

    def slow(url: str) -> Any:
        release.wait(20)
        return real(url)

    monkeypatch.setattr(analytics, "_load", slow)
    warmed: list[str] = []
    monkeypatch.setattr(analytics, "_warm_ups", [warmed.append])

    new = {"external_id": "C4", "name": "Delta", "owner": "rep1"}
    assert api.post("/api/v1/customers", json=new).status_code == 201
    order = {"external_id": "O4", "customer_id": "C4", "ordered_at": "2025-06-05T10:00:00"}
    assert api.post("/api/v1/orders", json={**order, "amount": 10}).status_code == 201
    started = time.monotonic()
    assert api.get("/api/v1/rfm").json()["total"] == 3  # the old copy, at once
    assert time.monotonic() - started < 5
    assert [t.name for t in threading.enumerate()].count("keepwise-analytics-refresh") == 1
    assert api.get("/api/v1/rfm").json()["total"] == 3  # one refresh at a time
    release.set()
    wait_for(lambda: api.get("/api/v1/rfm").json()["total"] == 4)
    wait_for(lambda: warmed == [web_sqlite.url])  # the default views are recomputed


def test_an_old_copy_is_read_again_after_its_time_to_live(
    web_sqlite: Any, loads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = web_sqlite.client("admin")
    assert api.get("/api/v1/metrics/revenue").status_code == 200
    monkeypatch.setattr(analytics, "DATASET_TTL_SECONDS", 0.0)
    assert api.get("/api/v1/metrics/revenue").status_code == 200  # the old copy, then a refresh
    monkeypatch.setattr(analytics, "DATASET_TTL_SECONDS", 300.0)
    wait_for(lambda: len(loads) >= 2)


def test_an_import_through_the_page_shows_at_once(web_sqlite: Any, tmp_path: Path) -> None:
    browser = web_sqlite.browser("admin")
    revenue = sum(r["revenue"] or 0 for r in browser.get("/api/v1/metrics/revenue").json()["rows"])
    assert revenue == pytest.approx(7099.5)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,ordered_at,amount,status\nO-NEW,C1,2025-06-05,100,completed\n",
        encoding="utf-8",
    )
    form = BeautifulSoup(browser.get("/import").text, "html.parser")
    token = form.find("input", {"name": "csrf_token"})["value"]
    with orders.open("rb") as handle:
        preview = browser.post(
            "/import/preview",
            data={"table": "orders", "csrf_token": token},
            files={"file": ("orders.csv", handle, "text/csv")},
        )
    assert preview.status_code == 200, preview.text[:300]
    report = BeautifulSoup(preview.text, "html.parser").find(attrs={"data-testid": "import-report"})
    fields = {i["name"]: i["value"] for i in report.find("form").find_all("input")}
    assert browser.post("/import/confirm", data=fields).status_code == 200
    rows = browser.get("/api/v1/metrics/revenue").json()["rows"]
    assert sum(r["revenue"] or 0 for r in rows) == pytest.approx(7199.5)


def test_computations_on_one_copy_run_one_at_a_time(web_sqlite: Any) -> None:
    analytics.clear()
    url = web_sqlite.url
    running = 0
    most = 0
    guard = threading.Lock()
    inside = threading.Event()
    release = threading.Event()

    def compute(ds: Any) -> int:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        inside.set()
        release.wait(10)
        time.sleep(0.02)
        with guard:
            running -= 1
        return int(ds.orders.count().execute())

    assert analytics.cached(url, ("test", "hit"), lambda ds: 42) == 42
    threads = [
        threading.Thread(target=analytics.cached, args=(url, ("test", i), compute))
        for i in range(6)
    ]
    for t in threads:
        t.start()
    assert inside.wait(10)
    started = time.monotonic()
    assert analytics.cached(url, ("test", "hit"), lambda ds: 0) == 42  # no wait for a hit
    assert time.monotonic() - started < 1
    release.set()
    for t in threads:
        t.join(10)
    assert most == 1
    assert [analytics.cached(url, ("test", i), lambda ds: -1) for i in range(6)] == [4] * 6
    analytics.clear()
