"""Churn features as of a cutoff date, written as Ibis expressions over a :class:`Dataset`.

Every input table is first filtered to what was known *at the cutoff* (timestamps before the
end of the cutoff day); only then is anything aggregated, so nothing dated after the cutoff can
reach a feature (``tests/unit/analytics/churn/test_features.py`` proves it by rewriting all
later data). Two further rules keep the features honest:

* a ticket opened before the cutoff but first answered after it counts as *waiting until the
  cutoff* (censored), and its satisfaction is used only if it was resolved before the cutoff;
* contract dates and ``status`` are current values, rewritten at renewal or churn, so they are
  never features. Customer attributes (industry, region, channel, kind, budget ...) are taken
  as slow-changing. Contacts count as contacted only when ``last_contacted_at`` is before the
  cutoff.

Feature columns (one row per customer in the population; see :func:`population`):

orders        ``recency_days``, ``frequency`` (orders), ``monetary`` (total), ``avg_order_value``,
              ``orders_30d``, ``orders_90d``, ``orders_180d``, ``orders_prev_90d`` (91-180 days
              back), ``amount_90d``, ``amount_prev_90d``, ``orders_qoq_change`` and
              ``amount_qoq_change`` (relative change on the previous 90 days),
              ``mean_interval_days``, ``overdue_ratio`` (recency / own mean interval),
              ``tenure_days``, ``repeat_rate_30d`` (repeat orders per 30 days of tenure),
              ``recency_share`` (recency / tenure), ``order_silence`` (orders expected in the
              silence at the customer's own rate), ``days_to_anniversary`` (of the first order)
activity      ``days_since_activity`` (latest order, interaction, ticket or feedback),
              ``activity_overdue`` and ``activity_silence`` (that silence against the
              customer's own rhythm of activities), ``days_since_ticket``,
              ``days_since_feedback``, ``events_total`` (contacts of any kind),
              ``interactions_180d``
tickets       ``tickets_90d``, ``open_tickets``, ``mean_response_hours_90d``,
              ``max_response_hours_90d``, ``slow_tickets_90d`` (waited over 24 h)
satisfaction  ``satisfaction_mean``, ``satisfaction_last``, ``satisfaction_std``,
              ``satisfaction_change`` (last 180 days minus before), scores on 0-100
              (NPS x10, CSAT and ticket ratings (x-1)x25, surveys as given)
texts         ``sentiment_mean_90d``, ``sentiment_min_90d``, ``negative_texts_90d`` (notes and
              comments; see :mod:`keepwise.analytics.sentiment`), ``interactions_90d``,
              ``days_since_interaction``, ``inbound_share_90d``
contacts      ``contacts``, ``contact_coverage_90d`` (share of decision weight contacted)
customer      ``kind``, ``industry``, ``region``, ``group_name``, ``acquisition_channel``
              (categorical), ``budget_gap``, ``technical_match``, ``industry_fit``,
              ``supply_chain_risk``
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis
import pandas as pd

from keepwise.analytics.dataset import Dataset
from keepwise.analytics.periods import require_date

_DAY = 86400.0
CATEGORICAL = ("kind", "industry", "region", "group_name", "acquisition_channel")
#: Feature columns that are not model inputs but help write reasons.
CONTEXT_COLUMNS = ("worst_text_90d",)


def cutoff_bounds(cutoff: date | datetime | str) -> tuple[date, Any, float]:
    """(cutoff date, end-of-cutoff-day timestamp literal, its epoch seconds)."""
    d = require_date(cutoff, "cutoff")
    end = datetime(d.year, d.month, d.day) + timedelta(days=1)
    return d, ibis.timestamp(end), (end - datetime(1970, 1, 1)).total_seconds()


def _age_days(col: Any, end_epoch: float) -> Any:
    return (ibis.literal(end_epoch) - col.epoch_seconds().cast("float64")) / _DAY


def population(ds: Dataset, cutoff: date | datetime | str, *, active_days: int = 365) -> ibis.Table:
    """Customers active at the cutoff: ordered in the ``active_days`` before it (``customer_id``).

    Contractual customers under contract still show orders in the demo and real data; a
    customer who has not ordered for a year is already lost and not worth predicting.
    """
    _, end, end_epoch = cutoff_bounds(cutoff)
    o = ds.orders.filter(ds.orders.ordered_at < end)
    recent = o.filter(_age_days(o.ordered_at, end_epoch) <= active_days)
    return recent.select("customer_id").distinct()


def order_features(ds: Dataset, cutoff: date | datetime | str) -> ibis.Table:
    """Order-based features per customer as of the cutoff."""
    _, end, end_epoch = cutoff_bounds(cutoff)
    o = ds.orders.filter(ds.orders.ordered_at < end)
    o = o.mutate(
        _age=_age_days(o.ordered_at, end_epoch), _amt=o.amount.cast("float64").fill_null(0.0)
    )

    def within(lo: float, hi: float) -> Any:
        return (o._age > lo) & (o._age <= hi) if lo > 0 else o._age <= hi

    agg = o.group_by("customer_id").aggregate(
        first_age=o._age.max(),
        recency_days=o._age.min(),
        frequency=o.count(),
        monetary=o._amt.sum(),
        orders_30d=within(0, 30).cast("int64").sum(),
        orders_90d=within(0, 90).cast("int64").sum(),
        orders_180d=within(0, 180).cast("int64").sum(),
        orders_prev_90d=within(90, 180).cast("int64").sum(),
        amount_90d=ibis.ifelse(within(0, 90), o._amt, 0.0).sum(),
        amount_prev_90d=ibis.ifelse(within(90, 180), o._amt, 0.0).sum(),
    )
    span = agg.first_age - agg.recency_days
    mean_interval = ibis.ifelse(
        agg.frequency > 1, span / (agg.frequency - 1).cast("float64"), ibis.null("float64")
    )
    agg = agg.mutate(
        avg_order_value=agg.monetary / agg.frequency.cast("float64"),
        orders_qoq_change=ibis.ifelse(
            agg.orders_prev_90d > 0,
            (agg.orders_90d - agg.orders_prev_90d).cast("float64")
            / agg.orders_prev_90d.cast("float64"),
            ibis.null("float64"),
        ),
        amount_qoq_change=ibis.ifelse(
            agg.amount_prev_90d > 0,
            (agg.amount_90d - agg.amount_prev_90d) / agg.amount_prev_90d,
            ibis.null("float64"),
        ),
        mean_interval_days=mean_interval,
        overdue_ratio=agg.recency_days / ibis.greatest(mean_interval, 1.0),
        tenure_days=agg.first_age,
        # repeat orders per 30 days of tenure (BG/NBD's purchase rate, without the model)
        repeat_rate_30d=(agg.frequency - 1).cast("float64")
        / ibis.greatest(agg.first_age, 30.0)
        * 30.0,
        # how far the customer is into the window in which a repeat buyer would have bought again
        recency_share=agg.recency_days / ibis.greatest(agg.first_age, 1.0),
        # orders the customer would have placed in the silence at its own long-run rate
        # (-log of the chance of such a silence for a Poisson buyer who is still active)
        order_silence=agg.frequency.cast("float64")
        / ibis.greatest(agg.first_age, 30.0)
        * agg.recency_days,
        # yearly contracts and memberships renew on the anniversary of the first order
        days_to_anniversary=365.0 - agg.first_age % 365.0,
    )
    return agg


def activity_features(ds: Dataset, cutoff: date | datetime | str) -> ibis.Table | None:
    """Contacts of any kind (interactions, tickets opened, feedback given) before the cutoff.

    ``days_since_ticket``, ``days_since_feedback``, ``events_total`` (all contacts),
    ``interactions_180d`` and the helper columns ``_last_event_age`` / ``_first_event_age``
    (days since the latest and the first contact of any kind), from which
    :func:`churn_features` derives the activity recency: a customer who has left stops
    writing, calling and rating as well as ordering.
    """
    _, end, end_epoch = cutoff_bounds(cutoff)
    parts = []
    for table, ts, kind in (
        (ds.interactions, "occurred_at", "interaction"),
        (ds.tickets, "opened_at", "ticket"),
        (ds.feedback, "occurred_at", "feedback"),
    ):
        if table is None or ts not in table.columns:
            continue
        t = table.filter(table[ts] < end)
        parts.append(
            t.select(
                customer_id=t.customer_id,
                _age=_age_days(t[ts], end_epoch),
                _kind=ibis.literal(kind),
            )
        )
    if not parts:
        return None
    ev = parts[0]
    for p in parts[1:]:
        ev = ev.union(p)

    def age_of(kind: str) -> Any:
        return ibis.ifelse(ev._kind == kind, ev._age, ibis.null("float64"))

    return ev.group_by("customer_id").aggregate(
        days_since_ticket=age_of("ticket").min(),
        days_since_feedback=age_of("feedback").min(),
        events_total=ev.count(),
        interactions_180d=((ev._kind == "interaction") & (ev._age <= 180)).cast("int64").sum(),
        _last_event_age=ev._age.min(),
        _first_event_age=ev._age.max(),
    )


def _with_activity(out: ibis.Table) -> ibis.Table:
    """Activity recency over orders and contacts of any kind (see :func:`activity_features`).

    ``days_since_activity`` (days since the latest order or contact), ``activity_overdue``
    (that silence over the customer's own mean gap between activities) and ``activity_silence``
    (activities the customer would have had in the silence at its long-run rate).
    """
    if "_last_event_age" not in out.columns:
        out = out.mutate(
            events_total=ibis.literal(0, "int64"),
            _last_event_age=ibis.null("float64"),
            _first_event_age=ibis.null("float64"),
        )
    last = ibis.coalesce(ibis.least(out.recency_days, out._last_event_age), out.recency_days)
    first = ibis.coalesce(ibis.greatest(out.first_age, out._first_event_age), out.first_age)
    n = out.frequency + out.events_total.fill_null(0)
    out = out.mutate(
        days_since_activity=last,
        activity_overdue=ibis.ifelse(
            n > 1,
            last / ibis.greatest((first - last) / (n - 1).cast("float64"), 1.0),
            ibis.null("float64"),
        ),
        activity_silence=n.cast("float64") / ibis.greatest(first, 30.0) * last,
    )
    return out.drop("_last_event_age", "_first_event_age", "first_age")


def ticket_features(ds: Dataset, cutoff: date | datetime | str) -> ibis.Table | None:
    """Ticket counts and first-response times (censored at the cutoff) per customer."""
    if ds.tickets is None:
        return None
    _, end, end_epoch = cutoff_bounds(cutoff)
    t = ds.tickets.filter(ds.tickets.opened_at < end)
    cols = t.columns
    answered = (t.first_response_at < end) if "first_response_at" in cols else ibis.literal(False)
    resolved = (t.resolved_at < end) if "resolved_at" in cols else ibis.literal(False)
    opened_epoch = t.opened_at.epoch_seconds().cast("float64")
    if "first_response_at" in cols:
        responded = ibis.ifelse(
            answered, t.first_response_at.epoch_seconds().cast("float64"), ibis.literal(end_epoch)
        )
    else:
        responded = ibis.literal(end_epoch)
    t = t.mutate(
        _age=_age_days(t.opened_at, end_epoch),
        _wait_h=(responded - opened_epoch) / 3600.0,
        _open=(~resolved.fill_null(False)).cast("int64"),
    )
    recent = t._age <= 90
    return t.group_by("customer_id").aggregate(
        tickets_90d=recent.cast("int64").sum(),
        open_tickets=t._open.sum(),
        mean_response_hours_90d=ibis.ifelse(recent, t._wait_h, ibis.null("float64")).mean(),
        max_response_hours_90d=ibis.ifelse(recent, t._wait_h, ibis.null("float64")).max(),
        slow_tickets_90d=(recent & (t._wait_h > 24)).cast("int64").sum(),
    )


def satisfaction_events(ds: Dataset, cutoff: date | datetime | str) -> ibis.Table | None:
    """Satisfaction scores known at the cutoff on a 0-100 scale: ``customer_id``, ``at``, ``score``."""
    _, end, _ = cutoff_bounds(cutoff)
    parts = []
    if ds.feedback is not None and "score" in ds.feedback.columns:
        f = ds.feedback.filter((ds.feedback.occurred_at < end) & ds.feedback.score.notnull())
        kind = f.kind.lower() if "kind" in f.columns else ibis.literal("survey")
        s = f.score.cast("float64")
        norm = kind.cases(("nps", s * 10.0), ("csat", (s - 1.0) * 25.0), else_=s)
        parts.append(f.select(customer_id=f.customer_id, at=f.occurred_at, score=norm))
    if (
        ds.tickets is not None
        and "satisfaction" in ds.tickets.columns
        and "resolved_at" in ds.tickets.columns
    ):
        t = ds.tickets.filter((ds.tickets.resolved_at < end) & ds.tickets.satisfaction.notnull())
        parts.append(
            t.select(
                customer_id=t.customer_id,
                at=t.resolved_at,
                score=(t.satisfaction.cast("float64") - 1.0) * 25.0,
            )
        )
    if not parts:
        return None
    ev = parts[0]
    for p in parts[1:]:
        ev = ev.union(p)
    return ev.mutate(score=ev.score.clip(0.0, 100.0))


def satisfaction_features(ds: Dataset, cutoff: date | datetime | str) -> ibis.Table | None:
    """Satisfaction level, last value, volatility and change per customer."""
    ev = satisfaction_events(ds, cutoff)
    if ev is None:
        return None
    _, _, end_epoch = cutoff_bounds(cutoff)
    ev = ev.mutate(_age=_age_days(ev.at, end_epoch))
    w = ibis.window(group_by=ev.customer_id, order_by=[ibis.desc(ev.at), ibis.desc(ev.score)])
    ev = ev.mutate(_rank=ibis.row_number().over(w))
    recent = ev._age <= 180
    agg = ev.group_by("customer_id").aggregate(
        satisfaction_mean=ev.score.mean(),
        satisfaction_last=ibis.ifelse(ev._rank == 0, ev.score, ibis.null("float64")).max(),
        satisfaction_std=ev.score.std(),
        _recent=ibis.ifelse(recent, ev.score, ibis.null("float64")).mean(),
        _before=ibis.ifelse(~recent, ev.score, ibis.null("float64")).mean(),
    )
    return agg.mutate(satisfaction_change=agg._recent - agg._before).drop("_recent", "_before")


def text_events(ds: Dataset, cutoff: date | datetime | str, *, days: int = 90) -> ibis.Table | None:
    """Notes and comments of the ``days`` before the cutoff: ``customer_id``, ``at``, ``text``."""
    _, end, end_epoch = cutoff_bounds(cutoff)
    parts = []
    for table, ts, col in (
        (ds.interactions, "occurred_at", "note"),
        (ds.feedback, "occurred_at", "comment"),
    ):
        if table is None or col not in table.columns:
            continue
        t = table.filter((table[ts] < end) & table[col].notnull())
        t = t.filter(_age_days(t[ts], end_epoch) <= days)
        parts.append(t.select(customer_id=t.customer_id, at=t[ts], text=t[col].cast("string")))
    if not parts:
        return None
    ev = parts[0]
    for p in parts[1:]:
        ev = ev.union(p)
    return ev


def text_features(
    ds: Dataset, cutoff: date | datetime | str, *, scorer: Any = None
) -> ibis.Table | None:
    """Sentiment of recent notes and comments; interaction counts, recency and inbound share.

    Sentiment is computed once per distinct text in Python (:func:`sentiment_scores`), put in a
    small table on the same backend and joined back; aggregation stays in the engine.
    """
    from keepwise.analytics.sentiment import sentiment_scores

    scorer = scorer or sentiment_scores
    _, end, end_epoch = cutoff_bounds(cutoff)
    out = None
    ev = text_events(ds, cutoff)
    if ev is not None:
        distinct = ev.select("text").distinct().to_pandas()["text"]
        scores = pd.DataFrame({"text": distinct.astype(str), "sentiment": scorer(distinct)})
        scores = scores.dropna()
        lookup = (
            ibis.memtable(scores)
            if ds.backend != "pyspark"
            else ds.con.create_table("_kw_sentiment", scores, overwrite=True)
        )
        j = ev.inner_join(lookup, "text")
        w = ibis.window(group_by=j.customer_id, order_by=[j.sentiment, ibis.desc(j.at), j.text])
        j = j.mutate(_rank=ibis.row_number().over(w))
        out = j.group_by("customer_id").aggregate(
            sentiment_mean_90d=j.sentiment.mean(),
            sentiment_min_90d=j.sentiment.min(),
            negative_texts_90d=(j.sentiment < -0.2).cast("int64").sum(),
            worst_text_90d=ibis.ifelse(
                (j._rank == 0) & (j.sentiment < -0.2), j.text, ibis.null("string")
            ).max(),
        )
    if ds.interactions is not None:
        i = ds.interactions.filter(ds.interactions.occurred_at < end)
        i = i.mutate(_age=_age_days(i.occurred_at, end_epoch))
        recent = i._age <= 90
        inbound = (i.direction == "inbound") if "direction" in i.columns else ibis.literal(False)
        ia = i.group_by("customer_id").aggregate(
            interactions_90d=recent.cast("int64").sum(),
            days_since_interaction=i._age.min(),
            _inb=(recent & inbound.fill_null(False)).cast("int64").sum(),
        )
        ia = ia.mutate(
            inbound_share_90d=ibis.ifelse(
                ia.interactions_90d > 0,
                ia._inb.cast("float64") / ia.interactions_90d.cast("float64"),
                ibis.null("float64"),
            )
        ).drop("_inb")
        out = (
            ia
            if out is None
            else ia.outer_join(out, "customer_id")
            .mutate(customer_id=ibis.coalesce(ia.customer_id, out.customer_id))
            .drop("customer_id_right")
        )
    return out


def contact_features(ds: Dataset, cutoff: date | datetime | str) -> ibis.Table | None:
    """B2B decision-chain coverage: share of decision weight contacted in the 90 days before the cutoff."""
    if ds.contacts is None:
        return None
    _, end, end_epoch = cutoff_bounds(cutoff)
    c = ds.contacts
    weight = (
        c.decision_weight.cast("float64").fill_null(0.0)
        if "decision_weight" in c.columns
        else ibis.literal(1.0)
    )
    if "last_contacted_at" in c.columns:
        age = _age_days(c.last_contacted_at, end_epoch)
        hit = (c.last_contacted_at < end) & (age <= 90)
    else:
        hit = ibis.literal(False)
    c = c.mutate(_w=weight, _hit=ibis.ifelse(hit.fill_null(False), weight, 0.0))
    agg = c.group_by("customer_id").aggregate(contacts=c.count(), _tw=c._w.sum(), _hw=c._hit.sum())
    return agg.mutate(
        contact_coverage_90d=ibis.ifelse(agg._tw > 0, agg._hw / agg._tw, ibis.null("float64"))
    ).drop("_tw", "_hw")


def customer_features(ds: Dataset) -> ibis.Table | None:
    """Slow-changing customer attributes (never status or contract dates)."""
    if ds.customers is None:
        return None
    c = ds.customers
    cols: dict[str, Any] = {"customer_id": c.customer_id}
    for name in CATEGORICAL:
        if name in c.columns:
            cols[name] = c[name].cast("string")
    for name in ("technical_match", "industry_fit", "supply_chain_risk"):
        if name in c.columns:
            cols[name] = c[name].cast("float64")
    if "budget" in c.columns and "budget_required" in c.columns:
        req = c.budget_required.cast("float64")
        cols["budget_gap"] = ibis.ifelse(
            req > 0, (c.budget.cast("float64") - req) / req, ibis.null("float64")
        )
    return c.select(**cols)


def churn_features(
    ds: Dataset,
    cutoff: date | datetime | str,
    *,
    active_days: int = 365,
    sentiment: bool = True,
    scorer: Any = None,
) -> ibis.Table:
    """All churn features as of ``cutoff`` for the customers active then (one row per customer).

    Parameters
    ----------
    ds
        The dataset (orders are completed orders).
    cutoff
        The as-of date: everything up to the end of that day is known.
    active_days
        Population: customers with an order in the ``active_days`` before the cutoff.
    sentiment
        Compute the text sentiment features (needs notes or comments).
    scorer
        Replace the sentiment scorer (a function of a Series of texts returning scores).
    """
    pop = population(ds, cutoff, active_days=active_days)
    parts = [
        order_features(ds, cutoff),
        activity_features(ds, cutoff),
        ticket_features(ds, cutoff),
        satisfaction_features(ds, cutoff),
    ]
    if sentiment:
        parts.append(text_features(ds, cutoff, scorer=scorer))
    parts += [contact_features(ds, cutoff), customer_features(ds)]
    out = pop
    for part in parts:
        if part is None:
            continue
        out = out.left_join(part, "customer_id")
        if "customer_id_right" in out.columns:
            out = out.drop("customer_id_right")
    fills = {
        c: 0
        for c in (
            "tickets_90d",
            "open_tickets",
            "slow_tickets_90d",
            "interactions_90d",
            "negative_texts_90d",
            "contacts",
            "events_total",
            "interactions_180d",
        )
        if c in out.columns
    }
    out = out.fill_null(fills) if fills else out
    return _with_activity(out)


def features_frame(ds: Dataset, cutoff: date | datetime | str, **kwargs: Any) -> pd.DataFrame:
    """:func:`churn_features` materialised as pandas, sorted by ``customer_id``."""
    df = churn_features(ds, cutoff, **kwargs).to_pandas()
    df = df.sort_values("customer_id", ignore_index=True)
    for c in df.columns:
        if c != "customer_id" and c not in CATEGORICAL and c not in CONTEXT_COLUMNS:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df
