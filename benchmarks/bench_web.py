"""Web latency: dashboard, at-risk list and customer 360 under 20 concurrent users.

Builds a SQLite store with 100,000 customers and 2,000,000 orders (``--quick``: 5,000 and
50,000) by bulk insert of generated rows, with one churn score per customer; starts
``keepwise serve`` in a subprocess on 127.0.0.1 (ephemeral port); signs in; warms each page
once (first-request times printed: they include reading the store into the caches); then
20 concurrent clients request the pages round-robin, bounded in count and time. Prints
p50/p95 and requests per second per endpoint, and whether p95 < 300 ms.

Two groups are measured one after the other: the pages of ``keepwise.web.pages`` (when
installed) and the JSON API endpoints that call the same store functions. The machine's
load average is printed too: on a shared machine other processes slow every figure.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

TARGET_P95_MS = 300.0
CONCURRENCY = 20
PASSWORD = "bench-password-123"
REGIONS = ["华东", "华南", "华北", "西南", "East", "West", "North", "South"]
INDUSTRIES = [
    "retail",
    "food",
    "manufacturing",
    "software",
    "logistics",
    "health",
    "education",
    "finance",
]
PRODUCTS = ["Widget", "Gadget", "Bolt", "Panel", "Sensor", "Cable", "Service plan", "Licence"]
REPS = [f"rep{i:02d}" for i in range(20)]


def _chunks(n: int, size: int):  # type: ignore[no-untyped-def]
    for start in range(0, n, size):
        yield start, min(n, start + size)


def build_store(path: Path, n_customers: int, n_orders: int, seed: int = 0) -> str:
    """Create and fill the store; return its URL."""
    from keepwise import store
    from keepwise.analytics.churn.reasons import Reason
    from keepwise.errors import N_, Message, plural_message

    url = f"sqlite:///{path}"
    store.upgrade(url)
    store.dispose_engines()
    rng = np.random.default_rng(seed)
    end = datetime(2025, 12, 31)
    start = end - timedelta(days=3 * 365)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = datetime.now().isoformat(sep=" ")
    acquired_days = rng.integers(0, int((end - start).days * 0.8), n_customers)
    owners = rng.integers(0, len(REPS), n_customers)
    regions = rng.integers(0, len(REPS), n_customers) % len(REGIONS)
    industries = rng.integers(0, len(INDUSTRIES), n_customers)
    statuses = np.where(rng.random(n_customers) < 0.2, "churned", "active")
    with con:
        con.executemany(
            "INSERT INTO customers (id, external_id, name, kind, industry, region, tags, owner, acquired_at, status,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    i + 1,
                    f"C{i + 1:07d}",
                    f"Customer {i + 1}",
                    "B2B" if i % 3 == 0 else "B2C",
                    INDUSTRIES[industries[i]],
                    REGIONS[regions[i]],
                    json.dumps(["vip"] if i % 10 == 0 else []),
                    REPS[owners[i]],
                    (start.date() + timedelta(days=int(acquired_days[i]))).isoformat(),
                    statuses[i],
                    now,
                    now,
                )
                for i in range(n_customers)
            ),
        )
    # Orders: customers weighted by a heavy-tailed activity, dates spread over three years.
    # Secondary indexes are dropped during the bulk insert and rebuilt afterwards (faster).
    index_sql = [
        row[0]
        for row in con.execute(
            "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='orders' AND sql IS NOT NULL"
        )
    ]
    for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='orders' AND sql IS NOT NULL"
    ).fetchall():
        con.execute(f'DROP INDEX "{name}"')
    weights = rng.pareto(1.5, n_customers) + 0.1
    weights /= weights.sum()
    span_seconds = int((end - start).total_seconds())
    base = np.datetime64(start.replace(microsecond=0), "s")
    products = np.array(PRODUCTS, dtype=object)
    for lo, hi in _chunks(n_orders, 250_000):
        n = hi - lo
        ids = np.arange(lo + 1, hi + 1)
        cust = (rng.choice(n_customers, size=n, p=weights) + 1).tolist()
        when = np.char.replace(
            np.datetime_as_string(base + rng.integers(0, span_seconds, n), unit="s"), "T", " "
        )
        amounts = np.round(rng.lognormal(5.5, 1.0, n), 2).tolist()
        product = products[rng.integers(0, len(PRODUCTS), n)].tolist()
        status = np.where(rng.random(n) < 0.95, "completed", "refunded").tolist()
        external = [f"O{i:08d}" for i in ids.tolist()]
        with con:
            con.executemany(
                "INSERT INTO orders (id, external_id, customer_id, ordered_at, amount, currency, quantity, product,"
                " category, status, created_at, updated_at)"
                " VALUES (?,?,?,?,?,'CNY',1.0,?,'goods',?,?,?)",
                zip(
                    ids.tolist(),
                    external,
                    cust,
                    when.tolist(),
                    amounts,
                    product,
                    status,
                    [now] * n,
                    [now] * n,
                    strict=True,
                ),
            )
    with con:
        for sql in index_sql:
            con.execute(sql)
    probabilities = rng.beta(2, 5, n_customers)
    # as `keepwise churn score` stores them: catalog keys with the customer's values
    reasons = json.dumps(
        [
            Reason(
                "recency_days",
                95,
                0.8,
                plural_message("no order for %(n)s day", "no order for %(n)s days", 95),
            ).to_dict(),
            Reason(
                "orders_qoq_change",
                -0.4,
                0.3,
                Message(N_("order frequency down %(pct).0f%% on last quarter"), {"pct": 40.0}),
            ).to_dict(),
        ],
        ensure_ascii=False,
    )
    with con:
        con.executemany(
            "INSERT INTO churn_scores (customer_id, scored_at, cutoff, horizon_days, probability, risk_tier, reasons,"
            " model_version) VALUES (?,?,?,?,?,?,?,?)",
            (
                (
                    i + 1,
                    "2025-12-31 00:00:00",
                    date(2025, 12, 31).isoformat(),
                    90,
                    float(p),
                    "high" if p >= 0.5 else "medium" if p >= 0.3 else "low",
                    reasons,
                    "bench",
                )
                for i, p in enumerate(probabilities)
            ),
        )
    con.execute("ANALYZE")
    con.close()
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: Server processes, as one would run keepwise on this machine: one per core.
WORKERS = max(1, min(os.cpu_count() or 1, 4))


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    # Each worker warms its own caches in the background at start-up (as in production);
    # _wait_warm below waits until every worker answers the pages from its caches, so no
    # warm-up competes with the measured requests.
    env = {**os.environ, "KEEPWISE_SECRET_KEY": "bench-secret-key-0123456789abcdef"}
    env.pop("KEEPWISE_WARM_UP", None)
    code = (
        f"from keepwise.web.server import serve; serve({url!r}, host='127.0.0.1', port={port}, "
        f"log_level='warning', workers={WORKERS})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


async def _wait_ready(
    client, base: str, proc: subprocess.Popen[bytes], timeout_s: float = 60.0
) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        except Exception:  # noqa: BLE001 - not listening yet
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start in time")


async def _login(client, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page = await client.get(f"{base}/login")
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
    if match is None:
        raise RuntimeError("no CSRF token on the login page")
    resp = await client.post(
        f"{base}/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": match.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )
    if resp.status_code != 303:
        raise RuntimeError(f"login failed: {resp.status_code}")


def _headers(path: str) -> dict[str, str]:
    """htmx partials (``.../body``) answer only requests that htmx sends."""
    return {"HX-Request": "true"} if path.split("?")[0].endswith("/body") else {}


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


class _Connection:
    """A minimal HTTP/1.1 keep-alive client: far less CPU per request than httpx, so the load
    generator takes less of the machine from the server it measures."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port, self.cookie = host, port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        extra = "".join(f"{k}: {v}\r\n" for k, v in _headers(path).items())
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nCookie: {self.cookie}\r\n"
            f"Accept: text/html,application/json\r\n{extra}\r\n"
        )
        self.writer.write(request.encode("latin-1"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)
        }
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = self.reader = None


