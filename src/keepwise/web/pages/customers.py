"""Customers: every customer the user may see, searchable and paginated, linking to the 360 page."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keepwise.models import CUSTOMER_STATUSES
from keepwise.store.customers import list_customers
from keepwise.web.deps import PageUser, SessionDep
from keepwise.web.i18n import pgettext
from keepwise.web.pages._common import render, request_locale

router = APIRouter()

PER_PAGE = 50
SORTS = ("name", "-acquired_at", "acquired_at", "region")


@router.get("/customers", response_class=HTMLResponse, name="customers")
def customers(
    request: Request,
    user: PageUser,
    session: SessionDep,
    q: str = "",
    status: str = "",
    sort: str = "name",
    page: int = 1,
) -> HTMLResponse:
    locale = request_locale(request, user)
    q = q.strip()[:100]
    status = status if status in CUSTOMER_STATUSES else ""
    sort = sort if sort in SORTS else "name"
    result = list_customers(
        session,
        user,
        filters={"q": q, "status": status},
        sort=sort,
        page=max(page, 1),
        per_page=PER_PAGE,
    )

    def page_url(n: int) -> str:
        params = {"q": q, "status": status, "sort": sort if sort != "name" else "", "page": n}
        return "/customers?" + urlencode({k: v for k, v in params.items() if v})

    return render(
        request,
        "pages/customers.html",
        user,
        title=pgettext("navigation", "Customers", locale),
        active="customers",
        rows=result.items,
        page=result,
        page_url=page_url,
        q=q,
        status=status,
        statuses=CUSTOMER_STATUSES,
        sort=sort,
    )
