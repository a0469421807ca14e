"""Turn per-customer SHAP contributions into reasons a salesperson can act on.

:func:`top_reasons` takes the contribution frame of :meth:`ChurnClassifier.contributions`
(log-odds, one column per feature), the customer's own feature values, and a *describer*
that writes the reason for one feature and value as a :class:`~keepwise.errors.Message` (a
catalog key with the customer's values as parameters, rendered later in the reader's language
by :mod:`keepwise.i18n`). It picks the ``top`` features pushing each customer's risk up; a
customer with nothing pushing up gets the strongest factor holding it down ("... lowers churn
risk").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from keepwise.errors import Message
from keepwise.i18n import join, to_message

#: (feature, value, the customer's whole row, impact) -> the reason, or None to skip.
Describer = Callable[[str, Any, Mapping[str, Any], float], "Message | None"]


@dataclass(frozen=True)
class Reason:
    """One driver of one customer's risk: the feature, its value, its impact and the sentence
    (a :class:`~keepwise.errors.Message`; :meth:`text` renders it)."""

    feature: str
    value: Any
    impact: float  # contribution to the log-odds of churn (positive = raises risk)
    message: Message

    def text(self, locale: str | None = None) -> str:
        """The sentence in ``locale`` (``"en"``, ``"zh"``/``"zh_CN"``; ``None``: English)."""
        return self.message.render(locale)

    def __str__(self) -> str:
        return self.text()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the store keeps: ``feature``, ``value``, ``impact`` and ``message``
        (:meth:`keepwise.errors.Message.to_dict`)."""
        v = self.value
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and v != v:  # NaN
            v = None
        return {
            "feature": self.feature,
            "value": v,
            "impact": round(float(self.impact), 4),
            "message": self.message.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        """A reason of :meth:`to_dict` (or of an old store, whose reasons carry ``en``/``zh``)."""
        message = to_message(data.get("message") or data) or Message("")
        return cls(
            str(data.get("feature", "")),
            data.get("value"),
            float(data.get("impact") or 0.0),
            message,
        )


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


def readable(v: Any) -> Any:
    """A number rounded to how it should be read: whole numbers as ``int``, 100 and more to the
    unit, smaller ones to 3 significant digits (``12.345`` -> ``12.3``, ``0.001234`` -> ``0.00123``).
    Anything else comes back as it is. The reader's locale writes it (:func:`keepwise.i18n.format_number`)."""
    if isinstance(v, bool) or not isinstance(v, int | float | np.number):
        return v
    f = float(v)
    if not math.isfinite(f):
        return f
    if f.is_integer() and abs(f) < 1e15:
        return int(f)
    if abs(f) >= 100:
        return int(round(f))
    return round(f, 2 - math.floor(math.log10(abs(f))))


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
        Writes the reason (a :class:`~keepwise.errors.Message`) for a feature, its value, the
        row and the impact.
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
            if text is not None and all(text != r.message for r in reasons):
                reasons.append(Reason(f, v, impact, text))
                used.add(topic)
        if not reasons:  # nothing pushes that way: name the strongest factor the other way
            j = int(np.argmin(S[i]))
            if S[i, j] < -min_impact:
                f = feats[j]
                col = val_cols[j]
                v = col[i] if col is not None else None
                text = describe(f, v, _RowView(cols, i), float(C[i, j]))
                if text is not None:
                    reasons.append(Reason(f, v, float(C[i, j]), text))
        out.append(reasons)
    return out


def join_reasons(reasons: list[list[Reason]], locale: str | None = "en") -> list[str]:
    """One string per customer: its reasons in ``locale``, joined with ``"; "`` (``"；"`` in
    Chinese)."""
    return [join((r.message for r in rs), locale) for rs in reasons]
