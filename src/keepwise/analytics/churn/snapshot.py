"""Snapshot-table mode: one row per customer with a churn column (telecom, bank, SaaS exports).

>>> model = SnapshotChurnModel(target="Churn").fit(table)          # doctest: +SKIP
>>> model.churn_probability(new_table)                              # doctest: +SKIP
    (a Series indexed by customer id)
>>> preds = model.predict_frame(new_table)                          # doctest: +SKIP
    id, churn_probability, risk_tier, reasons

The table is typed automatically (:class:`~keepwise.analytics.churn._encode.TableEncoder`),
the model is a calibrated LightGBM with a logistic baseline
(:class:`~keepwise.analytics.churn.model.ChurnClassifier`) and the reasons are the customer's
strongest SHAP contributions written as sentences with the customer's own values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from keepwise.analytics._base import instance_of, interval, one_of
from keepwise.analytics.churn._encode import (
    _CUSTOMER_ID_NAME,
    _ID_NAME,
    TableEncoder,
    parse_target,
    target_labels,
)
from keepwise.analytics.churn.model import ChurnClassifier, ClassifierModel
from keepwise.analytics.churn.reasons import Reason, join_reasons, readable, top_reasons
from keepwise.analytics.churn.tiers import RiskTiers, assign_tiers
from keepwise.errors import (
    N_,
    ConfigError,
    Message,
    Problem,
    SchemaError,
    ValidationError,
)

try:
    from typing import Self
except ImportError:  # pragma: no cover
    from typing import Self

_MISSING = object()


def _find_column(df: pd.DataFrame, name: str, what: str) -> str:
    if name in df.columns:
        return name
    folded = {str(c).strip().lower(): c for c in df.columns}
    if name.strip().lower() in folded:
        return str(folded[name.strip().lower()])
    import difflib

    names = [str(c) for c in df.columns]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    shown = ", ".join(names[:30]) + (f" (and {len(names) - 30} more)" if len(names) > 30 else "")
    raise ValidationError(
        [Problem(_source(df), 1, name, None, f"{what} column not found{hint}")],
        summary=f"{what} column not found: {name!r}{hint} The table has: {shown}",
    )


def _source(df: pd.DataFrame) -> str:
    return str(df.attrs.get("source", "table"))


#: Prefix of the columns that carry a numeric cell's unparsed text to the reason writer.
_RAW = "\x00raw:"


class SnapshotChurnModel(ClassifierModel):
    """Churn model for a one-row-per-customer table.

    ``fit(table)`` learns the column types (:class:`TableEncoder`) and a
    :class:`ChurnClassifier` from a table holding the churn column; the predictions take a
    table with the same columns (the churn column is not needed) and are Series indexed by
    the customer id.

    Parameters
    ----------
    target
        Name of the churn column (Yes/No, 1/0, True/False ...; case-insensitive name match).
        Not needed when the labels are given to ``fit`` as ``y``.
    id_column
        Column identifying the customer. Default: an id-like column found automatically
        (named ``...id``/``...num``/``编号`` and unique; one naming the customer or client
        first), else the row number.
    positive
        The target value that means churn, when it cannot be told from the values themselves
        (see :func:`~keepwise.analytics.churn._encode.parse_target`).
    exclude
        Columns never used as features (e.g. ones recorded after the churn: a churn reason,
        a churn score, a closing date).
    tiers
        :class:`RiskTiers` (default: thresholds 0.2 and 0.5).
    calibration, random_state
        Passed to :class:`ChurnClassifier`.

    Attributes
    ----------
    classifier_ : ChurnClassifier
    encoder_ : TableEncoder
    target_column_, id_column_
        The churn and id columns found in the training table.
    summary_ : pandas.DataFrame
        The classifier's out-of-fold metrics (model and logistic baseline).
    leaks_
        Features that tell the target apart almost perfectly on their own
        (:data:`LEAK_AUC`), each ``{"column", "auc"}``: often a column filled in after the
        churn, which no customer still to be scored has. ``keepwise churn fit`` warns of them.
    """

    _parameter_constraints = {
        "target": instance_of(str, none=True),
        "id_column": instance_of(str, none=True),
        "positive": instance_of(str, none=True),
        "exclude": instance_of(list, tuple),
        "tiers": instance_of(RiskTiers, none=True),
        "calibration": one_of("sigmoid", "isotonic"),
        "max_levels": interval(1, integer=True),
        "random_state": interval(0, integer=True),
    }
    _fit_signature = "fit(table)"
    _fitted_attribute = "n_rows_"

    def __init__(
        self,
        *,
        target: str | None = None,
        id_column: str | None = None,
        positive: str | None = None,
        exclude: tuple[str, ...] | list[str] = (),
        tiers: RiskTiers | None = None,
        calibration: Literal["sigmoid", "isotonic"] = "sigmoid",
        max_levels: int = 30,
        random_state: int = 0,
    ) -> None:
        self.target = target
        self.id_column = id_column
        self.positive = positive
        self.exclude = exclude
        self.tiers = tiers
        self.calibration = calibration
        self.max_levels = max_levels
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Any = None) -> Self:
        """Learn column types and the model from the table ``X`` (one row per customer).

        The churn labels are ``X``'s ``target`` column, or ``y`` when given (one label per
        row of ``X``, read like the column: Yes/No, 1/0, 流失/未流失 ...).

        Raises
        ------
        ValidationError
            The target or id column is not in the table (with the closest names), or the
            churn values cannot be read.
        ConfigError
            Neither ``target`` nor ``y`` is given, or a parameter is out of range.
        """
        self._validate_params()
        df = X
        if y is not None:
            if len(y) != len(df):
                raise SchemaError("target", None, f"{len(y)} labels for {len(df)} rows")
            labels = pd.Series(np.asarray(y), index=df.index)
            name = self.target or (str(y.name) if getattr(y, "name", None) else "churn")
            df = df.assign(**{name: labels})
            target = name
        elif self.target is None:
            raise ConfigError(
                "SnapshotChurnModel needs the churn labels: name the column (target='Churn') "
                "or give them to fit(table, y)"
            )
        else:
            target = _find_column(df, self.target, "target")
        id_col = _find_column(df, self.id_column, "id") if self.id_column else None
        rows = df.attrs.get("rows")
        y = parse_target(
            df[target],
            target,
            positive=self.positive,
            file=_source(df),
            rows=[int(r) for r in rows] if rows is not None and len(rows) == len(df) else None,
        )
        self.target_labels_ = target_labels(df[target], y)
        keep = y.notna().to_numpy()
        df = df.loc[keep]
        y = y[keep]
        self.rows_without_target_ = int((~keep).sum())
        left_out = tuple(_find_column(df, c, "--exclude") for c in self.exclude)
        exclude = tuple(c for c in (target, id_col, *left_out) if c)
        self.encoder_ = TableEncoder(max_levels=self.max_levels, exclude=exclude).fit(df)
        if id_col is None:
            ids = [
                s.name for s in self.encoder_.specs_ if s.kind == "id" and _ID_NAME.search(s.name)
            ]
            ids.sort(key=lambda name: not _CUSTOMER_ID_NAME.search(name))  # stable: file order
            id_col = ids[0] if ids else None
        self.target_column_ = target
        self.id_column_ = id_col
        X = self.encoder_.transform(df)
        self.leaks_ = find_leaks(X, y.to_numpy(), self.encoder_.categorical_features())
        self.classifier_ = ChurnClassifier(
            categorical_features=self.encoder_.categorical_features(),
            tiers=self.tiers,
            calibration=self.calibration,
            random_state=self.random_state,
        ).fit(X, y.to_numpy())
        self.n_rows_ = int(len(df))
        return self

    # ------------------------------------------------------------------ predict
    def _per_customer(self, df: pd.DataFrame, values: Any, name: str) -> pd.Series:
        ids = self._ids(df)
        return pd.Series(
            np.asarray(values), index=pd.Index(ids.to_numpy(), name=ids.name), name=name
        )

    def churn_probability(self, df: pd.DataFrame) -> pd.Series:
        """Calibrated probability of churn per row of ``df``: a Series indexed by customer id
        (the id column, else the row number from 1)."""
        self._check_is_fitted()
        df = self._align(df)
        p = self.classifier_.churn_probability(self.encoder_.transform(df))
        return self._per_customer(df, p, "churn_probability")

    def predict(self, df: pd.DataFrame) -> pd.Series:
        """1 (churns: P(churn) > 0.5) or 0 per customer, a Series indexed by customer id."""
        return self._labels(self.churn_probability(df))

    def predict_tier(self, df: pd.DataFrame) -> pd.Series:
        """Risk tier (``low``, ``medium``, ``high``) per customer, a Series indexed by customer id."""
        return self._tiers(self.churn_probability(df))

    def _ids(self, df: pd.DataFrame) -> pd.Series:
        if self.id_column_ and self.id_column_ in df.columns:
            return df[self.id_column_].reset_index(drop=True)
        if self.id_column_:
            folded = {str(c).strip().lower(): c for c in df.columns}
            if self.id_column_.lower() in folded:
                return df[folded[self.id_column_.lower()]].reset_index(drop=True)
        return pd.Series(np.arange(1, len(df) + 1), name="id")

    def explain(self, df: pd.DataFrame, *, top: int = 3) -> list[list[Reason]]:
        """The top drivers of each row's risk, with the row's own values."""
        self._check()
        df = self._align(df)
        X = self.encoder_.transform(df)
        contrib = self.classifier_.contributions(X)
        lowering = self.classifier_.churn_probability(X) < self.classifier_.tier_thresholds_[0]
        return top_reasons(
            contrib, self._with_raw(X, df), self._describer(), top=top, lowering=lowering
        )

    def predict_frame(self, df: pd.DataFrame, *, lang: str = "en", top: int = 3) -> pd.DataFrame:
        """``id``, ``churn_probability``, ``risk_tier`` and ``reasons`` for every row of ``df``.

        ``reasons`` is the row's reasons in the language ``lang`` (``"en"``, ``"zh"``), rendered
        from the catalogs; :meth:`explain` gives them as messages. The target column is not
        needed (and is ignored when present).
        """
        self._check()
        df = self._align(df)
        self._check_columns(df)
        X = self.encoder_.transform(df)
        p = self.classifier_.churn_probability(X)
        contrib = self.classifier_.contributions(X)
        lowering = p < self.classifier_.tier_thresholds_[0]
        reasons = top_reasons(
            contrib, self._with_raw(X, df), self._describer(), top=top, lowering=lowering
        )
        return pd.DataFrame(
            {
                "id": self._ids(df),
                "churn_probability": np.round(p, 6),
                "risk_tier": assign_tiers(p, self.classifier_.tier_thresholds_),
                "reasons": join_reasons(reasons, lang),
            }
        )

    def _check_columns(self, df: pd.DataFrame) -> None:
        """Refuse a table that shares no feature column with the training table."""
        used = self.encoder_.features_
        if not any(name in df.columns for name in used):
            shown = ", ".join(map(str, list(df.columns)[:15]))
            raise ValidationError(
                [
                    Problem(
                        _source(df), 1, None, None, "none of the model's columns is in the table"
                    )
                ],
                summary="this table has none of the columns the model was fitted on ("
                + ", ".join(used[:10])
                + (" ..." if len(used) > 10 else "")
                + f"); it has: {shown}",
            )

    def _align(self, df: pd.DataFrame) -> pd.DataFrame:
        """Rename columns that match a training column up to case and surrounding spaces."""
        wanted = {s.name.strip().lower(): s.name for s in self.encoder_.specs_}
        if self.id_column_:
            wanted.setdefault(self.id_column_.strip().lower(), self.id_column_)
        rename = {
            c: wanted[str(c).strip().lower()]
            for c in df.columns
            if c not in wanted.values()
            and str(c).strip().lower() in wanted
            and wanted[str(c).strip().lower()] not in df.columns
        }
        return df.rename(columns=rename) if rename else df

    def missing_columns(self, df: pd.DataFrame) -> list[str]:
        """Feature columns of the model that ``df`` lacks (read as blank at predict)."""
        self._check()
        df = self._align(df)
        return [name for name in self.encoder_.features_ if name not in df.columns]

    def _with_raw(self, X: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
        """``X`` plus, for numeric columns holding text that is not a number (``abc``), that
        text in a ``_RAW``-prefixed column, so a reason shows it rather than "blank"."""
        unparsed = self.encoder_.unparsed(df)
        if not unparsed:
            return X
        return X.assign(**{_RAW + k: v.to_numpy() for k, v in unparsed.items()})

    def _describer(self) -> Any:
        specs = {s.name: s for s in self.encoder_.specs_}
        enc = self.encoder_

        def number(v: Any, percent: bool) -> Any:
            shown = readable(v)
            return Message(N_("%(number)s%%"), {"number": shown}) if percent else shown

        def describe(feature: str, value: Any, row: Any, impact: float) -> Message:
            spec = specs[feature]
            raises = impact > 0
            shown: Any
            typical: Any = None
            if spec.kind == "boolean":
                shown = Message(
                    N_("blank") if value != value else N_("Yes") if value >= 0.5 else N_("No")
                )
            elif spec.kind == "categorical":
                shown = enc.level_name(feature, value)
                if value != value or shown == enc.OTHER:  # not the customer's own text
                    shown = Message(N_("blank") if value != value else N_("(other)"))
            elif spec.kind == "datetime":
                shown = (
                    Message(N_("blank"))
                    if value != value
                    else str((pd.Timestamp("1970-01-01") + pd.Timedelta(days=float(value))).date())
                )
            elif value != value and isinstance(row.get(_RAW + feature), str):
                return Message(
                    N_("%(feature)s = '%(raw)s' (not a number, read as blank) raises churn risk")
                    if raises
                    else N_(
                        "%(feature)s = '%(raw)s' (not a number, read as blank) lowers churn risk"
                    ),
                    {"feature": feature, "raw": row.get(_RAW + feature)},
                )
            elif value != value:
                shown = Message(N_("blank"))
            else:
                shown = number(value, spec.is_percent)
                if spec.median is not None and readable(spec.median) != readable(value):
                    typical = number(spec.median, spec.is_percent)
            params = {"feature": feature, "value": shown}
            if typical is not None:
                return Message(
                    N_("%(feature)s = %(value)s (typical %(typical)s) raises churn risk")
                    if raises
                    else N_("%(feature)s = %(value)s (typical %(typical)s) lowers churn risk"),
                    {**params, "typical": typical},
                )
            return Message(
                N_("%(feature)s = %(value)s raises churn risk")
                if raises
                else N_("%(feature)s = %(value)s lowers churn risk"),
                params,
            )

        return describe

    def metadata(self) -> dict[str, Any]:
        """What goes into the saved model's ``meta.json``."""
        self._check()
        clf = self.classifier_
        return {
            "target": self.target_column_,
            "target_values": getattr(self, "target_labels_", {}),
            "positive": getattr(self, "positive", None),
            "id_column": self.id_column_,
            "excluded": list(getattr(self, "exclude", ())),
            "near_perfect_columns": getattr(self, "leaks_", []),
            "features": [str(c) for c in clf.feature_names_in_],
            "column_types": {s.name: s.kind for s in self.encoder_.specs_},
            "training_window": {
                "rows": self.n_rows_,
                "rows_without_target": self.rows_without_target_,
            },
            "metrics": clf.metrics_,
            "calibration": self.calibration,
            "tier_thresholds": list(clf.tier_thresholds_),
            "n_trees": clf.n_trees_,
            "random_state": self.random_state,
        }


