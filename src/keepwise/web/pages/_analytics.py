"""The analytics behind the pages: load the store once, scope it, turn reports into chart data.

Nothing here computes a metric: it calls :mod:`keepwise.analytics` and reshapes the
resulting DataFrames into the small JSON specs that ``static/js/keepwise.js`` draws.
Loading the store into DuckDB takes a moment on a big store, so the dataset is kept per
store URL and refreshed in the background when the store changes through the web or after
:data:`DATASET_TTL_SECONDS` (imports from the CLI), while the old copy keeps serving (see
:func:`get_dataset`). DuckDB connections are not thread-safe, so every computation runs
under one lock.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from keepwise.errors import KeepwiseError
from keepwise.web.i18n import N_, gettext

log = logging.getLogger(__name__)

DATASET_TTL_SECONDS = 300.0
RESULT_TTL_SECONDS = 900.0
SEGMENT_FIELDS = ("kind", "region", "group_name", "industry")

T = TypeVar("T")
_lock = threading.RLock()
_datasets: dict[str, tuple[float, int, Any]] = {}
_refreshing: set[str] = set()
_results: dict[tuple[Any, ...], tuple[float, int, Any]] = {}


def _generation() -> int:
    try:
        from keepwise.store.audit import data_generation
    except ImportError:  # pragma: no cover - store helpers not present
        return 0
    return data_generation()


def clear_cache() -> None:
    """Forget cached datasets and results (tests; after an import through the web)."""
    with _lock:
        _datasets.clear()
        _results.clear()


def _load(url: str) -> Any | None:
    from keepwise.analytics.dataset import load_dataset
    from keepwise.errors import NotFoundError

    try:
        ds = load_dataset(url)
    except NotFoundError:
        return None
    return ds if int(ds.orders.count().execute()) > 0 else None


def _refresh(url: str, generation: int) -> None:
    try:
        ds = _load(url)  # a new DuckDB connection: no lock needed while reading the store
    except Exception:  # noqa: BLE001 - keep serving the previous copy
        log.exception("refreshing the analytics dataset of %s failed", url)
        return
    finally:
        with _lock:
            _refreshing.discard(url)
    with _lock:
        _datasets[url] = (time.monotonic(), generation, ds)
        for key in [k for k in _results if k[1] == url]:
            del _results[key]
    warm_up(url)


def get_dataset(url: str) -> Any | None:
    """The store at ``url`` as a :class:`keepwise.analytics.dataset.Dataset`, or ``None`` if empty.

    Read once per URL, then kept. When it is older than :data:`DATASET_TTL_SECONDS` or the
    store changed through the web (a new data generation: a follow-up, an edit), the old copy
    keeps being served while a background thread reads the store again and recomputes the
    default views; results computed from the old copy are dropped when the new one is in.
    Imports through the web call :func:`clear_cache`, so their data shows at once.
    """
    with _lock:
        hit = _datasets.get(url)
        if hit is None:
            ds = _load(url)
            _datasets[url] = (time.monotonic(), _generation(), ds)
            return ds
        _refresh_if_stale(url)
        return hit[2]


def _refresh_if_stale(url: str) -> None:
    """Start a background refresh of ``url``'s dataset if it is old or the store changed."""
    hit = _datasets.get(url)
    if hit is None or url in _refreshing:
        return
    gen = _generation()
    if hit[1] != gen or time.monotonic() - hit[0] >= DATASET_TTL_SECONDS:
        _refreshing.add(url)
        threading.Thread(
            target=_refresh, args=(url, gen), name="keepwise-refresh", daemon=True
        ).start()


def warm_up(url: str) -> None:
    """Load the dataset and compute the default dashboard, the customer frames and the analysis
    (at start-up and after each background refresh, in a thread)."""
    try:
        dashboard_data(url, owner=None, freq="month", months=12, segment=None, locale="zh_CN")
        segment_options(url, None)
        customer_analytics(url, "", "zh_CN")  # the whole-store RFM, cycles and CLV frames
        analysis_data(url, owner=None, locale="zh_CN")
    except Exception:  # noqa: BLE001 - a failed warm-up only means a slower first page
        log.exception("warming up the dashboard of %s failed", url)


