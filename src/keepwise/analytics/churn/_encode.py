"""Automatic typing of a messy snapshot table: the :class:`TableEncoder`.

Each column is classified once, at ``fit``, into one of

* ``numeric``     numbers, also written ``1,234``, ``$12.50``, ``¥3 000``, ``12%``, ``(5)``;
* ``boolean``     Yes/No, True/False, Y/N, T/F, 是/否 (mapped to 1/0);
* ``datetime``    dates (turned into days since 1970-01-01);
* ``categorical`` anything else with repeats; the ``max_levels`` most frequent levels are kept,
  the rest become one "other" level;
* dropped: ``id`` (named like an id and nearly unique, or unique free text), ``constant``
  (one value or all blank).

Blanks (``""``, ``NA``, ``N/A``, ``null``, ``-``, ``?`` ...) are missing values everywhere.
``transform`` returns a float frame (categorical columns as integer level codes, missing as
NaN) that LightGBM and the logistic baseline both read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from keepwise.errors import Problem, SchemaError, ValidationError

BLANKS = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "-", "--", "?", "#n/a", "missing", "nil", "无", "空"}
)
TRUE_WORDS = frozenset(
    {"yes", "y", "true", "t", "是", "有", "churn", "churned", "exited", "left", "流失", "已流失"}
)
FALSE_WORDS = frozenset(
    {"no", "n", "false", "f", "否", "无", "stayed", "retained", "active", "未流失", "留存"}
)
_BOOL_TOKENS = {
    "yes": 1,
    "y": 1,
    "true": 1,
    "t": 1,
    "是": 1,
    "no": 0,
    "n": 0,
    "false": 0,
    "f": 0,
    "否": 0,
}
_STRIP = re.compile(r"[\s,$¥￥€£%'_]|元|rmb|usd|cny|eur", re.IGNORECASE)
_ID_NAME = re.compile(r"(^id$|_id$|id$|^id_|uuid|^key$|编号|^no\.?$|number$|^code$)", re.IGNORECASE)
_NUMERIC_SHARE = 0.95


@dataclass
class ColumnSpec:
    """How one input column is read (learned at ``fit``)."""

    name: str
    kind: str  # numeric | boolean | datetime | categorical | id | constant
    levels: list[str] = field(default_factory=list)
    median: float | None = None
    is_percent: bool = False

    @property
    def is_used(self) -> bool:
        return self.kind in {"numeric", "boolean", "datetime", "categorical"}


def _as_text(s: pd.Series) -> pd.Series:
    """Strip text and turn every blank token into NaN."""
    t = s.astype("string").str.strip()
    blank = t.str.lower().isin(BLANKS) | t.isna()
    return t.mask(blank).astype(object)


def parse_numbers(s: pd.Series) -> pd.Series:
    """Parse messy numbers: thousands separators, currency signs, percent signs, ``(5)`` = -5."""
    t = _as_text(s).astype("string")
    neg = t.str.match(r"^\(.*\)$", na=False)
    t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(_STRIP, "", regex=True)
    out = pd.to_numeric(t, errors="coerce").astype(float)
    return out.where(~neg, -out)


def parse_target(s: pd.Series, column: str) -> pd.Series:
    """Map a churn column (Yes/No, 1/0, True/False, churned/active ...) to 1.0/0.0, blank → NaN.

    Raises
    ------
    ValidationError
        The column does not hold exactly two classes that can be told apart.
    """
    t = _as_text(s)
    lower = t.astype("string").str.lower()
    nums = pd.to_numeric(lower, errors="coerce")
    y = pd.Series(np.nan, index=s.index, dtype=float)
    y[lower.isin(TRUE_WORDS).fillna(False).to_numpy()] = 1.0
    y[lower.isin(FALSE_WORDS).fillna(False).to_numpy()] = 0.0
    y = y.where(y.notna(), nums.where(nums.isin([0.0, 1.0])))
    unknown = t.notna() & y.isna()
    if unknown.any():
        values = sorted(t[unknown].astype(str).unique())[:5]
        rows = [int(i) + 2 for i in np.flatnonzero(unknown.to_numpy())[:5]]
        raise ValidationError(
            [
                Problem("table", r, column, v, "not a churn value")
                for r, v in zip(rows, values, strict=False)
            ],
            int(unknown.sum()),
            summary=f"target column {column!r} must be Yes/No, 1/0 or True/False; "
            f"found {', '.join(map(repr, values))}",
        )
    classes = set(y.dropna().unique())
    if len(classes) < 2:
        only = (
            "no rows"
            if not classes
            else f"only {'churned' if 1.0 in classes else 'not churned'} rows"
        )
        raise ValidationError(
            [Problem("table", None, column, None, f"the target has {only}")],
            summary=f"target column {column!r} needs both churned and not-churned rows to learn from",
        )
    return y


class TableEncoder:
    """Learn each column's type from a training table and encode tables the same way.

    Parameters
    ----------
    max_levels
        Most frequent levels kept per categorical column; the rest become ``other``.
    min_level_count
        A level seen fewer times than this is folded into ``other``.
    exclude
        Columns never used as features (the target and the id column).
    """

    OTHER = "(other)"

    def __init__(
        self, max_levels: int = 30, min_level_count: int = 5, exclude: tuple[str, ...] = ()
    ) -> None:
        self.max_levels = max_levels
        self.min_level_count = min_level_count
        self.exclude = exclude

    def fit(self, df: pd.DataFrame) -> TableEncoder:
        specs = []
        n = len(df)
        for name in df.columns:
            if name in self.exclude:
                continue
            specs.append(self._infer(str(name), df[name], n))
        self.specs_ = specs
        self.features_ = [s.name for s in specs if s.is_used]
        if not self.features_:
            raise SchemaError(
                "*", None, "no usable feature columns (all are ids, constant or blank)"
            )
        return self

    def _infer(self, name: str, col: pd.Series, n: int) -> ColumnSpec:
        text = _as_text(col)
        present = text.dropna()
        if present.empty or present.nunique() <= 1:
            return ColumnSpec(name, "constant")
        unique_share = present.nunique() / max(len(present), 1)
        lower = present.astype(str).str.lower()
        if lower.isin(_BOOL_TOKENS.keys()).all():
            return ColumnSpec(name, "boolean")
        nums = parse_numbers(present)
        if nums.notna().mean() >= _NUMERIC_SHARE:
            if _ID_NAME.search(name) and unique_share > 0.95:
                return ColumnSpec(name, "id")
            is_pct = bool(present.astype(str).str.endswith("%").mean() > 0.5)
            return ColumnSpec(name, "numeric", median=float(nums.median()), is_percent=is_pct)
        if _ID_NAME.search(name) and unique_share > 0.9:
            return ColumnSpec(name, "id")
        if (
            present.astype(str).str.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}").mean()
            >= _NUMERIC_SHARE
        ):
            days = self._days(present)
            if days.notna().mean() >= _NUMERIC_SHARE:
                return ColumnSpec(name, "datetime", median=float(days.median()))
        if unique_share > 0.95 and len(present) > 20:
            return ColumnSpec(name, "id")  # free text or a key: nothing to learn across rows
        counts = present.astype(str).value_counts()
        counts = counts[counts >= self.min_level_count].iloc[: self.max_levels]
        if counts.empty:
            return ColumnSpec(name, "id")
        return ColumnSpec(name, "categorical", levels=[str(v) for v in counts.index])

    @staticmethod
    def _days(s: pd.Series) -> pd.Series:
        ts = pd.to_datetime(s, errors="coerce", format="mixed")
        return (ts - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Encode a table: one float column per used feature (missing columns become NaN)."""
        out: dict[str, Any] = {}
        for spec in self.specs_:
            if not spec.is_used:
                continue
            col = (
                df[spec.name]
                if spec.name in df.columns
                else pd.Series([None] * len(df), index=df.index)
            )
            if spec.kind == "numeric":
                out[spec.name] = parse_numbers(col).to_numpy()
            elif spec.kind == "boolean":
                lower = _as_text(col).astype("string").str.lower()
                out[spec.name] = lower.map(_BOOL_TOKENS).astype(float).to_numpy()
            elif spec.kind == "datetime":
                out[spec.name] = self._days(_as_text(col)).to_numpy()
            else:
                text = _as_text(col)
                codes = pd.Categorical(text, categories=spec.levels).codes.astype(float)
                codes[(codes < 0) & text.notna().to_numpy()] = len(spec.levels)  # other
                codes[text.isna().to_numpy()] = np.nan
                out[spec.name] = codes
        return pd.DataFrame(out, index=df.index, columns=self.features_)

    def categorical_features(self) -> list[str]:
        return [s.name for s in self.specs_ if s.kind == "categorical"]

    def level_name(self, feature: str, code: float) -> str:
        spec = next(s for s in self.specs_ if s.name == feature)
        if code != code:
            return "blank"
        i = int(code)
        return spec.levels[i] if i < len(spec.levels) else self.OTHER

    def summary(self) -> pd.DataFrame:
        """One row per input column: name, kind, levels kept."""
        return pd.DataFrame(
            [
                {"column": s.name, "kind": s.kind, "levels": len(s.levels) or None}
                for s in self.specs_
            ]
        )
