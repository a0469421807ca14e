"""The one Jinja2 environment of the web pages (autoescaped), with CSRF and gettext hooks.

Pages render with ``templates.TemplateResponse(request=request, name=..., context=...)``.
Every template gets, without passing them:

* ``csrf_token`` - the session's CSRF token; usable as ``{{ csrf_token }}`` and as
  ``{{ csrf_token(request) }}``; put it in each form as a hidden ``csrf_token`` field
  and in ``hx-headers='{"X-CSRF-Token": "{{ csrf_token }}"}'`` for HTMX;
* ``current_user`` - the signed-in :class:`~keepwise.models.User` or ``None``;
* ``_``/``gettext``/``ngettext`` and the locale-aware filters from
  :mod:`keepwise.web.i18n` (when present).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import TemplateNotFound

from keepwise.web.security import request_csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"


class CsrfToken(str):
    """The CSRF token as text that can also be called: ``{{ csrf_token }}`` == ``{{ csrf_token(request) }}``."""

    def __call__(self, request: Any = None) -> str:
        return str(self)


def csrf_token(request: Request) -> CsrfToken:
    """The session's CSRF token, created on first use (anonymous visitors get one too)."""
    return CsrfToken(request_csrf_token(request))


def _web_context(request: Request) -> dict[str, Any]:
    return {
        "csrf_token": csrf_token(request),
        "current_user": getattr(request.state, "user", None),
    }


templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_web_context])
templates.env.autoescape = True
# Templates ship with the package: no need to stat every template file on every render.
templates.env.auto_reload = False
templates.env.globals["csrf_token"] = csrf_token

if importlib.util.find_spec("keepwise.web.i18n") is not None:
    importlib.import_module("keepwise.web.i18n").install(templates.env)
else:  # pragma: no cover - the i18n module ships with keepwise
    templates.env.add_extension("jinja2.ext.i18n")
    templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def has_template(name: str) -> bool:
    """Whether the pages provide template ``name``."""
    try:
        templates.env.get_template(name)
    except TemplateNotFound:
        return False
    return True
