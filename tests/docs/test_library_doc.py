"""docs/library.md runs: its Python blocks are executed in order, in one namespace, like a
notebook, and what they compute is checked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "library.md"


def _blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)


def test_the_readme_links_the_library_doc() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/library.md)" in readme


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import os

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = _blocks()
    assert len(blocks) >= 10
    namespace: dict[str, Any] = {"__name__": "library_doc"}
    here = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("notebook"))
    try:
        for i, block in enumerate(blocks, start=1):
            exec(compile(block, f"docs/library.md, block {i}", "exec"), namespace)
    finally:
        os.chdir(here)
        plt.close("all")
    return namespace


def test_data_and_reports(session: dict[str, Any]) -> None:
    ds, orders, rfm = session["ds"], session["orders"], session["rfm"]
    completed = orders[orders["status"] == "completed"]
    assert len(rfm) == completed["customer_id"].nunique() > 400
    pd.testing.assert_frame_equal(session["rfm_from_frame"], rfm)
    assert session["segments"]["customers"].sum() == len(rfm)
    churn = session["churn"]
    assert churn["period"].str.fullmatch(r"\d{4}-Q[1-4]").all()
    rates = churn["churn_rate"].dropna()  # NaN in the first quarter: nobody to churn yet
    assert len(rates) == len(churn) - 1 and rates.between(0, 1).all()
    assert (churn["customers_churned"] > 0).any()
    assert (session["retention"][0] == 1.0).all()
    assert ds.orders.count().execute() == len(completed)


def test_customer_value(session: dict[str, Any]) -> None:
    value_rfm, params = session["value_rfm"], session["bg_params"]
    assert list(params.index) == ["r", "alpha", "a", "b"]
    assert (params["lower"] > 0).all() and (params["lower"] < params["coef"]).all()
    assert (params["coef"] < params["upper"]).all()
    ids = value_rfm["customer_id"].tolist()
    for name in ("p_alive", "next_half_year", "spend", "clv"):
        series = session[name]
        assert isinstance(series, pd.Series) and series.index.tolist() == ids, name
    assert session["p_alive"].between(0, 1).all() and (session["clv"] >= 0).all()
    # a customer who stopped buying long ago is less likely alive than a recent repeat buyer
    p = session["p_alive"].to_numpy()
    stale = (value_rfm["frequency"] > 2) & (value_rfm["T"] - value_rfm["recency"] > 52)
    fresh = (value_rfm["frequency"] > 2) & (value_rfm["T"] - value_rfm["recency"] < 4)
    assert stale.any() and fresh.any() and p[stale].mean() < p[fresh].mean()
    per_customer = session["per_customer"]
    np.testing.assert_allclose(per_customer.loc[ids, "clv"], session["clv"].to_numpy(), rtol=1e-9)
    assert set(session["both_models"]["model"]) == {"bgnbd", "gamma_gamma"}
    assert session["ax"].has_data()


def test_snapshot_model(session: dict[str, Any]) -> None:
    from sklearn.metrics import roc_auc_score

    export, new, p = session["export"], session["new"], session["p_churn"]
    assert p.index.name == "客户编号" and p.index.tolist() == new["客户编号"].tolist()
    truth = export.loc[new.index, "Churn"] == "Yes"
    assert roc_auc_score(truth, p) > 0.7  # the made-up drivers are found (0.74 measured)
    assert set(session["tiers"]) == {"low", "medium", "high"}
    assert list(session["quality"].index) == ["model", "logistic_baseline"]
    reasons = session["with_reasons"]
    assert reasons["id"].tolist() == new["客户编号"].head(5).tolist()
    assert reasons["reasons"].str.len().gt(0).any()
    assert 0.7 < session["auc"].mean() < 0.9  # cross-validated ChurnClassifier


def test_transaction_model_and_cox(session: dict[str, Any]) -> None:
    risk, tiers, scores = session["risk"], session["risk_tiers"], session["scores"]
    assert risk.index.name == "customer_id" and risk.index.is_unique
    assert set(risk.index) <= set(session["orders"]["customer_id"])
    assert tiers.index.equals(risk.index)
    shares = tiers.value_counts(normalize=True)
    assert 0.05 < shares["high"] < 0.3 and shares["low"] > shares["high"]
    by_id = scores.set_index("customer_id")
    np.testing.assert_allclose(by_id.loc[risk.index, "churn_probability"], risk.round(6))
    assert session["tx_quality"].loc["model", "roc_auc"] > 0.65  # out of fold
    hazard_ratios = session["hazard_ratios"]
    assert (hazard_ratios["hazard_ratio"] > 0).all()
    assert hazard_ratios["covariate"].str.startswith("acquisition_channel=").any()
    lifetimes = session["lifetimes"]
    assert session["relative_hazard"].index.tolist() == lifetimes["customer_id"].tolist()
    assert session["still_here_after_a_year"].between(0, 1).all()


def test_errors(session: dict[str, Any]) -> None:
    assert session["missing_column"] == "amount"
    assert session["not_fitted"] == "this BetaGeoModel is not fitted yet; call fit(rfm) first"
