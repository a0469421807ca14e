from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from keepwise.analytics.churn import (
    FORMAT_VERSION,
    RiskTiers,
    SnapshotChurnModel,
    load_model,
    read_metadata,
    save_model,
)
from keepwise.cli import app
from keepwise.errors import KeepwiseError, ModelVersionError, NotFittedError


def test_fit_predict_without_target(messy: pd.DataFrame) -> None:
    train, test = messy.iloc[:1000], messy.iloc[1000:]
    model = SnapshotChurnModel(target="churn").fit(train)  # case-insensitive target name
    assert model.id_column_ == "Customer ID"
    preds = model.predict_frame(test.drop(columns=["Churn"]))
    assert list(preds.columns) == ["id", "churn_probability", "risk_tier", "reasons"]
    assert preds["id"].tolist() == test["Customer ID"].tolist()
    assert preds["churn_probability"].between(0, 1).all()
    assert set(preds["risk_tier"]) <= {"low", "medium", "high"}
    auc = roc_auc_score(test["Churn"] == "Yes", preds["churn_probability"])
    assert auc > 0.72, auc  # measured 0.78 (the synthetic process is noisy by design)
    # beats or matches the logistic baseline's cross-validated AUC within noise
    m = model.classifier_.metrics_
    assert m["model"]["roc_auc"] > 0.7 and m["logistic_baseline"]["roc_auc"] > 0.7


def test_reasons_name_the_customers_values(messy: pd.DataFrame) -> None:
    model = SnapshotChurnModel(target="Churn", id_column="Customer ID").fit(messy)
    preds = model.predict_frame(messy, top=3)
    high = preds[preds["risk_tier"] == "high"]
    assert len(high) > 0
    row = messy.set_index("Customer ID").loc[high["id"].iloc[0]]
    text = high["reasons"].iloc[0]
    assert "raises churn risk" in text
    # every named feature shows this customer's own value
    reasons = model.explain(messy.loc[messy["Customer ID"] == high["id"].iloc[0]])[0]
    assert 1 <= len(reasons) <= 3
    for r in reasons:
        assert r.feature in text and r.impact > 0
        raw = row[r.feature]
        if r.feature == "Has Complaint":
            assert f"= {raw}" in r.text("en")
        if r.feature == "Tenure (months)" and raw:
            assert f"= {int(raw)}" in r.text("en")
    zh = model.predict_frame(messy.head(50), lang="zh")["reasons"]
    assert zh.str.contains("流失风险").all()


def test_low_risk_reasons_name_protective_factors(messy: pd.DataFrame) -> None:
    model = SnapshotChurnModel(target="Churn").fit(messy)
    preds = model.predict_frame(messy)
    low = preds.loc[preds["risk_tier"] == "low", "reasons"]
    assert len(low) > 0 and low.str.contains("lowers churn risk").all()


def test_tiers_by_share(messy: pd.DataFrame, make_messy) -> None:  # type: ignore[no-untyped-def]
    model = SnapshotChurnModel(target="Churn", tiers=RiskTiers("share", medium=0.2, high=0.1)).fit(
        messy
    )
    # the shares are those of the training rows (up to ties of equal probabilities) ...
    tiers = model.predict_frame(messy)["risk_tier"].value_counts(normalize=True)
    assert tiers["high"] == pytest.approx(0.1, abs=0.01)
    assert tiers["medium"] == pytest.approx(0.2, abs=0.01)
    # ... and new customers of the same kind land in about the same shares
    fresh = model.predict_frame(make_messy(n=4000, seed=1))["risk_tier"].value_counts(
        normalize=True
    )
    assert fresh["high"] == pytest.approx(0.1, abs=0.04)
    assert fresh["medium"] == pytest.approx(0.2, abs=0.05)


def test_reproducible_with_seed(messy: pd.DataFrame) -> None:
    a = SnapshotChurnModel(target="Churn", random_state=7).fit(messy).churn_probability(messy)
    b = SnapshotChurnModel(target="Churn", random_state=7).fit(messy).churn_probability(messy)
    np.testing.assert_array_equal(a, b)


