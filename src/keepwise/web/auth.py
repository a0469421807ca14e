"""``GET/POST /login`` and ``POST /logout``: sign-in with server-side sessions, throttled.

``GET /login`` renders the pages' ``login.html`` with ``{"csrf_token", "error", "error_code",
"retry_after", "next"}`` (a bare form when the pages are not installed). ``POST /login`` takes
the form fields ``username``, ``password``, ``csrf_token`` and ``next``; on success a session
starts (a new cookie token, so a new CSRF token) and the browser is sent to ``next`` (same-site
paths only). A wrong name, a wrong password and a disabled account all answer 401 with the
same message; while the account or the client's address is locked after too many failures
the answer is 429 with ``Retry-After``, and the password is not even checked
(:mod:`keepwise.accounts.throttle`).

Password checks run in worker threads, at most ``KEEPWISE_PASSWORD_CHECK_SLOTS`` at a time
(:class:`SignInGate`); sign-ins waiting for a slot hold no thread, so a flood of them does not
slow down people who are already signed in.
"""

from __future__ import annotations

import asyncio
from html import escape
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from keepwise import accounts
from keepwise.accounts import throttle
from keepwise.accounts.sessions import SessionLimits
from keepwise.errors import AuthenticationError, TooManyAttemptsError
from keepwise.settings import get_settings
from keepwise.web.deps import OptionalUser, SessionDep, client_ip
from keepwise.web.security import cookie_session
from keepwise.web.templating import csrf_token, has_template, templates

router = APIRouter(include_in_schema=False)

#: Sign-ins allowed to wait for a password slot; more are refused at once (429).
MAX_WAITING_PER_SLOT = 32


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this site, else ``/`` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


class SignInGate:
    """At most ``slots`` password checks at a time, in worker threads of their own.

    A sign-in first checks the throttle (a cheap read, so a locked client is refused without
    waiting), then waits for a slot without holding a thread, then runs
    :func:`keepwise.accounts.sign_in` in a thread.
    """

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._limiter: anyio.CapacityLimiter | None = None
        self._loop: object = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        """The limiter of the running event loop (one per loop: a test client may run several)."""
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._loop is not loop:
            self._limiter, self._loop = anyio.CapacityLimiter(self.slots), loop
        return self._limiter

    async def sign_in(
        self,
        factory: sessionmaker[Session],
        username: str,
        password: str,
        *,
        ip: str | None,
        user_agent: str | None,
    ) -> tuple[int, str]:
        """``(user id, session token)``; raises what :func:`keepwise.accounts.sign_in` raises."""
        await run_in_threadpool(_check_throttle, factory, username, ip)
        if self.limiter.statistics().tasks_waiting >= self.slots * MAX_WAITING_PER_SLOT:
            raise TooManyAttemptsError("the server is busy checking other sign-ins", 5)
        return await anyio.to_thread.run_sync(
            _sign_in, factory, username, password, ip, user_agent, limiter=self.limiter
        )


def _check_throttle(factory: sessionmaker[Session], username: str, ip: str | None) -> None:
    with factory() as session:
        throttle.check(session, username.strip(), ip)


def _sign_in(
    factory: sessionmaker[Session],
    username: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
) -> tuple[int, str]:
    with factory() as session:
        user, token = accounts.sign_in(session, username, password, ip=ip, user_agent=user_agent)
        return user.id, token


def sign_in_gate(app: FastAPI) -> SignInGate:
    gate = getattr(app.state, "sign_in_gate", None)
    if gate is None:
        gate = app.state.sign_in_gate = SignInGate(get_settings().password_check_slots)
    return gate


def _login_page(
    request: Request,
    *,
    error: str | None,
    next_url: str,
    status: int = 200,
    error_code: str | None = None,
    retry_after: int | None = None,
) -> Response:
    token = csrf_token(request)
    context: dict[str, Any] = {
        "csrf_token": token,
        "error": error,
        "error_code": error_code,
        "retry_after": retry_after,
        "next": next_url,
    }
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    if has_template("login.html"):
        return templates.TemplateResponse(
            request=request,
            name="login.html",
            context=context,
            status_code=status,
            headers=headers,
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
    return HTMLResponse(body, status_code=status, headers=headers)


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:  # noqa: A002
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, error=None, next_url=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",  # noqa: A002
) -> Response:
    next_url = safe_next(next)
    try:
        _, token = await sign_in_gate(request.app).sign_in(
            request.app.state.session_factory,
            username,
            password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except TooManyAttemptsError as exc:
        return _login_page(
            request,
            error=str(exc),
            error_code="throttled",
            retry_after=exc.retry_after_seconds,
            next_url=next_url,
            status=429,
        )
    except AuthenticationError as exc:
        return _login_page(
            request, error=str(exc), error_code="credentials", next_url=next_url, status=401
        )
    max_age = int(SessionLimits.from_settings().absolute.total_seconds())
    cookie_session(request).sign_in(token, max_age)
    return RedirectResponse(next_url, status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    """End this session for every copy of its cookie, and delete the cookie."""
    cookie = cookie_session(request)
    accounts.sign_out(session, user, cookie.token, ip=client_ip(request))
    cookie.clear()
    return RedirectResponse("/login", status_code=303)
