"""The data-taking functions accept a DataFrame, a dict of frames, an Ibis table, a folder or a
Dataset, through one coercion (``as_dataset``), and name a missing column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from keepwise import (
    SchemaError,
    as_dataset,
    churn_report,
    cohort_report,
    customer_value,
    cycles_report,
    evaluate_warnings,
    formula_clv,
    lifetimes_table,
    load_dataset,
    revenue_report,
    rfm_report,
    rfm_summary,
    segment_report,
    warning_scores,
)

AS_OF = "2024-06-30"


def _orders() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = []
    for i in range(40):
        first = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
        for k in range(int(rng.integers(1, 8))):
            when = first + pd.Timedelta(days=int(k * rng.integers(20, 60)))
            if when <= pd.Timestamp(AS_OF):
                rows.append((f"C{i:02d}", when, float(rng.integers(10, 500))))
    return pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])


REPORTS: dict[str, Callable[[Any], pd.DataFrame]] = {
    "rfm_report": lambda d: rfm_report(d, as_of=AS_OF),
    "churn_report": lambda d: churn_report(d, as_of=AS_OF),
    "revenue_report": lambda d: revenue_report(d, as_of=AS_OF),
    "cohort_report": lambda d: cohort_report(d, as_of=AS_OF),
    "segment_report": lambda d: segment_report(d, as_of=AS_OF),
    "cycles_report": lambda d: cycles_report(d, as_of=AS_OF),
    "lifetimes_table": lambda d: lifetimes_table(d, as_of=AS_OF),
    "warning_scores": lambda d: warning_scores(d, as_of=AS_OF),
    "evaluate_warnings": lambda d: evaluate_warnings(d, as_of=AS_OF),
    "rfm_summary": lambda d: rfm_summary(d, calibration_end=AS_OF).to_pandas(),
    "formula_clv": lambda d: formula_clv(d, as_of=AS_OF),
    "customer_value": lambda d: customer_value(d, calibration_end=AS_OF, penalizer=0.001).customers,
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_a_dataframe_gives_what_its_dataset_gives(name: str, tmp_path: Path) -> None:
    report = REPORTS[name]
    orders = _orders()
    want = report(load_dataset({"orders": orders}))
    assert len(want) > 0 or name in ("evaluate_warnings", "warning_scores")
    orders.to_csv(tmp_path / "orders.csv", index=False)
    for data in (
        orders,  # a plain DataFrame of orders
        {"orders": orders},  # a dict of frames
        ibis.memtable(orders),  # an Ibis table
        tmp_path,  # a folder
    ):
        got = report(data)
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False
        )


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_a_missing_column_is_named(name: str) -> None:
    with pytest.raises(SchemaError, match="'ordered_at'.*required column is missing"):
        REPORTS[name](_orders().drop(columns="ordered_at"))


def test_as_dataset() -> None:
    orders = _orders()
    ds = load_dataset({"orders": orders})
    assert as_dataset(ds) is ds
    customers = pd.DataFrame({"customer_id": ["C00", "C01"], "region": ["华东", "华北"]})
    both = as_dataset({"orders": orders, "customers": customers})
    assert both.customers is not None and both.customers.count().execute() == 2
    assert as_dataset(orders).orders.count().execute() == len(orders)
    with pytest.raises(SchemaError, match="'amount'"):
        as_dataset(orders.drop(columns="amount"))
    with pytest.raises(TypeError, match="expected a Dataset, a DataFrame of orders"):
        as_dataset([1, 2, 3])
