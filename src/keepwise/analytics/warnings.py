"""Early warning: the documents' volatility score and configurable rules with evidence.

Score (per customer)::

    score = std(interaction frequency per period) × m + std(satisfaction scores) × n

Rules are data, not code: a TOML (or JSON) file lists rules by ``kind`` with their
thresholds, severity and action (:func:`load_rules`; the default set ships as
``keepwise/analytics/default_rules.toml``). Each rule is a frozen dataclass whose
``evaluate(data, as_of=...)`` returns one row of evidence per customer it flags:
``customer_id, rule, observed, threshold, at, severity, action, message``, where ``message`` is
a :class:`~keepwise.errors.Message` (catalog key and the evidence as parameters; ``str()`` is
English, :mod:`keepwise.i18n` renders it in Chinese). All scanning of orders, tickets,
interactions and feedback is done in Ibis.
"""

from __future__ import annotations

import datetime as _dt
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import ibis
import pandas as pd

from keepwise.analytics.periods import require_date
from keepwise.errors import N_, ConfigError, Message, plural_message

__all__ = [
    "WARNING_COLUMNS",
    "ScoreConfig",
    "FirstResponseRule",
    "OrderDropRule",
    "SatisfactionDropRule",
    "SilenceRule",
    "NegativeTextRule",
    "ScoreRule",
    "RuleSet",
    "load_rules",
    "default_rules",
    "satisfaction_scores",
    "warning_scores",
    "evaluate_warnings",
]

WARNING_COLUMNS = [
    "customer_id",
    "rule",
    "observed",
    "threshold",
    "at",
    "severity",
    "action",
    "message",
]
_SEVERITIES = ("low", "medium", "high")
_SEVERITY_RANK = {s: i for i, s in enumerate(_SEVERITIES)}


def _end_ts(as_of: _dt.date) -> Any:
    """Exclusive timestamp bound: the start of the day after ``as_of``."""
    return ibis.literal(_dt.datetime.combine(as_of + _dt.timedelta(days=1), _dt.time()))


def _ts(column: Any) -> Any:
    return column if column.type().is_timestamp() else column.cast("timestamp")


def _amount(value: Any) -> Decimal:
    """Money with its two decimals (``12,345.50``)."""
    return Decimal(f"{float(value):.2f}")


def _days(value: Any) -> Message:
    """``1 day`` / ``23 days`` (``23 天``)."""
    n = int(round(float(value)))
    return plural_message("%(n)s day", "%(n)s days", n)


def _frame(
    rows: pd.DataFrame, rule: _Rule, observed: str, threshold: float, at: str, **fmt: Any
) -> pd.DataFrame:
    """Turn per-customer evidence into the standard warning columns with messages."""
    if rows.empty:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    out = pd.DataFrame(
        {
            "customer_id": rows["customer_id"].astype(str).to_numpy(),
            "rule": rule.name,
            "observed": rows[observed].astype(float).to_numpy(),
            "threshold": float(threshold),
            "at": pd.to_datetime(rows[at]).dt.date.to_numpy(),
            "severity": rule.severity,
            "action": rule.action,
        }
    )
    records = rows.reset_index(drop=True).to_dict("records")
    for record, obs, when in zip(records, out["observed"], out["at"], strict=True):
        record.update(fmt, observed=obs, at=when, threshold=float(threshold))
    out["message"] = [rule.describe(r) for r in records]
    return out[WARNING_COLUMNS]


@dataclass(frozen=True)
class _Rule:
    """Common fields of every rule."""

    name: str
    severity: str = "medium"
    action: str = ""
    kind: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if self.severity not in _SEVERITIES:
            raise ConfigError(
                f"rule {self.name!r}: severity must be one of {', '.join(_SEVERITIES)}"
            )

    def evaluate(self, data: Any, *, as_of: Any) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self, evidence: Mapping[str, Any]) -> Message:  # pragma: no cover - abstract
        """The warning's message for one customer's evidence (``observed``, ``threshold``,
        ``at`` and the rule's own columns)."""
        raise NotImplementedError


