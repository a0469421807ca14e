"""Language switch: stored on the signed-in user, in a cookie for anonymous visitors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from keepwise.web.deps import OptionalUser, SessionDep
from keepwise.web.i18n import LOCALE_COOKIE, normalize_locale

router = APIRouter()

LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600


def _safe_next(target: str | None) -> str:
    """Only same-site paths (``/...``, not ``//host``) are followed after switching."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.post("/prefs/locale", name="set_locale")
def set_locale(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    locale: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",  # noqa: A002 - the conventional form field name
) -> RedirectResponse:
    """Switch the UI language (``zh_CN`` or ``en``) and go back to the page it was switched on."""
    chosen = normalize_locale(locale)  # anything unknown falls back to the default (zh_CN)
    if user is not None:
        from keepwise.store.users import set_locale as store_set_locale

        store_set_locale(session, user, chosen)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        chosen,
        max_age=LOCALE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        path="/",
    )
    return response
