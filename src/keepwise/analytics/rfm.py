"""RFM: recency, frequency and monetary value, quantile scores, rule flags and named segments."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pandas as pd

from keepwise.analytics._inputs import DataLike, as_dataset
from keepwise.analytics.activity import day_number
from keepwise.analytics.config import RFMConfig
from keepwise.analytics.periods import to_date
from keepwise.errors import N_

# Named segments: (key, English name), in the order the rules are tried. The names are catalog
# keys: ``keepwise.i18n.gettext(name, "zh_CN")`` is the Chinese name (冠军客户, 风险客户, ...).
SEGMENTS: tuple[tuple[str, str], ...] = (
    ("champions", N_("Champions")),
    ("cant_lose", N_("Can't Lose")),
    ("at_risk", N_("At Risk")),
    ("loyal", N_("Loyal")),
    ("new", N_("New Customers")),
    ("potential_loyalist", N_("Potential Loyalists")),
    ("promising", N_("Promising")),
    ("need_attention", N_("Need Attention")),
    ("hibernating", N_("Hibernating")),
    ("lost", N_("Lost")),
)
SEGMENT_NAMES = dict(SEGMENTS)

RFM_COLUMNS = [
    "customer_id",
    "first_order_date",
    "last_order_date",
    "recency_days",
    "tenure_days",
    "frequency",
    "monetary",
    "orders_total",
    "monetary_total",
    "r_score",
    "f_score",
    "m_score",
    "rfm_code",
    "rfm_score",
    "industry_fit",
    "weighted_score",
    "is_recent",
    "is_frequent",
    "is_high_value",
    "rule_code",
    "segment",
]


def _score(value: Any, n: Any, bins: int, *, descending: bool = False) -> Any:
    """Quantile score 1..bins: ``bins * rank / n + 1`` with the minimum rank of ties (integer maths)."""
    order = ibis.desc(value) if descending else value
    rank0 = ibis.rank().over(ibis.window(order_by=order))
    return ((rank0 * bins) // n + 1).cast("int64")


def rfm_scores(
    orders: ibis.Table,
    customers: ibis.Table | None = None,
    *,
    as_of: date,
    config: RFMConfig = RFMConfig(),
) -> ibis.Table:
    """Per-customer RFM values, scores, rule flags and segment.

    Parameters
    ----------
    orders
        Completed orders; those after ``as_of`` are ignored.
    customers
        Optional, for ``industry_fit`` (the weighting of ``weighted_score``).
    as_of
        The reference date of recency.
    config
        Window, number of bins, rule thresholds and weights.

    Returns
    -------
    ibis.Table
        :data:`RFM_COLUMNS`, one row per customer with an order on or before ``as_of``.
        ``recency_days`` = as_of - last order date; ``frequency`` / ``monetary`` = number
        and sum of orders in the window; scores are quantile scores (ties share the lower
        score; recent, frequent, high spenders score high); ``rule_code`` is three letters,
        upper case when the rule is met (e.g. ``"RfM"``: recent, not frequent, high value).
    """
    as_of_day = day_number(as_of)
    o = orders.mutate(day=orders.ordered_at.date().epoch_days().cast("int64"))
    o = o.filter(o.day <= as_of_day)
    if config.window_days is None:  # the whole history: no per-row condition
        per = o.group_by("customer_id").agg(
            first_day=o.day.min(),
            last_day=o.day.max(),
            orders_total=o.count().cast("int64"),
            monetary_total=o.amount.sum(),
        )
        per = per.mutate(frequency=per.orders_total, monetary=per.monetary_total)
    else:
        in_window = o.day > as_of_day - config.window_days
        o = o.mutate(
            w_amount=ibis.ifelse(in_window, o.amount, 0.0), w_order=ibis.ifelse(in_window, 1, 0)
        )
        per = o.group_by("customer_id").agg(
            first_day=o.day.min(),
            last_day=o.day.max(),
            frequency=o.w_order.sum().cast("int64"),
            monetary=o.w_amount.sum(),
            orders_total=o.count().cast("int64"),
            monetary_total=o.amount.sum(),
        )
    per = per.mutate(
        recency_days=(as_of_day - per.last_day).cast("int64"),
        tenure_days=(as_of_day - per.first_day),
    )
    n = per.count().over(ibis.window())
    bins = config.bins
    per = per.mutate(
        r_score=_score(per.recency_days, n, bins, descending=True),
        f_score=_score(per.frequency, n, bins),
        m_score=_score(per.monetary, n, bins),
    )
    wr, wf, wm = config.weights
    per = per.mutate(
        rfm_code=per.r_score.cast("string").concat(
            per.f_score.cast("string"), per.m_score.cast("string")
        ),
        rfm_score=(
            per.r_score.cast("float64") * ibis.literal(wr / (wr + wf + wm), "float64")
            + per.f_score.cast("float64") * ibis.literal(wf / (wr + wf + wm), "float64")
            + per.m_score.cast("float64") * ibis.literal(wm / (wr + wf + wm), "float64")
        ),
        is_recent=per.recency_days <= config.recent_days,
        is_frequent=per.frequency >= config.frequent_orders,
        is_high_value=per.monetary >= config.high_value_amount,
    )
    per = per.mutate(
        rule_code=ibis.ifelse(per.is_recent, "R", "r").concat(
            ibis.ifelse(per.is_frequent, "F", "f"), ibis.ifelse(per.is_high_value, "M", "m")
        ),
        segment=_segment(per.r_score, per.f_score, per.m_score, bins),
    )
    if customers is not None and "industry_fit" in customers.columns:
        fit = customers.select("customer_id", "industry_fit")
        per = per.left_join(fit, "customer_id").select(per, fit.industry_fit)
    else:
        per = per.mutate(industry_fit=ibis.null("float64"))
    weight = per.industry_fit.fill_null(1.0) if config.use_industry_fit else ibis.literal(1.0)
    per = per.mutate(weighted_score=per.rfm_score * weight)
    per = per.mutate(first_order_date=per.first_day, last_order_date=per.last_day)
    return per.select(*RFM_COLUMNS)


def _segment(r: Any, f: Any, m: Any, bins: int) -> Any:
    """Named segment from the scores, rescaled to 1-5 (first matching rule wins)."""
    if bins != 5:
        r, f, m = ((x - 1) * 5 // bins + 1 for x in (r, f, m))
    fm2 = f + m  # twice the mean of F and M: integer comparisons only
    return ibis.cases(
        ((r >= 4) & (fm2 >= 8), "champions"),
        ((r <= 1) & (fm2 >= 8), "cant_lose"),
        ((r <= 2) & (fm2 >= 6), "at_risk"),
        ((r >= 3) & (fm2 >= 6), "loyal"),
        ((r >= 4) & (f <= 1), "new"),
        ((r >= 3) & (fm2 >= 4), "potential_loyalist"),
        (r >= 4, "promising"),
        (r == 3, "need_attention"),
        (r == 2, "hibernating"),
        else_="lost",
    )


def rfm_report(ds: DataLike, *, as_of: Any = None, config: RFMConfig = RFMConfig()) -> pd.DataFrame:
    """:func:`rfm_scores` on a dataset, with dates and the segments' names.

    ``ds`` is a :class:`~keepwise.analytics.dataset.Dataset`, a DataFrame of orders
    (``customer_id``, ``ordered_at``, ``amount``) or anything else
    :func:`~keepwise.analytics.as_dataset` takes. Columns: :data:`RFM_COLUMNS` plus
    ``segment_name`` (English; a catalog key that :func:`keepwise.i18n.gettext` translates);
    sorted by ``weighted_score`` (descending), then
    ``customer_id``.
    """
    from keepwise.analytics.metrics import data_dates

    ds = as_dataset(ds)

    as_of_d = to_date(as_of) or data_dates(ds)[1]
    df = rfm_scores(ds.orders, ds.customers, as_of=as_of_d, config=config).to_pandas()
    return finish_rfm_frame(df)


def finish_rfm_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Turn day numbers into dates, add the segment names and sort (shared with tests)."""
    for c in ("first_order_date", "last_order_date"):
        df[c] = pd.to_datetime(df[c], unit="D").dt.date
    df["segment_name"] = df["segment"].map(SEGMENT_NAMES)
    df = df.sort_values(["weighted_score", "customer_id"], ascending=[False, True], kind="stable")
    return df.reset_index(drop=True)


def segment_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers, share and mean R/F/M per named segment of an :func:`rfm_report` frame."""
    g = rfm.groupby("segment", sort=False).agg(
        customers=("customer_id", "size"),
        recency_days_mean=("recency_days", "mean"),
        frequency_mean=("frequency", "mean"),
        monetary_mean=("monetary", "mean"),
        monetary_sum=("monetary", "sum"),
    )
    g["share"] = g["customers"] / g["customers"].sum()
    order = [key for key, _ in SEGMENTS if key in g.index]
    g = g.loc[order].reset_index()
    g.insert(1, "segment_name", g["segment"].map(SEGMENT_NAMES))
    return g
