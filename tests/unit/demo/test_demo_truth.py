"""Reading the ground truth and labelling churn in a window after a cut-off day."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keepwise.demo import churn_labels, generate, read_ground_truth
from keepwise.errors import NotFoundError


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("truth")
    generate(folder, customers=1500, seed=21)
    return read_ground_truth(folder)


def test_read_ground_truth_types(truth: pd.DataFrame) -> None:
    assert truth.index.name == "customer_id" and truth.index.is_unique and len(truth) == 1500
    assert truth["churned"].dtype == bool and truth["is_contractual"].dtype == bool
    assert pd.api.types.is_datetime64_any_dtype(truth["churned_at"])
    assert truth["churned_at"].notna().sum() == truth["churned"].sum()
    assert (truth["churned_at"].dropna() > truth.loc[truth["churned"], "acquired_at"]).all()


def test_churn_labels_window(truth: pd.DataFrame) -> None:
    as_of = pd.Timestamp("2025-12-31")
    labels = churn_labels(truth, as_of=as_of, horizon_days=90)
    at_risk = truth[(truth["acquired_at"] <= as_of) & ~(truth["churned_at"] <= as_of)]
    assert list(labels.index) == list(at_risk.index)
    expected = (at_risk["churned_at"] > as_of) & (
        at_risk["churned_at"] <= as_of + pd.Timedelta(days=90)
    )
    assert (labels["churns_within"] == expected).all()
    assert 0 < labels["churns_within"].sum() < len(labels)
    assert labels.loc[labels["churns_within"], "churn_reason"].notna().all()
    longer = churn_labels(truth, as_of=as_of, horizon_days=180)
    assert longer["churns_within"].sum() > labels["churns_within"].sum()


def test_missing_ground_truth_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="keepwise demo"):
        read_ground_truth(tmp_path)
