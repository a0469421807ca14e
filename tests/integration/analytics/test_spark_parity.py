"""The same analytics on DuckDB and on Spark (PySpark local mode) give identical results.

One session-scoped SparkSession; every metric runs once per backend on a small dataset.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import numpy as np
import pandas as pd
import pytest

from keepwise.analytics import (
    ActivityConfig,
    churn_report,
    cohort_report,
    cycles_report,
    load_dataset,
    revenue_report,
    rfm_report,
    segment_report,
)
from kw_testing import skip_or_fail

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]

AS_OF = "2024-06-18"


def _frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n, m = 200, 2500
    ids = [f"c{i:03d}" for i in range(n)]
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "industry": rng.choice(["retail", "steel", None], n),
            "region": rng.choice(["north", "south"], n),
            "tags": rng.choice(["a;b", "b", "", None], n),
            "industry_fit": rng.uniform(0.5, 1.5, n),
            "supply_chain_risk": np.where(rng.random(n) < 0.5, np.nan, 2.0),
            "contract_start": pd.to_datetime(
                np.where(rng.random(n) < 0.1, "2023-03-01", None)
            ).date,
            "contract_end": pd.to_datetime(np.where(rng.random(n) < 0.5, "2024-02-15", None)).date,
        }
    )
    cid = rng.integers(0, n, m)
    stop = rng.integers(200, 900, n)
    minutes = np.minimum(rng.integers(0, 900 * 24 * 60, m), stop[cid] * 24 * 60)
    orders = pd.DataFrame(
        {
            "customer_id": [ids[i] for i in cid],
            "ordered_at": pd.Timestamp("2022-01-01") + pd.to_timedelta(minutes, unit="min"),
            "amount": rng.gamma(2, 100, m).round(2),
            "status": rng.choice(["completed", "completed", "refunded"], m),
        }
    )
    interactions = pd.DataFrame(
        {
            "customer_id": [ids[i] for i in rng.integers(0, n, 600)],
            "occurred_at": pd.Timestamp("2023-07-01")
            + pd.to_timedelta(rng.integers(0, 350, 600), unit="D"),
        }
    )
    return {"orders": orders, "customers": customers, "interactions": interactions}


@pytest.fixture(scope="session")
def spark_con() -> Any:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        skip_or_fail("pyspark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        skip_or_fail("Java (needed by Spark) is not installed")
    from keepwise.analytics.dataset import spark_backend

    return spark_backend()


def _all_metrics(backend: str, con: Any = None) -> dict[str, pd.DataFrame]:
    ds = load_dataset(_frames(), backend=backend, con=con)  # type: ignore[arg-type]
    return {
        "churn": churn_report(ds, freq="month", as_of=AS_OF),
        "churn_adaptive": churn_report(
            ds, freq="quarter", as_of=AS_OF, activity=ActivityConfig(adaptive=True)
        ),
        "revenue": revenue_report(ds, freq="quarter", as_of=AS_OF),
        "cohorts": cohort_report(ds, as_of=AS_OF),
        "rfm": rfm_report(ds, as_of=AS_OF),
        "cycles": cycles_report(ds, as_of=AS_OF, industry_risk={"retail": 3.0}),
        "segments": segment_report(
            ds,
            as_of=AS_OF,
            by=["industry", "tag", "frequency_band", "monetary_band", "interaction_band"],
        ),
    }


def test_duckdb_and_spark_give_identical_results(spark_con: Any) -> None:
    duck = _all_metrics("duckdb")
    spark = _all_metrics("pyspark", spark_con)
    keys = ["customer_id", "period_start", "cohort", "months_since", "dimension", "segment"]
    for name, want in duck.items():
        got = spark[name]
        assert list(got.columns) == list(want.columns), name
        assert len(want) > 0, name
        by = [k for k in keys if k in want.columns]
        want = want.sort_values(by).reset_index(drop=True)
        got = got.sort_values(by).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-9, obj=name)
    # The dataset is not trivial: churn and several segments occur.
    assert duck["churn"]["customers_churned"].sum() > 10
    assert duck["rfm"]["segment"].nunique() >= 4