def test_labels_as_y_and_per_customer_predictions(messy: pd.DataFrame) -> None:
    """fit(table, y) is fit(table with its churn column); predictions are Series by id."""
    with_column = SnapshotChurnModel(target="Churn", random_state=2).fit(messy)
    with_y = SnapshotChurnModel(random_state=2).fit(messy.drop(columns="Churn"), messy["Churn"])
    p = with_y.churn_probability(messy)
    pd.testing.assert_series_equal(p, with_column.churn_probability(messy))
    assert p.name == "churn_probability" and p.index.name == "Customer ID"
    assert p.index.tolist() == messy["Customer ID"].tolist()
    tiers = with_y.predict_tier(messy)
    frame = with_y.predict_frame(messy)
    assert tiers.tolist() == frame["risk_tier"].tolist()
    assert with_y.predict(messy).tolist() == (p > 0.5).astype(int).tolist()
    assert list(with_y.summary_.index) == ["model", "logistic_baseline"]
    with pytest.raises(KeepwiseError, match="needs the churn labels"):
        SnapshotChurnModel().fit(messy)
    with pytest.raises(KeepwiseError, match="3 labels for 1500 rows"):
        SnapshotChurnModel().fit(messy, ["Yes", "No", "Yes"])


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        SnapshotChurnModel(target="Churn").predict_frame(pd.DataFrame({"a": [1]}))


def test_persistence_round_trip(messy: pd.DataFrame, tmp_path: Path) -> None:
    model = SnapshotChurnModel(target="Churn").fit(messy)
    path = tmp_path / "m.kwm"
    meta = save_model(model, path, kind="snapshot", metadata=model.metadata())
    assert meta["format_version"] == FORMAT_VERSION
    back, meta2 = load_model(path, kind="snapshot")
    assert meta2 == read_metadata(path)
    for key in (
        "keepwise_version",
        "model_version",
        "features",
        "training_window",
        "metrics",
        "created_at",
    ):
        assert key in meta2
    np.testing.assert_array_equal(back.churn_probability(messy), model.churn_probability(messy))
    with pytest.raises(ModelVersionError, match="'transaction' model"):
        load_model(path, kind="transaction")


def test_newer_model_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.kwm"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "meta.json",
            json.dumps({"format_version": FORMAT_VERSION + 1, "keepwise_version": "9.0.0"}),
        )
        zf.writestr("model.joblib", b"not read")
    with pytest.raises(
        ModelVersionError,
        match=rf"keepwise 9\.0\.0 in model format {FORMAT_VERSION + 1}.*Upgrade keepwise",
    ):
        load_model(path)
    junk = tmp_path / "junk.kwm"
    junk.write_text("hello")
    with pytest.raises(ModelVersionError, match="not a keepwise model file"):
        load_model(junk)


def test_damaged_model_files_are_named_not_tracebacks(messy: pd.DataFrame, tmp_path: Path) -> None:
    good = tmp_path / "good.kwm"
    model = SnapshotChurnModel(target="Churn").fit(messy.head(300))
    save_model(model, good, kind="snapshot", metadata=model.metadata())
    with zipfile.ZipFile(good) as zf:
        meta_text, blob = zf.read("meta.json"), zf.read("model.joblib")

    def write(name: str, **members: bytes) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as zf:
            for member, data in members.items():
                zf.writestr(member.replace("_", "."), data)
        return path

    cases = {
        write("no_blob.kwm", meta_json=meta_text): "damaged: it has no model.joblib",
        write(
            "bad_blob.kwm", meta_json=meta_text, model_joblib=b"garbage"
        ): "damaged: its model.joblib cannot be loaded",
        write(
            "bad_meta.kwm", meta_json=b"{oops", model_joblib=blob
        ): "damaged: its meta.json cannot be read",
        write(
            "no_kind.kwm", meta_json=json.dumps({"format_version": 1}).encode(), model_joblib=blob
        ): "names no model kind",
        write("empty.kwm"): "it has no meta.json",
        tmp_path: "is a folder, not a model file",
    }
    runner = CliRunner()
    for path, message in cases.items():
        with pytest.raises(KeepwiseError, match=message):
            load_model(path, kind="snapshot")
        r = runner.invoke(
            app, ["churn", "predict", "--model", str(path), "--table", str(tmp_path / "x.csv")]
        )
        assert r.exit_code != 0 and "Traceback" not in r.output
        assert message in " ".join(r.output.split()), r.output


