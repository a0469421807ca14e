"""Survival: reference results from lifelines' own documentation (rossi, waltons) and the demo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from keepwise.analytics.dataset import load_dataset
from keepwise.analytics.survival import CoxModel, kaplan_meier, lifetimes_table
from keepwise.cli import app
from keepwise.errors import NotFittedError


@pytest.mark.datasets
def test_cox_reproduces_rossi(datasets_dir: Path) -> None:
    rossi = pd.read_csv(datasets_dir / "lifelines" / "rossi.csv")
    model = CoxModel(duration_col="week", event_col="arrest").fit(rossi)
    coef = model.summary_.set_index("covariate")["coef"]
    published = {
        "fin": -0.379,
        "age": -0.057,
        "race": 0.314,
        "wexp": -0.150,
        "mar": -0.434,
        "paro": -0.085,
        "prio": 0.091,
    }
    for name, value in published.items():
        assert coef[name] == pytest.approx(value, abs=0.0015), name
    hr = model.summary_.set_index("covariate")["hazard_ratio"]
    assert hr["fin"] == pytest.approx(np.exp(-0.379), abs=0.002)
    assert model.concordance_index_ == pytest.approx(0.64, abs=0.01)
    # per-row predictions: the ratio of two partial hazards is exp(Δx · β)
    ph = model.predict_partial_hazard(rossi)
    assert ph.index.equals(rossi.index) and (ph > 0).all()
    delta = rossi.loc[0, list(coef.index)] - rossi.loc[1, list(coef.index)]
    assert ph[0] / ph[1] == pytest.approx(np.exp(float(delta @ coef)), rel=1e-9)
    year = model.predict_survival(rossi, days=52)
    half = model.predict_survival(rossi, days=26)
    assert year.between(0, 1).all() and (year <= half).all() and (half < 1).any()


@pytest.mark.datasets
def test_kaplan_meier_waltons(datasets_dir: Path) -> None:
    from lifelines import KaplanMeierFitter

    w = pd.read_csv(datasets_dir / "lifelines" / "waltons_dataset.csv")
    summary, curves = kaplan_meier(w, by="group", duration_col="T", event_col="E", times=(30, 60))
    s = summary.set_index("segment")
    assert s.loc["control", "customers"] == 129 and s.loc["miR-137", "customers"] == 34
    # lifelines' documentation: median survival of the whole waltons data set is 56
    overall, _ = kaplan_meier(w, duration_col="T", event_col="E")
    assert overall.loc[0, "median_days"] == 56.0
    assert s.loc["control", "median_days"] == 58.0 and s.loc["miR-137", "median_days"] == 26.0
    ref = KaplanMeierFitter().fit(
        w.loc[w.group == "control", "T"], w.loc[w.group == "control", "E"]
    )
    assert s.loc["control", "retention_30d"] == pytest.approx(float(ref.predict(30)))
    c = curves[curves.segment == "control"]
    assert (np.diff(c["retention"].to_numpy()) <= 1e-12).all() and (
        c["lower"] <= c["retention"]
    ).all()


def test_lifetimes_from_orders() -> None:
    orders = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "ordered_at": pd.to_datetime(["2025-01-01", "2025-01-11", "2025-01-01", "2025-09-01"]),
            "amount": [5.0, 6.0, 7.0, 8.0],
        }
    )
    t = lifetimes_table(
        load_dataset({"orders": orders}), as_of="2025-12-31", inactivity_days=180
    ).set_index("customer_id")
    assert t.loc["A", "churned"] == 1 and t.loc["A", "duration_days"] == pytest.approx(11.0)
    assert t.loc["B", "churned"] == 1 and t.loc["B", "duration_days"] == pytest.approx(1.0)
    assert t.loc["C", "churned"] == 0 and t.loc["C", "duration_days"] == pytest.approx(122.0)
    assert t.loc["A", "first_amount"] == 5.0
    with pytest.raises(NotFittedError):
        _ = CoxModel().summary_


def test_cli_survival_on_demo(tmp_path: Path) -> None:
    from keepwise.demo import generate

    generate(tmp_path / "demo", customers=400, kind="b2c", seed=2)
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "survival",
            "km",
            "--data",
            str(tmp_path / "demo"),
            "--by",
            "acquisition_channel",
            "--format",
            "csv",
        ],
    )
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith(
        "segment,customers,churned,median_days,retention_30d"
    )
    r = runner.invoke(
        app,
        [
            "survival",
            "cox",
            "--data",
            str(tmp_path / "demo"),
            "--penalizer",
            "0.01",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "hazard_ratio" in r.output
    r = runner.invoke(app, ["survival", "km", "--data", str(tmp_path / "demo"), "--by", "nope"])
    assert r.exit_code != 0 and "nope" in r.output


def test_survival_user_mistakes_are_clear_errors(tmp_path: Path) -> None:
    orders = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "ordered_at": ["2025-01-01", "2025-01-11", "2025-01-01", "2025-09-01"],
            "amount": [5.0, 6.0, 7.0, 8.0],
        }
    )
    folder = tmp_path / "data"
    folder.mkdir()
    orders.to_csv(folder / "orders.csv", index=False)
    runner = CliRunner()
    cases = [
        (["km", "--as-of", "2001-01-01"], "no customer had ordered by 2001-01-01"),
        (["km", "--by", "churned"], "not a segment column; use one of first_amount"),
        (["cox", "--covariate", "duration_days"], "not a covariate; use one of first_amount"),
        (["cox", "--penalizer", "-1"], "the penalizer must be 0 or more"),
    ]
    for args, message in cases:
        r = runner.invoke(app, ["survival", *args, "--data", str(folder)])
        assert r.exit_code != 0 and "Traceback" not in r.output, r.output
        assert message in " ".join(r.output.split()), r.output
