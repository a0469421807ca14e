"""What the library's data-taking functions accept, turned into a :class:`Dataset` in one place.

Every report function (``rfm_report``, ``churn_report``, ``cohort_report`` ...) and every
estimator fitted on a company's history (:class:`TransactionChurnModel`) takes ``data`` and
calls :func:`as_dataset` on it, so they all accept the same things:

* a :class:`~keepwise.analytics.dataset.Dataset` (returned as it is);
* a pandas (or Polars, or Arrow) DataFrame of orders, with ``customer_id``, ``ordered_at``
  and ``amount``;
* a dict of such frames by table name (``{"orders": ..., "customers": ...}``);
* an Ibis table of orders (materialised onto DuckDB);
* a folder of files or a store URL, as :func:`~keepwise.analytics.dataset.load_dataset` takes.

A frame without a required column raises :class:`~keepwise.errors.SchemaError` naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TypeAlias

import ibis

from keepwise.analytics.dataset import TABLE_NAMES, Dataset, load_dataset

__all__ = ["DataLike", "as_dataset", "as_orders", "as_tables"]

#: What the data-taking functions accept (pandas, Polars and Arrow frames are typed ``Any``).
DataLike: TypeAlias = Dataset | ibis.Table | Mapping[str, Any] | str | os.PathLike[str] | Any


def as_dataset(data: DataLike) -> Dataset:
    """``data`` as a :class:`~keepwise.analytics.dataset.Dataset` (see the module docstring).

    Raises
    ------
    SchemaError
        A frame lacks a required column (orders: ``customer_id``, ``ordered_at``,
        ``amount``); the error names the column and lists the ones the frame has.
    TypeError
        ``data`` is none of the accepted kinds.
    """
    if isinstance(data, Dataset):
        return data
    if isinstance(data, Mapping):
        return load_dataset({name: _frame(frame) for name, frame in data.items()})
    if isinstance(data, str | os.PathLike):
        return load_dataset(data)
    if _is_frame(data) or isinstance(data, ibis.Table):
        return load_dataset({"orders": _frame(data)})
    raise TypeError(
        "expected a Dataset, a DataFrame of orders (customer_id, ordered_at, amount), a dict "
        f"of frames by table name ({', '.join(TABLE_NAMES)}), a folder or a store URL; "
        f"got {type(data).__name__}"
    )


def as_orders(data: DataLike) -> ibis.Table:
    """The orders of ``data`` as an Ibis table: an Ibis table is used as it is (it stays on
    its own backend); anything else goes through :func:`as_dataset` (completed orders)."""
    if isinstance(data, ibis.Table):
        return data
    return as_dataset(data).orders


def as_tables(data: DataLike) -> Any:
    """``data`` when it already holds the tables as Ibis tables (a Dataset, or any object with
    ``orders``, ``customers``, ``tickets`` ... attributes that are Ibis tables, which the
    warning rules accept), else :func:`as_dataset` of it."""
    if isinstance(data, Dataset) or any(
        isinstance(getattr(data, name, None), ibis.Table) for name in TABLE_NAMES
    ):
        return data
    return as_dataset(data)


def _is_frame(data: Any) -> bool:
    import pandas as pd
    import pyarrow as pa

    return isinstance(data, pd.DataFrame | pa.Table) or hasattr(data, "to_arrow")


def _frame(data: Any) -> Any:
    """A frame :func:`load_dataset` takes (an Ibis table is materialised to Arrow)."""
    return data.to_pyarrow() if isinstance(data, ibis.Table) else data
