"""The analytics service's one scoping: who sees which customers' rows."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from keepwise.analytics import load_dataset
from keepwise.errors import ValidationError
from keepwise.models import User
from keepwise.web.analytics import Scope, scope_dataset

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C"],
        "owner": ["rep1", "rep2", None],
        "region": ["华东", "华东", "华北"],
        "kind": ["B2B", "B2C", "B2B"],
    }
)
ORDERS = pd.DataFrame(
    {
        "order_id": ["o1", "o2", "o3", "o4"],
        "customer_id": ["A", "A", "B", "C"],
        "ordered_at": [date(2025, 1, 5), date(2025, 2, 5), date(2025, 3, 1), date(2025, 3, 2)],
        "amount": [10.0, 20.0, 30.0, 40.0],
    }
)


def customers_with_orders(ds: Any) -> list[str]:
    orders = ds.orders.to_pandas()
    return sorted(set(orders["customer_id"]))


def user(role: str, username: str = "rep1") -> User:
    return User(username=username, role=role)


def test_a_sales_rep_sees_their_own_customers_and_managers_everybody() -> None:
    ds = load_dataset({"customers": CUSTOMERS, "orders": ORDERS})
    assert Scope.of(user("manager")).is_everyone and Scope.of(user("admin")).is_everyone
    assert scope_dataset(ds, Scope.of(user("manager"))) is ds
    mine = scope_dataset(ds, Scope.of(user("sales_rep")))
    assert customers_with_orders(mine) == ["A"]
    assert sorted(mine.customers.to_pandas()["customer_id"]) == ["A"]


def test_fields_and_ids_narrow_the_scope_and_empty_values_are_ignored() -> None:
    ds = load_dataset({"customers": CUSTOMERS, "orders": ORDERS})
    east = Scope.of(user("admin"), fields={"region": "华东", "kind": None, "industry": ""})
    assert east.fields == (("region", "华东"),)
    assert customers_with_orders(scope_dataset(ds, east)) == ["A", "B"]
    rep_east = Scope.of(user("sales_rep", "rep2"), fields={"region": "华东"})
    assert customers_with_orders(scope_dataset(ds, rep_east)) == ["B"]
    ids = Scope.of(user("admin"), fields={"kind": "B2B"}, customer_ids=frozenset({"C", "B"}))
    assert customers_with_orders(scope_dataset(ds, ids)) == ["C"]
    other = Scope.of(user("sales_rep"), fields={"owner": "rep2"})  # a rep asking for rep2's
    assert customers_with_orders(scope_dataset(ds, other)) == []


def test_unknown_fields_are_a_422_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        Scope.of(user("admin"), fields={"colour": "red"})
    assert caught.value.problems[0].column == "colour"


def test_without_a_customers_table_owner_scopes_are_empty() -> None:
    ds = load_dataset({"orders": ORDERS})
    assert customers_with_orders(scope_dataset(ds, Scope.of(user("sales_rep")))) == []
    only = Scope(customer_ids=frozenset({"B"}))
    assert customers_with_orders(scope_dataset(ds, only)) == ["B"]
