"""B2B potential: the documents' potential index and breakthrough point.

::

    potential index   = budget match × decision-chain penetration × strategic synergy
    breakthrough point = decision-chain penetration × technical match

* budget match = ``min(budget / budget_required, 1)``;
* decision-chain penetration = the decision weights of the customer's contacts that have
  been contacted, divided by the weight of the whole decision chain (1 by default), capped
  at 1;
* strategic synergy = the weighted mean of configurable sub-scores (0-1), e.g.
  ``synergy_strategy`` 0.5, ``synergy_product`` 0.3, ``synergy_channel`` 0.2.

An index at or above ``director_threshold`` (85%) flags a director-led account.
The documents' worked example: budget 105 of 120 → 87.5%; contacts covering weights
0.5 + 0.3 of 1 → 80%; synergy 0.9×0.5 + 0.85×0.3 + 0.6×0.2 = 82.5%; index 57.75%.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd

from keepwise.errors import ConfigError, SchemaError

__all__ = [
    "DEFAULT_SYNERGY",
    "FALLBACK_SYNERGY",
    "POTENTIAL_COLUMNS",
    "PotentialConfig",
    "budget_match",
    "decision_chain_penetration",
    "parse_synergy",
    "strategic_synergy",
    "potential_index",
]

#: Default synergy sub-scores and weights (looked up as customer columns or ``attributes`` keys).
DEFAULT_SYNERGY: tuple[tuple[str, float], ...] = (
    ("synergy_strategy", 0.5),
    ("synergy_product", 0.3),
    ("synergy_channel", 0.2),
)
#: Used when the data holds none of the default sub-scores: store fields every B2B customer has.
FALLBACK_SYNERGY: tuple[tuple[str, float], ...] = (
    ("industry_fit", 0.6),
    ("1-supply_chain_risk", 0.4),
)

POTENTIAL_COLUMNS = [
    "customer_id",
    "name",
    "budget",
    "budget_required",
    "budget_match",
    "covered_weight",
    "n_contacts",
    "n_contacted",
    "penetration",
    "synergy",
    "synergy_coverage",
    "potential_index",
    "is_director_led",
    "technical_match",
    "breakthrough",
]


@dataclass(frozen=True)
class PotentialConfig:
    """Settings of the potential index.

    Parameters
    ----------
    synergy
        ``(name, weight)`` pairs; a name ``1-x`` uses ``1 − x`` (e.g. ``1-supply_chain_risk``).
        ``None``: :data:`DEFAULT_SYNERGY`, or :data:`FALLBACK_SYNERGY` when the data has none
        of those sub-scores.
    director_threshold
        Index at or above which the account is director-led (0.85).
    contact_window_days
        ``None``: a contact counts as reached when it has any ``last_contacted_at`` on or
        before ``as_of``; ``N``: only when that date is within the ``N`` days up to ``as_of``.
    chain_weight
        Total decision weight of the whole chain (the denominator of penetration, 1).
    b2b_only
        Keep only customers with ``kind == "B2B"`` (when the column exists).
    """

    synergy: tuple[tuple[str, float], ...] | None = None
    director_threshold: float = 0.85
    contact_window_days: int | None = None
    chain_weight: float = 1.0
    b2b_only: bool = True

    def __post_init__(self) -> None:
        if self.chain_weight <= 0:
            raise ConfigError("chain_weight must be > 0")
        if not 0 <= self.director_threshold <= 1:
            raise ConfigError("director_threshold must be between 0 and 1")
        if self.contact_window_days is not None and self.contact_window_days < 0:
            raise ConfigError("contact_window_days must be >= 0")
        if self.synergy is not None:
            _check_synergy(self.synergy)


def _check_synergy(weights: Sequence[tuple[str, float]]) -> None:
    if not weights:
        raise ConfigError("at least one synergy sub-score is needed")
    for name, weight in weights:
        if not name or weight < 0:
            raise ConfigError(f"synergy sub-score {name!r}: weight must be >= 0")
    if sum(w for _, w in weights) <= 0:
        raise ConfigError("synergy weights must not all be 0")


def parse_synergy(text: str) -> tuple[tuple[str, float], ...]:
    """Parse ``"synergy_strategy=0.5,synergy_product=0.3,synergy_channel=0.2"``."""
    pairs = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, weight = part.partition("=")
        try:
            pairs.append((name.strip(), float(weight)))
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError(
                f"synergy sub-score {part!r} must look like name=weight (e.g. synergy_product=0.3)"
            )
    _check_synergy(pairs)
    return tuple(pairs)


def budget_match(budget: Any, budget_required: Any) -> Any:
    """``min(budget / budget_required, 1)``; NaN when either is missing or the requirement is not > 0."""
    b = np.asarray(budget, dtype=float)
    r = np.asarray(budget_required, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((r > 0) & np.isfinite(b) & (b >= 0), np.minimum(b / r, 1.0), np.nan)
    return out if out.ndim else float(out)


def strategic_synergy(
    scores: pd.DataFrame, weights: Sequence[tuple[str, float]] = DEFAULT_SYNERGY
) -> pd.DataFrame:
    """Weighted mean of the synergy sub-scores in ``scores`` (one column per name).

    Missing sub-scores are left out and the remaining weights re-normalised;
    ``synergy_coverage`` is the share of the weight that was present (1 = all).

    Returns
    -------
    pandas.DataFrame
        Same index: ``synergy``, ``synergy_coverage``.
    """
    _check_synergy(weights)
    total = sum(w for _, w in weights)
    num = pd.Series(0.0, index=scores.index)
    present = pd.Series(0.0, index=scores.index)
    for name, weight in weights:
        invert = name.startswith("1-")
        column = name[2:] if invert else name
        if column not in scores.columns:
            continue
        values = pd.to_numeric(scores[column], errors="coerce").astype(float)
        bad = np.flatnonzero(((values < 0) | (values > 1)).to_numpy())
        if bad.size:
            raise SchemaError(column, bad.tolist(), "synergy sub-scores must be between 0 and 1")
        if invert:
            values = 1.0 - values
        has = values.notna()
        num = num + values.fillna(0.0) * weight
        present = present + has.astype(float) * weight
    with np.errstate(divide="ignore", invalid="ignore"):
        synergy = (num / present).where(present > 0)
    return pd.DataFrame(
        {"synergy": synergy, "synergy_coverage": present / total}, index=scores.index
    )


def decision_chain_penetration(
    contacts: ibis.Table,
    *,
    as_of: Any = None,
    window_days: int | None = None,
    chain_weight: float = 1.0,
) -> ibis.Table:
    """Per customer: the decision weight of the contacts reached, over the chain's weight.

    Returns
    -------
    ibis.Table
        ``customer_id``, ``n_contacts``, ``n_contacted``, ``covered_weight``,
        ``penetration`` (``min(covered_weight / chain_weight, 1)``).
    """
    for column in ("customer_id", "decision_weight"):
        if column not in contacts.columns:
            raise SchemaError(
                column,
                None,
                f"contacts: required column is missing (have {', '.join(contacts.columns)})",
            )
    weight = contacts.decision_weight.cast("float64").fill_null(0.0)
    if "last_contacted_at" in contacts.columns:
        last = contacts.last_contacted_at
        last = last if last.type().is_timestamp() else last.cast("timestamp")
        reached = last.notnull()
        if as_of is not None:
            day = as_of if isinstance(as_of, _dt.date) else _dt.date.fromisoformat(str(as_of)[:10])
            if isinstance(day, _dt.datetime):
                day = day.date()
            end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time())
            reached = reached & (last < ibis.literal(end))
            if window_days is not None:
                reached = reached & (last >= ibis.literal(end - _dt.timedelta(days=window_days)))
    else:
        reached = ibis.literal(True)
    c = contacts.mutate(w=weight, reached=reached)
    agg = c.group_by(c.customer_id.cast("string").name("customer_id")).aggregate(
        n_contacts=c.count(),
        n_contacted=c.reached.cast("int64").sum(),
        covered_weight=c.reached.ifelse(c.w, 0.0).sum(),
    )
    return agg.mutate(penetration=(agg.covered_weight / chain_weight).clip(upper=1.0))


def _attribute_columns(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Add sub-score columns found as keys of a JSON ``attributes`` column."""
    if "attributes" not in frame.columns:
        return frame
    wanted = [n for n in names if n not in frame.columns]
    if not wanted:
        return frame

    def parse(value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        if isinstance(value, str) and value.strip():
            try:
                loaded = json.loads(value)
            except ValueError:
                return {}
            return loaded if isinstance(loaded, dict) else {}
        return {}

    parsed = frame["attributes"].map(parse)
    out = frame.copy()
    for name in wanted:
        if parsed.map(lambda d, n=name: n in d).any():
            out[name] = pd.to_numeric(parsed.map(lambda d, n=name: d.get(n)), errors="coerce")
    return out


def potential_index(
    customers: ibis.Table | pd.DataFrame,
    contacts: ibis.Table | None = None,
    *,
    as_of: Any = None,
    config: PotentialConfig | None = None,
) -> pd.DataFrame:
    """Potential index, director-led flag and breakthrough point per (B2B) customer.

    Parameters
    ----------
    customers
        Customers with ``customer_id`` and ``budget``, ``budget_required``,
        ``technical_match`` and the synergy sub-scores (columns, or keys of a JSON
        ``attributes`` column).
    contacts
        Contacts with ``customer_id``, ``decision_weight`` and ``last_contacted_at``.
        Without contacts penetration is NaN.
    as_of
        Contacts reached after this date do not count (default: no limit).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POTENTIAL_COLUMNS`, sorted by ``potential_index`` (highest first).
    """
    cfg = config or PotentialConfig()
    frame = customers.to_pandas() if isinstance(customers, ibis.Table) else customers.copy()
    if "customer_id" not in frame.columns:
        raise SchemaError("customer_id", None, "customers: required column is missing")
    frame["customer_id"] = frame["customer_id"].astype(str)
    if cfg.b2b_only and "kind" in frame.columns:
        frame = frame[frame["kind"].astype(str).str.upper() == "B2B"]
    frame = frame.drop_duplicates("customer_id").set_index("customer_id")
    weights = cfg.synergy
    if weights is None:
        frame = _attribute_columns(frame, [n for n, _ in DEFAULT_SYNERGY])
        weights = (
            DEFAULT_SYNERGY
            if any(n in frame.columns for n, _ in DEFAULT_SYNERGY)
            else FALLBACK_SYNERGY
        )
    names = [n[2:] if n.startswith("1-") else n for n, _ in weights]
    frame = _attribute_columns(frame, names)
    out = pd.DataFrame(index=frame.index)
    out["name"] = frame["name"].astype("string") if "name" in frame.columns else pd.NA
    for column in ("budget", "budget_required", "technical_match"):
        out[column] = (
            pd.to_numeric(frame[column], errors="coerce") if column in frame.columns else np.nan
        )
    out["budget_match"] = budget_match(out["budget"], out["budget_required"])
    if contacts is not None:
        pen = decision_chain_penetration(
            contacts,
            as_of=as_of,
            window_days=cfg.contact_window_days,
            chain_weight=cfg.chain_weight,
        ).to_pandas()
        pen["customer_id"] = pen["customer_id"].astype(str)
        pen = pen.set_index("customer_id").reindex(out.index)
        out["covered_weight"] = pen["covered_weight"].fillna(0.0)
        out["n_contacts"] = pen["n_contacts"].fillna(0).astype(int)
        out["n_contacted"] = pen["n_contacted"].fillna(0).astype(int)
        out["penetration"] = pen["penetration"].fillna(0.0)
    else:
        out["covered_weight"] = np.nan
        out["n_contacts"] = 0
        out["n_contacted"] = 0
        out["penetration"] = np.nan
    out = out.join(strategic_synergy(frame, weights))
    out["potential_index"] = out["budget_match"] * out["penetration"] * out["synergy"]
    out["is_director_led"] = (out["potential_index"] >= cfg.director_threshold - 1e-12).fillna(
        False
    )
    out["breakthrough"] = out["penetration"] * out["technical_match"]
    out = out.reset_index()
    out = out.sort_values(
        ["potential_index", "customer_id"],
        ascending=[False, True],
        na_position="last",
        kind="stable",
    )
    return out.reset_index(drop=True)[POTENTIAL_COLUMNS]
