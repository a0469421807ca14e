"""Transaction mode on a small demo company: backtest against baselines, CLI fit/evaluate/score
into a real store with history, reasons naming real values of real customers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from keepwise.analytics.churn.reasons import Reason
from keepwise.analytics.churn.transaction import backtest
from keepwise.analytics.dataset import load_dataset
from keepwise.cli import app

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from keepwise.demo import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out, customers=1200, kind="b2b", seed=3)
    return out


def test_backtest_beats_recency_rule(demo_dir: Path) -> None:
    report = backtest(load_dataset(demo_dir), horizon_days=90, n_train_cutoffs=2)
    m = report.metrics
    print(pd.DataFrame(m).T.round(3).to_string())
    assert report.validation_rows > 300
    assert all(c < report.validation_cutoff for c in report.train_cutoffs)
    assert m["keepwise"]["roc_auc"] > m["recency_rule"]["roc_auc"] + 0.02
    assert m["keepwise"]["roc_auc"] > 0.75
    assert m["keepwise"]["brier"] < 0.2
    cal = report.calibration
    assert len(cal) == 10 and (cal["observed_rate"].iloc[-1] > cal["observed_rate"].iloc[0] + 0.3)
    d = report.to_dict()
    assert set(d["metrics"]) == {"keepwise", "logistic_baseline", "recency_rule"}


def test_cli_fit_evaluate_score_store_history(
    demo_dir: Path, sqlite_url: str, tmp_path: Path
) -> None:
    from keepwise.demo.loader import load_demo

    load_demo(sqlite_url, demo_dir)
    runner = CliRunner()
    model = tmp_path / "tx.kwm"
    r = runner.invoke(
        app, ["churn", "fit", "--data", sqlite_url, "--horizon", "90d", "--model", str(model)]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        ["churn", "evaluate", "--data", str(demo_dir), "--train-cutoffs", "2", "--format", "json"],
    )
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["metrics"]["keepwise"]["roc_auc"] > rep["metrics"]["recency_rule"]["roc_auc"]
    assert len(rep["calibration"]) == 10
    r = runner.invoke(
        app,
        ["churn", "evaluate", "--data", str(demo_dir), "--train-cutoffs", "2", "--format", "csv"],
    )
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "model,n,base_rate,roc_auc,pr_auc,brier,lift_top10,capture_top10"
    assert lines[1].split(",")[1] == str(rep["metrics"]["keepwise"]["n"])  # a count, not 812.0
    # the terminal table spells its headers and model names out in full, wrapping, not cut off
    r = runner.invoke(app, ["churn", "evaluate", "--data", str(demo_dir), "--train-cutoffs", "2"])
    assert r.exit_code == 0, r.output
    assert "…" not in r.output, r.output
    for word in ("ROC-AUC", "PR-AUC", "Brier", "logistic", "baseline", "recency", "capture"):
        assert word in r.output, r.output
    out = tmp_path / "scores.csv"
    for _ in range(2):
        r = runner.invoke(
            app, ["churn", "score", "--model", str(model), "--db", sqlite_url, "--out", str(out)]
        )
        assert r.exit_code == 0, r.output
    scores = pd.read_csv(out)
    eng = create_engine(sqlite_url)
    with eng.connect() as conn:
        rows = conn.execute(
            text(
                "select count(*), count(distinct customer_id), count(distinct scored_at) from churn_scores"
            )
        ).one()
        one = conn.execute(
            text(
                "select c.external_id, s.probability, s.risk_tier, s.reasons, s.model_version, s.horizon_days "
                "from churn_scores s join customers c on c.id = s.customer_id where s.risk_tier = 'high' limit 1"
            )
        ).one()
    assert rows[0] == 2 * len(scores) and rows[1] == len(scores)  # history kept: two runs
    assert one.model_version.startswith("transaction-") and one.horizon_days == 90
    reasons = json.loads(one.reasons)
    assert 1 <= len(reasons) <= 3 and set(reasons[0]) == {"feature", "value", "impact", "message"}
    assert "msgid" in reasons[0]["message"]  # a catalog key with parameters, in no language
    # reasons name each customer's real values: check them against the raw orders file
    with eng.connect() as conn:
        stored = conn.execute(
            text(
                "select c.external_id, s.reasons from churn_scores s join customers c on c.id = s.customer_id"
            )
        ).all()
    orders = pd.read_csv(demo_dir / "orders.csv", parse_dates=["ordered_at"])
    orders = orders[orders.status == "completed"]
    as_of = pd.Timestamp(scores["cutoff"].iloc[0]) + pd.Timedelta(days=1)
    age = (as_of - orders.ordered_at).dt.total_seconds() / 86400
    last_age = age.groupby(orders.customer_id).min()
    n90 = (age <= 90).groupby(orders.customer_id).sum()
    checked = 0
    for external_id, raw in stored:
        for stored in json.loads(raw):
            reason = {**stored, "en": Reason.from_dict(stored).text("en")}
            reason["zh"] = Reason.from_dict(stored).text("zh")
            if reason["feature"] == "recency_days":
                days = round(float(last_age[external_id]))
                unit = "day" if days == 1 else "days"
                if reason["impact"] > 0:
                    assert f"no order for {days} {unit}" in reason["en"], reason
                    assert f"已 {days} 天未下单" in reason["zh"], reason
                else:  # a recent order lowers the risk: said as a fact, not a warning
                    assert reason["en"].startswith(f"last order {days} {unit} ago"), reason
                    assert reason["zh"].startswith(f"最近一次下单在 {days} 天前"), reason
                checked += 1
            if reason["feature"] == "orders_90d":
                n = int(n90.get(external_id, 0))
                said = {0: "no orders", 1: "1 order"}.get(n, f"{n} orders")
                assert reason["en"].startswith(f"{said} in the last 90 days"), reason
                said_zh = "近 90 天未下单" if n == 0 else f"近 90 天下单 {n} 次"
                assert reason["zh"].startswith(said_zh), reason
                checked += 1
    assert checked > 20
    assert scores["reasons"].str.len().gt(0).mean() > 0.95


def test_store_and_folder_give_the_same_features(demo_dir: Path, sqlite_url: str) -> None:
    """Interaction notes reach the sentiment features from the store as from the files."""
    from keepwise.analytics.churn.features import features_frame
    from keepwise.demo.loader import load_demo

    load_demo(sqlite_url, demo_dir)
    folder, store = load_dataset(demo_dir), load_dataset(sqlite_url)
    assert store.interactions is not None and "note" in store.interactions.columns
    cutoff = "2026-01-01"
    a = features_frame(folder, cutoff).set_index("customer_id")
    b = features_frame(store, cutoff).set_index("customer_id")
    assert a["negative_texts_90d"].sum() > 0
    pd.testing.assert_frame_equal(a[b.columns], b, check_dtype=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "--horizon", "5y"], "horizon does not fit in the order history"),
        (["fit", "--cutoff", "2010-01-01"], "is not after the first order"),
        (["evaluate", "--train-cutoffs", "0"], "--train-cutoffs must be at least 1"),
        (["evaluate", "--cutoff", "2023-09-01"], "no training cutoff fits"),
        (["evaluate", "--horizon", "90x"], "--horizon '90x': use days like 90d"),
        (
            ["fit", "--table", "t.csv", "--target", "Churn"],
            "give --table (a snapshot table) or --data",
        ),
    ],
)
def test_cli_says_what_is_wrong_with_horizon_and_cutoffs(
    demo_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    extra = ["--model", str(tmp_path / "m.kwm")] if args[0] == "fit" else []
    r = CliRunner().invoke(app, ["churn", *args, "--data", str(demo_dir), *extra])
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert message in " ".join(r.output.split()), r.output


def test_score_as_of_with_nobody_active_is_a_clear_error(demo_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.kwm"
    runner = CliRunner()
    r = runner.invoke(app, ["churn", "fit", "--data", str(demo_dir), "--model", str(model)])
    assert r.exit_code == 0, r.output

    def score(data: Path, when: str) -> str:
        args = ["--model", str(model), "--data", str(data), "--as-of", when]
        out = str(tmp_path / "s.csv")
        r = runner.invoke(app, ["churn", "score", *args, "--no-store", "--out", out])
        assert "Traceback" not in r.output
        return " ".join(r.output.split()) if r.exit_code else "ok: " + " ".join(r.output.split())

    # the date is checked before the data is read (here a file, not a folder)
    assert "--as-of must be a date" in score(demo_dir / "orders.csv", "2026-13-01")
    r = runner.invoke(app, ["churn", "evaluate", "--data", str(demo_dir / "orders.csv")])
    assert r.exit_code != 0 and "is a file: give the folder that holds orders.csv" in " ".join(
        r.output.split()
    )
    said = score(demo_dir, "2026-12-31")
    assert said.startswith("ok: ") and "days after the last order in the data" in said
    for when in ("2001-01-01", "2040-01-01"):
        said = score(demo_dir, when)
        assert not said.startswith("ok: ") and f"nobody to score as of {when}" in said, said


def test_cli_fit_reads_the_db_store_and_score_needs_somewhere_to_write(
    demo_dir: Path, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keepwise.demo.loader import load_demo

    load_demo(sqlite_url, demo_dir)
    runner = CliRunner()
    model = tmp_path / "m.kwm"
    r = runner.invoke(app, ["churn", "fit", "--db", sqlite_url, "--model", str(model)])
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    assert "risk tiers: high from probability" in flat and "(15% and 25% of the training" in flat
    monkeypatch.chdir(tmp_path)  # no store here
    base = ["churn", "score", "--model", str(model), "--data", str(demo_dir)]
    r = runner.invoke(app, base)
    assert r.exit_code != 0 and "--no-store --out FILE" in " ".join(r.output.split())
    assert not (tmp_path / "keepwise.db").exists()  # no empty store left behind
    r = runner.invoke(app, [*base, "--no-store"])
    assert r.exit_code != 0 and "--no-store needs --out" in r.output
    r = runner.invoke(app, [*base, "--no-store", "--out", "s.csv", "--lang", "fr"])
    assert r.exit_code != 0 and "'fr' is not one of 'en', 'zh'" in r.output
    r = runner.invoke(app, [*base, "--no-store", "--out", "s.csv", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert "not written to the store (--no-store)" in " ".join(r.output.split())
    scores = pd.read_csv(tmp_path / "s.csv")
    assert list(scores.columns) == [
        "customer_id",
        "cutoff",
        "churn_probability",
        "risk_tier",
        "reasons",
        "model_version",
        "scored_at",
    ]
    assert scores["model_version"].str.startswith("transaction-").all()
    assert scores["reasons"].str.contains("天|单|次").mean() > 0.9
    high = (scores["risk_tier"] == "high").mean()
    assert 0.05 < high < 0.35, high  # tiers by share by default: about 15% high, not most
