"""RFM + cohort matrix + monthly churn: keepwise (Ibis on DuckDB) vs idiomatic pandas vs hand-written DuckDB SQL.

The data (1,000,000 customers, 10,000,000 orders; ``--quick``: 10,000 / 100,000) is generated
once with numpy and kept as Parquet in a cache folder. Each implementation runs in a fresh
process (peak memory comparable), computes the same three results with the same definitions
(docs/metrics.md: 180-day inactivity window, quantile RFM scores with ties on the lower
score, cohorts by first-order month) and returns a checksum; the checksums must agree. All
three produce the same RFM columns (:data:`RFM_OUTPUT`: values and scores; keepwise's named
segments and rule codes are left out, as the others do not compute them).

Targets: keepwise at least 3x faster than pandas with at most half its peak memory, within
1.5x of the hand-written SQL, peak memory under 4 GiB.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks._util import gib, measure

WINDOW_DAYS = 180
# keepwise runs DuckDB with a buffer-memory cap (its KEEPWISE_DUCKDB_MEMORY_LIMIT setting, 400MB
# unless set: the work spills to disk beyond it);
# the hand-written SQL runs with DuckDB's defaults.
KEEPWISE_MEMORY_LIMIT = os.environ.get("KEEPWISE_DUCKDB_MEMORY_LIMIT", "400MB")
BINS = 5
START = date(2022, 1, 1)
END = date(2024, 12, 31)  # the as-of date: orders span START..END


def _cache_dir() -> Path:
    root = Path(
        os.environ.get("KEEPWISE_BENCH_CACHE", Path(tempfile.gettempdir()) / "keepwise-bench")
    )
    root.mkdir(parents=True, exist_ok=True)
    return root


def generate(customers: int, orders: int, *, seed: int = 0) -> Path:
    """Write ``orders.parquet`` (customer_id, ordered_at, amount) once; return its folder."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = _cache_dir() / f"c{customers}_o{orders}_s{seed}"
    path = folder / "orders.parquet"
    if path.is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    span = (END - START).days + 1
    acquired = rng.integers(0, span, customers)
    lifetime = rng.exponential(400.0, customers).astype(np.int64) + 1
    last = np.minimum(acquired + lifetime, span - 1)
    weight = rng.gamma(0.8, 1.0, customers) * (last - acquired + 30)
    cum = np.cumsum(weight)
    cust = np.searchsorted(cum, rng.random(orders) * cum[-1])
    cust = np.minimum(cust, customers - 1)
    # The first order of every customer is on their acquisition day.
    cust[:customers] = np.arange(customers)
    offset = (rng.random(orders) * (last[cust] - acquired[cust] + 1)).astype(np.int64)
    offset[:customers] = 0
    seconds = (acquired[cust] + offset) * 86400 + rng.integers(0, 86400, orders)
    epoch = np.datetime64(START.isoformat(), "s")
    ordered_at = epoch + seconds.astype("timedelta64[s]")
    amount = np.round(rng.gamma(2.0, 60.0, orders), 2)
    order = np.argsort(ordered_at, kind="stable")
    names = pa.array([f"C{i:07d}" for i in range(customers)], pa.string())
    ids = pa.DictionaryArray.from_arrays(pa.array(cust[order], pa.int32()), names).cast(pa.string())
    table = pa.table(
        {
            "customer_id": ids,
            "ordered_at": pa.array(ordered_at[order].astype("datetime64[us]")),
            "amount": pa.array(amount[order]),
        }
    )
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp, row_group_size=1_000_000)
    tmp.rename(path)
    return folder


# The RFM columns all three implementations produce.
RFM_OUTPUT = (
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
)


# -- the three implementations (module level: they run in child processes) --------------------


