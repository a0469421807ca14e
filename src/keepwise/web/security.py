"""Web sessions and the browser's side of security: the session cookie, CSRF tokens, the
response headers (CSP and friends), and the key that CSRF tokens are derived with.

The session cookie ``keepwise_session`` holds a random token and nothing else. A signed-in
browser's token (``s.…``) names a row of the store's ``sessions`` table
(:mod:`keepwise.accounts.sessions`): deleting the row ends the session for every copy of the
cookie. An anonymous visitor's token (``a.…``) is in no table; it only anchors the CSRF token
of the login form. A CSRF token is ``HMAC(secret key, cookie token)``: it needs no storage,
changes at every sign-in, and cannot be made without the key.

Passwords and API tokens are the accounts' business: :mod:`keepwise.accounts.credentials`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from starlette.requests import Request

from keepwise.errors import ConfigError
from keepwise.settings import get_settings
from keepwise.store.db import normalize_url

SESSION_COOKIE = "keepwise_session"
ANONYMOUS_PREFIX = "a."
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
#: Where the request's :class:`CookieSession` lives in the ASGI scope.
COOKIE_SCOPE_KEY = "keepwise.cookie"
_MAX_COOKIE_TOKEN = 128

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def csrf_for(secret_key: str, cookie_token: str) -> str:
    """The CSRF token of the session cookie ``cookie_token``."""
    digest = hmac.new(
        secret_key.encode("utf-8"), b"csrf\0" + cookie_token.encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class CookieSession:
    """The session cookie of one request, and what to send back (``Set-Cookie``)."""

    def __init__(self, token: str | None) -> None:
        self.token = token if token and len(token) <= _MAX_COOKIE_TOKEN else None
        self.changed = False
        self.max_age: int | None = None

    def ensure_token(self) -> str:
        """The cookie's token; an anonymous visitor without one gets a fresh one."""
        if self.token is None:
            self.token = ANONYMOUS_PREFIX + secrets.token_urlsafe(24)
            self.changed, self.max_age = True, None
        return self.token

    def sign_in(self, token: str, max_age_seconds: int) -> None:
        """Replace the cookie by a signed-in session's token (a new token: no fixation)."""
        self.token, self.changed, self.max_age = token, True, max_age_seconds

    def clear(self) -> None:
        """Delete the cookie (sign-out, or a session found ended)."""
        self.token, self.changed, self.max_age = None, True, 0

    def header(self, *, secure: bool) -> bytes:
        parts = [f"{SESSION_COOKIE}={self.token or ''}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if self.token is None:
            parts += ["Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
        elif self.max_age:
            parts.append(f"Max-Age={self.max_age}")
        if secure:
            parts.append("Secure")
        return "; ".join(parts).encode("latin-1")


def _cookie_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is no session
                return None
            morsel = jar.get(SESSION_COOKIE)
            if morsel is not None and morsel.value:
                return str(morsel.value)
    return None


def is_https(scope: Scope) -> bool:
    """Whether the client reached us over HTTPS (directly, or through a trusted proxy that says
    so: uvicorn's proxy headers, ``--forwarded-allow-ips``)."""
    return scope.get("scheme") in ("https", "wss")


class SessionCookieMiddleware:
    """Puts the request's :class:`CookieSession` in the scope and sends its changes back.

    The cookie is ``HttpOnly``, ``SameSite=Lax`` and, over HTTPS, ``Secure``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = CookieSession(_cookie_token(scope))
        scope[COOKIE_SCOPE_KEY] = cookie

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and cookie.changed:
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", cookie.header(secure=is_https(scope))))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)


#: The Content-Security-Policy of every response: scripts only from the app's own files (no
#: inline script, no eval), nothing fetched from anywhere else, no framing, forms post here.
#: Inline *styles* stay allowed: templates position bars with ``style=""`` and ECharts and htmx
#: set styles; styles cannot run code.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every response (pages, API, static files, errors), and
    ``Strict-Transport-Security`` to those served over HTTPS (``KEEPWISE_HSTS_MAX_AGE_SECONDS``)."""

    def __init__(self, app: ASGIApp, *, hsts_max_age_seconds: int | None = None) -> None:
        self.app = app
        max_age = (
            get_settings().hsts_max_age_seconds
            if hsts_max_age_seconds is None
            else hsts_max_age_seconds
        )
        self.hsts = f"max-age={max_age}".encode("ascii") if max_age > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if self.hsts is not None and is_https(scope):
                    headers.append((b"strict-transport-security", self.hsts))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def secret_file_for(db_url: str) -> Path | None:
    """``<store>.secret`` next to a SQLite store file; ``None`` for other databases."""
    url = make_url(normalize_url(db_url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().resolve().with_name(Path(url.database).name + ".secret")


def resolve_secret_key(db_url: str, *, demo: bool = False, explicit: str | None = None) -> str:
    """The key that signs session cookies.

    In order: ``explicit``; the ``KEEPWISE_SECRET_KEY`` setting; for a SQLite store, the
    key kept in ``<store>.secret`` (generated with mode 0600 on first use); in demo mode a
    random per-process key. Otherwise (PostgreSQL, no key set) raise :class:`ConfigError`.
    """
    key = explicit or get_settings().secret_key
    if key:
        if len(key) < 16:
            raise ConfigError("KEEPWISE_SECRET_KEY is too short: use at least 16 random characters")
        return key
    path = secret_file_for(db_url)
    if path is not None:
        if path.exists():
            stored = path.read_text(encoding="utf-8").strip()
            if stored:
                return stored
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        return key
    if demo:
        return secrets.token_urlsafe(48)
    raise ConfigError(
        "set KEEPWISE_SECRET_KEY (a long random string) to serve a PostgreSQL store: "
        "e.g. export KEEPWISE_SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(48))')\""
    )


def cookie_session(request: Request) -> CookieSession:
    """The request's session cookie (an empty one outside :class:`SessionCookieMiddleware`)."""
    cookie = request.scope.get(COOKIE_SCOPE_KEY)
    if not isinstance(cookie, CookieSession):
        cookie = CookieSession(None)
        request.scope[COOKIE_SCOPE_KEY] = cookie
    return cookie


def _secret(request: Request) -> str:
    return str(request.app.state.secret_key)


def request_csrf_token(request: Request) -> str:
    """The CSRF token for forms of this request (an anonymous visitor gets a cookie for it)."""
    return csrf_for(_secret(request), cookie_session(request).ensure_token())


def expected_csrf_token(request: Request) -> str | None:
    """The CSRF token an unsafe request must carry, ``None`` when it has no session cookie."""
    token = cookie_session(request).token
    return csrf_for(_secret(request), token) if token else None
