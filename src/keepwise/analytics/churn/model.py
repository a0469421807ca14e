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

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from keepwise.analytics._base import Estimator, instance_of, interval, one_of
from keepwise.analytics.churn.evaluation import calibration_table, churn_metrics
from keepwise.analytics.churn.tiers import RiskTiers, assign_tiers
from keepwise.errors import ConfigError, SchemaError

try:  # Python 3.11 has typing.Self
    from typing import Self
except ImportError:  # pragma: no cover
    from typing import Self


class ChurnClassifier(Estimator):
    """Calibrated gradient-boosting churn model with a logistic baseline.

    A binary scikit-learn classifier: ``fit(X, y)`` on a numeric feature matrix (a DataFrame
    or an array; blanks allowed, categorical features as integer level codes) and two labels,
    the second of :attr:`classes_` meaning *churned* (1 of 0/1, ``True`` of booleans). It
    passes scikit-learn's ``check_estimator``, so it can sit in pipelines, grid searches and
    ``clone``.

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
    n_jobs
        LightGBM threads.

    Attributes
    ----------
    classes_ : numpy.ndarray
        The two labels seen in ``fit``; ``classes_[1]`` is churned.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        The column names, when ``X`` was a DataFrame with string column names. A DataFrame
        given to the prediction methods is then matched by column name (order and extra
        columns do not matter; a missing one raises :class:`~keepwise.errors.SchemaError`).
    booster_, baseline_, calibrator_, n_trees_, tier_thresholds_
        The fitted LightGBM booster, logistic baseline, calibration, number of trees and the
        (medium, high) probability thresholds of the risk tiers.
    metrics_ : dict
        Out-of-fold metrics of the model and of the baseline.
    calibration_table_ : pandas.DataFrame
        Out-of-fold observed churn rate by decile of the prediction.
    summary_ : pandas.DataFrame
        ``metrics_`` as a table: one row per model, one column per metric.

    Predictions are arrays in the order of the rows of ``X`` (the rows need not be
    customers: transaction mode scores customer-cutoff pairs).
    """

    _parameter_constraints = {
        "categorical_features": instance_of(list, tuple),
        "learning_rate": interval(0.0, low_open=True),
        "num_leaves": interval(2, integer=True),
        "min_child_samples": interval(1, integer=True),
        "max_trees": interval(1, integer=True),
        "calibration": one_of("sigmoid", "isotonic"),
        "cv": interval(2, integer=True),
        "tiers": instance_of(RiskTiers, none=True),
        "random_state": interval(0, integer=True),
        "n_jobs": interval(integer=True),
    }
    _fit_signature = "fit(X, y)"
    _fitted_attribute = "booster_"

    #: Up to this many rows ``contributions(method="auto")`` uses exact tree SHAP.
    shap_max_rows: ClassVar[int] = 20_000

    # set by fit (through scikit-learn's validate_data for the first two)
    n_features_in_: int
    feature_names_in_: np.ndarray
    _path_table_cache: tuple[np.ndarray, np.ndarray, float] | None

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

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, InputTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_class=False)
        tags.target_tags.required = True
        tags.input_tags = InputTags(allow_nan=True)
        return tags

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Load a model pickled before ``classes_`` existed (0/1 labels, names always kept)."""
        state = dict(state)
        if "booster_" in state and "classes_" not in state:
            names = list(state.get("feature_names_in_", []))
            state["classes_"] = np.array([0, 1])
            state["feature_names_in_"] = np.asarray(names, dtype=object)
            state["n_features_in_"] = len(names)
        self.__dict__.update(state)

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

    @property
    def _columns(self) -> list[str]:
        """Column names inside the model: ``feature_names_in_``, or ``x0``, ``x1`` ..."""
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(c) for c in names]
        return [f"x{i}" for i in range(self.n_features_in_)]

    def _cats(self) -> list[str]:
        return [c for c in self.categorical_features if c in self._columns]

    def _train(
        self, X: pd.DataFrame, y: np.ndarray, rounds: int | None, rng: np.random.Generator
    ) -> Any:
        import lightgbm as lgb

        cats = self._cats()
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

        cats = self._cats()
        nums = [c for c in self._columns if c not in cats]
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

    def _labels(self, y: np.ndarray) -> np.ndarray:
        """Check the labels (two classes, each at least twice) and set :attr:`classes_`;
        return 1.0 for ``classes_[1]`` (churned), 0.0 for the other."""
        from sklearn.utils.multiclass import check_classification_targets, type_of_target

        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind}: "
                "give two labels, churned and retained"
            )
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise SchemaError(
                "target",
                None,
                f"only one class in y ({classes[0]!r}): need at least 2 churned and 2 retained rows",
            )
        if counts.min() < 2:
            raise SchemaError(
                "target",
                None,
                f"need at least 2 churned and 2 retained rows; have {counts[1]} and {counts[0]}",
            )
        self.classes_ = classes
        return (y == classes[1]).astype(float)

    def fit(self, X: Any, y: Any, *, groups: Any = None) -> Self:
        """Fit on features ``X`` (one row per customer, or per customer and cutoff) and labels
        ``y`` (two classes; ``classes_[1]``, e.g. 1, is churned).

        ``groups`` (e.g. customer ids when a customer appears at several cutoffs) keeps each
        group inside one cross-validation fold.

        Raises
        ------
        SchemaError
            Fewer than 2 rows of either class.
        ValueError
            ``X`` is not numeric, has infinite values or no rows or columns; ``y`` has more
            than two classes or does not match ``X``.
        ConfigError
            A parameter is out of range.
        """
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
        from sklearn.utils.validation import validate_data

        self._validate_params()
        for name in ("classes_", "feature_names_in_", "n_features_in_"):
            self.__dict__.pop(name, None)  # a refit starts from scratch
        self._path_table_cache = None
        values, labels = validate_data(
            self, X, y, dtype=np.float64, ensure_all_finite="allow-nan", y_numeric=False
        )
        yv = self._labels(labels)
        X = pd.DataFrame(values, columns=self._columns)
        counts = np.bincount(yv.astype(int), minlength=2)
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
    def _prepare(self, X: Any) -> pd.DataFrame:
        """``X`` checked against the fit (numeric, same features) as the model's frame.

        A DataFrame is matched by column name when the model was fitted on names; anything
        else goes through scikit-learn's checks (number of features, finite values)."""
        from sklearn.utils.validation import validate_data

        self._check_is_fitted()
        index = X.index if isinstance(X, pd.DataFrame) else None
        names = getattr(self, "feature_names_in_", None)
        if isinstance(X, pd.DataFrame) and names is not None:
            missing = [c for c in names if c not in X.columns]
            if missing:
                raise SchemaError(
                    str(missing[0]),
                    None,
                    f"feature missing at predict time ({len(missing)} missing in all)",
                )
            X = X[list(names)]
        values = validate_data(
            self, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan"
        )
        return pd.DataFrame(values, columns=self._columns, index=index)

    def margin(self, X: Any) -> np.ndarray:
        """LightGBM's uncalibrated log-odds of churn; :meth:`contributions` sum to it."""
        X = self._prepare(X)
        return np.asarray(self.booster_.predict(X, raw_score=True), dtype=float)

    def churn_probability(self, X: Any) -> np.ndarray:
        """Calibrated probability of churn (of ``classes_[1]``), one per row."""
        return self._calibrate(self.margin(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """Calibrated log-odds of churn: positive exactly where :meth:`predict` says churned."""
        p = np.clip(self.churn_probability(X), 1e-15, 1 - 1e-15)
        return np.asarray(np.log(p) - np.log1p(-p), dtype=float)

    def predict_proba(self, X: Any) -> np.ndarray:
        """scikit-learn style ``(n, 2)`` array: P(``classes_[0]``, retained), P(churned)."""
        p = self.churn_probability(X)
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The label of each row, from :attr:`classes_`: churned when P(churn) > 0.5."""
        churned = self.churn_probability(X) > 0.5
        return np.asarray(self.classes_[churned.astype(int)])

    def predict_tier(self, X: Any) -> np.ndarray:
        """Risk tier per row: ``"low"``, ``"medium"`` or ``"high"`` (see ``tier_thresholds_``)."""
        p = self.churn_probability(X)
        return assign_tiers(p, self.tier_thresholds_)

    def score(self, X: Any, y: Any) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)`` (as scikit-learn classifiers)."""
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(y, self.predict(X)))

    def baseline_probability(self, X: Any) -> np.ndarray:
        """Probability of churn from the logistic-regression baseline."""
        X = self._prepare(X)
        return np.asarray(self.baseline_.predict_proba(X)[:, 1], dtype=float)

    def contributions(self, X: Any, *, method: str = "auto") -> pd.DataFrame:
        """Per-feature contributions to the log-odds of churn (plus ``_bias``); rows sum to the margin.

        ``method="shap"``: exact tree SHAP (LightGBM ``pred_contrib``), about a millisecond a
        row. ``method="path"``: path attribution (Saabas): each split on a customer's path in
        each tree credits its feature with the change in node value; linear in tree depth and
        vectorised, for batches of hundreds of thousands. ``"auto"`` (default) uses SHAP up to
        ``shap_max_rows`` rows and path attribution above.
        """
        Xa = self._prepare(X)
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
        return pd.DataFrame(raw, index=Xa.index, columns=[*self._columns, "_bias"])

    def _path_tables(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(leaf table, first row of each tree in it, bias): row ``offset[t] + leaf`` holds
        the contribution of each feature (last column: constant) on the path to that leaf."""
        cache = getattr(self, "_path_table_cache", None)
        if cache is None:
            dump = self.booster_.dump_model()
            n_feat = len(self._columns)
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
            cache = (np.vstack(tables), offsets, bias)
            self._path_table_cache = cache
        return cache

    def _path_contributions(self, X: pd.DataFrame, chunk: int = 200_000) -> np.ndarray:
        """Sum of each row's leaf-table rows over all trees, as one sparse product
        (leaf membership, ``rows x all leaves``, times the leaf table)."""
        from scipy.sparse import csr_matrix

        table, offsets, bias = self._path_tables()
        n_feat = len(self._columns)
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
        self._check_is_fitted()
        gain = self.booster_.feature_importance(importance_type="gain")
        df = pd.DataFrame({"feature": self._columns, "gain": gain})
        df["share"] = df["gain"] / max(df["gain"].sum(), 1e-12)
        return df.sort_values("gain", ascending=False, ignore_index=True)

    def _summary(self) -> pd.DataFrame:
        """Out-of-fold metrics of the model and the logistic baseline (rows) by metric (columns)."""
        return pd.DataFrame(self.metrics_).T

    def plot(self, ax: Any = None) -> Any:
        """Calibration (reliability) diagram: observed churn rate against mean predicted
        probability by decile, out of fold; the diagonal is perfect calibration."""
        self._check_is_fitted()
        table = self.calibration_table_
        ax = self._axes(ax)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=1, linestyle="--")
        ax.plot(table["mean_predicted"], table["observed_rate"], marker="o")
        ax.set_xlabel("mean predicted churn probability")
        ax.set_ylabel("observed churn rate")
        ax.set_title(f"{type(self).__name__} calibration (out of fold)")
        return ax


class ClassifierModel(Estimator):
    """What the snapshot and transaction models share: a fitted :class:`ChurnClassifier` in
    ``classifier_``, whose metrics are the ``summary_`` and whose calibration is the plot, and
    per-customer labels and tiers from per-customer probabilities."""

    classifier_: ChurnClassifier

    def _check(self) -> None:
        self._check_is_fitted()

    def _summary(self) -> pd.DataFrame:
        """The classifier's out-of-fold metrics: one row per model, one column per metric."""
        return self.classifier_.summary_

    def plot(self, ax: Any = None) -> Any:
        """The classifier's calibration diagram (see :meth:`ChurnClassifier.plot`)."""
        self._check_is_fitted()
        return self.classifier_.plot(ax)

    @staticmethod
    def _labels(p: pd.Series) -> pd.Series:
        """1 (churns: P(churn) > 0.5) or 0, on the index of ``p``."""
        return (p > 0.5).astype(int).rename("churned")

    def _tiers(self, p: pd.Series) -> pd.Series:
        """The risk tier of each probability, on the index of ``p``."""
        tiers = assign_tiers(p.to_numpy(), self.classifier_.tier_thresholds_)
        return pd.Series(tiers, index=p.index, name="risk_tier")