def cached(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per ``key`` (``(name, url, ...)``) while the URL's dataset is the same.

    Runs under the analytics lock (DuckDB connections are not safe for concurrent use).
    """
    with _lock:
        _refresh_if_stale(str(key[1]))
        now = time.monotonic()
        hit = _results.get(key)
        if hit and now - hit[0] < RESULT_TTL_SECONDS:
            return hit[2]
        value = compute()
        _results[key] = (time.monotonic(), 0, value)
        return value


def scope_dataset(
    ds: Any,
    *,
    owner: str | None = None,
    segment: str | None = None,
    customer_ids: frozenset[str] | None = None,
) -> Any:
    """``ds`` restricted to one owner's customers, one segment (``"region:East"``) and/or the
    customers ``customer_ids`` (e.g. an RFM segment's members)."""
    if ds is None or (owner is None and not segment and customer_ids is None):
        return ds
    if ds.customers is None:
        return ds
    c = ds.customers
    if owner is not None:
        c = c.filter(c.owner == owner)
    if segment:
        field, _, value = segment.partition(":")
        if field not in SEGMENT_FIELDS or field not in c.columns:
            raise KeepwiseError(f"unknown segment {segment!r}")
        c = c.filter(c[field] == value)
    if customer_ids is not None:
        import ibis

        ids = ibis.memtable(
            pd.DataFrame({"customer_id": sorted(customer_ids)}, dtype=object),
            schema={"customer_id": c.customer_id.type()},
        )
        c = c.semi_join(ids, "customer_id")
    keys = c.select("customer_id")

    def only(table: Any) -> Any:
        if table is None or "customer_id" not in table.columns:
            return table
        return table.semi_join(keys, "customer_id")

    return dataclasses.replace(
        ds,
        customers=c,
        orders=only(ds.orders),
        orders_all=only(ds.orders_all),
        interactions=only(ds.interactions),
        tickets=only(ds.tickets),
        feedback=only(ds.feedback),
        contacts=only(ds.contacts),
    )


def segment_options(url: str, owner: str | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Values of each segment field, for the dashboard's segment filter."""

    def compute() -> list[tuple[str, list[tuple[str, str]]]]:
        ds = scope_dataset(get_dataset(url), owner=owner)
        if ds is None or ds.customers is None:
            return []
        groups = []
        for field in SEGMENT_FIELDS:
            if field not in ds.customers.columns:
                continue
            col = ds.customers[field]
            values = (
                ds.customers.filter(col.notnull())
                .select(field)
                .distinct()
                .order_by(field)
                .limit(50)
            )
            found = [str(v) for v in values.to_pandas()[field].tolist() if str(v).strip()]
            if found:
                groups.append((field, [(f"{field}:{v}", v) for v in found]))
        return groups

    return cached(("segments", url, owner), compute)


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


def last_complete(df: pd.DataFrame) -> pd.Series | None:
    """The last complete period of a churn/revenue report (else its last row)."""
    if df is None or df.empty:
        return None
    done = df[df["is_complete"]] if "is_complete" in df.columns else df
    return (done if not done.empty else df).iloc[-1]


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
    owner: str | None,
    freq: str,
    months: int,
    segment: str | None,
    locale: str,
    rfm: str | None = None,
) -> dict[str, Any]:
    """Everything the dashboard draws from the analytics (KPIs from metrics, charts).

    ``rfm`` keeps the customers of one RFM segment (:func:`rfm_members`); the RFM chart then
    shows their whole-store segments, i.e. that one segment.
    """

    def compute() -> dict[str, Any]:
        from keepwise.analytics import metrics

        missing: dict[str, str] = {}
        d: dict[str, Any] = {
            "has_data": False,
            "kpis": {},
            "charts": {},
            "missing": missing,
            "rfm": None,
        }
        full: Any = get_dataset(url)
        members = rfm_members(url, rfm) if rfm else None
        ds = scope_dataset(full, owner=owner, segment=segment, customer_ids=members)
        if ds is None:
            return d
        try:
            metrics.data_dates(ds)  # the scope has orders at all
            _, as_of = metrics.data_dates(full)  # measured at the store's date, not the scope's
        except KeepwiseError:
            return d
        d["has_data"] = True
        d["as_of"] = as_of
        start = as_of - timedelta(days=int(months * 30.44)) if months else None
        churn = _safe(
            "trend", missing, lambda: metrics.churn_report(ds, freq=freq, start=start, as_of=as_of)
        )
        revenue = _safe(
            "nrr", missing, lambda: metrics.revenue_report(ds, freq=freq, start=start, as_of=as_of)
        )
        last = last_complete(churn) if churn is not None else None
        last_rev = last_complete(revenue) if revenue is not None else None
        d["kpis"] = {
            "customers": int(last["customers_end"]) if last is not None else None,
            "customers_new": int(last["customers_new"]) if last is not None else None,
            "churn_rate": _num(last["churn_rate"]) if last is not None else None,
            "retention_rate": _num(last["retention_rate"]) if last is not None else None,
            "nrr": _num(last_rev["net_revenue_retention"]) if last_rev is not None else None,
            "period_label": str(last["period"]) if last is not None else "",
        }
        d["charts"]["trend"] = trend_spec(churn, locale) if churn is not None else None

        def cohorts() -> Any:
            from keepwise.analytics.cohorts import cohort_report

            return cohort_spec(cohort_report(ds, as_of=as_of, max_months=12), locale, since=start)

        d["charts"]["cohorts"] = _safe("cohorts", missing, cohorts)

        def rfm_scores() -> Any:
            from keepwise.analytics.rfm import rfm_report

            if members is None:
                return rfm_report(ds, as_of=as_of)
            # Scored within the filtered customers, every one would land in some segment
            # again: show their whole-store segments instead (the filter's one).
            whole = customer_frames(url).get("rfm")
            if whole is None:
                return None
            scoped = set(ds.customers.select("customer_id").to_pandas()["customer_id"])
            return whole[whole.index.isin(scoped)].reset_index()

        rfm_frame = _safe("rfm", missing, rfm_scores)
        d["rfm"] = rfm_frame
        d["charts"]["rfm"] = _safe("rfm", missing, lambda: rfm_spec(rfm_frame, locale))
        d["charts"]["clv"] = _safe("clv", missing, lambda: clv_spec(ds, as_of, locale))
        return d

    return cached(("dashboard", url, owner, freq, months, segment, locale, rfm), compute)


def clv_frame(ds: Any, as_of: date) -> pd.DataFrame | None:
    """Predicted customer lifetime value per customer (``customer_id``, ``clv``, ``tier``)."""
    from keepwise.analytics.clv import customer_value

    result = customer_value(ds.orders, ds.customers, calibration_end=as_of)
    frame = result.customers.reset_index()
    return frame[["customer_id", "clv", "tier"]]


def clv_spec(ds: Any, as_of: date, locale: str) -> dict[str, Any] | None:
    df = clv_frame(ds, as_of)
    return histogram_spec(df["clv"], locale) if df is not None else None


ANALYSIS_DIMENSIONS = ("kind", "industry", "region", "channel", "frequency_band", "monetary_band")


def analysis_data(
    url: str, *, owner: str | None, locale: str, by: str | None = None
) -> dict[str, Any]:
    """Segment breakdowns, the churned-customer profile and survival curves."""

    def compute() -> dict[str, Any]:
        from keepwise.analytics import metrics
        from keepwise.analytics.segments import churned_profile, segment_report

        missing: dict[str, str] = {}
        out: dict[str, Any] = {"has_data": False, "missing": missing}
        full: Any = get_dataset(url)
        ds = scope_dataset(full, owner=owner)
        if ds is None:
            return out
        try:
            metrics.data_dates(ds)
            _, as_of = metrics.data_dates(full)
        except KeepwiseError:
            return out
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

    return cached(("analysis", url, owner, locale, by), compute)


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
        return {c: _python(values[i]) for c, values in self._columns.items()}


def _python(value: Any) -> Any:
    """A NumPy scalar as the Python value (``None`` for NaN/NaT)."""
    if isinstance(value, np.generic):
        value = value.item()
    return _num_or_none(value)


def customer_frames(url: str) -> dict[str, Any]:
    """The whole-store RFM, purchase-cycle and CLV frames behind the customer 360 page (cached):
    ``{"rfm": frame, "rfm_rows": _Rows, "cycles_rows": _Rows, "clv_rows": _Rows}``."""
    from keepwise.analytics import metrics

    def frames() -> dict[str, Any]:
        missing: dict[str, str] = {}
        ds = get_dataset(url)
        if ds is None:
            return {}
        _, as_of = metrics.data_dates(ds)

        def rfm() -> Any:
            from keepwise.analytics.rfm import rfm_report

            return rfm_report(ds, as_of=as_of).set_index("customer_id")

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
        out: dict[str, Any] = {"rfm": found["rfm"]}
        if found["rfm"] is not None:
            out["rfm_rows"] = _Rows(found["rfm"], ["segment", "segment_name"])
            out["rfm_members"] = {
                str(key): frozenset(group.index.astype(str))
                for key, group in found["rfm"].groupby("segment")
            }
        if found["cycles"] is not None:
            out["cycles_rows"] = _Rows(found["cycles"])
        if found["clv"] is not None:
            out["clv_rows"] = _Rows(found["clv"], ["clv"])
        return out

    return cached(("customer-frames", url), frames)


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
    members = customer_frames(url).get("rfm_members")
    if members is None or segment not in {key for key, _ in rfm_segment_options("en")}:
        return None
    return members.get(segment, frozenset())