def run_keepwise(folder: str) -> tuple[int, ...]:
    from keepwise.analytics import (
        ActivityConfig,
        RFMConfig,
        cohort_retention,
        load_dataset,
        period_churn,
        rfm_scores,
    )
    from keepwise.analytics.dataset import duckdb_backend

    ds = load_dataset(folder, con=duckdb_backend(memory_limit=KEEPWISE_MEMORY_LIMIT))
    rfm = (
        rfm_scores(ds.orders, as_of=END, config=RFMConfig(window_days=None, bins=BINS))
        .select(*RFM_OUTPUT)  # the columns the other two compute (not segments and rule codes)
        .to_pyarrow()
    )
    cohorts = cohort_retention(ds.orders, as_of=END).to_pyarrow()
    churn = period_churn(
        ds.orders,
        freq="month",
        start=START,
        end=END,
        as_of=END,
        activity=ActivityConfig(window_days=WINDOW_DAYS),
    ).to_pyarrow()
    return _checksum(
        rfm.column("r_score").to_numpy(),
        rfm.column("f_score").to_numpy(),
        rfm.column("m_score").to_numpy(),
        cohorts.column("active_customers").to_numpy(),
        cohorts.column("revenue").to_numpy(),
        churn.column("customers_churned").to_numpy(),
        churn.column("customers_start").to_numpy(),
        churn.column("customers_new").to_numpy(),
    )