@dataclass(frozen=True)
class FirstResponseRule(_Rule):
    """Tickets whose first response took longer than ``threshold_hours``.

    Tickets opened in the ``lookback_days`` up to ``as_of``; a ticket still without a
    response counts with the hours elapsed until the end of ``as_of``. One warning per
    customer, with the slowest ticket as evidence (``at`` = the day it was opened).
    """

    threshold_hours: float = 24.0
    lookback_days: int = 90
    kind: ClassVar[str] = "first_response"

    def describe(self, evidence: Mapping[str, Any]) -> Message:
        return plural_message(
            "%(n)s ticket waited over %(threshold)s h for a first response; slowest "
            "%(observed).1f h",
            "%(n)s tickets waited over %(threshold)s h for a first response; slowest "
            "%(observed).1f h",
            int(evidence["n_tickets"]),
            threshold=float(evidence["threshold"]),
            observed=float(evidence["observed"]),
        )

    def evaluate(self, data: Any, *, as_of: Any) -> pd.DataFrame:
        tickets = getattr(data, "tickets", None)
        if tickets is None or "first_response_at" not in tickets.columns:
            return pd.DataFrame(columns=WARNING_COLUMNS)
        day = require_date(as_of, "as_of")
        end = _end_ts(day)
        start = ibis.literal(
            _dt.datetime.combine(day - _dt.timedelta(days=self.lookback_days - 1), _dt.time())
        )
        opened = _ts(tickets.opened_at)
        answered = _ts(tickets.first_response_at)
        t = tickets.filter((opened >= start) & (opened < end))
        opened, answered = _ts(t.opened_at), _ts(t.first_response_at)
        responded = answered.isnull().ifelse(end, answered)
        hours = (responded.epoch_seconds() - opened.epoch_seconds()) / 3600.0
        t = t.mutate(hours=hours, opened_day=opened.date())
        slow = t.filter(t.hours > self.threshold_hours)
        slow = slow.mutate(max_hours=slow.hours.max().over(group_by=slow.customer_id))
        # the slowest ticket's day (the earliest, on ties, so every engine agrees)
        agg = slow.group_by(slow.customer_id).aggregate(
            observed=slow.hours.max(),
            at=(slow.hours == slow.max_hours).ifelse(slow.opened_day, None).min(),
            n_tickets=slow.count(),
        )
        rows = agg.order_by("customer_id").to_pandas()
        return _frame(rows, self, "observed", self.threshold_hours, "at")


def _quarter_start(day: _dt.date) -> _dt.date:
    return _dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: _dt.date, months: int) -> _dt.date:
    index = day.year * 12 + day.month - 1 + months
    return _dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class OrderDropRule(_Rule):
    """Order amount of the last complete calendar quarter vs the quarter before.

    Warns when the change ``(last − previous) / previous`` is ``<= threshold``
    (−0.30 = down 30% or more) and the previous quarter had more than
    ``min_previous_amount``. ``at`` is the last day of the last complete quarter.
    """

    threshold: float = -0.30
    min_previous_amount: float = 0.0
    kind: ClassVar[str] = "order_drop"

    def describe(self, evidence: Mapping[str, Any]) -> Message:
        return Message(
            N_(
                "order amount %(last_amount)s in %(quarter)s vs %(previous_amount)s the quarter "
                "before (%(change)+.0f%%); start a health diagnosis"
            ),
            {
                "last_amount": _amount(evidence["last_amount"]),
                "previous_amount": _amount(evidence["previous_amount"]),
                "quarter": str(evidence["quarter"]),
                "change": float(evidence["observed"]) * 100,
            },
        )

    def evaluate(self, data: Any, *, as_of: Any) -> pd.DataFrame:
        orders = getattr(data, "orders", None)
        if orders is None:
            return pd.DataFrame(columns=WARNING_COLUMNS)
        day = require_date(as_of, "as_of")
        current = _quarter_start(day + _dt.timedelta(days=1))
        last_start, prev_start = _add_months(current, -3), _add_months(current, -6)
        o = orders.mutate(day=_ts(orders.ordered_at).date(), amount=orders.amount.cast("float64"))
        o = o.filter((o.day >= ibis.literal(prev_start)) & (o.day < ibis.literal(current)))
        is_last = o.day >= ibis.literal(last_start)
        agg = o.group_by(o.customer_id).aggregate(
            last_amount=is_last.ifelse(o.amount, 0.0).sum(),
            previous_amount=is_last.ifelse(0.0, o.amount).sum(),
        )
        agg = agg.filter(
            (agg.previous_amount > self.min_previous_amount) & (agg.previous_amount > 0)
        )
        agg = agg.mutate(observed=(agg.last_amount - agg.previous_amount) / agg.previous_amount)
        agg = agg.filter(agg.observed <= self.threshold)
        rows = agg.order_by("customer_id").to_pandas()
        rows["at"] = current - _dt.timedelta(days=1)
        quarter = f"{last_start.year}Q{(last_start.month - 1) // 3 + 1}"
        return _frame(rows, self, "observed", self.threshold, "at", quarter=quarter)


