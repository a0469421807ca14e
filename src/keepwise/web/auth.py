"""``GET/POST /login`` and ``POST /logout``: session sign-in with CSRF protection.

``GET /login`` renders the pages' ``login.html`` with ``{"csrf_token", "error", "next"}``
(a bare form when the pages are not installed). ``POST /login`` takes the form fields
``username``, ``password``, ``csrf_token`` and ``next``; on success the session is renewed
(new CSRF token) and the browser is sent to ``next`` (same-site paths only).
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keepwise import accounts
from keepwise.errors import AuthenticationError
from keepwise.store.audit import record_audit
from keepwise.store.users import touch_login
from keepwise.web.deps import OptionalUser, SessionDep, client_ip
from keepwise.web.security import (
    SESSION_AUTH_KEY,
    SESSION_CSRF_KEY,
    SESSION_USER_KEY,
    new_csrf_token,
    session_fingerprint,
)
from keepwise.web.templating import csrf_token, has_template, templates

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this site, else ``/`` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _login_page(
    request: Request, *, error: str | None, next_url: str, status: int = 200
) -> Response:
    token = csrf_token(request)
    context: dict[str, Any] = {"csrf_token": token, "error": error, "next": next_url}
    if has_template("login.html"):
        return templates.TemplateResponse(
            request=request, name="login.html", context=context, status_code=status
        )
    message = f'<p class="error">{escape(error)}</p>' if error else ""
    body = (
        "<!doctype html><meta charset=utf-8><title>keepwise</title><h1>keepwise</h1>"
        f'{message}<form method="post" action="/login">'
        f'<input type="hidden" name="csrf_token" value="{escape(token)}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        '<label>Username <input name="username" autocomplete="username" required></label>'
        '<label>Password <input name="password" type="password" autocomplete="current-password" required></label>'
        '<button type="submit">Log in</button></form>'
    )
    return HTMLResponse(body, status_code=status)


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:  # noqa: A002
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, error=None, next_url=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    try:
        user = accounts.authenticate(session, username, password)
    except AuthenticationError as exc:
        record_audit(
            session, None, "login_failed", "user", username[:128] or None, ip=client_ip(request)
        )
        session.commit()
        return _login_page(request, error=str(exc), next_url=safe_next(next), status=401)
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    request.session[SESSION_AUTH_KEY] = session_fingerprint(user.username, user.password_hash)
    request.session[SESSION_CSRF_KEY] = new_csrf_token()
    touch_login(session, user)
    record_audit(session, user, "login", "user", user.username, ip=client_ip(request))
    session.commit()
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    if user is not None:
        record_audit(session, user, "logout", "user", user.username, ip=client_ip(request))
        session.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