#: A single column whose ROC-AUC against the target reaches this is reported as a likely leak.
LEAK_AUC = 0.99


def find_leaks(
    X: pd.DataFrame, y: np.ndarray, categorical: list[str] | tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Columns that tell churners apart almost perfectly on their own (ROC-AUC >= LEAK_AUC
    either way; a blank counts as its own value, a category scores by its churn rate).

    A real churn driver rarely does that; a column written down *after* the churn (churn
    reason, churn label, a cancellation date, a model's churn flag) does, and the model would
    lean on it while no customer still to be scored has it.
    """
    from sklearn.metrics import roc_auc_score

    out = []
    for name in X.columns:
        v = X[name].to_numpy(dtype=float)
        blank = np.isnan(v)
        if name in categorical:
            codes = np.where(blank, -1.0, v)
            rate = pd.Series(y).groupby(codes).mean()
            score = rate.reindex(codes).to_numpy()
        elif blank.all():
            continue
        else:  # blanks below every value, then both directions via max(auc, 1 - auc)
            score = np.where(blank, np.nanmin(v) - 1.0, v)
        auc = float(roc_auc_score(y, score))
        auc = max(auc, 1.0 - auc)
        if auc >= LEAK_AUC:
            out.append({"column": str(name), "auc": round(auc, 4)})
    return out


def fit_snapshot_file(
    path: str | Path,
    *,
    target: str,
    id_column: str | None = None,
    positive: str | None = None,
    sheet: str | None = None,
    **kwargs: Any,
) -> SnapshotChurnModel:
    """Read a table file and fit a :class:`SnapshotChurnModel` on it."""
    from keepwise.analytics.churn._io import read_table

    df = read_table(path, sheet=sheet, want_column=target)
    model = SnapshotChurnModel(target=target, id_column=id_column, positive=positive, **kwargs).fit(
        df
    )
    return model