def satisfaction_scores(
    data: Any, *, feedback_kinds: Sequence[str] = ("csat",)
) -> ibis.Table | None:
    """All satisfaction scores as one table: ``customer_id``, ``occurred_at``, ``score``.

    From ``tickets.satisfaction`` (dated at ``resolved_at``, else ``opened_at``) and from
    ``feedback.score`` rows whose ``kind`` is in ``feedback_kinds`` (CSAT, 1-5 like tickets;
    NPS uses another scale and is left out by default).
    """
    parts = []
    tickets = getattr(data, "tickets", None)
    if tickets is not None and "satisfaction" in tickets.columns:
        when = _ts(tickets.opened_at)
        if "resolved_at" in tickets.columns:
            when = _ts(tickets.resolved_at).isnull().ifelse(when, _ts(tickets.resolved_at))
        t = tickets.select(
            customer_id=tickets.customer_id.cast("string"),
            occurred_at=when,
            score=tickets.satisfaction.cast("float64"),
        )
        parts.append(t.filter(t.score.notnull()))
    feedback = getattr(data, "feedback", None)
    if feedback is not None and "score" in feedback.columns and feedback_kinds:
        f = feedback
        if "kind" in f.columns:
            f = f.filter(f.kind.isin(list(feedback_kinds)))
        f = f.select(
            customer_id=f.customer_id.cast("string"),
            occurred_at=_ts(f.occurred_at),
            score=f.score.cast("float64"),
        )
        parts.append(f.filter(f.score.notnull()))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])