# --------------------------------------------------------------------- CLI
def test_cli_fit_predict_messy_csv(tmp_path: Path, make_messy) -> None:  # type: ignore[no-untyped-def]
    df = make_messy(1200, seed=3)
    df.iloc[:900].to_csv(tmp_path / "train.csv", index=False)
    df.iloc[900:].drop(columns=["Churn"]).to_csv(tmp_path / "new.csv", index=False)
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "churn",
            "fit",
            "--table",
            str(tmp_path / "train.csv"),
            "--target",
            "Churn",
            "--model",
            str(tmp_path / "m.kwm"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "ROC-AUC" in r.output and "keepwise" in r.output and "baseline" in r.output
    r = runner.invoke(
        app,
        [
            "churn",
            "predict",
            "--model",
            str(tmp_path / "m.kwm"),
            "--table",
            str(tmp_path / "new.csv"),
            "--out",
            str(tmp_path / "preds.csv"),
        ],
    )
    assert r.exit_code == 0, r.output
    preds = pd.read_csv(tmp_path / "preds.csv")
    assert list(preds.columns) == ["id", "churn_probability", "risk_tier", "reasons"]
    assert len(preds) == 300
    assert roc_auc_score(df.iloc[900:]["Churn"] == "Yes", preds["churn_probability"]) > 0.7


@pytest.mark.parametrize(
    ("table", "args", "message"),
    [
        ("ok", ["--target", "Gone"], "target column not found"),
        ("one_class", ["--target", "Churn"], "needs both churned and not-churned"),
        ("missing", ["--target", "Churn"], "not found"),
    ],
)
def test_cli_fit_errors_are_clear(
    tmp_path: Path, table: str, args: list[str], message: str, make_messy
) -> None:  # type: ignore[no-untyped-def]
    df = make_messy(200)
    if table == "one_class":
        df["Churn"] = "No"
    path = tmp_path / f"{table}.csv"
    if table != "missing":
        df.to_csv(path, index=False)
    r = CliRunner().invoke(
        app, ["churn", "fit", "--table", str(path), *args, "--model", str(tmp_path / "m.kwm")]
    )
    assert r.exit_code != 0
    assert message in r.output
    assert "Traceback" not in r.output


def test_predict_matches_columns_up_to_case_and_reports_missing(messy: pd.DataFrame) -> None:
    model = SnapshotChurnModel(target="Churn").fit(messy)
    renamed = messy.rename(columns=lambda c: f" {c.upper()} ")
    preds = model.predict_frame(renamed)
    np.testing.assert_allclose(
        preds["churn_probability"], model.predict_frame(messy)["churn_probability"]
    )
    assert preds["id"].tolist() == messy["Customer ID"].tolist()
    assert model.missing_columns(renamed.drop(columns=[" DISCOUNT "])) == ["Discount"]


def test_cli_predict_says_which_columns_are_missing(tmp_path: Path, make_messy) -> None:  # type: ignore[no-untyped-def]
    df = make_messy(600, seed=4)
    df.to_csv(tmp_path / "train.csv", index=False)
    df.drop(columns=["Churn", "Discount"]).to_csv(tmp_path / "new.csv", index=False)
    runner = CliRunner()
    model = str(tmp_path / "m.kwm")
    r = runner.invoke(
        app,
        ["churn", "fit", "--table", str(tmp_path / "train.csv"), "--target", "Churn", "-m", model],
    )
    assert r.exit_code == 0, r.output
    out = str(tmp_path / "p.csv")
    r = runner.invoke(
        app, ["churn", "predict", "-m", model, "--table", str(tmp_path / "new.csv"), "-o", out]
    )
    assert r.exit_code == 0, r.output
    assert "are not in" in r.output and "read as blank: Discount" in r.output
    assert len(pd.read_csv(out)) == 600


def test_cli_warns_of_columns_filled_in_after_the_churn(tmp_path: Path, make_messy) -> None:  # type: ignore[no-untyped-def]
    """IBM Telco's long export carries 'Churn Reason' (blank for customers who stayed) and
    'Churn Score': the fit names them and --exclude leaves them out."""
    df = make_messy(1000, seed=5)
    churned = df["Churn"] == "Yes"
    rng = np.random.default_rng(0)
    df["Churn Reason"] = np.where(
        churned, rng.choice(["Competitor offered more data", "价格太高", "Moved"], len(df)), ""
    )
    df["Churn Score"] = np.where(
        churned, rng.integers(65, 100, len(df)), rng.integers(5, 60, len(df))
    )
    df.to_csv(tmp_path / "telco.csv", index=False)
    runner = CliRunner()
    base = ["churn", "fit", "--table", str(tmp_path / "telco.csv"), "--target", "Churn"]
    r = runner.invoke(app, [*base, "--model", str(tmp_path / "a.kwm")])
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    for column in ("Churn Reason", "Churn Score"):
        assert f"column '{column}' tells churners apart almost perfectly" in flat, r.output
        assert f"--exclude '{column}'" in flat
    meta = read_metadata(tmp_path / "a.kwm")
    assert {leak["column"] for leak in meta["near_perfect_columns"]} == {
        "Churn Reason",
        "Churn Score",
    }
    r = runner.invoke(
        app,
        [
            *base,
            "--exclude",
            "churn reason",  # names match up to case, as --target does
            "--exclude",
            "Churn Score",
            "--model",
            str(tmp_path / "b.kwm"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "almost perfectly" not in r.output
    meta = read_metadata(tmp_path / "b.kwm")
    assert "Churn Reason" not in meta["features"] and "Churn Score" not in meta["features"]
    assert meta["near_perfect_columns"] == [] and meta["excluded"] == [
        "churn reason",
        "Churn Score",
    ]
    # an ordinary table raises no warning
    assert SnapshotChurnModel(target="Churn").fit(make_messy(800, seed=6)).leaks_ == []
    r = runner.invoke(app, [*base, "--exclude", "Nope", "--model", str(tmp_path / "c.kwm")])
    assert r.exit_code != 0 and "Nope" in r.output and "Traceback" not in r.output


def test_cli_warns_when_there_are_few_training_rows(tmp_path: Path, make_messy) -> None:  # type: ignore[no-untyped-def]
    make_messy(120, seed=7).to_csv(tmp_path / "small.csv", index=False)
    r = CliRunner().invoke(
        app,
        [
            "churn",
            "fit",
            "--table",
            str(tmp_path / "small.csv"),
            "--target",
            "Churn",
            "--model",
            str(tmp_path / "s.kwm"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "only 120 training rows" in " ".join(r.output.split())


def test_text_in_a_numeric_column_is_shown_not_called_blank(messy: pd.DataFrame) -> None:
    model = SnapshotChurnModel(target="Churn").fit(messy)
    numeric = next(s.name for s in model.encoder_.specs_ if s.kind == "numeric")
    rows = messy.head(3).copy()
    rows[numeric] = rows[numeric].astype(object)
    rows.iloc[0, rows.columns.get_loc(numeric)] = "abc"
    rows.iloc[1, rows.columns.get_loc(numeric)] = ""
    unparsed = model.encoder_.unparsed(rows)
    assert list(unparsed) == [numeric] and unparsed[numeric].tolist() == ["abc", None, None]
    describe = model._describer()
    raw = {"\x00raw:" + numeric: "abc"}
    said = describe(numeric, float("nan"), raw, 0.4)
    assert said.render("en") == f"{numeric} = 'abc' (not a number, read as blank) raises churn risk"
    assert said.render("zh") == f"{numeric} 为“abc”（不是数字，按空白处理），推高流失风险"
    blank = describe(numeric, float("nan"), {}, 0.4)  # a real blank stays "blank"
    assert blank.render("en").startswith(f"{numeric} = blank")
    assert blank.render("zh").startswith(f"{numeric} 为 空白")
    assert len(model.predict_frame(rows)) == 3
