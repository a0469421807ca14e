"""The analytics behind the pages: figures from the analytics service, turned into chart data.

Nothing here computes a metric or keeps a copy of the store: figures come from
:mod:`keepwise.web.analytics` (one dataset per store, one scoping, one result cache, shared
with the JSON API), and this module reshapes them into the small JSON specs that
``static/js/keepwise.js`` draws. Page views are cached with the service's results, so they
are recomputed when the service reads the store again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

import pandas as pd

from keepwise.errors import KeepwiseError
from keepwise.web import analytics
from keepwise.web.analytics import Scope
from keepwise.web.i18n import N_, gettext

log = logging.getLogger(__name__)

#: The dashboard's segment filter: one customer field (``"region:East"``).
SEGMENT_FIELDS = ("kind", "region", "group_name", "industry")

T = TypeVar("T")


def warm_up(url: str) -> None:
    """Compute the default dashboard, the customer frames and the analysis (registered with the
    service: at start-up and after each background refresh, in a thread)."""
    everyone = Scope()
    dashboard_data(url, scope=everyone, freq="month", months=12, locale="zh_CN")
    segment_options(url, everyone)
    customer_analytics(url, "", "zh_CN")  # the whole-store RFM, cycles and CLV frames
    analysis_data(url, scope=everyone, locale="zh_CN")


analytics.register_warm_up(warm_up)


def segment_fields(segment: str | None) -> dict[str, str]:
    """The dashboard's segment choice (``"region:East"``) as customer fields (``{"region": "East"}``)."""
    if not segment:
        return {}
    field, _, value = segment.partition(":")
    if field not in SEGMENT_FIELDS:
        raise KeepwiseError(f"unknown segment {segment!r}")
    return {field: value}


def segment_options(url: str, scope: Scope) -> list[tuple[str, list[tuple[str, str]]]]:
    """Values of each segment field, for the dashboard's segment filter."""

    def compute(full: Any) -> list[tuple[str, list[tuple[str, str]]]]:
        if full is None or full.customers is None:
            return []
        customers: Any = analytics.scope_dataset(full, scope).customers
        groups = []
        for field in SEGMENT_FIELDS:
            if field not in customers.columns:
                continue
            col = customers[field]
            values = (
                customers.filter(col.notnull()).select(field).distinct().order_by(field).limit(50)
            )
            found = [str(v) for v in values.to_pandas()[field].tolist() if str(v).strip()]
            if found:
                groups.append((field, [(f"{field}:{v}", v) for v in found]))
        return groups

    return analytics.cached(url, ("page-segments", scope), compute)


def _safe(name: str, missing: dict[str, str], fn: Callable[[], T]) -> T | None:
    """Run one report; a failure leaves its panel empty with the reason instead of failing the page."""
    try:
        return fn()
    except ImportError:
        missing[name] = N_("This analysis is not installed in this version.")
    except KeepwiseError as exc:
        log.info("panel %s: %s", name, exc)
        missing[name] = N_("Not enough data for this analysis yet.")
    except Exception:  # noqa: BLE001 - one broken chart must not take the dashboard down
        log.exception("dashboard panel %s failed", name)
        missing[name] = N_("This chart could not be computed; the error has been logged.")
    return None


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return float(value)


def trend_spec(churn: pd.DataFrame, locale: str) -> dict[str, Any] | None:
    if churn is None or len(churn) < 2 or churn["churn_rate"].notna().sum() < 2:
        return None
    return {
        "type": "line",
        "format": "percent",
        "x": [str(p) for p in churn["period"]],
        "series": [
            {"name": gettext("Churn rate", locale), "data": [_num(v) for v in churn["churn_rate"]]},
            {
                "name": gettext("Retention rate", locale),
                "data": [_num(v) for v in churn["retention_rate"]],
            },
        ],
    }


def cohort_spec(
    long: pd.DataFrame, locale: str, *, since: date | None = None
) -> dict[str, Any] | None:
    from keepwise.analytics.cohorts import cohort_matrix

    if long is None or long.empty:
        return None
    wide = cohort_matrix(long, value="customer_retention")
    if since is not None:
        wide = wide[[c >= since for c in wide.index]]
    wide = wide.tail(18)
    if wide.empty:
        return None
    months = [c for c in wide.columns if c <= 12]
    data = []
    for yi, (_, row) in enumerate(wide.iterrows()):
        for xi, k in enumerate(months):
            value = _num(row.get(k))
            if value is not None and (value > 0 or k == 0):
                data.append([xi, yi, round(value, 4)])
    return {
        "type": "heatmap",
        "x": [str(k) for k in months],
        "x_name": gettext("Months since first order", locale),
        "y": [c.strftime("%Y-%m") for c in wide.index],
        "data": data,
    }


