"""Pagination, sorting and visibility helpers shared by the store's query modules.

Every list query of the web layer (pages and JSON API alike) returns a :class:`Page` and
applies :func:`customer_scope`, so a sales rep sees only the customers they own wherever
they look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from keepwise.errors import Problem, ValidationError
from keepwise.models import Customer, User

T = TypeVar("T")

MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50
ALL_CUSTOMERS_ROLES = ("admin", "manager")


@dataclass
class Page(Generic[T]):
    """One page of a list: ``items`` plus what is needed to draw pagination links."""

    items: list[T]
    total: int
    page: int
    per_page: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def query_problem(parameter: str, value: object, message: str) -> ValidationError:
    """A :class:`ValidationError` about one query parameter (400/422 in the API)."""
    return ValidationError(
        [Problem(file="request", row=None, column=parameter, value=value, message=message)],
        summary=f"invalid {parameter}",
    )


def integrity_problem(entity: str, external_id: str, exc: Exception) -> Exception:
    """The error for a refused write: a value outside a CHECK constraint is invalid input
    (:class:`ValidationError`, 422); anything else (a duplicate key) is a :class:`ConflictError`."""
    from keepwise.errors import ConflictError

    detail = str(getattr(exc, "orig", exc))
    if "check constraint" in detail.lower() or "violates check" in detail.lower():
        return query_problem(
            entity, external_id, f"a value is out of range: {detail.splitlines()[0]}"
        )
    return ConflictError(f"{entity} {external_id!r} was not saved: {detail.splitlines()[0]}")


def check_paging(page: int, per_page: int) -> tuple[int, int]:
    if page < 1:
        raise query_problem("page", page, "must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise query_problem("per_page", per_page, f"must be between 1 and {MAX_PER_PAGE}")
    return page, per_page


def sees_all_customers(user: User) -> bool:
    """Admins and managers see every customer; sales reps only their own."""
    return user.role in ALL_CUSTOMERS_ROLES


def customer_scope(user: User) -> ColumnElement[bool]:
    """The condition on :class:`~keepwise.models.Customer` rows that ``user`` may see.

    Admins and managers see all customers; a sales rep sees the customers whose
    ``owner`` is their username. Every store query of the web layer applies it.
    """
    if sees_all_customers(user):
        return true()
    return Customer.owner == user.username


def order_by(stmt: Any, sort: str | None, columns: dict[str, Any], default: list[Any]) -> Any:
    """Apply ``sort`` (``"name"``, ``"-amount"``, ``"region,-name"``) from the ``columns`` whitelist."""
    if not sort:
        return stmt.order_by(*default)
    clauses = []
    for part in sort.split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        name = part.lstrip("-+")
        if name not in columns:
            raise query_problem(
                "sort", part, f"cannot sort by {name!r}; use one of {', '.join(sorted(columns))}"
            )
        column = columns[name]
        clauses.append(column.desc() if descending else column.asc())
    return stmt.order_by(*clauses, *default)


def paginate(
    session: Session, stmt: Any, page: int, per_page: int, *, count_stmt: Any = None
) -> tuple[list[Any], int]:
    """Rows of ``stmt`` on ``page`` and the total row count (``count_stmt``: a cheaper count)."""
    page, per_page = check_paging(page, per_page)
    if count_stmt is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.execute(count_stmt).scalar_one()
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), int(total)


def jsonable(value: Any) -> Any:
    """A JSON-safe copy of a column value (dates as ISO text, decimals as strings)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value
