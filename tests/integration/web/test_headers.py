"""Security headers on every response, no inline script in any template, and the API docs
served from the package (the browser half is at the end of tests/browser/test_pages_browser.py)."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from keepwise.web.apidocs import SWAGGER_CSS, SWAGGER_JS
from keepwise.web.app import create_app

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "src" / "keepwise" / "web"


def assert_secure_headers(resp) -> None:  # type: ignore[no-untyped-def]
    csp = resp.headers.get("content-security-policy", "")
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    assert directives.get("script-src") == "'self'", (resp.url, csp)
    assert directives.get("frame-ancestors") == "'none'"
    assert directives.get("object-src") == "'none'"
    assert resp.headers.get("x-content-type-options") == "nosniff"
    assert resp.headers.get("referrer-policy") == "same-origin"
    assert resp.headers.get("x-frame-options") == "DENY"


def test_every_kind_of_response_carries_the_headers(web_sqlite) -> None:
    anonymous = web_sqlite.browser()
    rep = web_sqlite.client("rep1")
    signed_in = web_sqlite.browser("admin")
    responses = [
        anonymous.get("/login"),
        anonymous.get("/", follow_redirects=False),  # 303 to /login
        anonymous.get("/api/v1/me"),  # 401 JSON
        anonymous.get("/healthz"),
        anonymous.get("/static/js/keepwise.js"),
        anonymous.get("/static/nope.js"),  # 404 from StaticFiles
        anonymous.get("/no/such/page"),  # 404 page
        anonymous.get("/api/v1/openapi.json"),
        anonymous.get("/api/v1/docs"),
        anonymous.post("/logout"),  # 403: no CSRF token
        rep.get("/api/v1/customers"),
        rep.get("/api/v1/customers/C2"),  # 404 JSON
        rep.get("/api/v1/users"),  # 403 JSON
        rep.get("/api/v1/customers", params={"per_page": 100000}),  # 422
        signed_in.get("/"),
        signed_in.get("/customers/C1"),
    ]
    statuses = {r.status_code for r in responses}
    assert {200, 303, 401, 403, 404, 422} <= statuses
    for resp in responses:
        assert_secure_headers(resp)
        assert "strict-transport-security" not in resp.headers  # plain HTTP


def test_an_unexpected_error_carries_the_headers_too(sqlite_url: str) -> None:
    from keepwise.accounts import create_user

    create_user(sqlite_url, "admin", "a-long-password", role="admin")
    app = create_app(sqlite_url, secret_key="h" * 32)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    resp = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert resp.status_code == 500
    assert_secure_headers(resp)


def test_https_adds_hsts(web_sqlite) -> None:
    resp = TestClient(web_sqlite.app, base_url="https://testserver").get("/login")
    assert resp.headers["strict-transport-security"] == "max-age=31536000"
    assert_secure_headers(resp)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_inline_script_or_handlers() -> None:
    templates = sorted((WEB / "templates").rglob("*.html"))
    assert len(templates) > 10
    for path in templates:
        html = path.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(html), f"{path.name}: inline <script>"
        assert not INLINE_HANDLER.search(html), f"{path.name}: inline on*= handler"
        assert "javascript:" not in html.lower(), f"{path.name}: javascript: URL"
        assert "hx-on" not in html, f"{path.name}: hx-on runs inline code"


def test_api_docs_are_served_from_the_package(web_sqlite) -> None:
    client = web_sqlite.browser()
    html = client.get("/api/v1/docs").text
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert scripts == [SWAGGER_JS, "/static/js/api-docs.js"] and styles == [SWAGGER_CSS]
    assert "http" not in "".join(scripts + styles)  # nothing from another host
    assert not INLINE_SCRIPT.search(html)
    for url in scripts + styles:
        resp = client.get(url)
        assert resp.status_code == 200 and len(resp.content) > 500, url
    assert "SwaggerUIBundle" in client.get(SWAGGER_JS).text


def test_vendored_files_are_package_data() -> None:
    """Every file under web/static is matched by pyproject's package-data (so wheels ship it)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["keepwise"]
    package = ROOT / "src" / "keepwise"
    shipped = [
        p
        for p in (package / "web" / "static").rglob("*")
        if p.is_file() and not p.name.startswith(".")
    ] + [package / "accounts" / "common-passwords.txt.gz"]
    for path in shipped:
        rel = path.relative_to(package).as_posix()
        assert any(fnmatch(rel, pattern) for pattern in patterns), f"{rel} is not package data"
