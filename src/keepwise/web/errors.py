"""One error format for the whole web app.

JSON (``/api/...`` and any request that asks for JSON)::

    {"ok": false, "error": "no customer 'C9'", "errors": [], "status": 404}

Page routes get an HTML error page instead (``error.html`` when the pages provide it),
and a page that needs a signed-in user redirects to ``/login?next=...``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from keepwise.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    KeepwiseError,
    NotFoundError,
    PasswordPolicyError,
    PermissionDeniedError,
    StoreError,
    TooManyAttemptsError,
    ValidationError,
)

logger = logging.getLogger("keepwise.web")

API_PREFIX = "/api/"


class LoginRequired(Exception):
    """A page needs a signed-in user: redirect to the login page, then back to ``next``."""

    def __init__(self, next_url: str = "/") -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfError(PermissionDeniedError):
    """An unsafe request carried no valid CSRF token."""


def status_for(exc: KeepwiseError) -> int:
    """The HTTP status of a keepwise error."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, TooManyAttemptsError):
        return 429
    if isinstance(exc, PasswordPolicyError):
        return 422
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, ValidationError):
        return 422
    if isinstance(exc, ConfigError):
        return 400
    if isinstance(exc, StoreError):
        return 503
    return 400


def error_body(status: int, message: str, errors: list[Any] | None = None) -> dict[str, Any]:
    return {"ok": False, "error": message, "errors": errors or [], "status": status}


def wants_json(request: Request) -> bool:
    if request.url.path.startswith(API_PREFIX) or request.url.path.startswith("/openapi"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _html_error(request: Request, status: int, message: str, errors: list[Any]) -> Response:
    from keepwise.web.templating import has_template, templates

    if has_template("error.html"):
        return templates.TemplateResponse(
            request=request,
            name="error.html",
            context={"status": status, "error": message, "errors": errors},
            status_code=status,
        )
    from html import escape

    items = "".join(f"<li>{escape(str(e))}</li>" for e in errors)
    body = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p><ul>{items}</ul>"
    return HTMLResponse(body, status_code=status)


def error_response(
    request: Request, status: int, message: str, errors: list[Any] | None = None
) -> Response:
    errors = errors or []
    if wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            error_body(status, message, errors), status_code=status, headers=headers
        )
    if status == 401:
        return _login_redirect(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    return _html_error(request, status, message, errors)


def _login_redirect(next_url: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(next_url, safe='/')}", status_code=303)


def _validation_messages(exc: RequestValidationError) -> list[str]:
    messages = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err.get("loc", ()))
        messages.append(f"{where}: {err.get('msg', 'invalid')}")
    return messages


def install_error_handlers(app: FastAPI) -> None:
    """Map keepwise errors, HTTP exceptions and request validation errors to one format."""

    @app.exception_handler(KeepwiseError)
    async def _keepwise(request: Request, exc: KeepwiseError) -> Response:
        status = status_for(exc)
        if isinstance(exc, ValidationError):
            return error_response(
                request, status, exc.summary or "validation failed", [str(p) for p in exc.problems]
            )
        response = error_response(request, status, str(exc))
        if isinstance(exc, TooManyAttemptsError):
            response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        response = error_response(request, exc.status_code, detail)
        for key, value in (exc.headers or {}).items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, "invalid request", _validation_messages(exc))

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return _login_redirect(exc.next_url)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal server error; see the server log")