@dataclass(frozen=True)
class SatisfactionDropRule(_Rule):
    """Satisfaction falling, from ticket and CSAT scores in the last ``lookback_days``.

    ``method="drop"``: the last score is below the previous one by ``min_drop`` or more
    (observed = last − previous, threshold = −min_drop). ``method="slope"``: the
    least-squares slope of the last ``last_k`` scores (per score) is negative
    (observed = slope, threshold = 0). ``at`` is the date of the last score.
    """

    method: str = "drop"
    min_drop: float = 1.0
    last_k: int = 3
    lookback_days: int = 180
    kind: ClassVar[str] = "satisfaction_drop"

    def describe(self, evidence: Mapping[str, Any]) -> Message:
        return Message(
            N_("satisfaction falling: last score %(last_score)s, change %(observed)+.2f"),
            {
                "last_score": float(evidence["last_score"]),
                "observed": float(evidence["observed"]),
            },
        )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.method not in ("drop", "slope"):
            raise ConfigError(f"rule {self.name!r}: method must be 'drop' or 'slope'")
        if self.last_k < 2:
            raise ConfigError(f"rule {self.name!r}: last_k must be >= 2")

    def evaluate(self, data: Any, *, as_of: Any) -> pd.DataFrame:
        scores = satisfaction_scores(data)
        if scores is None:
            return pd.DataFrame(columns=WARNING_COLUMNS)
        day = require_date(as_of, "as_of")
        start = ibis.literal(
            _dt.datetime.combine(day - _dt.timedelta(days=self.lookback_days - 1), _dt.time())
        )
        s = scores.filter((scores.occurred_at >= start) & (scores.occurred_at < _end_ts(day)))
        w = ibis.window(
            group_by=s.customer_id, order_by=[ibis.desc(s.occurred_at), ibis.desc(s.score)]
        )
        s = s.mutate(rn=ibis.row_number().over(w))
        k = 2 if self.method == "drop" else self.last_k
        s = s.filter(s.rn < k)
        # x runs 0..n-1 from the oldest of the kept scores to the newest.
        x = (-s.rn).cast("float64")
        s = s.mutate(x=x, xy=x * s.score, xx=x * x)
        agg = s.group_by(s.customer_id).aggregate(
            n=s.count(),
            last_score=(s.rn == 0).ifelse(s.score, None).max(),
            previous_score=(s.rn == 1).ifelse(s.score, None).max(),
            at=s.occurred_at.max(),
            sx=s.x.sum(),
            sy=s.score.sum(),
            sxy=s.xy.sum(),
            sxx=s.xx.sum(),
        )
        agg = agg.filter(agg.n >= 2)
        if self.method == "drop":
            agg = agg.mutate(observed=agg.last_score - agg.previous_score)
            threshold = -self.min_drop
            agg = agg.filter(agg.observed <= threshold)
        else:
            n = agg.n.cast("float64")
            agg = agg.mutate(
                observed=(n * agg.sxy - agg.sx * agg.sy) / (n * agg.sxx - agg.sx * agg.sx)
            )
            threshold = 0.0
            agg = agg.filter(agg.observed < threshold)
        rows = agg.order_by("customer_id").to_pandas()
        return _frame(rows, self, "observed", threshold, "at")


@dataclass(frozen=True)
class SilenceRule(_Rule):
    """No interaction for longer than usual.

    Warns when the days since the customer's last interaction (up to ``as_of``) exceed
    ``factor`` × the median gap in days between their interaction days, for customers
    with at least ``min_interactions`` interaction days, and the silence is at least
    ``min_days``. ``at`` is the day of the last interaction.
    """

    factor: float = 2.0
    min_interactions: int = 3
    min_days: int = 30
    kind: ClassVar[str] = "silence"

    def describe(self, evidence: Mapping[str, Any]) -> Message:
        return Message(
            N_("no interaction for %(days)s (usual gap %(gap)s; last on %(at)s)"),
            {
                "days": _days(evidence["observed"]),
                "gap": _days(evidence["median_gap"]),
                "at": str(evidence["at"]),
            },
        )

    def evaluate(self, data: Any, *, as_of: Any) -> pd.DataFrame:
        interactions = getattr(data, "interactions", None)
        if interactions is None:
            return pd.DataFrame(columns=WARNING_COLUMNS)
        day = require_date(as_of, "as_of")
        i = interactions.filter(_ts(interactions.occurred_at) < _end_ts(day))
        days = i.select(customer_id=i.customer_id, day=_ts(i.occurred_at).date()).distinct()
        w = ibis.window(group_by=days.customer_id, order_by=days.day)
        days = days.mutate(gap=days.day.delta(days.day.lag().over(w), unit="day"))
        agg = days.group_by(days.customer_id).aggregate(
            n=days.count(), median_gap=days.gap.cast("float64").median(), at=days.day.max()
        )
        agg = agg.mutate(observed=ibis.literal(day).delta(agg.at, unit="day").cast("float64"))
        agg = agg.mutate(gap_limit=agg.median_gap * self.factor)
        agg = agg.filter(
            (agg.n >= self.min_interactions)
            & (agg.observed > agg.gap_limit)
            & (agg.observed >= self.min_days)
        )
        rows = agg.order_by("customer_id").to_pandas()
        if rows.empty:
            return pd.DataFrame(columns=WARNING_COLUMNS)
        out = _frame(rows, self, "observed", 0.0, "at")
        out["threshold"] = rows["gap_limit"].astype(float).to_numpy()
        return out