def rfm_spec(rfm: pd.DataFrame, locale: str) -> dict[str, Any] | None:
    from keepwise.analytics.rfm import segment_summary

    if rfm is None or rfm.empty:
        return None
    summary = segment_summary(rfm)
    return {
        "type": "treemap",
        "count_label": gettext("Customers", locale),
        "revenue_label": gettext("Revenue", locale),
        "data": [
            {
                "name": gettext(str(r["segment_name"]), locale),
                "value": int(r["customers"]),
                "revenue": _num(r["monetary_sum"]),
                "key": r["segment"],
            }
            for _, r in summary.iterrows()
        ],
    }


def nice_edges(values: pd.Series, *, max_bins: int = 8) -> list[float]:
    """Round band edges (0, 1k, 2k, 5k, 10k, ...) covering ``values``, at most ``max_bins`` bands."""
    top = float(values.max())
    low = max(float(values.quantile(0.10)), 1.0)
    if top <= 0:
        return [float(values.min()), 0.0 + 1e-9]
    for steps in ((1, 2, 5), (1, 3), (1,)):
        ladder = [m * 10**k for k in range(-2, 13) for m in steps]
        start = max([x for x in ladder if x <= low] or [ladder[0]])
        edges = [x for x in ladder if start <= x < top] + [min(x for x in ladder if x >= top)]
        edges = [0.0, *edges] if edges[0] > 0 else edges
        if len(edges) - 1 <= max_bins:
            return edges
    return [0.0, top]


def histogram_spec(values: pd.Series, locale: str, *, max_bins: int = 8) -> dict[str, Any] | None:
    """A bar chart of how many ``values`` fall in each round value band (negative values first)."""
    from babel.numbers import format_compact_decimal

    from keepwise.web.i18n import babel_locale

    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return None

    def short(v: float) -> str:
        return format_compact_decimal(v, locale=babel_locale(locale), fraction_digits=0)

    negative = int((values < 0).sum())
    positive = values[values >= 0]
    x: list[str] = []
    counts: list[int] = []
    if negative:
        x.append("< 0")
        counts.append(negative)
    if not positive.empty:
        edges = nice_edges(positive, max_bins=max_bins)
        binned = pd.cut(positive, bins=edges, include_lowest=True, right=False).value_counts(
            sort=False
        )
        above = int((positive >= edges[-1]).sum())
        for interval, n in binned.items():
            x.append(f"{short(interval.left)}–{short(interval.right)}")
            counts.append(int(n) + (above if interval.right == edges[-1] else 0))
    return {
        "type": "bar",
        "x": x,
        "series": [{"name": gettext("Customers", locale), "data": counts}],
    }


def dashboard_data(
    url: str,
    *,
    scope: Scope,
    freq: str,
    months: int,
    locale: str,
) -> dict[str, Any]:
    """Everything the dashboard draws from the analytics: the KPIs of the last complete period
    (:func:`keepwise.web.analytics.last_period`, the API's ``last_period``) and the charts over
    the last ``months`` months (0: all history) of the customers of ``scope``.

    RFM segments and lifetime values are the whole-store ones (as on the customer 360 page)
    of the scope's customers.
    """

    def compute(full: Any) -> dict[str, Any]:
        missing: dict[str, str] = {}
        d: dict[str, Any] = {
            "has_data": False,
            "kpis": {},
            "charts": {},
            "missing": missing,
            "rfm": None,
        }
        if full is None or not analytics.has_orders(url, scope):
            return d
        as_of = analytics.store_as_of(url)
        if as_of is None:
            return d
        d["has_data"] = True
        d["as_of"] = as_of
        start = as_of - timedelta(days=int(months * 30.44)) if months else None
        d["kpis"] = (
            _safe("kpis", missing, lambda: analytics.last_period(url, scope, period=freq)) or {}
        )
        churn = _safe("trend", missing, lambda: analytics.churn_table(url, scope, period=freq))
        if churn is not None and start is not None:
            churn = churn[churn["period_end"] >= start].reset_index(drop=True)
        d["charts"]["trend"] = trend_spec(churn, locale) if churn is not None else None

        def cohorts() -> Any:
            long = analytics.cohort_table(url, scope, max_months=12)
            return cohort_spec(long, locale, since=start)

        d["charts"]["cohorts"] = _safe("cohorts", missing, cohorts)
        rfm_frame = _safe("rfm", missing, lambda: analytics.rfm_table(url, scope))
        d["rfm"] = rfm_frame
        d["charts"]["rfm"] = _safe("rfm", missing, lambda: rfm_spec(rfm_frame, locale))
        d["charts"]["clv"] = _safe("clv", missing, lambda: clv_spec(url, scope, locale))
        why = customer_frames(url).get("missing", {}).get("clv")
        if d["charts"]["clv"] is None and why:
            missing.setdefault("clv", why)
        return d

    return analytics.cached(url, ("page-dashboard", scope, freq, months, locale), compute)


