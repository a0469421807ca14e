"""Transaction mode: learn churn from orders, tickets, notes ... at several past cutoffs.

:class:`TransactionChurnModel` stacks the features of every customer active at each training
cutoff (:func:`~keepwise.analytics.churn.features.churn_features`) with what happened in the
horizon after it (:func:`~keepwise.analytics.churn.labels.churn_labels`), fits a
:class:`ChurnClassifier`, and scores customers as of any later date with reasons written by
:mod:`~keepwise.analytics.churn.templates`. :func:`backtest` trains on earlier cutoffs and
validates on a later one against a logistic baseline and a recency rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from keepwise.analytics._base import instance_of, interval, one_of
from keepwise.analytics._inputs import DataLike, as_dataset
from keepwise.analytics.churn.evaluation import calibration_table, churn_metrics
from keepwise.analytics.churn.features import (
    CATEGORICAL,
    CONTEXT_COLUMNS,
    churn_features,
    features_frame,
)
from keepwise.analytics.churn.labels import (
    churn_labels,
    data_end,
    data_span,
    history,
    label_cutoffs,
    parse_horizon,
)
from keepwise.analytics.churn.model import ChurnClassifier, ClassifierModel
from keepwise.analytics.churn.reasons import Reason, join_reasons, top_reasons
from keepwise.analytics.churn.templates import TOPICS, describe_feature
from keepwise.analytics.churn.tiers import RiskTiers, assign_tiers
from keepwise.analytics.periods import require_date
from keepwise.errors import ConfigError

try:
    from typing import Self
except ImportError:  # pragma: no cover
    from typing import Self

#: Left out of the model by default: contacts only keep the *latest* contact date, so coverage
#: at past cutoffs is near zero and at today's cutoff high: a train/score shift, not a signal.
DEFAULT_EXCLUDED = ("contact_coverage_90d",)


def labelled_frame(
    ds: DataLike,
    cutoffs: list[date],
    *,
    horizon_days: int,
    active_days: int = 365,
    sentiment: bool = True,
) -> pd.DataFrame:
    """Features and labels of every customer active at each cutoff (column ``cutoff`` added)."""
    from keepwise.analytics.churn.features import population

    ds = as_dataset(ds)
    frames = []
    for c in cutoffs:
        feats = churn_features(ds, c, active_days=active_days, sentiment=sentiment)
        labels = churn_labels(
            ds, population(ds, c, active_days=active_days), c, horizon_days=horizon_days
        )
        df = feats.left_join(labels, "customer_id").drop("customer_id_right").to_pandas()
        df.insert(1, "cutoff", pd.Timestamp(c))
        frames.append(df)
    # engines return groups in no fixed order: sort so that the same data and seed give the same model
    out = pd.concat(frames, ignore_index=True).sort_values(
        ["cutoff", "customer_id"], ignore_index=True
    )
    out["churned"] = out["churned"].fillna(0).astype(int)
    return _numeric(out)


def _numeric(df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        if c in ("customer_id", "cutoff", "churned") or c in CATEGORICAL or c in CONTEXT_COLUMNS:
            continue
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


#: Transaction-mode tiers unless told otherwise: the top 15% high, the next 25% medium. A
#: 90-day churn rate above 50% is common without contracts, so probability thresholds would
#: put most customers in "high".
DEFAULT_TIERS = RiskTiers("share", medium=0.25, high=0.15)


class TransactionChurnModel(ClassifierModel):
    """Churn model learned from a company's transactions and service history.

    ``fit(data)`` takes the company's history (a :class:`Dataset`, a DataFrame of orders, a
    dict of frames, a folder or a store URL: see :func:`~keepwise.analytics.as_dataset`),
    builds features and labels at several past cutoffs and fits a :class:`ChurnClassifier`;
    :meth:`churn_probability` and :meth:`predict_tier` score the customers active as of a
    date (Series indexed by ``customer_id``), :meth:`score_frame` adds the reasons.

    Parameters
    ----------
    horizon_days
        Churn = no completed order within this many days after the cutoff (see labels).
    n_cutoffs, step_days
        Training cutoffs: the latest complete one and ``n_cutoffs - 1`` earlier ones every
        ``step_days`` (default: the horizon).
    active_days
        Population: customers with an order in the ``active_days`` before a cutoff.
    exclude_features
        Feature columns not given to the model.
    tiers
        :class:`RiskTiers`; default :data:`DEFAULT_TIERS` (by share: 15% high, 25% medium).
    calibration, random_state
        As in :class:`ChurnClassifier`.
    learning_rate, num_leaves, min_child_samples
        LightGBM settings of the classifier. Transaction training rows are the same customers
        at several cutoffs, so small, strongly regularised trees generalise better than the
        snapshot defaults; ``min_child_samples=None`` means one fiftieth of the training rows,
        between 20 and 200.

    Attributes
    ----------
    classifier_ : ChurnClassifier
    features_ : list of str
        The feature columns given to the classifier.
    levels_ : dict
        The levels kept per categorical feature.
    cutoffs_ : list of date
        The training cutoffs.
    training_window_ : dict
        First and last cutoff, horizon, rows, customers and churn rate of the training data.
    summary_ : pandas.DataFrame
        The classifier's out-of-fold metrics (model and logistic baseline).
    """

    _parameter_constraints = {
        "horizon_days": interval(1, integer=True),
        "n_cutoffs": interval(1, integer=True),
        "step_days": interval(1, integer=True, none=True),
        "active_days": interval(1, integer=True),
        "exclude_features": instance_of(tuple, list),
        "sentiment": instance_of(bool),
        "tiers": instance_of(RiskTiers, none=True),
        "calibration": one_of("sigmoid", "isotonic"),
        "random_state": interval(0, integer=True),
        "max_levels": interval(1, integer=True),
        "learning_rate": interval(0.0, low_open=True),
        "num_leaves": interval(2, integer=True),
        "min_child_samples": interval(1, integer=True, none=True),
    }
    _fit_signature = "fit(data)"
    _fitted_attribute = "training_window_"

    def __init__(
        self,
        *,
        horizon_days: int = 90,
        n_cutoffs: int = 4,
        step_days: int | None = None,
        active_days: int = 365,
        exclude_features: tuple[str, ...] = DEFAULT_EXCLUDED,
        sentiment: bool = True,
        tiers: RiskTiers | None = None,
        calibration: Literal["sigmoid", "isotonic"] = "sigmoid",
        random_state: int = 0,
        max_levels: int = 30,
        learning_rate: float = 0.02,
        num_leaves: int = 7,
        min_child_samples: int | None = None,
    ) -> None:
        self.horizon_days = horizon_days
        self.n_cutoffs = n_cutoffs
        self.step_days = step_days
        self.active_days = active_days
        self.exclude_features = exclude_features
        self.sentiment = sentiment
        self.tiers = tiers
        self.calibration = calibration
        self.random_state = random_state
        self.max_levels = max_levels
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples

    # ------------------------------------------------------------------ encoding
    def _encode(self, df: pd.DataFrame, *, fit: bool) -> pd.DataFrame:
        if fit:
            skip = {"customer_id", "cutoff", "churned", *CONTEXT_COLUMNS, *self.exclude_features}
            cols = [c for c in df.columns if c not in skip]
            cols = [c for c in cols if c in CATEGORICAL or df[c].notna().any()]
            self.levels_ = {
                c: [
                    str(v)
                    for v in df[c].dropna().astype(str).value_counts().index[: self.max_levels]
                ]
                for c in cols
                if c in CATEGORICAL
            }
            self.features_ = cols
        X = pd.DataFrame(index=df.index)
        for c in self.features_:
            if c not in df.columns:
                X[c] = np.nan
            elif c in self.levels_:
                text = df[c].astype("string")
                codes = pd.Categorical(text, categories=self.levels_[c]).codes.astype(float)
                codes[(codes < 0) & text.notna().to_numpy()] = len(self.levels_[c])
                codes[text.isna().to_numpy()] = np.nan
                X[c] = codes
            else:
                X[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        return X

    # ------------------------------------------------------------------ fitting
    def fit(self, X: DataLike, y: None = None, *, cutoff: Any = None) -> Self:
        """Fit on the history ``X`` at the cutoffs up to ``cutoff`` (default: the last one whose
        horizon is complete); ``y`` is unused (the labels come from the history).

        ``X`` is a :class:`Dataset`, a DataFrame of orders (``customer_id``, ``ordered_at``,
        ``amount``) or anything else :func:`~keepwise.analytics.as_dataset` takes.
        """
        self._validate_params()
        ds = as_dataset(X)
        cutoffs = label_cutoffs(
            ds,
            horizon_days=self.horizon_days,
            count=self.n_cutoffs,
            step_days=self.step_days,
            latest=cutoff,
        )
        frame = labelled_frame(
            ds,
            cutoffs,
            horizon_days=self.horizon_days,
            active_days=self.active_days,
            sentiment=self.sentiment,
        )
        return self._fit_frame(frame)

    def fit_frame(self, frame: pd.DataFrame) -> Self:
        """Fit on a :func:`labelled_frame` (features, ``cutoff``, ``churned``), e.g. one built
        once and reused for several models."""
        self._validate_params()
        return self._fit_frame(frame)

    def _fit_frame(self, frame: pd.DataFrame) -> Self:
        if frame.empty:
            raise ConfigError(
                f"no customer ordered in the {self.active_days} days before any training cutoff: "
                "nothing to learn from; use a later --cutoff"
            )
        X = self._encode(frame, fit=True)
        y = frame["churned"].to_numpy()
        min_child = self.min_child_samples
        if min_child is None:
            min_child = int(min(200, max(20, len(frame) // 50)))
        self.classifier_ = ChurnClassifier(
            categorical_features=list(self.levels_),
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=min_child,
            tiers=self.tiers if self.tiers is not None else DEFAULT_TIERS,
            calibration=self.calibration,
            random_state=self.random_state,
        ).fit(X, y, groups=frame["customer_id"].to_numpy())
        cut = pd.to_datetime(frame["cutoff"])
        self.cutoffs_ = sorted({d.date() for d in cut})
        self.training_window_ = {
            "first_cutoff": str(self.cutoffs_[0]),
            "last_cutoff": str(self.cutoffs_[-1]),
            "horizon_days": self.horizon_days,
            "rows": int(len(frame)),
            "customers": int(frame["customer_id"].nunique()),
            "churn_rate": float(y.mean()),
        }
        return self

    # ------------------------------------------------------------------ scoring
    def churn_probability(self, X: DataLike, *, as_of: Any = None) -> pd.Series:
        """P(no completed order within ``horizon_days`` after ``as_of``) for each customer
        active at ``as_of`` (default: the last order date): a Series indexed by
        ``customer_id``."""
        self._check_is_fitted()
        feats = self.features_at(X, as_of)
        p = self.classifier_.churn_probability(self._encode(feats, fit=False))
        ids = pd.Index(feats["customer_id"].astype(str).to_numpy(), name="customer_id")
        return pd.Series(p, index=ids, name="churn_probability")

    def predict(self, X: DataLike, *, as_of: Any = None) -> pd.Series:
        """1 (churns: P(churn) > 0.5) or 0 per customer active at ``as_of``, a Series indexed
        by ``customer_id``."""
        return self._labels(self.churn_probability(X, as_of=as_of))

    def predict_tier(self, X: DataLike, *, as_of: Any = None) -> pd.Series:
        """Risk tier (``low``, ``medium``, ``high``) per customer active at ``as_of``, a Series
        indexed by ``customer_id``."""
        return self._tiers(self.churn_probability(X, as_of=as_of))

    def features_at(self, ds: DataLike, as_of: Any = None) -> pd.DataFrame:
        """Features of the customers active at ``as_of`` (default: the last order date)."""
        ds = as_dataset(ds)
        when = require_date(as_of, "as_of") if as_of is not None else data_end(ds)
        return _numeric(
            features_frame(ds, when, active_days=self.active_days, sentiment=self.sentiment)
        )

    def score_features(
        self, feats: pd.DataFrame, *, top: int = 3
    ) -> tuple[np.ndarray, np.ndarray, list[list[Reason]]]:
        """(probabilities, tiers, reasons) for a features frame."""
        self._check()
        X = self._encode(feats, fit=False)
        p = self.classifier_.churn_probability(X)
        contrib = self.classifier_.contributions(X)
        lowering = p < self.classifier_.tier_thresholds_[0]
        reasons = top_reasons(
            contrib, feats, describe_feature, top=top, lowering=lowering, group_of=TOPICS
        )
        return p, assign_tiers(p, self.classifier_.tier_thresholds_), reasons

    def score_frame(
        self, ds: DataLike, *, as_of: Any = None, top: int = 3, lang: str = "en"
    ) -> pd.DataFrame:
        """``customer_id``, ``cutoff``, ``churn_probability``, ``risk_tier``, ``reasons`` (text in
        the language ``lang``, ``"en"`` or ``"zh"``) and ``reasons_json`` (per customer a list of
        :meth:`Reason.to_dict`: feature, value, impact and the message as catalog key and
        parameters, what the store keeps), highest risk first."""
        ds = as_dataset(ds)
        when = require_date(as_of, "as_of") if as_of is not None else data_end(ds)
        feats = self.features_at(ds, when)
        if feats.empty:
            raise ConfigError(
                f"nobody to score as of {when}: no customer ordered in the {self.active_days} "
                f"days before it; the orders run from {history(ds)}"
            )
        p, tiers, reasons = self.score_features(feats, top=top)
        out = pd.DataFrame(
            {
                "customer_id": feats["customer_id"].astype(str),
                "cutoff": when,
                "churn_probability": np.round(p, 6),
                "risk_tier": tiers,
                "reasons": join_reasons(reasons, lang),
                "reasons_json": [[r.to_dict() for r in rs] for rs in reasons],
            }
        )
        return out.sort_values("churn_probability", ascending=False, ignore_index=True)

    def metadata(self) -> dict[str, Any]:
        self._check()
        clf = self.classifier_
        return {
            "features": self.features_,
            "categorical": {k: v for k, v in self.levels_.items()},
            "training_window": self.training_window_,
            "training_cutoffs": [str(c) for c in self.cutoffs_],
            "horizon_days": self.horizon_days,
            "active_days": self.active_days,
            "metrics": clf.metrics_,
            "calibration": self.calibration,
            "tier_thresholds": list(clf.tier_thresholds_),
            "n_trees": clf.n_trees_,
            "random_state": self.random_state,
        }


def fit_transaction_model(
    data: Any, *, horizon: str | int = "90d", cutoff: Any = None, **kwargs: Any
) -> TransactionChurnModel:
    """Load ``data`` (store URL, folder, frames or Dataset) and fit a
    :class:`TransactionChurnModel`."""
    return TransactionChurnModel(horizon_days=parse_horizon(horizon), **kwargs).fit(
        as_dataset(data), cutoff=cutoff
    )


# ---------------------------------------------------------------------- backtest
@dataclass
class BacktestReport:
    """Out-of-time validation of the churn model against its baselines."""

    horizon_days: int
    train_cutoffs: list[date]
    validation_cutoff: date
    train_rows: int
    validation_rows: int
    metrics: dict[str, dict[str, float]]
    calibration: pd.DataFrame
    top_features: pd.DataFrame = field(default_factory=pd.DataFrame)

    def metrics_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.metrics).T
        df.index.name = "model"
        df = df.reset_index()
        if "n" in df.columns:
            df["n"] = df["n"].astype("int64")
        return df

    def to_dict(self) -> dict[str, Any]:
        return {
            "horizon_days": self.horizon_days,
            "train_cutoffs": [str(c) for c in self.train_cutoffs],
            "validation_cutoff": str(self.validation_cutoff),
            "train_rows": self.train_rows,
            "validation_rows": self.validation_rows,
            "metrics": self.metrics,
            "calibration": self.calibration.to_dict(orient="records"),
            "top_features": self.top_features.head(10).to_dict(orient="records"),
        }


def backtest(
    ds: DataLike,
    *,
    horizon_days: int = 90,
    n_train_cutoffs: int = 3,
    step_days: int | None = None,
    validation_cutoff: Any = None,
    **kwargs: Any,
) -> BacktestReport:
    """Train on earlier cutoffs, validate on a later one whose horizon is complete.

    Training cutoffs are ``step_days`` apart (default: the horizon) and end at least one
    horizon before the validation cutoff, so no training label looks past it. Compared:
    keepwise (calibrated LightGBM), its logistic-regression baseline and a recency rule
    (score = days since last order).
    """
    if n_train_cutoffs < 1:
        raise ConfigError(f"--train-cutoffs must be at least 1, not {n_train_cutoffs}")
    ds = as_dataset(ds)
    cutoffs = label_cutoffs(
        ds,
        horizon_days=horizon_days,
        count=n_train_cutoffs + 1,
        step_days=step_days,
        latest=validation_cutoff,
    )
    step = step_days or horizon_days
    val = cutoffs[-1]
    train_cuts = [c for c in cutoffs[:-1] if (val - c).days >= max(horizon_days, step)]
    if not train_cuts:
        raise ConfigError(
            f"no training cutoff fits: training cutoffs lie at least {max(horizon_days, step)} "
            f"days before the validation cutoff {val}, and the orders start on "
            f"{data_span(ds)[0]}; use a later --cutoff or a shorter --horizon"
        )
    model = TransactionChurnModel(horizon_days=horizon_days, **kwargs)
    frame = labelled_frame(
        ds,
        [*train_cuts, val],
        horizon_days=horizon_days,
        active_days=model.active_days,
        sentiment=model.sentiment,
    )
    is_val = pd.to_datetime(frame["cutoff"]).dt.date == val
    train, valid = frame[~is_val].reset_index(drop=True), frame[is_val].reset_index(drop=True)
    model.fit_frame(train)
    X = model._encode(valid, fit=False)
    y = valid["churned"].to_numpy()
    p = model.classifier_.churn_probability(X)
    metrics = {
        "keepwise": churn_metrics(y, p),
        "logistic_baseline": churn_metrics(y, model.classifier_.baseline_probability(X)),
        "recency_rule": churn_metrics(y, valid["recency_days"].to_numpy()),
    }
    return BacktestReport(
        horizon_days=horizon_days,
        train_cutoffs=train_cuts,
        validation_cutoff=val,
        train_rows=int(len(train)),
        validation_rows=int(len(valid)),
        metrics=metrics,
        calibration=calibration_table(y, p),
        top_features=model.classifier_.feature_importance,
    )