@dataclass(frozen=True)
class NegativeTextRule(_Rule):
    """Negative words from the customer: notes and comments with negative sentiment.

    Interaction notes and feedback comments of the ``lookback_days`` up to ``as_of`` are
    scored by :func:`keepwise.analytics.sentiment.sentiment_scores` (Chinese and English,
    offline; each distinct text once). Warns when at least ``min_count`` of them score
    below ``threshold``; the most negative is quoted as evidence and ``at`` is the day of
    the latest negative text.
    """

    threshold: float = -0.2
    min_count: int = 2
    lookback_days: int = 90
    kind: ClassVar[str] = "negative_text"

    def describe(self, evidence: Mapping[str, Any]) -> Message:
        return plural_message(
            "%(n)s negative note or comment in %(days)s days, e.g. “%(example)s”",
            "%(n)s negative notes or comments in %(days)s days, e.g. “%(example)s”",
            int(round(float(evidence["observed"]))),
            days=int(evidence["lookback_days"]),
            example=str(evidence["example"]),
        )

    def evaluate(self, data: Any, *, as_of: Any) -> pd.DataFrame:
        from types import SimpleNamespace

        from keepwise.analytics.churn.features import text_events
        from keepwise.analytics.sentiment import sentiment_scores

        tables = SimpleNamespace(
            interactions=getattr(data, "interactions", None),
            feedback=getattr(data, "feedback", None),
        )
        events = text_events(tables, require_date(as_of, "as_of"), days=self.lookback_days)  # type: ignore[arg-type]
        if events is None:
            return pd.DataFrame(columns=WARNING_COLUMNS)
        # Only the texts of the window leave the engine; each distinct text is scored once.
        rows = events.to_pandas()
        if rows.empty:
            return pd.DataFrame(columns=WARNING_COLUMNS)
        rows["sentiment"] = sentiment_scores(rows["text"])
        negative = rows[rows["sentiment"] < self.threshold].sort_values(
            ["customer_id", "sentiment", "at"], ascending=[True, True, False], kind="stable"
        )
        agg = negative.groupby("customer_id", sort=True).agg(
            observed=("text", "size"), at=("at", "max"), example=("text", "first")
        )
        agg = agg[agg["observed"] >= self.min_count].reset_index()
        agg["example"] = agg["example"].str.slice(0, 60)
        return _frame(
            agg,
            self,
            "observed",
            float(self.min_count),
            "at",
            lookback_days=self.lookback_days,
        )


@dataclass(frozen=True)
class ScoreConfig:
    """Weights and windows of the early-warning score.

    ``score = std(interactions per period) × frequency_weight + std(satisfaction) × satisfaction_weight``;
    interactions are counted in ``lookback_periods`` blocks of ``period_days`` ending on
    ``as_of`` (blocks without interactions count as 0); satisfaction scores are those of
    the last ``satisfaction_lookback_days``. Both are sample standard deviations (0 when
    there are fewer than two values).
    """

    frequency_weight: float = 0.5
    satisfaction_weight: float = 0.5
    period_days: int = 30
    lookback_periods: int = 6
    satisfaction_lookback_days: int = 180

    def __post_init__(self) -> None:
        if self.period_days < 1 or self.lookback_periods < 2:
            raise ConfigError("score: period_days must be >= 1 and lookback_periods >= 2")