def clv_frame(ds: Any, as_of: date) -> pd.DataFrame | None:
    """Predicted customer lifetime value per customer (``customer_id``, ``clv``, ``tier``)."""
    from keepwise.analytics.clv import customer_value

    result = customer_value(ds.orders, ds.customers, calibration_end=as_of)
    frame = result.customers.reset_index()
    return frame[["customer_id", "clv", "tier"]]


def clv_spec(url: str, scope: Scope, locale: str) -> dict[str, Any] | None:
    """Customers per band of whole-store predicted lifetime value, for the customers of ``scope``."""
    clv = customer_frames(url).get("clv")
    if clv is None:
        return None
    values = clv["clv"]
    if not scope.is_everyone:
        values = values[values.index.astype(str).isin(analytics.scope_customer_ids(url, scope))]
    return histogram_spec(values, locale)


ANALYSIS_DIMENSIONS = ("kind", "industry", "region", "channel", "frequency_band", "monetary_band")


def analysis_data(url: str, *, scope: Scope, locale: str, by: str | None = None) -> dict[str, Any]:
    """Segment breakdowns, the churned-customer profile and survival curves."""

    def compute(full: Any) -> dict[str, Any]:
        from keepwise.analytics.segments import churned_profile, segment_report

        missing: dict[str, str] = {}
        out: dict[str, Any] = {"has_data": False, "missing": missing}
        if full is None or not analytics.has_orders(url, scope):
            return out
        as_of = analytics.store_as_of(url)
        if as_of is None:
            return out
        ds = analytics.scope_dataset(full, scope)
        out.update(has_data=True, as_of=as_of)
        dims = [d for d in ANALYSIS_DIMENSIONS if ds.customers is not None or d.endswith("_band")]
        segments = _safe("segments", missing, lambda: segment_report(ds, by=dims, as_of=as_of))
        out["segments"] = _records(segments)
        out["profile"] = (
            _records(_safe("profile", missing, lambda: churned_profile(segments)))
            if segments is not None
            else []
        )
        survival = _safe("survival", missing, lambda: survival_data(ds, as_of, locale, by=by))
        out["survival"] = survival["spec"] if survival else None
        out["survival_summary"] = survival["summary"] if survival else []
        return out

    return analytics.cached(url, ("page-analysis", scope, locale, by), compute)


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None or df.empty:
        return []
    return [
        {
            k: (None if _num_or_none(v) is None and not isinstance(v, str) else v)
            for k, v in r.items()
        }
        for r in df.to_dict(orient="records")
    ]


def _num_or_none(v: Any) -> Any:
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):
        return v


SURVIVAL_FIELDS = {"kind": "kind", "region": "region", "channel": "acquisition_channel"}
SURVIVAL_MAX_GROUPS = 6
SURVIVAL_MAX_POINTS = 150


