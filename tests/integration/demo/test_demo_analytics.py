"""The demo folder is a valid analytics source, and the ground truth stays out of it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keepwise.analytics.dataset import load_dataset
from keepwise.demo import generate


@pytest.mark.integration
def test_analytics_read_the_demo_folder_without_the_ground_truth(tmp_path: Path) -> None:
    summary = generate(tmp_path / "demo", customers=200, kind="b2b", seed=2)
    dataset = load_dataset(summary.out_dir)
    orders = pd.read_csv(summary.files["orders"])
    assert dataset.orders.count().execute() == (orders["status"] == "completed").sum()
    for name in ("customers", "interactions", "tickets", "feedback", "contacts"):
        table = getattr(dataset, name)
        assert table is not None, name
        assert table.count().execute() == summary.row_counts[name], name
        assert not {"churned", "churned_at", "churn_reason"} & set(table.columns), name
