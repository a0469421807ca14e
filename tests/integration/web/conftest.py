"""Fixtures for the API and permission tests: a small known store, users, tokens, clients.

Users (password :data:`PASSWORD`): ``admin`` (admin), ``boss`` (manager), ``rep1`` and
``rep2`` (sales reps). Customers: ``C1`` (owner rep1, orders O1a/O1b, scores), ``C2``
(owner rep2, order O2, score), ``C3`` (no owner).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from _webhelp import PASSWORD, login
from fastapi.testclient import TestClient

from keepwise.accounts import create_token, create_user
from keepwise.models import ChurnScore, Customer, Order, Warning
from keepwise.store import cache, session_scope
from keepwise.web import analytics
from keepwise.web.app import create_app

SECRET = "test-secret-key-0123456789abcdef"


@dataclass
class WebStore:
    url: str
    tokens: dict[str, str]
    app: object

    def client(self, username: str | None = None) -> TestClient:
        """A client authenticated by ``username``'s API token (anonymous for ``None``)."""
        client = TestClient(self.app)  # type: ignore[arg-type]
        if username is not None:
            client.headers["Authorization"] = f"Bearer {self.tokens[username]}"
        return client

    def browser(self, username: str | None = None) -> TestClient:
        """A client that logged in through the login form (session cookie + CSRF token)."""
        client = TestClient(self.app)  # type: ignore[arg-type]
        if username is not None:
            login(client, username, PASSWORD)
        return client


def seed(url: str) -> dict[str, str]:
    create_user(url, "admin", PASSWORD, role="admin")
    create_user(url, "boss", PASSWORD, role="manager")
    create_user(url, "rep1", PASSWORD, role="sales_rep", locale="en")
    create_user(url, "rep2", PASSWORD, role="sales_rep")
    with session_scope(url) as session:
        c1 = Customer(
            external_id="C1",
            name="Alpha Trading",
            kind="B2B",
            industry="retail",
            region="East",
            owner="rep1",
            tags=["vip", "north"],
            status="active",
            acquired_at=date(2024, 1, 10),
        )
        c2 = Customer(
            external_id="C2",
            name="Beta Foods",
            kind="B2B",
            industry="food",
            region="West",
            owner="rep2",
            tags=["vip"],
            status="active",
            acquired_at=date(2024, 2, 1),
        )
        c3 = Customer(
            external_id="C3",
            name="Gamma Retail",
            kind="B2C",
            industry="retail",
            region="East",
            status="churned",
            acquired_at=date(2024, 3, 1),
        )
        session.add_all([c1, c2, c3])
        session.flush()
        session.add_all(
            [
                Order(
                    external_id="O1a",
                    customer_id=c1.id,
                    ordered_at=datetime(2025, 5, 3),
                    amount=Decimal("1200.50"),
                    product="Widget",
                    category="tools",
                    status="completed",
                ),
                Order(
                    external_id="O1b",
                    customer_id=c1.id,
                    ordered_at=datetime(2025, 6, 9),
                    amount=Decimal("800.00"),
                    product="Gadget",
                    category="tools",
                    status="completed",
                ),
                Order(
                    external_id="O2",
                    customer_id=c2.id,
                    ordered_at=datetime(2025, 6, 1),
                    amount=Decimal("5000.00"),
                    product="Widget",
                    category="food",
                    status="completed",
                ),
                Order(
                    external_id="O3",
                    customer_id=c3.id,
                    ordered_at=datetime(2024, 6, 1),
                    amount=Decimal("99.00"),
                    product="Widget",
                    status="completed",
                ),
            ]
        )
        for cust, p, tier in ((c1, 0.81, "high"), (c2, 0.55, "medium"), (c3, 0.10, "low")):
            session.add(
                ChurnScore(
                    customer_id=cust.id,
                    scored_at=datetime(2025, 6, 1),
                    cutoff=date(2025, 6, 1),
                    horizon_days=90,
                    probability=p / 2,
                    risk_tier="low",
                    reasons=[{"feature": "recency", "text": "old"}],
                    model_version="t0",
                )
            )
            session.add(
                ChurnScore(
                    customer_id=cust.id,
                    scored_at=datetime(2025, 6, 30),
                    cutoff=date(2025, 6, 30),
                    horizon_days=90,
                    probability=p,
                    risk_tier=tier,
                    reasons=[{"feature": "recency", "text": "no order for 90 days"}],
                    model_version="t1",
                )
            )
        session.add(
            Warning(
                customer_id=c2.id,
                rule="silence",
                observed=95,
                threshold=60,
                at=datetime(2025, 6, 30),
                severity="high",
                message="no contact for 95 days",
            )
        )
    return {u: create_token(url, u, "tests") for u in ("admin", "boss", "rep1", "rep2")}


@pytest.fixture(autouse=True)
def _fresh_analytics() -> Iterator[None]:
    """Each test reads its own store into DuckDB; drop the copies afterwards (memory)."""
    yield
    analytics.clear()


@pytest.fixture(autouse=True)
def _fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters in tests (the hash is still argon2id; production keeps the defaults)."""
    from argon2 import PasswordHasher

    from keepwise.accounts import credentials

    monkeypatch.setattr(
        credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def web(db_url: str) -> Iterator[WebStore]:
    """The seeded store on SQLite and on PostgreSQL, with the app and one token per user."""
    cache.clear()
    tokens = seed(db_url)
    app = create_app(db_url, secret_key=SECRET)
    yield WebStore(db_url, tokens, app)
    cache.clear()


@pytest.fixture
def web_sqlite(sqlite_url: str) -> Iterator[WebStore]:
    """The seeded store on SQLite only (for tests whose logic does not depend on the database)."""
    cache.clear()
    tokens = seed(sqlite_url)
    app = create_app(sqlite_url, secret_key=SECRET)
    yield WebStore(sqlite_url, tokens, app)
    cache.clear()
