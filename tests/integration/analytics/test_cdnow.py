"""CDNOW: the published BG/NBD and Gamma-Gamma estimates, through the CLI, and parity with lifetimes.

Fader, Hardie & Lee (2005a) report r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 for the
2,357-customer sample with a 39-week calibration period (1997-01-01..1997-09-30, weeks);
Fader, Hardie & Lee (2005b) report p = 6.25, q = 3.74, gamma = 15.44 for its repeat buyers.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from keepwise.analytics.clv import BetaGeoModel, GammaGammaModel, rfm_summary
from keepwise.cli import app
from keepwise.errors import StatisticalWarning

pytestmark = [pytest.mark.datasets, pytest.mark.integration]

PAPER_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PAPER_GG = {"p": 6.25, "q": 3.74, "v": 15.44}


def _sample_orders(datasets_dir: Path) -> pd.DataFrame:
    raw = pd.read_csv(
        datasets_dir / "cdnow_lifetimes" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    raw["ordered_at"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw[["customer_id", "ordered_at", "amount"]]


def test_cli_reproduces_published_cdnow_estimates(datasets_dir: Path, tmp_path: Path) -> None:
    orders = _sample_orders(datasets_dir)
    orders.assign(ordered_at=orders["ordered_at"].dt.strftime("%Y-%m-%d")).to_csv(
        tmp_path / "orders.csv", index=False
    )
    res = CliRunner().invoke(
        app,
        [
            "clv",
            "--data",
            str(tmp_path),
            "--calibration-end",
            "1997-09-30",
            "--time-unit",
            "W",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["n_customers"] == 2357 and len(payload["customers"]) == 2357
    assert payload["bgnbd"]["n_customers"] == 2357
    for name, value in PAPER_BGNBD.items():
        assert payload["bgnbd"][name] == pytest.approx(value, rel=0.01), name
    for name, value in PAPER_GG.items():
        assert payload["gamma_gamma"][name] == pytest.approx(value, rel=0.01), name
    repeaters = [c for c in payload["customers"] if c["frequency"] > 0]
    assert len(repeaters) == 2357 - 1411 == payload["gamma_gamma"]["n_customers"]
    assert sum(c["frequency"] for c in payload["customers"]) == 2457
    assert all(0 < c["p_alive"] <= 1 for c in payload["customers"])


def test_rfm_summary_matches_lifetimes_and_published_summary(datasets_dir: Path) -> None:
    import ibis
    from lifetimes.utils import summary_data_from_transaction_data

    orders = _sample_orders(datasets_dir)
    ours = rfm_summary(
        ibis.memtable(orders), calibration_end="1997-09-30", time_unit="W"
    ).to_pandas()
    ours = ours.set_index("customer_id")
    ref = summary_data_from_transaction_data(
        orders, "customer_id", "ordered_at", "amount", observation_period_end="1997-09-30", freq="D"
    ).reindex(ours.index)
    np.testing.assert_array_equal(ours["frequency"], ref["frequency"])
    np.testing.assert_allclose(ours["recency"], ref["recency"] / 7, rtol=1e-12)
    np.testing.assert_allclose(ours["T"], ref["T"] / 7, rtol=1e-12)
    np.testing.assert_allclose(ours["monetary_value"], ref["monetary_value"], rtol=1e-9)
    published = pd.read_csv(
        datasets_dir / "cdnow_lifetimes" / "cdnow_customers_summary_with_transactions.csv"
    )
    published.index = published["ID"].map(lambda i: f"{i:04d}")
    published = published.reindex(ours.index)
    np.testing.assert_array_equal(ours["frequency"], published["x"])
    np.testing.assert_allclose(
        ours["recency"], published["t_x"], atol=0.005
    )  # published to 2 decimals
    np.testing.assert_allclose(ours["T"], published["T"], atol=0.005)
    np.testing.assert_allclose(ours["monetary_value"], published["zbar"], atol=0.0051)


def test_fit_on_published_summary_matches_lifetimes(datasets_dir: Path) -> None:
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    summary = pd.read_csv(datasets_dir / "cdnow_lifetimes" / "cdnow_customers_summary.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticalWarning)  # an interior fit: no warning
        ours = BetaGeoModel().fit(summary)
    s = ours.summary_
    assert (s["lower"] > 0).all() and (s["lower"] < s["coef"]).all()
    assert (s["coef"] < s["upper"]).all()
    ref = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    for name, value in PAPER_BGNBD.items():
        assert ours.params_[name] == pytest.approx(value, rel=0.01)
    np.testing.assert_allclose(ours.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(
        ours.probability_alive(summary),
        ref.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"]),
        rtol=1e-4,
    )
    np.testing.assert_allclose(
        ours.expected_purchases(summary, horizon=39),
        ref.conditional_expected_number_of_purchases_up_to_time(
            39, summary["frequency"], summary["recency"], summary["T"]
        ),
        rtol=1e-4,
    )
    spend = pd.read_csv(
        datasets_dir / "cdnow_lifetimes" / "cdnow_customers_summary_with_transactions.csv"
    )
    rfm = pd.DataFrame(
        {
            "frequency": spend["x"],
            "recency": np.minimum(spend["t_x"], spend["T"]),
            "T": spend["T"],
            "monetary_value": spend["zbar"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticalWarning)
        gg = GammaGammaModel().fit(rfm)
    repeat = rfm[rfm["frequency"] > 0]
    gg_ref = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    for name, value in PAPER_GG.items():
        assert gg.params_[name] == pytest.approx(value, rel=0.01)
    np.testing.assert_allclose(gg.params_.to_numpy(), gg_ref.params_.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(
        gg.customer_lifetime_value(ours, rfm, time_unit="W"),
        gg_ref.customer_lifetime_value(
            ref, rfm["frequency"], rfm["recency"], rfm["T"], rfm["monetary_value"], freq="W"
        ),
        rtol=1e-4,
    )