def run_pandas(folder: str) -> tuple[int, ...]:
    import numpy as np
    import pandas as pd

    o = pd.read_parquet(Path(folder) / "orders.parquet")
    as_of = pd.Timestamp(END)
    o["day"] = o["ordered_at"].dt.normalize()
    # RFM
    g = o.groupby("customer_id")
    rfm = pd.DataFrame(
        {"last": g["day"].max(), "frequency": g.size(), "monetary": g["amount"].sum()}
    )
    rfm["recency_days"] = (as_of - rfm["last"]).dt.days
    n = len(rfm)
    rfm["r_score"] = (
        (rfm["recency_days"].rank(method="min", ascending=False) - 1) * BINS // n + 1
    ).astype(int)
    rfm["f_score"] = ((rfm["frequency"].rank(method="min") - 1) * BINS // n + 1).astype(int)
    rfm["m_score"] = ((rfm["monetary"].rank(method="min") - 1) * BINS // n + 1).astype(int)
    # Cohort matrix
    o["month"] = o["ordered_at"].dt.year * 12 + o["ordered_at"].dt.month - 1
    cm = o.groupby(["customer_id", "month"], as_index=False)["amount"].sum()
    cm["cohort"] = cm.groupby("customer_id")["month"].transform("min")
    cm["months_since"] = cm["month"] - cm["cohort"]
    cells = cm.groupby(["cohort", "months_since"], as_index=False).agg(
        active_customers=("customer_id", "size"), revenue=("amount", "sum")
    )
    cells = cells.sort_values(["cohort", "months_since"])
    # Monthly churn: activity spells, then each month's snapshots.
    days = o[["customer_id", "day"]].sort_values(["customer_id", "day"])
    gap = days.groupby("customer_id")["day"].diff().dt.days
    days["spell"] = (gap.isna() | (gap > WINDOW_DAYS)).cumsum()
    spells = days.groupby("spell").agg(
        customer_id=("customer_id", "first"), start=("day", "min"), end=("day", "max")
    )
    spells["end"] = spells["end"] + pd.Timedelta(days=WINDOW_DAYS - 1)
    first_day = spells.groupby("customer_id")["start"].min()
    churned, at_start, new = [], [], []
    for period in pd.period_range(START, END, freq="M"):
        s0 = period.start_time - pd.Timedelta(days=1)
        s1 = min(period.end_time.normalize(), as_of)
        active_start = spells.loc[(spells["start"] <= s0) & (spells["end"] >= s0), "customer_id"]
        active_end = spells.loc[(spells["start"] <= s1) & (spells["end"] >= s1), "customer_id"]
        at_start.append(len(active_start))
        new.append(int(((first_day > s0) & (first_day <= s1)).sum()))
        churned.append(int((~active_start.isin(active_end)).sum()))
    return _checksum(
        rfm["r_score"].to_numpy(),
        rfm["f_score"].to_numpy(),
        rfm["m_score"].to_numpy(),
        cells["active_customers"].to_numpy(),
        cells["revenue"].to_numpy(),
        np.array(churned),
        np.array(at_start),
        np.array(new),
    )


SQL_RFM = """
WITH per AS (
  SELECT customer_id, max(CAST(ordered_at AS DATE)) AS last_day, count(*) AS frequency, sum(amount) AS monetary
  FROM orders WHERE CAST(ordered_at AS DATE) <= DATE '{as_of}' GROUP BY customer_id
), r AS (
  SELECT *, DATE '{as_of}' - last_day AS recency_days, count(*) OVER () AS n FROM per
)
SELECT customer_id, recency_days, frequency, monetary,
  (rank() OVER (ORDER BY recency_days DESC) - 1) * {bins} // n + 1 AS r_score,
  (rank() OVER (ORDER BY frequency) - 1) * {bins} // n + 1 AS f_score,
  (rank() OVER (ORDER BY monetary) - 1) * {bins} // n + 1 AS m_score
FROM r
"""
SQL_COHORTS = """
WITH cm AS (
  SELECT customer_id, year(ordered_at) * 12 + month(ordered_at) - 1 AS m, sum(amount) AS revenue FROM orders
  WHERE CAST(ordered_at AS DATE) <= DATE '{as_of}' GROUP BY ALL
), c AS (
  SELECT customer_id, m, revenue, min(m) OVER (PARTITION BY customer_id) AS cohort FROM cm
), cells AS (
  SELECT cohort, m - cohort AS months_since, count(*) AS active_customers, sum(revenue) AS revenue FROM c GROUP BY ALL
)
SELECT cells.*, active_customers / first_value(active_customers) OVER (PARTITION BY cohort ORDER BY months_since)
  AS customer_retention
FROM cells ORDER BY cohort, months_since
"""
SQL_CHURN = """
WITH d AS (
  SELECT customer_id, CAST(ordered_at AS DATE) - DATE '1970-01-01' AS day FROM orders
  WHERE CAST(ordered_at AS DATE) <= DATE '{as_of}'
), b AS (  -- spell boundaries: the gap to the previous / next order day exceeds the window
  SELECT customer_id, day,
    coalesce(day - lag(day) OVER w > {window}, true) AS is_start,
    coalesce(lead(day) OVER w - day > {window}, true) AS is_end,
    lag(day) OVER w IS NULL AS is_first
  FROM d WINDOW w AS (PARTITION BY customer_id ORDER BY day)
), spells AS (
  SELECT customer_id, spell_start, day + {window} - 1 AS spell_end, is_first FROM (
    SELECT customer_id, day, is_end,
      CASE WHEN is_start THEN day ELSE lag(day) OVER w END AS spell_start,
      CASE WHEN is_start THEN is_first ELSE lag(is_first) OVER w END AS is_first
    FROM b WHERE is_start OR is_end WINDOW w AS (PARTITION BY customer_id ORDER BY day, is_end)
  ) WHERE is_end
), linked AS (
  SELECT *, lag(spell_end) OVER w AS prev_end, lead(spell_start) OVER w AS next_start
  FROM spells WINDOW w AS (PARTITION BY customer_id ORDER BY spell_start)
), periods AS (
  SELECT p AS period_start,
    CAST(p AS DATE) - DATE '1970-01-01' - 1 AS start_day,
    least(CAST(p + INTERVAL 1 MONTH AS DATE) - 1, DATE '{as_of}') - DATE '1970-01-01' AS end_day
  FROM range(DATE '{start}', DATE '{as_of}', INTERVAL 1 MONTH) t(p)
), sp AS (
  SELECT customer_id, period_start,
    CASE WHEN spell_start <= start_day AND spell_end >= start_day THEN 1 ELSE 0 END AS a_start,
    CASE WHEN spell_start <= end_day AND spell_end >= end_day THEN 1 ELSE 0 END AS a_end,
    CASE WHEN is_first AND spell_start > start_day AND spell_start <= end_day THEN 1 ELSE 0 END AS a_new,
    coalesce(prev_end < start_day, true) AND coalesce(next_start > end_day, true) AS alone
  FROM linked JOIN periods ON spell_start <= end_day AND spell_end >= start_day
), cp AS (  -- one row per customer and period: most customers have a single spell in it
  SELECT period_start, a_start, a_end, a_new FROM sp WHERE alone
  UNION ALL
  SELECT period_start, max(a_start), max(a_end), max(a_new) FROM sp WHERE NOT alone
  GROUP BY customer_id, period_start
)
SELECT period_start, sum(a_start) AS customers_start, sum(a_new) AS customers_new,
  sum(a_start * (1 - a_end)) AS customers_churned, sum(a_end) AS customers_end
FROM cp GROUP BY period_start ORDER BY period_start
"""


def run_sql(folder: str) -> tuple[int, ...]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"CREATE VIEW orders AS SELECT * FROM read_parquet('{Path(folder) / 'orders.parquet'}')"
    )
    fmt = {
        "as_of": END.isoformat(),
        "start": START.isoformat(),
        "bins": BINS,
        "window": WINDOW_DAYS,
    }
    rfm = con.execute(SQL_RFM.format(**fmt)).fetch_arrow_table()
    cohorts = con.execute(SQL_COHORTS.format(**fmt)).fetch_arrow_table()
    churn = con.execute(SQL_CHURN.format(**fmt)).fetch_arrow_table()
    return _checksum(
        rfm.column("r_score").to_numpy(),
        rfm.column("f_score").to_numpy(),
        rfm.column("m_score").to_numpy(),
        cohorts.column("active_customers").to_numpy(),
        cohorts.column("revenue").to_numpy(),
        churn.column("customers_churned").to_numpy(),
        churn.column("customers_start").to_numpy(),
        churn.column("customers_new").to_numpy(),
    )


def _checksum(r, f, m, cells, revenue, churned, start, new) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    import numpy as np

    return (
        int(np.asarray(r).sum() * 1_000_000 + np.asarray(f).sum() * 1000 + np.asarray(m).sum()),
        int(np.asarray(cells).sum()),
        int(round(float(np.asarray(revenue).sum()))),
        int(np.asarray(new).sum()),
        int(np.asarray(churned).sum()),
        float(np.asarray(start).sum()),
    )


def main(quick: bool) -> None:
    customers, orders = (10_000, 100_000) if quick else (1_000_000, 10_000_000)
    repeats = 3 if quick else 2
    print(
        f"data: {customers:,} customers, {orders:,} orders (generated once, cached as Parquet)",
        flush=True,
    )
    folder = str(generate(customers, orders))
    print(
        f"keepwise: DuckDB memory_limit={KEEPWISE_MEMORY_LIMIT}; hand-written SQL: DuckDB defaults",
        flush=True,
    )
    print(
        f"{repeats} interleaved runs each, every run in a fresh process (time: fastest; memory: highest peak)"
    )
    impls: tuple[tuple[str, Callable[[str], Any]], ...] = (
        ("keepwise (Ibis on DuckDB)", run_keepwise),
        ("pandas", run_pandas),
        ("hand-written SQL", run_sql),
    )
    runs: dict[str, list[tuple[float, int, Any]]] = {name: [] for name, _ in impls}
    for rep in range(repeats):
        for name, fn in impls:
            seconds, peak, checksum = measure(fn, folder)
            runs[name].append((seconds, peak, checksum))
            print(f"    run {rep + 1}: {name:<27} {seconds:8.2f} s   peak {gib(peak)}", flush=True)
    results: dict[str, tuple[float, int, Any]] = {}
    for name, _ in impls:
        checksums = {r[2] for r in runs[name]}
        results[name] = (
            min(r[0] for r in runs[name]),
            max(r[1] for r in runs[name]),
            checksums.pop() if len(checksums) == 1 else None,
        )
        seconds, peak, checksum = results[name]
        print(f"  {name:<27} {seconds:8.2f} s   peak {gib(peak)}   checksum {checksum}", flush=True)
    kw, pd_, sql = (results[name] for name, _ in impls)
    same = kw[2] is not None and kw[2] == pd_[2] == sql[2]
    speedup = pd_[0] / kw[0]
    memory = kw[1] / pd_[1]
    vs_sql = kw[0] / sql[0]
    checks = [
        ("same results from all three", same),
        (f"speed vs pandas: {speedup:.1f}x faster (target >= 3x)", speedup >= 3.0),
        (f"peak memory vs pandas: {memory:.2f} of pandas' (target <= 0.5)", memory <= 0.5),
        (f"time vs hand-written SQL: {vs_sql:.2f}x (target <= 1.5x)", vs_sql <= 1.5),
        (f"keepwise peak memory: {gib(kw[1])} (target < 4 GiB)", kw[1] < 4 * 2**30),
    ]
    for text, ok in checks:
        print(f"  [{'met' if ok else 'NOT MET'}] {text}", flush=True)
