"""Shared pieces of the API routers: paging parameters, list envelopes, error docs and the
language of the texts (reasons, warnings, names) in a response."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query, Request

from keepwise.i18n import to_message
from keepwise.store.paging import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page
from keepwise.web.api.schemas import ErrorResponse
from keepwise.web.i18n import api_locale

PageParam = Annotated[int, Query(ge=1, description="Page number, from 1.")]
PerPageParam = Annotated[
    int, Query(ge=1, le=MAX_PER_PAGE, description=f"Items per page (at most {MAX_PER_PAGE}).")
]
SortParam = Annotated[
    str | None,
    Query(
        description="Comma-separated fields; a leading '-' sorts descending, e.g. `-ordered_at,amount`."
    ),
]

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (401, "Not signed in (no or invalid token or session)."),
        (403, "Not allowed for your role, or missing CSRF token on a cookie-authenticated change."),
        (404, "Not found, or not visible to you."),
        (422, "Invalid request."),
    )
}


def response_locale(
    lang: Annotated[
        Literal["en", "zh", "zh_CN"] | None,
        Query(
            description="Language of the texts (reasons, warning messages, segment names): "
            "en or zh. Default: the Accept-Language header, else Chinese."
        ),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    """The locale of a response's texts: ``?lang=``, else ``Accept-Language``, else zh_CN."""
    return api_locale(lang, accept_language)


#: The locale the texts of a response are rendered in (see :func:`response_locale`).
LangDep = Annotated[str, Depends(response_locale)]


def render_reasons(reasons: Any, locale: str) -> list[dict[str, Any]]:
    """Stored churn reasons with their ``text`` in ``locale``. ``message_key`` is what it was
    rendered from: catalog key and parameters (``{"msgid", "params"}``), or ``{"texts"}`` for
    reasons written before the catalogs (store revision 0005), for clients that translate."""
    out = []
    for reason in reasons or []:
        data = reason if isinstance(reason, dict) else {}
        message = to_message(data.get("message") or reason)
        rest = {k: v for k, v in data.items() if k not in ("message", "en", "zh")}
        out.append(
            {
                **rest,  # another scorer's own "text" stays when there is no message
                **({"text": message.render(locale)} if message else {}),
                "message_key": message.to_dict() if message else None,
            }
        )
    return out


def render_warning(item: dict[str, Any], locale: str) -> dict[str, Any]:
    """A stored warning with its ``message`` in ``locale``; ``message_key`` as for reasons."""
    message = to_message(item.get("message"))
    return {
        **item,
        "message": message.render(locale) if message else None,
        "message_key": message.to_dict() if message else None,
    }


def links(request: Request, page: Page[Any]) -> dict[str, str | None]:
    def at(number: int) -> str:
        return str(request.url.include_query_params(page=number, per_page=page.per_page))

    return {
        "self": at(page.page),
        "first": at(1),
        "last": at(page.pages),
        "next": at(page.page + 1) if page.has_next else None,
        "prev": at(page.page - 1) if page.has_prev else None,
    }


def list_body(
    request: Request, page: Page[Any], convert: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """The list envelope: ``ok, items, total, page, per_page, pages, links``."""
    items: Sequence[Any] = [convert(item) for item in page.items] if convert else page.items
    return {
        "ok": True,
        "items": list(items),
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "links": links(request, page),
    }


__all__ = [
    "DEFAULT_PER_PAGE",
    "ERRORS",
    "LangDep",
    "PageParam",
    "PerPageParam",
    "SortParam",
    "links",
    "list_body",
    "render_reasons",
    "render_warning",
    "response_locale",
]
