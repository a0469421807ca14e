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
    {
        "",
        "na",
        "n/a",
        "nan",
        "null",
        "none",
        "-",
        "--",
        "?",
        "#n/a",
        "missing",
        "nil",
        "无",
        "空",
        # spreadsheet error values
        "#value!",
        "#div/0!",
        "#ref!",
        "#name?",
        "#num!",
        "#null!",
        "#error!",
        "#####",
    }
)
#: Target values read without asking (after trimming, lower-casing and dropping a final ".").
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
#: Words telling which of two target values means churn ("Attrited Customer" / "Existing Customer").
_CHURN_LIKE = re.compile(
    r"\b(attrit\w*|churn\w*|exit\w*|left|leav\w*|cancel+\w*|clos\w*|lost|inactive|"
    r"terminat\w*|quit\w*|gone|lapsed|defect\w*|discontinu\w*|unsubscrib\w*|dropped|"
    r"deactivat\w*|departed|former|ended)\b|"
    r"流失|退订|注销|离网|销户|解约|取消|离开|退出|停用|已退|沉睡|不活跃"
)
_STAY_LIKE = re.compile(
    r"\b(exist\w*|active|retain\w*|retention|stay\w*|current|remain\w*|renew\w*|loyal|"
    r"continu\w*|subscribed|open|ongoing|kept)\b|"
    r"留存|在网|正常|存续|活跃|续约|保留|现有|在用"
)
_NEGATION = re.compile(r"^(not|non|no|never|un)\b[\s_-]*|^non-?|^(未|不|没有|没|非)")
_STRIP = re.compile(r"[\s,$¥￥€£%'_]|元|rmb|usd|cny|eur", re.IGNORECASE)
_ID_NAME = re.compile(
    r"(^id$|_id$|id$|^id_|uuid|^key$|编号|^no\.?$|number$|num$|^code$|号$|号码$)", re.IGNORECASE
)
#: Among several id-like columns, one naming the customer wins over a row number.
_CUSTOMER_ID_NAME = re.compile(
    r"cust|client|user|member|account|subscriber|客户|用户|会员", re.IGNORECASE
)
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


def _token(s: pd.Series) -> pd.Series:
    """Trimmed, lower-cased text without a final ``.`` (UCI's ``" False."``); blanks are NaN."""
    t = _as_text(s).astype("string").str.lower().str.replace(r"\.+$", "", regex=True).str.strip()
    return t.mask(t.isin(BLANKS)).astype(object)


def _exact_side(token: str) -> float | None:
    """1.0 / 0.0 for a value read without asking (Yes/No, 1/0, True/False, 流失/留存 ...)."""
    if token in TRUE_WORDS:
        return 1.0
    if token in FALSE_WORDS:
        return 0.0
    try:
        number = float(token)
    except ValueError:
        return None
    return number if number in (0.0, 1.0) else None


def churn_side(value: str) -> float | None:
    """Whether a target value reads as churn (1.0), as staying (0.0) or neither (``None``).

    ``Attrited Customer`` → 1.0, ``Existing Customer`` → 0.0, ``not churned`` → 0.0,
    ``Inactive`` → 1.0, ``已注销`` → 1.0, ``在网`` → 0.0, ``Gold`` → ``None``.
    """
    v = str(value).strip().lower()
    exact = _exact_side(v.rstrip(".").strip())
    if exact is not None:
        return exact
    churny = bool(_CHURN_LIKE.search(v))
    stayish = bool(_STAY_LIKE.search(v))
    if churny and _NEGATION.search(v) and not stayish:
        return 0.0
    if churny != stayish:
        return 1.0 if churny else 0.0
    return None


def _where(rows: list[int] | None, positions: np.ndarray) -> list[int | None]:
    """Spreadsheet row numbers (header = row 1) of row positions."""
    if rows is not None and len(rows) > 0:
        return [rows[int(i)] if int(i) < len(rows) else None for i in positions]
    return [int(i) + 2 for i in positions]


