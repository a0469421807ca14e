"""Customer lifetime value: RFM summaries, BG/NBD + Gamma-Gamma, the documents' formula, tiers.

Two ways to value a customer:

* :func:`formula_clv` -- the formula of the keepwise documents:
  ``annual purchase amount × expected relationship years − (acquisition cost + maintenance cost)``.
* :class:`BetaGeoModel` + :class:`GammaGammaModel` -- probabilistic models (Fader, Hardie &
  Lee 2005a, 2005b) giving P(alive), expected purchases, expected spend and a discounted
  CLV. :func:`rfm_summary` builds their input from orders as an Ibis expression, so it
  runs where the orders are (DuckDB, PostgreSQL, Spark).

:func:`assign_tiers` maps values to configurable tiers (e.g. CLV above 5,000,000 gets a
dedicated success manager). :func:`customer_value` runs it all for the CLI and web.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd

from keepwise.analytics._bgnbd import TIME_UNIT_DAYS, BetaGeoModel, GammaGammaModel, validate_rfm
from keepwise.analytics._inputs import DataLike, as_dataset, as_orders
from keepwise.analytics.periods import require_date
from keepwise.errors import N_, ConfigError, SchemaError

__all__ = [
    "BetaGeoModel",
    "GammaGammaModel",
    "Tier",
    "DEFAULT_TIERS",
    "ClvResult",
    "rfm_summary",
    "formula_clv",
    "assign_tiers",
    "parse_tiers",
    "customer_value",
    "validate_rfm",
]


def _require(table: ibis.Table, columns: Sequence[str], what: str) -> None:
    for column in columns:
        if column not in table.columns:
            raise SchemaError(
                column,
                None,
                f"{what}: required column is missing (have {', '.join(table.columns)})",
            )


def rfm_summary(
    orders: DataLike,
    *,
    calibration_end: Any = None,
    as_of: Any = None,
    time_unit: str = "W",
    customer_col: str = "customer_id",
    datetime_col: str = "ordered_at",
    monetary_col: str = "amount",
) -> ibis.Table:
    """Per-customer frequency, recency, T and mean repeat spend, as an Ibis expression.

    Orders after ``calibration_end`` (inclusive end, a date) are ignored. Orders on the
    same calendar day count as one purchase whose amount is their sum, as in
    ``lifetimes.utils.summary_data_from_transaction_data(freq="D")``; durations are then
    measured in days and divided by the length of ``time_unit``.

    Parameters
    ----------
    orders
        An Ibis table of orders with ``customer_col``, ``datetime_col`` and ``monetary_col``,
        or a DataFrame of orders (``customer_id``, ``ordered_at``, ``amount``), a Dataset (its
        completed orders) or anything else :func:`~keepwise.analytics.as_dataset` takes.
    calibration_end, as_of
        The end of the observation (calibration) period, inclusive (give one of them).
    time_unit
        ``"D"`` (days), ``"W"`` (weeks of 7 days) or ``"M"`` (average months of 30.44 days).

    Returns
    -------
    ibis.Table
        Columns: ``customer_id`` (named after ``customer_col``), ``frequency`` (repeat
        purchase days), ``recency`` (first to last purchase), ``T`` (first purchase to
        ``calibration_end``), ``monetary_value`` (mean amount of the repeat purchase days,
        0 when there are none), ``first_purchase`` (date), ``n_purchases``.

    Raises
    ------
    SchemaError
        A column is missing.
    ConfigError
        Unknown ``time_unit``.
    """
    if time_unit not in TIME_UNIT_DAYS:
        raise ConfigError(
            f"time_unit must be one of {', '.join(TIME_UNIT_DAYS)}, got {time_unit!r}"
        )
    orders = as_orders(orders)
    _require(orders, [customer_col, datetime_col, monetary_col], "orders")
    if (calibration_end is None) == (as_of is None):
        raise ConfigError(
            "give exactly one of calibration_end and as_of (the end of the observation period)"
        )
    end = require_date(calibration_end if calibration_end is not None else as_of, "calibration_end")
    unit = TIME_UNIT_DAYS[time_unit]
    day_col = orders[datetime_col]
    day = day_col.date() if day_col.type().is_timestamp() else day_col.cast("date")
    tx = orders.select(
        cid=orders[customer_col], day=day, amount=orders[monetary_col].cast("float64")
    )
    tx = tx.filter(tx.day <= ibis.literal(end))
    daily = tx.group_by(["cid", "day"]).aggregate(amount=tx.amount.sum())
    first_day = daily.day.min().over(group_by=daily.cid)
    daily = daily.mutate(repeat_amount=(daily.day == first_day).ifelse(0.0, daily.amount))
    per = daily.group_by("cid").aggregate(
        first_purchase=daily.day.min(),
        last_purchase=daily.day.max(),
        n_purchases=daily.day.count(),
        repeat_total=daily.repeat_amount.sum(),
    )
    frequency = per.n_purchases - 1
    out = per.select(
        **{customer_col: per.cid},
        frequency=frequency.cast("int64"),
        recency=per.last_purchase.delta(per.first_purchase, unit="day").cast("float64") / unit,
        T=ibis.literal(end).delta(per.first_purchase, unit="day").cast("float64") / unit,
        monetary_value=(frequency > 0).ifelse(per.repeat_total / frequency.cast("float64"), 0.0),
        first_purchase=per.first_purchase,
        n_purchases=per.n_purchases.cast("int64"),
    )
    return out.order_by(customer_col)


# -- the documents' formula -------------------------------------------------------------------


def _tables(orders: DataLike, customers: Any) -> tuple[ibis.Table, ibis.Table | None]:
    """Orders and customers as Ibis tables: Ibis tables as they are; a Dataset (or what
    :func:`~keepwise.analytics.as_dataset` takes) gives its orders and, unless ``customers``
    is given, its customers."""
    if isinstance(orders, ibis.Table):
        return orders, customers
    if customers is not None and not isinstance(customers, ibis.Table):
        ds = as_dataset({"orders": orders, "customers": customers})
        return ds.orders, ds.customers
    ds = as_dataset(orders)
    return ds.orders, customers if customers is not None else ds.customers


def formula_clv(
    orders: DataLike,
    customers: Any = None,
    *,
    as_of: Any,
    expected_years: float | pd.Series = 3.0,
    maintenance_cost: float = 0.0,
    annual_amount: str = "trailing",
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """CLV by the documents' formula, one row per customer with orders up to ``as_of``.

    ``clv = annual_amount × expected_years − (acquisition_cost + maintenance_cost × expected_years)``

    Parameters
    ----------
    orders
        Orders (``customer_id``, ``ordered_at``, ``amount``): an Ibis table, a DataFrame, or
        a Dataset (whose customers are used unless ``customers`` is given).
    customers
        Optional customers table (Ibis or DataFrame); ``acquisition_cost`` (one-off) and, if present, a
        ``maintenance_cost`` column (annual, per customer) are used. Missing values are 0.
    as_of
        The valuation date (inclusive).
    expected_years
        Expected relationship years: one number for everyone, or a Series indexed by
        customer id (e.g. years × P(alive) from a BG/NBD model).
    maintenance_cost
        Annual cost to serve a customer, used when the customers table has no
        ``maintenance_cost`` value for them.
    annual_amount
        ``"trailing"``: the amount of the 365 days up to ``as_of``; ``"tenure"``: the
        total amount annualised over the customer's tenure (first order to ``as_of``,
        at least 30 days).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): ``annual_amount``, ``expected_years``,
        ``acquisition_cost``, ``maintenance_cost`` (total over the expected years),
        ``formula_clv``.
    """
    if annual_amount not in ("trailing", "tenure"):
        raise ConfigError(f"annual_amount must be 'trailing' or 'tenure', got {annual_amount!r}")
    orders, customers = _tables(orders, customers)
    _require(orders, [customer_col, "ordered_at", "amount"], "orders")
    end = require_date(as_of, "as_of")
    day = (
        orders.ordered_at.date()
        if orders.ordered_at.type().is_timestamp()
        else orders.ordered_at.cast("date")
    )
    tx = orders.select(cid=orders[customer_col], day=day, amount=orders.amount.cast("float64"))
    tx = tx.filter(tx.day <= ibis.literal(end))
    start = end - _dt.timedelta(days=365)
    agg = tx.group_by("cid").aggregate(
        total=tx.amount.sum(),
        trailing=(tx.day > ibis.literal(start)).ifelse(tx.amount, 0.0).sum(),
        first=tx.day.min(),
    )
    agg = agg.mutate(tenure_days=ibis.literal(end).delta(agg.first, unit="day"))
    frame = agg.to_pandas().rename(columns={"cid": "customer_id"}).set_index("customer_id")
    frame.index = frame.index.astype(str)
    frame = frame.sort_index()  # engines return groups in no fixed order
    if annual_amount == "trailing":
        annual = frame["trailing"].astype(float)
    else:
        annual = (
            frame["total"].astype(float)
            * 365.25
            / np.maximum(frame["tenure_days"].astype(float), 30.0)
        )
    out = pd.DataFrame({"annual_amount": annual}, index=frame.index)
    if isinstance(expected_years, pd.Series):
        years = expected_years.reindex(out.index).astype(float)
    else:
        years = pd.Series(float(expected_years), index=out.index)
    if (years.dropna() < 0).any():
        raise ConfigError("expected_years must be >= 0")
    out["expected_years"] = years
    acquisition = pd.Series(0.0, index=out.index)
    annual_cost = pd.Series(float(maintenance_cost), index=out.index)
    if customers is not None:
        cols = [c for c in ("acquisition_cost", "maintenance_cost") if c in customers.columns]
        if cols:
            cust = customers.select(customer_col, *cols).to_pandas()
            cust[customer_col] = cust[customer_col].astype(str)
            cust = cust.drop_duplicates(customer_col).set_index(customer_col).reindex(out.index)
            if "acquisition_cost" in cust:
                acquisition = pd.to_numeric(cust["acquisition_cost"], errors="coerce").fillna(0.0)
            if "maintenance_cost" in cust:
                annual_cost = pd.to_numeric(cust["maintenance_cost"], errors="coerce").fillna(
                    annual_cost
                )
    out["acquisition_cost"] = acquisition
    out["maintenance_cost"] = annual_cost * years
    out["formula_clv"] = out["annual_amount"] * years - (
        out["acquisition_cost"] + out["maintenance_cost"]
    )
    out.index.name = "customer_id"
    return out


# -- tiers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """A value tier: customers with value ``>= min_value`` (and below the next tier up).

    ``name`` is the key; ``label`` (default: the name) and ``action`` are English catalog keys,
    rendered in the reader's language by :func:`keepwise.i18n.gettext`.
    """

    min_value: float
    name: str
    label: str = ""
    action: str = ""


DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier(5_000_000, "strategic", N_("strategic customer"), N_("dedicated success manager")),
    Tier(
        1_000_000,
        "key",
        N_("key customer"),
        N_("named account manager, quarterly business review"),
    ),
    Tier(0, "standard", N_("standard customer"), N_("standard service")),
    Tier(-math.inf, "unprofitable", N_("unprofitable customer"), N_("review cost to serve")),
)


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """Parse ``"5000000=strategic,1000000=key,0=standard"`` into tiers (an ``-inf`` floor is added)."""
    tiers: list[Tier] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        value, sep, name = part.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"tier {part!r} must look like 5000000=strategic")
        try:
            threshold = float(value.replace("_", ""))
        except ValueError as exc:
            raise ConfigError(f"tier {part!r}: {value!r} is not a number") from exc
        tiers.append(Tier(threshold, name.strip()))
    if not tiers:
        raise ConfigError("no tiers given")
    if min(t.min_value for t in tiers) > -math.inf:
        tiers.append(Tier(-math.inf, "below_" + min(tiers, key=lambda t: t.min_value).name))
    return tuple(tiers)


def assign_tiers(values: pd.Series, tiers: Sequence[Tier] = DEFAULT_TIERS) -> pd.DataFrame:
    """Tier of each value: the tier with the highest ``min_value`` not above it.

    Returns
    -------
    pandas.DataFrame
        Same index as ``values``: ``tier`` (the name), ``tier_name`` (its label) and
        ``tier_action``, both English catalog keys (empty for NaN values).
    """
    ordered = sorted(tiers, key=lambda t: t.min_value, reverse=True)
    if not ordered:
        raise ConfigError("no tiers given")
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    idx = np.full(v.size, -1)
    for i, tier in reversed(list(enumerate(ordered))):
        idx = np.where(v >= tier.min_value, i, idx)

    def pick(attr: str) -> list[str]:
        return [str(getattr(ordered[i], attr)) if i >= 0 else "" for i in idx]

    labels = [(ordered[i].label or ordered[i].name) if i >= 0 else "" for i in idx]
    return pd.DataFrame(
        {"tier": pick("name"), "tier_name": labels, "tier_action": pick("action")},
        index=values.index,
    )


# -- everything together ----------------------------------------------------------------------


@dataclass
class ClvResult:
    """The output of :func:`customer_value`: fitted models and one row per customer."""

    bgnbd: BetaGeoModel
    gamma_gamma: GammaGammaModel
    customers: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def params_frame(self) -> pd.DataFrame:
        """Both models' parameters: ``model``, ``param``, ``coef``, ``se``, ``lower``, ``upper``."""
        parts = []
        for name, model in (("bgnbd", self.bgnbd), ("gamma_gamma", self.gamma_gamma)):
            s = model.summary_.reset_index(names="param")
            s.insert(0, "model", name)
            parts.append(s)
        return pd.concat(parts, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON structure (see docs/clv.md)."""

        def model_dict(model: Any) -> dict[str, Any]:
            d: dict[str, Any] = {k: float(v) for k, v in model.params_.items()}
            d["se"] = {k: float(v) for k, v in model.standard_errors_.items()}
            d["log_likelihood"] = float(model.log_likelihood_)
            d["n_customers"] = int(model.n_customers_)
            return d

        records = self.customers.reset_index().to_dict(orient="records")
        for row in records:
            for key, value in row.items():
                if isinstance(value, float) and not math.isfinite(value):
                    row[key] = None
                elif isinstance(value, _dt.date):
                    row[key] = value.isoformat()
                elif isinstance(value, np.generic):
                    row[key] = value.item()
        return {
            **self.settings,
            "bgnbd": model_dict(self.bgnbd),
            "gamma_gamma": model_dict(self.gamma_gamma),
            "customers": records,
        }


def customer_value(
    orders: DataLike,
    customers: Any = None,
    *,
    calibration_end: Any = None,
    time_unit: str = "W",
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    penalizer: float = 0.0,
    expected_years: float = 3.0,
    maintenance_cost: float = 0.0,
    tiers: Sequence[Tier] = DEFAULT_TIERS,
    tier_on: str = "clv",
    years_from_model: bool = False,
) -> ClvResult:
    """Fit BG/NBD + Gamma-Gamma on the orders and value every customer both ways.

    ``orders`` is an Ibis table, a DataFrame of orders or a Dataset (whose customers are used
    unless ``customers`` is given), as in :func:`formula_clv`.

    ``calibration_end`` defaults to the date of the last order. The horizon for
    ``expected_purchases`` is ``horizon_months`` converted to ``time_unit``. With
    ``years_from_model`` the formula's expected years are ``expected_years × p_alive`` per
    customer (the BG/NBD probability that the customer is still active).

    Returns
    -------
    ClvResult
        ``customers`` is indexed by ``customer_id`` with ``frequency``, ``recency``, ``T``,
        ``monetary_value``, ``p_alive``, ``expected_purchases``, ``expected_avg_spend``,
        ``clv`` (discounted, model-based), ``annual_amount``, ``expected_years``,
        ``acquisition_cost``, ``maintenance_cost``, ``formula_clv``, ``tier``, ``tier_name``,
        ``tier_action``.
    """
    if tier_on not in ("clv", "formula_clv"):
        raise ConfigError(f"tier_on must be 'clv' or 'formula_clv', got {tier_on!r}")
    orders, customers = _tables(orders, customers)
    if calibration_end is None:
        day = orders.ordered_at.max().execute()
        if day is None or (isinstance(day, float) and math.isnan(day)) or pd.isna(day):
            raise SchemaError("ordered_at", None, "no orders to value")
        calibration_end = pd.Timestamp(day).date()
    end = require_date(calibration_end, "calibration_end")
    rfm = rfm_summary(orders, calibration_end=end, time_unit=time_unit).to_pandas()
    if rfm.empty:
        raise SchemaError("ordered_at", None, f"no orders on or before {end.isoformat()}")
    rfm["customer_id"] = rfm["customer_id"].astype(str)
    rfm = rfm.set_index("customer_id")
    bgnbd = BetaGeoModel(penalizer=penalizer).fit(rfm)
    gg = GammaGammaModel(penalizer=penalizer).fit(rfm)
    horizon = horizon_months * (365.25 / 12) / TIME_UNIT_DAYS[time_unit]
    out = rfm[["frequency", "recency", "T", "monetary_value"]].copy()
    out["p_alive"] = bgnbd.probability_alive(rfm)
    out["expected_purchases"] = bgnbd.expected_purchases(rfm, horizon=horizon)
    out["expected_avg_spend"] = gg.conditional_expected_average_profit(rfm)
    out["clv"] = gg.customer_lifetime_value(
        bgnbd, rfm, horizon_months=horizon_months, discount_rate=discount_rate, time_unit=time_unit
    )
    years: float | pd.Series = (
        out["p_alive"] * expected_years if years_from_model else expected_years
    )
    formula = formula_clv(
        orders, customers, as_of=end, expected_years=years, maintenance_cost=maintenance_cost
    )
    out = out.join(
        formula[
            [
                "annual_amount",
                "expected_years",
                "acquisition_cost",
                "maintenance_cost",
                "formula_clv",
            ]
        ]
    )
    out = out.join(assign_tiers(out[tier_on], tiers))
    out.index.name = "customer_id"
    settings = {
        "calibration_end": end.isoformat(),
        "time_unit": time_unit,
        "horizon_months": horizon_months,
        "discount_rate": discount_rate,
        "expected_years": expected_years,
        "years_from_model": years_from_model,
        "tier_on": tier_on,
        "n_customers": int(len(out)),
    }
    return ClvResult(bgnbd=bgnbd, gamma_gamma=gg, customers=out, settings=settings)
