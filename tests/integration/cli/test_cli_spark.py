"""`--engine spark` gives the same tables as DuckDB on the command line."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from keepwise.cli import app
from kw_testing import skip_or_fail

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("pyspark") is None:
        skip_or_fail("pyspark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        skip_or_fail("Java (needed by Spark) is not installed")
    from keepwise.demo import generate

    out = tmp_path_factory.mktemp("company")
    generate(out, customers=200, kind="b2c", seed=2)
    return out


@pytest.mark.parametrize(
    "args",
    [
        ["metrics", "churn", "--period", "quarter"],
        ["metrics", "cohorts", "--long"],
        ["rfm"],
        ["cycles"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_spark_engine_matches_duckdb(args: list[str], folder: Path) -> None:
    runner = CliRunner()
    common = [*args, "--data", str(folder), "--as-of", "2026-03-31", "--format", "csv"]
    duck = runner.invoke(app, common)
    spark = runner.invoke(app, [*common, "--engine", "spark"])
    assert duck.exit_code == 0 and spark.exit_code == 0, (duck.output, spark.output)
    expected, got = (pd.read_csv(io.StringIO(r.stdout)) for r in (duck, spark))
    assert len(expected) > 5
    # the same rows and values; sums may differ in the last bit (Spark adds in another order)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