def parse_target(
    s: pd.Series,
    column: str,
    *,
    positive: str | None = None,
    file: str = "table",
    rows: list[int] | None = None,
) -> pd.Series:
    """Map a churn column to 1.0 (churned) / 0.0 (not churned); blank → NaN.

    Read without asking: Yes/No, Y/N, 1/0, True/False (also ``" True."`` as in the UCI
    telecom file), 是/否, 流失/未流失, churned/active ...; and any two values of which exactly
    one reads as churn and the other as staying (``Attrited Customer`` / ``Existing
    Customer``, ``Closed``/``Open``, 已注销/正常). Otherwise ``positive`` names the value that
    means churn.

    Parameters
    ----------
    positive
        The value meaning churn (case, surrounding spaces and a final ``.`` are ignored).
    file, rows
        Where the values come from, for error messages: the file name and the spreadsheet row
        number of each value (default: position + 2, a CSV with its header on row 1).

    Raises
    ------
    ValidationError
        A third value, a ``positive`` not in the column, two values that cannot be told apart
        without ``positive``, or only one class.
    """
    tokens = _token(s)
    present = tokens.dropna()
    distinct = list(dict.fromkeys(present.tolist()))
    original = {
        tok: str(v).strip()
        for tok, v in zip(tokens.tolist(), s.tolist(), strict=False)
        if isinstance(tok, str)
    }

    def shown(tok: str) -> str:
        return original.get(tok, tok)

    def problems_for(bad: set[str], why: str) -> tuple[list[Problem], int]:
        mask = tokens.isin(bad).to_numpy()
        positions = np.flatnonzero(mask)
        where = _where(rows, positions[:10])
        values = [s.iloc[int(i)] for i in positions[:10]]
        return [Problem(file, r, column, v, why) for r, v in zip(where, values, strict=True)], int(
            mask.sum()
        )

    mapping: dict[str, float] = {}
    if positive is not None:
        pos = _token(pd.Series([positive])).iloc[0]
        if not isinstance(pos, str) or pos not in distinct:
            found = ", ".join(repr(shown(t)) for t in distinct[:10])
            raise ValidationError(
                [Problem(file, None, column, positive, "--positive is not a value of the column")],
                summary=f"target column {column!r} has no value {positive!r}; it holds {found}",
            )
        others = [t for t in distinct if t != pos]
        if len(others) > 1:
            extra = set(others[1:])
            problems, total = problems_for(extra, "a third target value")
            raise ValidationError(
                problems,
                total,
                summary=f"target column {column!r} must hold two values; besides "
                f"{shown(pos)!r} (churn) and {shown(others[0])!r} it has "
                + ", ".join(repr(shown(t)) for t in others[1:6]),
            )
        mapping = {pos: 1.0, **{t: 0.0 for t in others}}
    else:
        exact = {t: _exact_side(t) for t in distinct}
        if all(v is not None for v in exact.values()):
            mapping = {t: float(v) for t, v in exact.items() if v is not None}
        elif len(distinct) == 2:
            sides = {t: churn_side(shown(t)) for t in distinct}
            if sorted(v for v in sides.values() if v is not None) == [0.0, 1.0]:
                mapping = {t: float(v) for t, v in sides.items() if v is not None}
            else:
                a, b = (shown(t) for t in distinct)
                raise ValidationError(
                    [
                        Problem(
                            file,
                            None,
                            column,
                            None,
                            f"cannot tell which of {a!r} and {b!r} is churn",
                        )
                    ],
                    summary=f"target column {column!r} holds {a!r} and {b!r}; say which one means "
                    f"churn with --positive (e.g. --positive {a!r})",
                )
        else:
            known = {t for t, v in exact.items() if v is not None}
            unknown = [t for t in distinct if t not in known]
            problems, total = problems_for(set(unknown), "not a churn value")
            raise ValidationError(
                problems,
                total,
                summary=f"target column {column!r} must hold two values (Yes/No, 1/0, True/False, "
                f"or two values told apart with --positive); it holds "
                + ", ".join(repr(shown(t)) for t in distinct[:8])
                + (f" and {len(distinct) - 8} more" if len(distinct) > 8 else ""),
            )
    y = pd.Series(tokens.map(mapping).astype(float).to_numpy(), index=s.index, dtype=float)
    classes = set(y.dropna().unique())
    if len(classes) < 2:
        only = (
            "no rows"
            if not classes
            else f"only {'churned' if 1.0 in classes else 'not churned'} rows"
        )
        raise ValidationError(
            [Problem(file, None, column, None, f"the target has {only}")],
            summary=f"target column {column!r} needs both churned and not-churned rows to learn from",
        )
    return y


def target_labels(s: pd.Series, y: pd.Series) -> dict[str, str]:
    """The original spelling of the churn and the not-churn value (for the model metadata)."""
    text = _as_text(s)
    out: dict[str, str] = {}
    for key, cls in (("churn", 1.0), ("not_churn", 0.0)):
        values = text[(y == cls).to_numpy()].dropna()
        if len(values):
            out[key] = str(values.value_counts().index[0])
    return out


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
        if _token(present).isin(_BOOL_TOKENS.keys()).all():
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
                out[spec.name] = _token(col).map(_BOOL_TOKENS).astype(float).to_numpy()
            elif spec.kind == "datetime":
                out[spec.name] = self._days(_as_text(col)).to_numpy()
            else:
                text = _as_text(col)
                codes = pd.Categorical(text, categories=spec.levels).codes.astype(float)
                codes[(codes < 0) & text.notna().to_numpy()] = len(spec.levels)  # other
                codes[text.isna().to_numpy()] = np.nan
                out[spec.name] = codes
        return pd.DataFrame(out, index=df.index, columns=self.features_)

    def unparsed(self, df: pd.DataFrame) -> dict[str, pd.Series]:
        """Per numeric column that has them: the cells holding text that is not a number
        (``abc``), others None. Empty when every numeric cell is a number or blank."""
        out: dict[str, pd.Series] = {}
        for spec in self.specs_:
            if spec.kind != "numeric" or spec.name not in df.columns:
                continue
            text = _as_text(df[spec.name])
            bad = text.notna() & parse_numbers(df[spec.name]).isna()
            if bad.any():
                out[spec.name] = text.where(bad, None)
        return out

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
