"""The churn classifier: calibrated LightGBM with a logistic-regression baseline.

:class:`ChurnClassifier` is fitted on a per-customer feature frame (floats; categorical
features as integer level codes) and a 0/1 churn label. ``fit``

1. runs ``cv``-fold cross-validation; in each fold LightGBM is trained with early stopping on a
   slice of the fold's *training* rows, so the held-out fold is never seen;
2. fits the probability calibration (Platt sigmoid by default, or isotonic) on the out-of-fold
   margins, and reports out-of-fold metrics of the calibrated model and of the baseline;
3. refits LightGBM on all rows with the averaged best number of trees.

Per-customer reasons come from LightGBM's exact tree SHAP values (``pred_contrib=True``), in
log-odds, one per input feature.

References
----------
Ke et al. (2017), "LightGBM: A Highly Efficient Gradient Boosting Decision Tree", NeurIPS.
Lundberg et al. (2020), "From local explanations to global understanding with explainable AI
for trees", Nature Machine Intelligence (tree SHAP).
Platt (1999), "Probabilistic outputs for support vector machines".
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from keepwise.analytics.churn.evaluation import calibration_table, churn_metrics
from keepwise.analytics.churn.tiers import RiskTiers, assign_tiers
from keepwise.errors import ConfigError, NotFittedError, SchemaError

try:  # Python 3.11 has typing.Self
    from typing import Self
except ImportError:  # pragma: no cover
    from typing import Self


def _check_fitted(est: Any) -> None:
    if not hasattr(est, "booster_"):
        raise NotFittedError(f"this {type(est).__name__} is not fitted yet; call fit() first")


class ChurnClassifier(BaseEstimator):  # type: ignore[misc]
    """Calibrated gradient-boosting churn model with a logistic baseline.

    Parameters
    ----------
    categorical_features
        Names of columns holding integer level codes.
    learning_rate, num_leaves, min_child_samples, max_trees
        LightGBM settings; the number of trees is chosen by early stopping (at most ``max_trees``).
    calibration
        ``"sigmoid"`` (Platt, keeps the ranking exactly) or ``"isotonic"``.
    cv
        Folds for the out-of-fold calibration data and metrics.
    tiers
        :class:`RiskTiers` (thresholds or shares).
    random_state
        Seed: the same data and seed give the same model.
    """

    def __init__(
        self,
        *,
        categorical_features: tuple[str, ...] | list[str] = (),
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        max_trees: int = 1000,
        calibration: Literal["sigmoid", "isotonic"] = "sigmoid",
        cv: int = 3,
        tiers: RiskTiers | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.categorical_features = categorical_features
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.max_trees = max_trees
        self.calibration = calibration
        self.cv = cv
        self.tiers = tiers
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fitting
    def _params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "cat_smooth": 10.0,
            "seed": self.random_state,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.n_jobs,
            "verbose": -1,
        }

    def _train(
        self, X: pd.DataFrame, y: np.ndarray, rounds: int | None, rng: np.random.Generator
    ) -> Any:
        import lightgbm as lgb

        cats = [c for c in self.categorical_features if c in X.columns]
        if rounds is None:  # early stopping on a stratified 15% slice of these rows
            idx = np.arange(len(y))
            stop = np.zeros(len(y), dtype=bool)
            for cls in (0, 1):
                members = idx[y == cls]
                pick = rng.choice(members, size=max(1, int(0.15 * len(members))), replace=False)
                stop[pick] = True
            train = lgb.Dataset(X[~stop], y[~stop], categorical_feature=cats, free_raw_data=False)
            valid = lgb.Dataset(X[stop], y[stop], reference=train, categorical_feature=cats)
            return lgb.train(
                self._params(),
                train,
                num_boost_round=self.max_trees,
                valid_sets=[valid],
                callbacks=[lgb.early_stopping(50, verbose=False)],
            )
        train = lgb.Dataset(X, y, categorical_feature=cats)
        return lgb.train(self._params(), train, num_boost_round=max(1, rounds))

    def _baseline(self) -> Any:
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        cats = list(self.categorical_features)
        nums = [c for c in self.feature_names_in_ if c not in cats]
        steps = []
        if nums:
            steps.append(
                (
                    "num",
                    make_pipeline(
                        SimpleImputer(
                            strategy="median", add_indicator=True, keep_empty_features=True
                        ),
                        StandardScaler(),
                    ),
                    nums,
                )
            )
        if cats:
            steps.append(
                (
                    "cat",
                    make_pipeline(
                        SimpleImputer(
                            strategy="constant", fill_value=-1.0, keep_empty_features=True
                        ),
                        OneHotEncoder(handle_unknown="ignore"),
                    ),
                    cats,
                )
            )
        return make_pipeline(ColumnTransformer(steps), LogisticRegression(max_iter=2000, C=1.0))

    def fit(self, X: pd.DataFrame, y: Any, *, groups: Any = None) -> Self:
        """Fit on features ``X`` (one row per customer) and labels ``y`` (1 = churned).

        ``groups`` (e.g. customer ids when a customer appears at several cutoffs) keeps each
        group inside one cross-validation fold.
        """
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

        if self.calibration not in ("sigmoid", "isotonic"):
            raise ConfigError(
                f"calibration must be 'sigmoid' or 'isotonic', not {self.calibration!r}"
            )
        yv = np.asarray(y, dtype=float)
        if len(yv) != len(X):
            raise SchemaError("target", None, f"{len(yv)} labels for {len(X)} rows")
        if np.isnan(yv).any() or not set(np.unique(yv)) <= {0.0, 1.0}:
            raise SchemaError("target", None, "labels must be 0 or 1 without blanks")
        counts = np.bincount(yv.astype(int), minlength=2)
        if counts.min() < 2:
            raise SchemaError(
                "target",
                None,
                f"need at least 2 churned and 2 retained rows; have {counts[1]} and {counts[0]}",
            )
        X = X.astype(float)
        self.feature_names_in_ = list(X.columns)
        rng = np.random.default_rng(self.random_state)
        folds = min(self.cv, int(counts.min()))
        oof_margin = np.zeros(len(yv))
        oof_base = np.zeros(len(yv))
        best = []
        if groups is None:
            splits = StratifiedKFold(
                n_splits=max(2, folds), shuffle=True, random_state=self.random_state
            ).split(X, yv)
        else:
            splits = StratifiedGroupKFold(
                n_splits=max(2, folds), shuffle=True, random_state=self.random_state
            ).split(X, yv, np.asarray(groups))
        for tr, te in splits:
            booster = self._train(X.iloc[tr], yv[tr], None, rng)
            best.append(max(1, booster.best_iteration or booster.current_iteration()))
            oof_margin[te] = booster.predict(
                X.iloc[te], raw_score=True, num_iteration=booster.best_iteration
            )
            base = self._baseline().fit(X.iloc[tr], yv[tr])
            oof_base[te] = base.predict_proba(X.iloc[te])[:, 1]
        self.n_trees_ = int(round(np.mean(best) * (1 + 1 / max(2, folds))))
        self.calibrator_ = self._fit_calibrator(oof_margin, yv)
        oof_p = self._calibrate(oof_margin)
        self.booster_ = self._train(X, yv, self.n_trees_, rng)
        self.baseline_ = self._baseline().fit(X, yv)
        tiers = self.tiers or RiskTiers()
        # Shares are counted on what the final model predicts for the training rows: the
        # out-of-fold probabilities come from weaker fold models, whose spread is narrower, so
        # their quantiles put too few customers in the top tiers once the full model scores.
        self.tier_thresholds_ = tiers.thresholds(
            self._calibrate(self.booster_.predict(X, raw_score=True))
            if tiers.method == "share"
            else None
        )
        self.metrics_ = {
            "model": churn_metrics(yv, oof_p),
            "logistic_baseline": churn_metrics(yv, oof_base),
        }
        self.calibration_table_ = calibration_table(yv, oof_p)
        self.train_size_ = int(len(yv))
        self.train_base_rate_ = float(yv.mean())
        return self

    def _fit_calibrator(self, margin: np.ndarray, y: np.ndarray) -> Any:
        if self.calibration == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            return IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(margin, y)
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=1e6, max_iter=1000).fit(margin.reshape(-1, 1), y)

    def _calibrate(self, margin: np.ndarray) -> np.ndarray:
        if self.calibration == "isotonic":
            return np.asarray(self.calibrator_.predict(margin), dtype=float)
        return np.asarray(self.calibrator_.predict_proba(margin.reshape(-1, 1))[:, 1], dtype=float)

    # --------------------------------------------------------------- predicting
    def _align(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise SchemaError(
                missing[0], None, f"feature missing at predict time ({len(missing)} missing in all)"
            )
        return X[self.feature_names_in_].astype(float)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated log-odds of churn."""
        _check_fitted(self)
        return np.asarray(self.booster_.predict(self._align(X), raw_score=True), dtype=float)

    def churn_probability(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of churn, one per row."""
        return self._calibrate(self.decision_function(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """scikit-learn style ``(n, 2)`` array: P(retained), P(churned)."""
        p = self.churn_probability(X)
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Risk tier per row: ``"low"``, ``"medium"`` or ``"high"``."""
        return assign_tiers(self.churn_probability(X), self.tier_thresholds_)

    def baseline_probability(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of churn from the logistic-regression baseline."""
        _check_fitted(self)
        return np.asarray(self.baseline_.predict_proba(self._align(X))[:, 1], dtype=float)

    def contributions(self, X: pd.DataFrame, *, method: str = "auto") -> pd.DataFrame:
        """Per-feature contributions to the log-odds of churn (plus ``_bias``); rows sum to the margin.

        ``method="shap"``: exact tree SHAP (LightGBM ``pred_contrib``), about a millisecond a
        row. ``method="path"``: path attribution (Saabas): each split on a customer's path in
        each tree credits its feature with the change in node value; linear in tree depth and
        vectorised, for batches of hundreds of thousands. ``"auto"`` (default) uses SHAP up to
        ``shap_max_rows`` rows and path attribution above.
        """
        _check_fitted(self)
        Xa = self._align(X)
        if method == "auto":
            method = "shap" if len(Xa) <= self.shap_max_rows else "path"
        if method == "shap":
            raw = self.booster_.predict(Xa, pred_contrib=True, num_threads=self.n_jobs)
        elif method == "path":
            raw = self._path_contributions(Xa)
        else:
            raise ConfigError(
                f"contributions: method must be 'auto', 'shap' or 'path', not {method!r}"
            )
        return pd.DataFrame(raw, index=X.index, columns=[*self.feature_names_in_, "_bias"])

    shap_max_rows = 20_000

    def _path_tables(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(leaf table, first row of each tree in it, bias): row ``offset[t] + leaf`` holds
        the contribution of each feature (last column: constant) on the path to that leaf."""
        if getattr(self, "_path_table_cache", None) is None:
            dump = self.booster_.dump_model()
            n_feat = len(self.feature_names_in_)
            tables, bias = [], 0.0
            for info in dump["tree_info"]:
                root = info["tree_structure"]
                n_leaves = int(info["num_leaves"])
                M = np.zeros((n_leaves, n_feat + 1))
                tables.append(M)
                if "leaf_value" in root:  # a single-leaf tree
                    M[0, n_feat] = root["leaf_value"]
                    continue
                bias += float(root["internal_value"])
                stack = [(root, np.zeros(n_feat))]
                while stack:
                    node, acc = stack.pop()
                    value = float(node["internal_value"])
                    for side in ("left_child", "right_child"):
                        child = node[side]
                        child_value = float(
                            child["leaf_value"]
                            if "leaf_value" in child
                            else child["internal_value"]
                        )
                        a = acc.copy()
                        a[int(node["split_feature"])] += child_value - value
                        if "leaf_value" in child:
                            M[int(child["leaf_index"]), :n_feat] = a
                        else:
                            stack.append((child, a))
            sizes = np.array([len(M) for M in tables], dtype=np.int64)
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            self._path_table_cache = (np.vstack(tables), offsets, bias)
        return self._path_table_cache

    def _path_contributions(self, X: pd.DataFrame, chunk: int = 200_000) -> np.ndarray:
        """Sum of each row's leaf-table rows over all trees, as one sparse product
        (leaf membership, ``rows x all leaves``, times the leaf table)."""
        from scipy.sparse import csr_matrix

        table, offsets, bias = self._path_tables()
        n_feat = len(self.feature_names_in_)
        out = np.zeros((len(X), n_feat + 1))
        for start in range(0, len(X), chunk):
            part = X.iloc[start : start + chunk]
            leaves = self.booster_.predict(part, pred_leaf=True, num_threads=self.n_jobs)
            n, trees = leaves.shape
            member = csr_matrix(
                (
                    np.ones(n * trees),
                    (leaves + offsets[None, :]).ravel(),
                    np.arange(0, n * trees + 1, trees),
                ),
                shape=(n, len(table)),
            )
            out[start : start + n] = member @ table
        out[:, n_feat] += bias
        return out

    @property
    def feature_importance(self) -> pd.DataFrame:
        """Total gain per feature, highest first (``feature``, ``gain``, ``share``)."""
        _check_fitted(self)
        gain = self.booster_.feature_importance(importance_type="gain")
        df = pd.DataFrame({"feature": self.feature_names_in_, "gain": gain})
        df["share"] = df["gain"] / max(df["gain"].sum(), 1e-12)
        return df.sort_values("gain", ascending=False, ignore_index=True)

    @property
    def summary(self) -> pd.DataFrame:
        """Out-of-fold metrics of the model and the logistic baseline (rows) by metric (columns)."""
        _check_fitted(self)
        return pd.DataFrame(self.metrics_).T