async def run_load(
    base: str,
    endpoints: dict[str, list[str]],
    cookie: str,
    *,
    per_endpoint: int,
    time_limit_s: float,
) -> dict[str, dict[str, float]]:
    host, port = base.removeprefix("http://").split(":")
    latencies: dict[str, list[float]] = {name: [] for name in endpoints}
    errors: dict[str, int] = {name: 0 for name in endpoints}
    jobs: list[tuple[str, str]] = []
    rng = random.Random(1)
    for name, paths in endpoints.items():
        jobs.extend((name, rng.choice(paths)) for _ in range(per_endpoint))
    rng.shuffle(jobs)
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    deadline = time.monotonic() + time_limit_s

    async def worker() -> None:
        connection = _Connection(host, int(port), cookie)
        try:
            while time.monotonic() < deadline:
                try:
                    name, path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                status = await connection.get(path)
                elapsed = time.perf_counter() - started
                if status == 200:
                    latencies[name].append(elapsed * 1000)
                else:
                    errors[name] += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    wall = time.perf_counter() - started
    total = sum(len(v) for v in latencies.values())
    return {
        name: {
            "n": len(values),
            "errors": errors[name],
            "p50": _percentile(values, 50),
            "p95": _percentile(values, 95),
            "rps": len(values) / wall if wall else 0.0,
            "total_rps": total / wall if wall else 0.0,
        }
        for name, values in latencies.items()
    }


