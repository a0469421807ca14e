"""Turn per-customer SHAP contributions into sentences a salesperson can act on (en + zh).

:func:`top_reasons` takes the contribution frame of :meth:`ChurnClassifier.contributions`
(log-odds, one column per feature), the customer's own feature values, and a *describer*
that writes the sentence for one feature and value in English and Chinese. It picks the
``top`` features pushing each customer's risk up; a customer with nothing pushing up gets the
strongest factor holding it down ("... lowers churn risk").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: (feature, value, the customer's whole row, impact) -> (english, chinese), or None to skip.
Describer = Callable[[str, Any, Mapping[str, Any], float], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Reason:
    """One driver of one customer's risk."""

    feature: str
    value: Any
    impact: float  # contribution to the log-odds of churn (positive = raises risk)
    en: str
    zh: str

    def text(self, lang: str = "en") -> str:
        return self.zh if lang.startswith("zh") else self.en

    def to_dict(self) -> dict[str, Any]:
        v = self.value
        if isinstance(v, np.generic):
            v = v.item()
        if v != v:  # NaN
            v = None
        return {
            "feature": self.feature,
            "value": v,
            "impact": round(float(self.impact), 4),
            "en": self.en,
            "zh": self.zh,
        }


class _RowView(Mapping[str, Any]):
    """One row of a frame as a read-only mapping, without copying the row."""

    __slots__ = ("_cols", "_i")

    def __init__(self, cols: dict[str, np.ndarray], i: int) -> None:
        self._cols, self._i = cols, i

    def __getitem__(self, key: str) -> Any:
        return self._cols[key][self._i]

    def get(self, key: str, default: Any = None) -> Any:
        col = self._cols.get(key)
        return default if col is None else col[self._i]

    def __iter__(self) -> Any:
        return iter(self._cols)

    def __len__(self) -> int:
        return len(self._cols)


def fmt_number(v: Any, *, percent: bool = False, digits: int = 3) -> str:
    """Readable number: integers without decimals, others with ``digits`` significant digits."""
    if v is None or v != v:
        return "blank"
    f = float(v)
    if f.is_integer() and abs(f) < 1e15:
        s = f"{int(f):,}"
    else:
        s = f"{f:,.{digits}g}" if abs(f) < 1e6 else f"{f:,.0f}"
    return s + ("%" if percent else "")


def top_reasons(
    contributions: pd.DataFrame,
    values: pd.DataFrame,
    describe: Describer,
    *,
    top: int = 3,
    min_impact: float = 0.02,
    lowering: np.ndarray | None = None,
    group_of: Mapping[str, str] | None = None,
) -> list[list[Reason]]:
    """The ``top`` reasons per row, strongest first.

    Parameters
    ----------
    contributions
        Log-odds contributions, one column per feature (a ``_bias`` column is ignored).
    values
        The customer's own values, same index, columns ⊇ the features.
    describe
        Writes (english, chinese) for a feature, its value, the row and the impact.
    lowering
        Boolean per row: for these rows (low-risk customers) name the factors holding the risk
        *down* instead, which is what a salesperson can build on.
    group_of
        Feature -> topic; at most one reason per topic (e.g. recency and overdue ratio say the
        same thing). Identical sentences are never repeated either.
    """
    groups = dict(group_of or {})
    feats = [c for c in contributions.columns if c != "_bias"]
    C = contributions[feats].to_numpy(dtype=float)
    sign = (
        np.ones((C.shape[0], 1))
        if lowering is None
        else np.where(np.asarray(lowering), -1.0, 1.0)[:, None]
    )
    S = C * sign
    k = min(top + 3, len(feats))  # a few spare in case a describer skips a feature
    if k < len(feats):
        part = np.argpartition(-S, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(
            part, np.argsort(-np.take_along_axis(S, part, 1), axis=1, kind="stable"), 1
        )
    else:
        order = np.argsort(-S, axis=1, kind="stable")
    # plain Python lists: the loop below runs once per customer and must not touch numpy scalars
    order_l = order.tolist()
    s_top = np.take_along_axis(S, order, 1).tolist()
    c_top = np.take_along_axis(C, order, 1).tolist()
    topic_of = [groups.get(f, f) for f in feats]
    cols = {
        c: values[c].tolist() for c in values.columns
    }  # Python scalars: cheap to read and to serialise
    val_cols = [cols.get(f) for f in feats]
    out: list[list[Reason]] = []
    for i in range(len(order_l)):
        row_map: Mapping[str, Any] | None = None
        reasons: list[Reason] = []
        used: set[str] = set()
        s_row, c_row = s_top[i], c_top[i]
        for pos, j in enumerate(order_l[i]):
            if s_row[pos] <= min_impact or len(reasons) >= top:
                break
            topic = topic_of[j]
            if topic in used:
                continue
            if row_map is None:
                row_map = _RowView(cols, i)
            f = feats[j]
            col = val_cols[j]
            v = col[i] if col is not None else None
            impact = c_row[pos]
            text = describe(f, v, row_map, impact)
            if text is not None and all(text[0] != r.en for r in reasons):
                reasons.append(Reason(f, v, impact, text[0], text[1]))
                used.add(topic)
        if not reasons:  # nothing pushes that way: name the strongest factor the other way
            j = int(np.argmin(S[i]))
            if S[i, j] < -min_impact:
                f = feats[j]
                col = val_cols[j]
                v = col[i] if col is not None else None
                text = describe(f, v, _RowView(cols, i), float(C[i, j]))
                if text is not None:
                    reasons.append(Reason(f, v, float(C[i, j]), text[0], text[1]))
        out.append(reasons)
    return out


def join_reasons(reasons: list[list[Reason]], lang: str = "en") -> list[str]:
    """One string per customer: its reasons joined with ``"; "`` (``"；"`` in Chinese)."""
    sep = "；" if lang.startswith("zh") else "; "
    return [sep.join(r.text(lang) for r in rs) for rs in reasons]


def direction_words(impact: float) -> tuple[str, str]:
    """("raises churn risk", "推高流失风险") or the lowering pair."""
    return (
        ("raises churn risk", "推高流失风险")
        if impact > 0
        else ("lowers churn risk", "降低流失风险")
    )