def survival_data(
    ds: Any, as_of: date, locale: str, *, by: str | None = None
) -> dict[str, Any] | None:
    """Kaplan-Meier retention curves and their summary, from :mod:`keepwise.analytics.survival`.

    Returns ``{"spec": chart spec, "summary": [rows]}`` (one curve per segment of ``by``, at
    most :data:`SURVIVAL_MAX_GROUPS`, the largest), or ``None`` when nobody churned yet.
    """
    from keepwise.analytics.survival import kaplan_meier, lifetimes_table

    table = lifetimes_table(ds, as_of=as_of)
    if table.empty or table["churned"].sum() == 0:
        return None
    column = SURVIVAL_FIELDS.get(by or "")
    if column and column in table.columns:
        top = table[column].fillna("(blank)").value_counts().index[:SURVIVAL_MAX_GROUPS]
        table = table[table[column].fillna("(blank)").isin(top)]
    else:
        column = None
    summary, curves = kaplan_meier(table, by=column)
    names = {"all": gettext("All customers", locale), "(blank)": gettext("(missing)", locale)}
    summary = summary.sort_values("customers", ascending=False, kind="stable")
    series = []
    for segment in summary["segment"]:
        part = curves[curves["segment"] == segment]
        step = max(1, len(part) // SURVIVAL_MAX_POINTS)
        points = part.iloc[::step]
        if points.index[-1] != part.index[-1]:
            points = pd.concat([points, part.iloc[-1:]])
        n = int(summary.loc[summary["segment"] == segment, "customers"].iloc[0])
        series.append(
            {
                "name": f"{names.get(segment, segment)} (n={n:,})",
                "data": [
                    [float(d), round(float(r), 4)]
                    for d, r in zip(points["days"], points["retention"], strict=True)
                ],
            }
        )
    rows = [
        {
            "segment": names.get(r["segment"], r["segment"]),
            "customers": int(r["customers"]),
            "churned": int(r["churned"]),
            "median_days": _num(r["median_days"]),
            "retention_90d": _num(r.get("retention_90d")),
            "retention_180d": _num(r.get("retention_180d")),
            "retention_365d": _num(r.get("retention_365d")),
        }
        for _, r in summary.iterrows()
    ]
    spec = {"type": "step", "x_name": gettext("Days since first order", locale), "series": series}
    return {"spec": spec, "summary": rows}


class _Rows:
    """The rows of a frame by index label, without pandas' cost per lookup (one page view
    reads one customer's row of frames with 100,000 rows)."""

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> None:
        self._position = {key: i for i, key in enumerate(frame.index.tolist())}
        self._columns = {c: frame[c].to_numpy() for c in (columns or frame.columns)}

    def get(self, key: Any) -> dict[str, Any] | None:
        i = self._position.get(key)
        if i is None:
            return None
        return {c: analytics.plain(values[i]) for c, values in self._columns.items()}


def customer_frames(url: str) -> dict[str, Any]:
    """The whole-store RFM, purchase-cycle and CLV frames behind the customer 360 page and the
    dashboard's value bands (cached): ``{"rfm": frame, "clv": frame, "rfm_rows": _Rows,
    "cycles_rows": _Rows, "clv_rows": _Rows}``, indexed by customer id."""

    def frames(ds: Any) -> dict[str, Any]:
        missing: dict[str, str] = {}
        as_of = analytics.store_as_of(url)
        if ds is None or as_of is None:
            return {}

        def rfm() -> Any:
            return analytics.store_rfm(url).set_index("customer_id")

        def cycles() -> Any:
            from keepwise.analytics.cycles import cycles_report

            return cycles_report(ds, as_of=as_of).set_index("customer_id")

        def clv() -> Any:
            frame = clv_frame(ds, as_of)
            return frame.set_index("customer_id") if frame is not None else None

        found = {
            "rfm": _safe("rfm", missing, rfm),
            "cycles": _safe("cycles", missing, cycles),
            "clv": _safe("clv", missing, clv),
        }
        out: dict[str, Any] = {"rfm": found["rfm"], "clv": found["clv"], "missing": missing}
        if found["rfm"] is not None:
            out["rfm_rows"] = _Rows(found["rfm"], ["segment", "segment_name"])
        if found["cycles"] is not None:
            out["cycles_rows"] = _Rows(found["cycles"])
        if found["clv"] is not None:
            out["clv_rows"] = _Rows(found["clv"], ["clv"])
        return out

    return analytics.cached(url, ("page-customer-frames",), frames)


def customer_analytics(url: str, external_id: str, locale: str) -> dict[str, Any]:
    """One customer's CLV, RFM segment and next-order window (from whole-store reports, cached)."""
    found = customer_frames(url)
    out: dict[str, Any] = {}
    rfm, cycles, clv = (found.get(k) for k in ("rfm_rows", "cycles_rows", "clv_rows"))
    row = rfm.get(external_id) if rfm is not None else None
    if row is not None:
        out["segment"] = gettext(str(row["segment_name"]), locale)
        out["segment_key"] = row["segment"]
    window = cycles.get(external_id) if cycles is not None else None
    if window is not None:
        out["window"] = window
    value = clv.get(external_id) if clv is not None else None
    if value is not None:
        out["clv"] = _num(value["clv"])
    return out


def rfm_segment_options(locale: str) -> list[tuple[str, str]]:
    """``(key, name)`` of every RFM segment, named in ``locale`` (Chinese or English)."""
    from keepwise.analytics.rfm import SEGMENTS

    return [(key, gettext(name, locale)) for key, name in SEGMENTS]


def rfm_members(url: str, segment: str) -> frozenset[str] | None:
    """External ids of the customers in RFM ``segment`` (whole-store scores, as the customer 360
    page shows them); ``None`` when the segment is unknown or there are no RFM scores."""
    if segment not in {key for key, _ in rfm_segment_options("en")}:
        return None
    try:
        return analytics.rfm_members(url, segment)
    except KeepwiseError as exc:
        log.info("no RFM segments: %s", exc)
        return None