async def _wait_warm(base: str, cookies: Any, paths: list[str], timeout_s: float = 900.0) -> None:
    """Wait until every path answers fast on fresh connections (which reach every worker)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    fast = 0
    while time.monotonic() < deadline:
        async with httpx.AsyncClient(timeout=600.0, cookies=cookies) as fresh:
            started = time.perf_counter()
            for path in paths:
                await fresh.get(base + path, headers=_headers(path))
            fast = fast + 1 if time.perf_counter() - started < 1.0 else 0
        if fast >= 4 * WORKERS:
            return
        await asyncio.sleep(0.5 if fast else 2.0)
    raise RuntimeError("the server's caches did not warm up in time")


async def _bench(url: str, n_customers: int, quick: bool) -> None:
    import httpx

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"keepwise-bench-web-{port}.log"
    proc = start_server(url, port, log)
    try:
        async with httpx.AsyncClient(timeout=600.0) as client:
            await _wait_ready(client, base, proc)
            await _login(client, base, "admin")
            pages = importlib.util.find_spec("keepwise.web.pages") is not None
            ids = [f"C{i:07d}" for i in random.Random(2).sample(range(1, n_customers + 1), 200)]
            started = time.perf_counter()
            warm = (
                ["/dashboard/body", "/at-risk", f"/customers/{ids[0]}"]
                if pages
                else ["/api/v1/dashboard"]
            )
            await _wait_warm(base, client.cookies, warm)
            print(
                f"{WORKERS} server processes, caches warm after {time.perf_counter() - started:.1f} s"
            )
            groups: dict[str, dict[str, list[str]]] = {}
            if pages:
                groups["pages (what a browser loads)"] = {
                    "dashboard  GET /": ["/"],
                    "dashboard  GET /dashboard/body": ["/dashboard/body"],
                    "at-risk    GET /at-risk": ["/at-risk", "/at-risk?page=2", "/at-risk?page=3"],
                    "customer   GET /customers/{id}": [f"/customers/{i}" for i in ids],
                }
            groups["JSON API (the same store functions)"] = {
                "dashboard  GET /api/v1/dashboard": ["/api/v1/dashboard"],
                "at-risk    GET /api/v1/at-risk": ["/api/v1/at-risk", "/api/v1/at-risk?page=2"],
                "customer   GET /api/v1/customers/{id}/overview": [
                    f"/api/v1/customers/{i}/overview" for i in ids
                ],
                "timeline   GET /api/v1/customers/{id}/timeline": [
                    f"/api/v1/customers/{i}/timeline" for i in ids
                ],
            }
            print(f"server: {base} (pages {'installed' if pages else 'NOT installed'}); log {log}")
            print("first requests (fill the per-process caches):")
            for endpoints in groups.values():
                for name, paths in endpoints.items():
                    started = time.perf_counter()
                    resp = await client.get(base + paths[0], headers=_headers(paths[0]))
                    print(
                        f"  {name:<46} {resp.status_code}  {time.perf_counter() - started:8.2f} s",
                        flush=True,
                    )
                    if resp.status_code != 200:
                        raise RuntimeError(
                            f"{paths[0]} answered {resp.status_code}: {resp.text[:300]}"
                        )
            cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
        per_endpoint = 100 if quick else 400
        results = {}
        for title, endpoints in groups.items():
            results[title] = await run_load(
                base, endpoints, cookie, per_endpoint=per_endpoint, time_limit_s=120.0
            )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    load = os.getloadavg()[0]
    print(
        f"\n{CONCURRENCY} concurrent users, up to {per_endpoint} requests per endpoint, 120 s at most per group"
        f" ({os.cpu_count()} CPUs, load average {load:.1f} now: other processes slow the figures)"
    )
    for title, group in results.items():
        print(f"{title}:")
        print(
            f"  {'endpoint':<46} {'n':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}  p95<{TARGET_P95_MS:.0f}ms"
        )
        ok = True
        for name, r in group.items():
            passed = r["p95"] < TARGET_P95_MS and r["errors"] == 0
            ok &= passed
            print(
                f"  {name:<46} {r['n']:>5} {r['errors']:>4} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['rps']:>7.1f}  "
                f"{'yes' if passed else 'NO'}"
            )
        total_rps = next(iter(group.values()))["total_rps"] if group else 0.0
        print(f"  together: {total_rps:.1f} requests/s; target {'met' if ok else 'NOT met'}")


def main(quick: bool = False) -> None:
    n_customers, n_orders = (5_000, 50_000) if quick else (100_000, 2_000_000)
    with tempfile.TemporaryDirectory(prefix="keepwise-bench-web-") as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        url = build_store(path, n_customers, n_orders)
        print(
            f"store: {n_customers:,} customers, {n_orders:,} orders, {n_customers:,} churn scores "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        from keepwise.accounts import create_user

        create_user(url, "admin", PASSWORD, role="admin")
        asyncio.run(_bench(url, n_customers, quick))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
