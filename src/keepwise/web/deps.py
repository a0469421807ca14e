"""FastAPI dependencies: the database session, the signed-in user, roles and CSRF.

Aliases for route signatures::

    def route(session: SessionDep, user: CurrentUser) -> ...   # JSON API: 401 when anonymous
    def page(session: SessionDep, user: PageUser) -> ...       # pages: redirect to /login
    @router.delete(..., dependencies=[require_role("admin", "manager")])
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from keepwise import accounts
from keepwise.errors import AuthenticationError, PermissionDeniedError
from keepwise.models import User
from keepwise.web.errors import CsrfError, LoginRequired
from keepwise.web.security import (
    CSRF_FORM_FIELD,
    CSRF_HEADER,
    cookie_session,
    csrf_matches,
    expected_csrf_token,
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One SQLAlchemy session per request (store functions commit their own changes).

    Creating and closing a session does no blocking I/O, so this runs on the event loop
    (no thread hop); the queries run in the worker thread of the route.
    """
    with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def optional_user(request: Request, session: SessionDep) -> User | None:
    """The user of a bearer token or of the session cookie, else ``None``.

    A bearer token that is unknown, revoked, expired or belongs to a disabled user is an
    error (401), not an anonymous request. A session cookie whose session has ended (logout,
    expiry, password change, disabled user) is deleted and the request is anonymous. Sets
    ``request.state.user``, ``request.state.auth`` (``"token"``/``"session"``) and
    ``request.state.locale``.
    """
    token = bearer_token(request)
    user: User | None = None
    if token is not None:
        user = accounts.user_for_token(session, token)
        if user is None:
            raise AuthenticationError("invalid, expired or revoked API token")
        request.state.auth = "token"
    else:
        cookie = cookie_session(request)
        if accounts.is_session_token(cookie.token):
            user = accounts.session_user(session, cookie.token)
            if user is None:
                cookie.clear()
            else:
                request.state.auth = "session"
    request.state.user = user
    if user is not None:
        request.state.locale = user.locale
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def current_user(user: OptionalUser) -> User:
    """The signed-in user (API): 401 in the error format when there is none."""
    if user is None:
        raise AuthenticationError(
            "sign in first: send `Authorization: Bearer kw_...` or log in at /login"
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def page_user(request: Request, user: OptionalUser) -> User:
    """The signed-in user (pages): redirect to ``/login?next=<this page>`` when there is none."""
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


PageUser = Annotated[User, Depends(page_user)]


def require_role(*roles: str) -> Any:
    """A dependency that lets only users with one of ``roles`` through (403 otherwise)."""

    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise PermissionDeniedError(
                f"this needs the role {' or '.join(roles)}; you are {user.role}"
            )
        return user

    return Depends(check)


async def csrf_protect(request: Request) -> None:
    """Refuse unsafe requests without the session's CSRF token (applied to every route).

    POST/PUT/PATCH/DELETE must carry the token of the session cookie as the form field
    ``csrf_token`` or the header ``X-CSRF-Token``. Requests authenticated by an API bearer
    token carry no cookie and are exempt.
    """
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    expected = expected_csrf_token(request)
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FORM_FIELD)
            given = value if isinstance(value, str) else None
    if not csrf_matches(expected, given):
        raise CsrfError("missing or wrong CSRF token: reload the page and try again")


def is_token_request(request: Request) -> bool:
    return getattr(request.state, "auth", None) == "token"