def warning_scores(data: Any, *, as_of: Any, config: ScoreConfig | None = None) -> pd.DataFrame:
    """The early-warning score per customer.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``interaction_std``, ``satisfaction_std``, ``score``, sorted by
        score (highest first). Customers come from the customers table when there is one,
        else from every customer with an interaction or a satisfaction score.
    """
    from keepwise.analytics._inputs import as_tables

    data = as_tables(data)  # a DataFrame of orders, a dict of frames ... become a Dataset
    cfg = config or ScoreConfig()
    day = require_date(as_of, "as_of")
    end = _end_ts(day)
    parts: list[pd.DataFrame] = []
    interactions = getattr(data, "interactions", None)
    if interactions is not None:
        n_periods = cfg.lookback_periods
        span = ibis.literal(
            _dt.datetime.combine(
                day - _dt.timedelta(days=cfg.period_days * n_periods - 1), _dt.time()
            )
        )
        ts = _ts(interactions.occurred_at)
        i = interactions.filter((ts >= span) & (ts < end))
        block = (
            (end.epoch_seconds() - _ts(i.occurred_at).epoch_seconds()) / (86400 * cfg.period_days)
        ).floor()
        counts = i.group_by([i.customer_id, block.name("block")]).aggregate(
            c=i.count().cast("float64")
        )
        agg = counts.group_by(counts.customer_id).aggregate(
            s=counts.c.sum(), s2=(counts.c * counts.c).sum()
        )
        n = float(n_periods)
        agg = agg.mutate(var=((agg.s2 - agg.s * agg.s / n) / (n - 1)))
        agg = agg.select("customer_id", interaction_std=(agg.var > 0).ifelse(agg.var, 0.0).sqrt())
        parts.append(agg.to_pandas())
    scores = satisfaction_scores(data)
    if scores is not None:
        start = ibis.literal(
            _dt.datetime.combine(
                day - _dt.timedelta(days=cfg.satisfaction_lookback_days - 1), _dt.time()
            )
        )
        s = scores.filter((scores.occurred_at >= start) & (scores.occurred_at < end))
        agg = s.group_by(s.customer_id).aggregate(n=s.count(), sd=s.score.std())
        agg = agg.select("customer_id", satisfaction_std=(agg.n >= 2).ifelse(agg.sd, 0.0))
        parts.append(agg.to_pandas())
    customers = getattr(data, "customers", None)
    if customers is not None:
        ids = customers.select(customer_id=customers.customer_id.cast("string")).to_pandas()
    else:
        ids = pd.DataFrame({"customer_id": pd.Series(dtype=str)})
        for part in parts:
            ids = pd.concat([ids, part[["customer_id"]]])
    ids["customer_id"] = ids["customer_id"].astype(str)
    out = ids.drop_duplicates().set_index("customer_id")
    for part in parts:
        part = part.assign(customer_id=part["customer_id"].astype(str)).set_index("customer_id")
        out = out.join(part, how="left")
    for column in ("interaction_std", "satisfaction_std"):
        out[column] = out[column].astype(float).fillna(0.0) if column in out else 0.0
    out["score"] = (
        out["interaction_std"] * cfg.frequency_weight
        + out["satisfaction_std"] * cfg.satisfaction_weight
    )
    out = out.reset_index().sort_values(
        ["score", "customer_id"], ascending=[False, True], kind="stable"
    )
    return out.reset_index(drop=True)[
        ["customer_id", "interaction_std", "satisfaction_std", "score"]
    ]


@dataclass(frozen=True)
class ScoreRule(_Rule):
    """Early-warning score (see :class:`ScoreConfig`) at or above ``threshold``; ``at`` = as_of."""

    threshold: float = 2.0
    kind: ClassVar[str] = "score"

    def describe(self, evidence: Mapping[str, Any]) -> Message:
        return Message(
            N_(
                "early-warning score %(observed).2f (interaction std %(interaction_std).2f, "
                "satisfaction std %(satisfaction_std).2f)"
            ),
            {
                key: float(evidence[key])
                for key in ("observed", "interaction_std", "satisfaction_std")
            },
        )

    def evaluate(self, data: Any, *, as_of: Any, config: ScoreConfig | None = None) -> pd.DataFrame:
        scores = warning_scores(data, as_of=as_of, config=config)
        rows = scores[scores["score"] >= self.threshold].copy()
        rows["at"] = require_date(as_of, "as_of")
        return _frame(rows.sort_values("customer_id"), self, "score", self.threshold, "at")


_KINDS: dict[str, type[_Rule]] = {
    cls.kind: cls
    for cls in (
        FirstResponseRule,
        OrderDropRule,
        SatisfactionDropRule,
        SilenceRule,
        NegativeTextRule,
        ScoreRule,
    )
}


