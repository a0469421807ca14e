"""What every page shares: the template environment hooks, the page context and rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from keepwise.models import User
from keepwise.web import i18n
from keepwise.web.templating import csrf_token, templates

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
_STATIC_VERSION = "1"


def static_url(path: str) -> str:
    """URL of a file under ``web/static`` (served by the app itself, never a CDN)."""
    return f"/static/{path}?v={_STATIC_VERSION}"


def _install() -> None:
    env = templates.env
    i18n.install(env)
    env.globals.setdefault("static_url", static_url)


_install()


def store_url(request: Request) -> str:
    """The store URL the app serves (``app.state.db_url``, else the settings' default)."""
    url = getattr(request.app.state, "db_url", None)
    if url:
        return str(url)
    from keepwise.store import normalize_url

    return normalize_url(None)


def request_locale(request: Request, user: User | None) -> str:
    """The user's stored locale; for anonymous visitors the ``kw_locale`` cookie; else zh_CN."""
    if user is not None and user.locale:
        return i18n.normalize_locale(user.locale)
    return i18n.normalize_locale(request.cookies.get(i18n.LOCALE_COOKIE))


def page_context(request: Request, user: User | None, **context: Any) -> dict[str, Any]:
    from keepwise.web.security import CSRF_HEADER

    locale = request_locale(request, user)
    request.state.locale = locale
    base = {
        "request": request,
        "user": user,
        "locale": locale,
        "csrf_token": str(csrf_token(request)),
        "csrf_header": CSRF_HEADER,
    }
    base.update(context)
    return base


def render(
    request: Request,
    name: str,
    user: User | None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``name`` with the page context (user, locale, CSRF token) plus ``context``."""
    return templates.TemplateResponse(
        request=request,
        name=name,
        context=page_context(request, user, **context),
        status_code=status_code,
        headers=headers,
    )


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it adds ``HX-Request: true``)."""
    return request.headers.get("hx-request") == "true"


def page_redirect(request: Request, path: str) -> RedirectResponse:
    """Send a browser that opened a partial's address to the full page (same query)."""
    query = request.url.query
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


def t(request: Request, message: str) -> str:
    """Translate ``message`` into the locale of the request being rendered."""
    return i18n.gettext(message, getattr(request.state, "locale", None))
