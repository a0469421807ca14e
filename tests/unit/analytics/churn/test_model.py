"""ChurnClassifier: contributions, metrics, tiers; the bulk score writer on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from keepwise.analytics.churn import (
    ChurnClassifier,
    RiskTiers,
    assign_tiers,
    calibration_table,
    churn_metrics,
)
from keepwise.analytics.churn.reasons import Reason
from keepwise.errors import ConfigError, NotFoundError, SchemaError, plural_message
from keepwise.store.scores import write_churn_scores


def _data(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.integers(0, 4, n).astype(float)}
    )
    X.loc[rng.random(n) < 0.1, "b"] = np.nan
    logit = 1.2 * X["a"] - 0.8 * X["b"].fillna(0) + (X["c"] == 2) * 1.0 - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y.to_numpy()


@pytest.fixture(scope="module")
def fitted() -> tuple[ChurnClassifier, pd.DataFrame, np.ndarray]:
    X, y = _data()
    return ChurnClassifier(categorical_features=["c"], random_state=1).fit(X, y), X, y


def test_contributions_sum_to_margin_both_methods(fitted) -> None:  # type: ignore[no-untyped-def]
    clf, X, _ = fitted
    margin = clf.margin(X)
    shap = clf.contributions(X, method="shap")
    path = clf.contributions(X, method="path")
    np.testing.assert_allclose(shap.sum(axis=1), margin, atol=1e-8)
    np.testing.assert_allclose(path.sum(axis=1), margin, atol=1e-8)
    # the two attributions mostly agree on the strongest driver
    agree = (
        shap.drop(columns="_bias").to_numpy().argmax(1)
        == path.drop(columns="_bias").to_numpy().argmax(1)
    ).mean()
    assert agree > 0.7
    with pytest.raises(ConfigError):
        clf.contributions(X, method="magic")


def test_oof_metrics_and_calibration(fitted) -> None:  # type: ignore[no-untyped-def]
    clf, X, y = fitted
    m = clf.metrics_["model"]
    assert 0.7 < m["roc_auc"] < 0.95 and m["brier"] < 0.25
    assert clf.calibration_table_["observed_rate"].is_monotonic_increasing or m["roc_auc"] > 0.7
    p = clf.churn_probability(X)
    assert abs(p.mean() - y.mean()) < 0.03  # calibrated on average
    assert list(clf.summary_.index) == ["model", "logistic_baseline"]
    assert set(clf.feature_importance["feature"].iloc[:2]) == {"a", "b"}


def test_metric_functions_by_hand() -> None:
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    p = np.array([0.9, 0.1, 0.8, 0.2, 0.1, 0.3, 0.2, 0.1, 0.4, 0.35])
    m = churn_metrics(y, p)
    assert m["roc_auc"] == pytest.approx(20 / 21)  # one of 21 pairs is out of order (0.35 < 0.4)
    assert m["capture_top10"] == pytest.approx(1 / 3) and m["lift_top10"] == pytest.approx(1 / 0.3)
    assert m["brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert np.isnan(churn_metrics(y, p * 100)["brier"])  # a ranking score has no Brier score
    cal = calibration_table(y, p, bins=5)
    assert cal["n"].sum() == 10 and cal["observed_rate"].iloc[-1] == 1.0


def test_tiers() -> None:
    assert assign_tiers(np.array([0.1, 0.3, 0.7]), (0.2, 0.5)).tolist() == ["low", "medium", "high"]
    med, hi = RiskTiers("share", medium=0.2, high=0.1).thresholds(np.linspace(0, 1, 1001))
    assert hi == pytest.approx(0.9) and med == pytest.approx(0.7)
    with pytest.raises(ConfigError):
        RiskTiers("threshold", medium=0.6, high=0.5)


def test_fit_rejects_bad_labels() -> None:
    X, y = _data(200)
    with pytest.raises(SchemaError, match="at least 2 churned"):
        ChurnClassifier().fit(X, np.zeros(200))


def test_write_scores_keeps_history(db_url: str) -> None:
    eng = create_engine(db_url.replace("postgresql+psycopg", "postgresql+psycopg"))
    with eng.begin() as conn:
        for cid in ("A1", "B2"):
            conn.execute(
                text(
                    "insert into customers (external_id, name, kind, status, created_at, updated_at) "
                    "values (:e, :e, 'B2C', 'active', :t, :t)"
                ),
                {"e": cid, "t": datetime(2026, 1, 1)},
            )
    reason = Reason(
        "recency_days",
        120.0,
        0.8,
        plural_message("no order for %(n)s day", "no order for %(n)s days", 120),
    )
    reasons = [reason]  # Reason objects or their dicts (score_frame's reasons_json) both do
    scores = pd.DataFrame(
        {
            "customer_id": ["A1", "B2"],
            "cutoff": date(2026, 3, 31),
            "churn_probability": [0.7, 0.1],
            "risk_tier": ["high", "low"],
            "reasons_json": [reasons, []],
        }
    )
    assert (
        write_churn_scores(
            db_url, scores, horizon_days=90, model_version="m1", scored_at=datetime(2026, 4, 1)
        )
        == 2
    )
    write_churn_scores(
        db_url,
        scores.assign(churn_probability=[0.8, 0.2]),
        horizon_days=90,
        model_version="m2",
        scored_at=datetime(2026, 4, 2),
    )
    with eng.connect() as conn:
        rows = conn.execute(
            text(
                "select c.external_id, s.probability, s.model_version, s.reasons, s.cutoff from churn_scores s "
                "join customers c on c.id = s.customer_id order by s.scored_at, c.external_id"
            )
        ).all()
    eng.dispose()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("A1", 0.7, "m1"),
        ("B2", 0.1, "m1"),
        ("A1", 0.8, "m2"),
        ("B2", 0.2, "m2"),
    ]
    stored = rows[0][3] if isinstance(rows[0][3], list) else json.loads(rows[0][3])
    assert stored == [reason.to_dict()]
    assert Reason.from_dict(stored[0]).text("zh") == "已 120 天未下单"
    assert str(rows[0][4]) == "2026-03-31"
    with pytest.raises(NotFoundError, match="not in the store"):
        write_churn_scores(
            db_url, scores.assign(customer_id=["A1", "ZZ"]), horizon_days=90, model_version="m3"
        )


def test_labels_tiers_and_decision_agree(fitted) -> None:  # type: ignore[no-untyped-def]
    clf, X, y = fitted
    assert clf.classes_.tolist() == [0, 1] and clf.n_features_in_ == 3
    assert clf.feature_names_in_.tolist() == ["a", "b", "c"]
    p = clf.churn_probability(X)
    labels = clf.predict(X)
    assert set(np.unique(labels)) == {0, 1}
    np.testing.assert_array_equal(labels, (p > 0.5).astype(int))
    np.testing.assert_array_equal(clf.decision_function(X) > 0, labels == 1)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], p)
    assert clf.score(X, y) == pytest.approx(float((labels == y).mean()))
    tiers = clf.predict_tier(X)
    assert set(tiers) == {"low", "medium", "high"}
    np.testing.assert_array_equal(tiers, assign_tiers(p, clf.tier_thresholds_))
    # a DataFrame is matched by column name: order and extra columns do not matter
    shuffled = X[["c", "a", "b"]].assign(extra=1.0)
    np.testing.assert_allclose(clf.churn_probability(shuffled), p)
    with pytest.raises(SchemaError, match="'b'.*missing at predict time"):
        clf.predict(X.drop(columns="b"))


def test_labels_of_any_two_classes() -> None:
    X, y = _data(600, seed=2)
    booleans = ChurnClassifier(random_state=1).fit(X, y.astype(bool))
    assert booleans.classes_.tolist() == [False, True]
    assert booleans.predict(X).dtype == bool
    signs = ChurnClassifier(random_state=1).fit(X.to_numpy(), np.where(y == 1, 1, -1))
    assert signs.classes_.tolist() == [-1, 1] and not hasattr(signs, "feature_names_in_")
    np.testing.assert_allclose(
        signs.churn_probability(X.to_numpy()), booleans.churn_probability(X), atol=1e-12
    )
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        ChurnClassifier().fit(X, y + (np.arange(len(y)) % 3 == 0))


def test_models_pickled_before_classes_existed_still_score(fitted) -> None:  # type: ignore[no-untyped-def]
    """A model saved by an earlier keepwise (feature names as a list, no classes_) loads and
    scores as before."""
    import pickle

    clf, X, _ = fitted
    state = dict(vars(clf))
    state["feature_names_in_"] = list(state["feature_names_in_"])
    del state["classes_"], state["n_features_in_"]
    old = ChurnClassifier.__new__(ChurnClassifier)
    old.__dict__.update(state)
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.classes_.tolist() == [0, 1] and loaded.n_features_in_ == 3
    np.testing.assert_allclose(loaded.churn_probability(X), clf.churn_probability(X))