@dataclass(frozen=True)
class RuleSet:
    """A score configuration and the rules to evaluate."""

    score: ScoreConfig = field(default_factory=ScoreConfig)
    rules: tuple[_Rule, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "rules") -> RuleSet:
        """Build from the parsed rules file (``{"score": {...}, "rules": [{...}, ...]}``)."""
        unknown = set(data) - {"score", "rules"}
        if unknown:
            raise ConfigError(
                f"{source}: unknown section(s) {', '.join(sorted(unknown))}; use [score] and [[rules]]"
            )
        score = ScoreConfig(**_checked(ScoreConfig, data.get("score", {}), f"{source} [score]"))
        rules: list[_Rule] = []
        for i, raw in enumerate(data.get("rules", [])):
            where = f"{source} rule #{i + 1}"
            if not isinstance(raw, Mapping) or "kind" not in raw or "name" not in raw:
                raise ConfigError(f"{where}: every rule needs a 'name' and a 'kind'")
            kind = raw["kind"]
            if kind not in _KINDS:
                raise ConfigError(f"{where}: unknown kind {kind!r}; known: {', '.join(_KINDS)}")
            args = {k: v for k, v in raw.items() if k != "kind"}
            rules.append(_KINDS[kind](**_checked(_KINDS[kind], args, f"{where} ({raw['name']})")))
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ConfigError(f"{source}: rule names must be unique (got {', '.join(names)})")
        return cls(score=score, rules=tuple(rules))

    def evaluate(self, data: Any, *, as_of: Any) -> pd.DataFrame:
        """Run every rule; warnings sorted by severity (high first), customer and rule."""
        frames = []
        for rule in self.rules:
            if isinstance(rule, ScoreRule):
                frames.append(rule.evaluate(data, as_of=as_of, config=self.score))
            else:
                frames.append(rule.evaluate(data, as_of=as_of))
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame(columns=WARNING_COLUMNS)
        out = pd.concat(frames, ignore_index=True)
        rank = out["severity"].map(_SEVERITY_RANK)
        out = out.assign(_rank=-rank).sort_values(["_rank", "customer_id", "rule"], kind="stable")
        return out.drop(columns="_rank").reset_index(drop=True)


def _checked(cls: type, values: Mapping[str, Any], where: str) -> dict[str, Any]:
    allowed = {f.name for f in fields(cls)}
    unknown = set(values) - allowed
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}"
        )
    out = dict(values)
    for f in fields(cls):
        if (
            f.name in out
            and f.type in ("float", "int")
            and not isinstance(out[f.name], int | float)
        ):
            raise ConfigError(f"{where}: {f.name} must be a number, got {out[f.name]!r}")
        if f.name in out and f.type == "str" and not isinstance(out[f.name], str):
            raise ConfigError(f"{where}: {f.name} must be text, got {out[f.name]!r}")
    return out


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load a rules file (``.toml`` or ``.json``); ``None`` loads the packaged default set.

    Raises
    ------
    ConfigError
        The file cannot be parsed or names an unknown section, kind or key.
    """
    if path is None:
        text = (
            resources.files("keepwise.analytics").joinpath("default_rules.toml").read_text("utf-8")
        )
        return RuleSet.from_dict(tomllib.loads(text), source="default_rules.toml")
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: cannot parse the rules file: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{p}: the rules file must hold an object with 'score' and 'rules'")
    return RuleSet.from_dict(data, source=str(p))


def default_rules() -> RuleSet:
    """The rule set shipped with keepwise (``default_rules.toml``)."""
    return load_rules(None)


def evaluate_warnings(
    data: Any, *, as_of: Any = None, rules: RuleSet | None = None
) -> pd.DataFrame:
    """Evaluate a rule set (default: the packaged one) on a dataset.

    ``data`` is a :class:`~keepwise.analytics.dataset.Dataset`, any object with
    ``orders``, ``tickets``, ``interactions``, ``feedback`` (and optional ``customers``)
    Ibis tables, or what :func:`~keepwise.analytics.as_dataset` takes (a dict of
    DataFrames ...). ``as_of`` defaults to today.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WARNING_COLUMNS`.
    """
    from keepwise.analytics._inputs import as_tables

    day = require_date(as_of, "as_of") if as_of is not None else _dt.date.today()
    return (rules or default_rules()).evaluate(as_tables(data), as_of=day)
