"""The dashboard page and ``GET /api/v1/dashboard`` show the same figures for the same filters.

Both read them from the analytics service (``keepwise.web.analytics``); this test reads them
the way people do: the KPI tiles of the rendered page (BeautifulSoup) and the API's JSON, for
several filters and two users, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from _webhelp import login
from babel.numbers import format_percent
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from pages_seed import PASSWORD, seed_store
from sqlalchemy import select

from keepwise import store
from keepwise.models import Customer
from keepwise.store import cache
from keepwise.web import analytics
from keepwise.web.app import create_app

pytestmark = pytest.mark.integration

HX = {"HX-Request": "true"}
CHURN_FIGURES = ("customers_end", "churn_rate", "retention_rate", "net_revenue_retention")


def page_kpis(client: TestClient, params: dict[str, str]) -> dict[str, Any]:
    """The dashboard body's KPI tiles: ``{name: {"value", "text", "sub"}}`` (and the trend)."""
    response = client.get("/dashboard/body", params=params, headers=HX)
    assert response.status_code == 200, response.text[:300]
    body = BeautifulSoup(response.text, "html.parser")
    tiles: dict[str, Any] = {
        tile["data-testid"].removeprefix("kpi-"): {
            "value": json.loads(tile["data-value"]),
            "text": tile.find(class_="value").get_text(strip=True),
            "sub": tile.find(class_="sub").get_text(strip=True),
        }
        for tile in body.select("[data-testid^=kpi-]")
    }
    trend = body.find(id="chart-trend")
    tiles["trend"] = json.loads(trend["data-chart"]) if trend else None
    return tiles


def client_for(app: object, username: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    assert login(client, username, PASSWORD).status_code == 303  # type: ignore[attr-defined]
    return client


def test_dashboard_page_and_api_show_the_same_figures(db_url: str, tmp_path: Path) -> None:
    cache.clear()
    analytics.clear()
    seed_store(db_url, tmp_path / "demo", customers=80)
    with store.session_scope(db_url) as session:
        regions = Counter(session.execute(select(Customer.region)).scalars())
    region = next(r for r, _ in regions.most_common() if r)
    members = analytics.rfm_segment_members(db_url)
    rfm = max(members, key=lambda k: len(members[k]))
    app = create_app(db_url, secret_key="f" * 40)
    clients = {name: client_for(app, name) for name in ("admin", "rep1")}

    cases = [  # user, the page's filters, the same filters in the API
        ("admin", {}, {}),
        ("admin", {"freq": "quarter"}, {"period": "quarter"}),
        ("admin", {"segment": f"region:{region}"}, {"region": region}),
        ("admin", {"freq": "quarter", "rfm": rfm}, {"period": "quarter", "rfm_segment": rfm}),
        ("admin", {"months": "6", "segment": "kind:B2B"}, {"kind": "B2B"}),  # window: charts only
        ("rep1", {}, {}),
        ("rep1", {"segment": f"region:{region}"}, {"region": region}),
    ]
    seen = []
    for user, page_params, api_params in cases:
        client = clients[user]
        tiles = page_kpis(client, page_params)
        api = client.get("/api/v1/dashboard", params=api_params).json()
        last = api["last_period"]
        where = (user, page_params)
        assert last is not None and last["churn_rate"] is not None, where
        for name in CHURN_FIGURES:
            assert tiles[name]["value"] == last[name], (where, name)
        assert tiles["churn_rate"]["text"] == format_percent(
            last["churn_rate"], "#,##0.0%", locale="zh_CN"
        ), where
        assert tiles["churn_rate"]["sub"] == last["period"], where
        assert f"{last['customers_new']:,}" in tiles["customers_end"]["sub"], where
        assert tiles["at_risk"]["value"] == api["risk"]["at_risk"], where
        assert tiles["value_at_risk"]["value"] == pytest.approx(api["risk"]["value_at_risk"]), where
        # The trend chart's point for that period is the same churn rate.
        trend = tiles["trend"]
        point = trend["series"][0]["data"][trend["x"].index(last["period"])]
        assert point == pytest.approx(last["churn_rate"]), where
        seen.append((user, last["customers_end"], last["churn_rate"]))

    # The filters change the figures (so the comparisons above compare something).
    assert len({(end, rate) for _, end, rate in seen}) >= 4, seen
    admin_end = seen[0][1]
    assert all(end < admin_end for user, end, _ in seen if user == "rep1"), seen

    # The share of customers whose recorded status is "churned" is another figure, named so.
    api = clients["admin"].get("/api/v1/dashboard").json()
    assert "churn_rate" not in api
    customers = api["customers"]
    assert customers["churned_share"] == pytest.approx(
        customers["by_status"].get("churned", 0) / customers["total"]
    )
    assert clients["admin"].get("/api/v1/dashboard?period=week").json()["last_period"] is None
    cache.clear()
    analytics.clear()
