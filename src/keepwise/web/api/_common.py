"""Shared pieces of the API routers: paging parameters, list envelopes and error docs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Query, Request

from keepwise.store.paging import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page
from keepwise.web.api.schemas import ErrorResponse

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
    "PageParam",
    "PerPageParam",
    "SortParam",
    "links",
    "list_body",
]
