"""The at-risk list: each scored customer's newest churn score times its value.

* :func:`at_risk_customers` - newest churn score of each customer times its value
  (completed-order revenue of the trailing 12 months), with the score's reasons.
* :func:`risk_summary` - customers per risk tier and the value at risk.

The scan over all scores and orders is cached per process (:mod:`keepwise.store.cache`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import (
    Text,
    and_,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from keepwise.models import ChurnScore, Customer, Order, User
from keepwise.store import cache
from keepwise.store.paging import (
    DEFAULT_PER_PAGE,
    Page,
    check_paging,
    query_problem,
    sees_all_customers,
)
from keepwise.store.queries import data_as_of, session_engine, url_key

VALUE_WINDOW_DAYS = 365
RISK_COLUMNS = [
    "customer_id",
    "name",
    "owner",
    "region",
    "industry",
    "group_name",
    "kind",
    "status",
    "tags",
    "probability",
    "risk_tier",
    "reasons",
    "scored_at",
    "model_version",
    "value_12m",
    "expected_loss",
]


def risk_frame(session: Session) -> pd.DataFrame:
    """Every scored customer: newest score, 12-month value and expected loss (cached)."""

    engine = session_engine(session)

    def compute() -> pd.DataFrame:
        # Its own session: the cache may run this in a background thread.
        with Session(engine) as session:
            ranked = select(
                ChurnScore.customer_id,
                ChurnScore.probability,
                ChurnScore.risk_tier,
                ChurnScore.reasons,
                ChurnScore.scored_at,
                ChurnScore.model_version,
                func.row_number()
                .over(
                    partition_by=ChurnScore.customer_id,
                    order_by=(ChurnScore.scored_at.desc(), ChurnScore.id.desc()),
                )
                .label("rank"),
            ).subquery()
            latest = select(
                Customer.id.label("pk"),
                Customer.external_id.label("customer_id"),
                Customer.name,
                Customer.owner,
                Customer.region,
                Customer.industry,
                Customer.group_name,
                Customer.kind,
                Customer.status,
                # JSON kept as text: decoded only for the rows a page shows (decoding 100,000
                # reasons on every refresh took a second of the server's time).
                cast(Customer.tags, Text).label("tags"),
                ranked.c.probability,
                ranked.c.risk_tier,
                cast(ranked.c.reasons, Text).label("reasons"),
                ranked.c.scored_at,
                ranked.c.model_version,
            ).join(ranked, and_(ranked.c.customer_id == Customer.id, ranked.c.rank == 1))
            rows = session.execute(latest).all()
            frame = pd.DataFrame(rows, columns=["pk", *RISK_COLUMNS[:14]])
            if frame.empty:
                return pd.DataFrame(columns=RISK_COLUMNS)
            start = datetime.combine(
                data_as_of(session) - timedelta(days=VALUE_WINDOW_DAYS), datetime.min.time()
            )
            # One pass over the orders table: the expressions keep SQLite from walking the
            # customer_id or ordered_at index, whose random row lookups take 3-8x longer
            # (4 s instead of 0.5 s for 2,000,000 orders); other databases plan it alike.
            pk = (Order.customer_id + literal_column("0")).label("customer_pk")
            value_rows = session.execute(
                select(pk, func.sum(Order.amount))
                .where(Order.status == "completed", func.coalesce(Order.ordered_at, start) > start)
                .group_by(pk)
            ).all()
            values = pd.Series({pk: float(v or 0) for pk, v in value_rows}, dtype="float64")
            frame["value_12m"] = frame["pk"].map(values).fillna(0.0)
            frame["probability"] = frame["probability"].astype("float64")
            frame["expected_loss"] = frame["probability"] * frame["value_12m"]
            frame = frame.sort_values(
                ["expected_loss", "probability"], ascending=False, kind="stable"
            )
            return frame.drop(columns=["pk"]).reset_index(drop=True)

    return cache.cached(("risk", url_key(session)), compute)


def scoped_to(frame: pd.DataFrame, user: User) -> pd.DataFrame:
    if sees_all_customers(user) or frame.empty:
        return frame
    return frame[frame["owner"] == user.username]


def _risk_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        if isinstance(row["scored_at"], pd.Timestamp):
            row["scored_at"] = row["scored_at"].to_pydatetime()
        row.pop("tags", None)
        row["reasons"] = _json(row["reasons"])
        out.append({k: (None if _is_missing(v) else v) for k, v in row.items()})
    return out


def _json(value: Any) -> Any:
    """A JSON column read as text, decoded (values already decoded pass through)."""
    if isinstance(value, str):
        return json.loads(value)
    return None if _is_missing(value) else value


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


RISK_FILTERS = ("region", "industry", "owner", "group_name", "kind", "status", "tag", "q")
RISK_SORTS = ("expected_loss", "probability", "value_12m", "name", "customer_id", "scored_at")


def filter_risk(frame: pd.DataFrame, filters: Mapping[str, Any] | None) -> pd.DataFrame:
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if key not in RISK_FILTERS:
            raise query_problem(key, value, f"unknown filter; use one of {', '.join(RISK_FILTERS)}")
        if frame.empty:
            continue
        if key == "q":
            text = str(value).lower()
            frame = frame[
                frame["name"].fillna("").str.lower().str.contains(text, regex=False)
                | frame["customer_id"].str.lower().str.contains(text, regex=False)
            ]
        elif key == "tag":
            frame = frame[
                frame["tags"].map(
                    lambda tags, v=str(value): isinstance(t := _json(tags), list) and v in t
                )
            ]
        else:
            frame = frame[frame[key] == value]
    return frame


def at_risk_customers(
    session: Session,
    user: User,
    *,
    tiers: Sequence[str] | None = ("high", "medium"),
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    customer_ids: frozenset[str] | None = None,
) -> Page[dict[str, Any]]:
    """Customers ``user`` may see, by newest churn score × 12-month value (biggest loss first).

    Each item: ``customer_id`` (external id), ``name``, ``owner``, ``region``, ``industry``,
    ``group_name``, ``kind``, ``status``, ``probability``, ``risk_tier``, ``reasons`` (the
    score's list), ``scored_at``, ``model_version``, ``value_12m`` (completed revenue in the
    365 days before :func:`data_as_of`) and ``expected_loss`` (``probability * value_12m``).
    ``tiers=None`` lists every scored customer. ``customer_ids`` keeps only those customers
    (external ids, e.g. an RFM segment's members). ``page.extra["as_of"]`` is the value date.
    """
    check_paging(page, per_page)
    base = risk_frame(session)
    scope = "all" if sees_all_customers(user) else f"owner:{user.username}"
    tier_key = tuple(sorted(tiers)) if tiers else ()

    def scoped_tiers() -> pd.DataFrame:
        frame = scoped_to(base, user)
        if tier_key and not frame.empty:
            frame = frame[frame["risk_tier"].isin(list(tier_key))]
        return frame

    # The scoped, tier-filtered frame is reused by every page of the list (cheap paging).
    frame = cache.cached(("risk_view", url_key(session), id(base), scope, tier_key), scoped_tiers)
    if customer_ids is not None:
        view = frame
        frame = cache.cached(
            ("risk_view_ids", url_key(session), id(view), customer_ids),
            lambda: _only(view, customer_ids),
        )
    frame = filter_risk(frame, filters)
    if sort:
        name = sort.lstrip("-+")
        if name not in RISK_SORTS:
            raise query_problem(
                "sort", sort, f"cannot sort by {name!r}; use one of {', '.join(RISK_SORTS)}"
            )
        if not frame.empty:
            frame = frame.sort_values(name, ascending=not sort.startswith("-"), kind="stable")
    total = len(frame)
    chunk = frame.iloc[(page - 1) * per_page : page * per_page]
    return Page(_risk_records(chunk), total, page, per_page, extra={"as_of": data_as_of(session)})


def _only(frame: pd.DataFrame, customer_ids: Collection[str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[frame["customer_id"].isin(customer_ids)]


def risk_summary(
    session: Session,
    user: User,
    *,
    filters: Mapping[str, Any] | None = None,
    customer_ids: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Current risk of the scored customers ``user`` may see (cached per scope and filters):
    ``by_tier`` (counts of high, medium, low), ``at_risk`` (high and medium), ``scored`` and
    ``value_at_risk`` (expected loss of the high and medium tiers). ``filters`` as :func:`at_risk_customers`'; ``customer_ids``
    keeps only those customers.

    The dashboard's risk figures, without the rest of :func:`dashboard_summary`.
    """
    base = risk_frame(session)
    scope = "all" if sees_all_customers(user) else f"owner:{user.username}"
    key = (
        "risk_summary",
        url_key(session),
        id(base),
        scope,
        tuple(sorted((filters or {}).items())),
        customer_ids,
    )

    def compute() -> dict[str, Any]:
        frame = filter_risk(scoped_to(base, user), filters)
        if customer_ids is not None:
            frame = _only(frame, customer_ids)
        tiers = frame["risk_tier"].value_counts() if len(frame) else pd.Series(dtype="int64")
        at_risk = frame[frame["risk_tier"].isin(["high", "medium"])] if len(frame) else frame
        return {
            "by_tier": {t: int(tiers.get(t, 0)) for t in ("high", "medium", "low")},
            "at_risk": int(len(at_risk)),
            "scored": int(len(frame)),
            "value_at_risk": float(at_risk["expected_loss"].sum()) if len(at_risk) else 0.0,
        }

    return cache.cached(key, compute)
