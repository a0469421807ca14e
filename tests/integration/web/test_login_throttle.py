"""Login throttling per account and per address (429 + Retry-After, growing delay, audited),
and password checks bounded in concurrency; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from _webhelp import PASSWORD, login
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from keepwise.accounts import throttle
from keepwise.errors import TooManyAttemptsError
from keepwise.models import AuditLog, LoginThrottle
from keepwise.store import get_engine, session_scope
from keepwise.store.sessions import utcnow

pytestmark = pytest.mark.integration


def _audit(url: str, action: str) -> list[AuditLog]:
    with session_scope(url) as session:
        return list(session.execute(select(AuditLog).where(AuditLog.action == action)).scalars())


def test_the_eleventh_wrong_password_gets_429(web) -> None:
    browser = web.browser()
    for attempt in range(10):
        resp = login(browser, "rep1", f"wrong password {attempt}")
        assert resp.status_code == 401, (attempt, resp.status_code)
    eleventh = login(browser, "rep1", "wrong password 10")
    assert eleventh.status_code == 429
    retry_after = int(eleventh.headers["retry-after"])
    assert 250 < retry_after <= 300  # KEEPWISE_LOGIN_LOCKOUT_SECONDS = 300
    assert "429" not in eleventh.text and 'data-testid="login-error"' in eleventh.text
    # while locked, even the right password is refused, without being checked
    assert login(browser, "rep1", PASSWORD).status_code == 429
    assert browser.get("/api/v1/me").status_code == 401
    # ...but another account is not (the address has 10 failures of its 30)
    assert login(web.browser(), "rep2", PASSWORD).status_code == 303

    failed = _audit(web.url, "login_failed")
    assert len(failed) == 10 and {a.entity_id for a in failed} == {"rep1"}
    (locked,) = _audit(web.url, "login_locked")
    assert locked.entity == "login" and locked.entity_id == "account:rep1"
    assert locked.changes == {"failures": 10, "locked_seconds": 300} and locked.ip == "testclient"


def test_the_api_sees_the_throttle_in_the_audit_log(web) -> None:
    browser = web.browser()
    for attempt in range(11):
        login(browser, "boss", f"nope {attempt}")
    rows = web.client("admin").get("/api/v1/audit", params={"per_page": 100}).json()["items"]
    assert any(r["action"] == "login_locked" and r["entity_id"] == "account:boss" for r in rows)
    assert sum(r["action"] == "login_failed" for r in rows) == 10


def test_per_address_limit_stops_password_spraying(web) -> None:
    """30 failures from one address, each on another name, lock the address for every name."""
    browser = web.browser()
    for i in range(30):
        assert login(browser, f"guess{i}", "password123").status_code == 401
    assert login(browser, "rep1", PASSWORD).status_code == 429  # a right password, same address
    with session_scope(web.url) as session:
        row = session.get(LoginThrottle, "address:testclient")
        assert row is not None and row.failures == 30 and row.locked_until is not None


def test_the_lock_doubles_with_each_further_failure_and_a_quiet_window_resets(db_url: str) -> None:
    t0 = utcnow()
    with Session(get_engine(db_url)) as session:  # record_failure commits, as in a request
        for i in range(10):
            throttle.record_failure(session, "eve", "10.9.9.9", now=t0 + timedelta(seconds=i))
        row = session.get(LoginThrottle, "account:eve")
        assert row is not None and row.failures == 10
        assert row.locked_until == t0 + timedelta(seconds=9 + 300)
        with pytest.raises(TooManyAttemptsError) as locked:
            throttle.check(session, "eve", "10.0.0.1", now=t0 + timedelta(seconds=10))
        assert locked.value.retry_after_seconds == 299
        throttle.check(session, "eve", "10.0.0.1", now=t0 + timedelta(seconds=310))  # unlocked
        # the 11th failure right after the lock: 600 s; the 12th: 1200 s
        after = t0 + timedelta(seconds=310)
        throttle.record_failure(session, "eve", "10.9.9.9", now=after)
        session.refresh(row)
        assert row.locked_until == after + timedelta(seconds=600)
        later = after + timedelta(seconds=601)
        throttle.record_failure(session, "eve", "10.9.9.9", now=later)
        session.refresh(row)
        assert (row.failures, row.locked_until) == (12, later + timedelta(seconds=1200))
        # ten quiet minutes after the lock ends: a fresh start
        fresh = later + timedelta(seconds=1200 + 601)
        throttle.record_failure(session, "eve", "10.9.9.9", now=fresh)
        session.refresh(row)
        assert (row.failures, row.locked_until) == (1, None)


def test_the_lock_is_capped(db_url: str) -> None:
    policy = throttle.ThrottlePolicy.from_settings()
    assert policy.lock_for(10, 10) == timedelta(seconds=300)
    assert policy.lock_for(13, 10) == timedelta(seconds=2400)
    assert policy.lock_for(14, 10) == policy.lock_for(500, 10) == timedelta(seconds=3600)


def test_a_successful_sign_in_clears_the_account(web) -> None:
    browser = web.browser()
    for attempt in range(9):
        login(browser, "rep1", f"typo {attempt}")
    assert login(browser, "rep1", PASSWORD).status_code == 303
    with session_scope(web.url) as session:
        assert session.get(LoginThrottle, "account:rep1") is None


def test_password_checks_are_bounded_in_concurrency(web_sqlite, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Twelve sign-ins at once: never more than KEEPWISE_PASSWORD_CHECK_SLOTS (2) argon2 runs."""
    from keepwise.accounts import credentials

    real = credentials._hasher
    lock = threading.Lock()
    running = peak = 0

    class SlowHasher:
        def hash(self, password: str) -> str:
            return real.hash(password)

        def verify(self, password_hash: str, password: str) -> bool:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                time.sleep(0.15)
                return real.verify(password_hash, password)
            finally:
                with lock:
                    running -= 1

    monkeypatch.setattr(credentials, "_hasher", SlowHasher())
    with TestClient(web_sqlite.app) as client:  # one event loop for all the requests
        from _webhelp import csrf_from

        token = csrf_from(client)
        results: list[int] = []

        def attempt(i: int) -> None:
            resp = client.post(
                "/login",
                data={"username": f"user{i}", "password": "wrong-password", "csrf_token": token},
                follow_redirects=False,
            )
            results.append(resp.status_code)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(results) == [401] * 12
    assert peak == 2, peak
