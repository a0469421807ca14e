"""Generate the demo company: CSV files for the importer plus the ground truth kept apart."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from keepwise.demo import behaviour, company, events
from keepwise.demo.calendar import DEFAULT_END_DATE, Calendar, make_calendar
from keepwise.errors import ConfigError

#: The files the store loads, in load order (customers first).
DATA_FILES = ("customers", "contacts", "orders", "interactions", "tickets", "feedback")
GROUND_TRUTH_DIR = "ground_truth"
GROUND_TRUTH_FILE = "ground_truth.csv"
#: The generator's parameters and totals, next to the ground truth (no timings: reproducible).
ABOUT_FILE = "demo.json"
MAX_CUSTOMERS = 1_000_000
#: Customers simulated together; part of the seed's meaning, so never change it lightly.
CHUNK_CUSTOMERS = 50_000
KINDS = ("b2c", "b2b")
_PREFIX = {"orders": "O", "interactions": "I", "tickets": "T", "feedback": "F"}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` wrote.

    Attributes
    ----------
    out_dir
        Folder of the data files.
    files
        Path of each data file, by table name, in load order.
    ground_truth
        Path of ``ground_truth.csv`` (in ``out_dir/ground_truth/``, never loaded).
    row_counts
        Rows written per table.
    churned
        Customers who churned on or before ``end_date`` (ground truth).
    """

    out_dir: Path
    files: dict[str, Path]
    ground_truth: Path
    row_counts: dict[str, int]
    customers: int
    kind: str
    seed: int
    start_date: date
    end_date: date
    churned: int
    seconds: float
    churn_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def churn_rate(self) -> float:
        """Share of customers who churned during the history."""
        return self.churned / self.customers if self.customers else 0.0


def _validate(customers: int, kind: str, years: int) -> None:
    if not isinstance(customers, int | np.integer) or not 1 <= customers <= MAX_CUSTOMERS:
        raise ConfigError(f"customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers!r}")
    if kind not in KINDS:
        raise ConfigError(f"kind must be 'b2c' or 'b2b', got {kind!r}")
    if not 1 <= years <= 10:
        raise ConfigError(f"years must be between 1 and 10, got {years!r}")


class _Writers:
    """One CSV writer per file, opened on the first chunk with that chunk's schema."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self.writers: dict[str, pacsv.CSVWriter] = {}
        self.schemas: dict[str, pa.Schema] = {}
        self.rows = dict.fromkeys(paths, 0)
        self.options = pacsv.WriteOptions(quoting_style="needed")

    def write(self, name: str, table: pa.Table) -> None:
        if name not in self.writers:
            self.schemas[name] = table.schema
            self.writers[name] = pacsv.CSVWriter(
                str(self.paths[name]), table.schema, write_options=self.options
            )
        self.writers[name].write_table(table.cast(self.schemas[name]))
        self.rows[name] += table.num_rows

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def _with_ids(
    table: pa.Table, cust_ids: pa.Array, cust: np.ndarray, prefix: str, first: int
) -> pa.Table:
    """Swap the customer index for the external id and put the record's own id first."""
    own = company.external_ids(prefix, np.arange(first, first + table.num_rows), 9)
    table = table.set_column(
        table.schema.get_field_index("customer_id"), "customer_id", cust_ids.take(pa.array(cust))
    )
    return table.add_column(0, "external_id", own)


def _contract_days(
    c: company.Customers, sim: behaviour.Simulation, cal: Calendar
) -> tuple[np.ndarray, np.ndarray]:
    """Contract start and end of contractual customers: the term running at the end of history,
    or for churners the last term, which ended on the day of churn (not renewed)."""
    last_day = cal.n_days - 1
    churned = sim.churn_day <= last_day
    ref = np.where(churned, sim.churn_day - 1, last_day)
    terms = np.floor((ref - c.acquired_day) / 365).astype(np.int64)
    start = c.acquired_day + 365 * np.maximum(terms, 0)
    end = np.where(churned, sim.churn_day, start + 365)
    return start, end


def _ground_truth(
    c: company.Customers, sim: behaviour.Simulation, cal: Calendar, ids: pa.Array
) -> pa.Table:
    start = cal.start64
    last_day = cal.n_days - 1
    churned = sim.churn_day <= last_day
    decided = sim.decision_day <= last_day
    reasons = pa.array(behaviour.REASONS)
    reason = np.maximum(sim.reason, 0).astype(np.int64)

    def day_col(days: np.ndarray, mask: np.ndarray) -> pa.Array:
        safe = np.where(mask, days, 0)
        return pa.array(start + safe.astype("timedelta64[D]"), mask=~mask, type=pa.date32())

    drivers = np.where(decided[None, :], sim.drivers_at_decision, sim.drivers_final)
    columns: dict[str, pa.Array] = {
        "customer_id": ids,
        "churned": pa.array(churned),
        "churned_at": day_col(sim.churn_day, churned),
        "churn_reason": reasons.take(pa.array(np.where(churned, reason, -1), mask=~churned)),
        "acquired_at": day_col(c.acquired_day.astype(np.int64), np.ones(c.n, bool)),
        "decided_at": day_col(sim.decision_day, decided),
        "decision_reason": reasons.take(pa.array(np.where(decided, reason, -1), mask=~decided)),
        "is_contractual": pa.array(c.is_contractual),
        "base_hazard_monthly": pa.array(np.round(c.base_hazard, 6)),
        "order_rate_monthly": pa.array(np.round(c.order_rate, 4)),
        "spend_mean": pa.array(np.round(c.spend_mean, 2)),
        "price_sensitivity": pa.array(np.round(c.price_sensitivity, 4)),
        "p_late_delivery": pa.array(np.round(c.p_late, 4)),
        "p_slow_response": pa.array(np.round(c.p_slow, 4)),
        "needs_fade_from": day_col(
            cal.month_start[np.minimum(c.drift_start_month, cal.n_months - 1)],
            c.drift_start_month < cal.n_months,
        ),
        "fit_effect": pa.array(np.round(c.fit_effect, 4)),
        "budget_effect": pa.array(np.round(c.budget_effect, 4)),
    }
    for k, name in enumerate(behaviour.DRIVERS):
        columns[f"driver_{name}"] = pa.array(np.round(drivers[k].astype(np.float64), 4))
    return pa.table(columns)


def generate(
    out_dir: str | Path,
    *,
    customers: int = 5000,
    kind: str = "b2c",
    seed: int = 0,
    years: int = 3,
    end_date: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Generate a demo company whose churn has causes the analytics can find.

    Writes ``customers.csv``, ``contacts.csv``, ``orders.csv``, ``interactions.csv``,
    ``tickets.csv`` and ``feedback.csv`` to ``out_dir`` (import column names, ``customer_id``
    = the customer's external id such as ``C000001``, ``external_id`` = the record's own id)
    and ``ground_truth/ground_truth.csv`` (who churned, when and why, plus the latent drivers),
    which is never loaded into the store. The same arguments give byte-identical files.

    Parameters
    ----------
    out_dir
        Folder to write to (created if missing; existing demo files are overwritten).
    customers
        Number of customers, 1 to 1,000,000.
    kind
        ``"b2c"`` (consumers of an online retailer) or ``"b2b"`` (companies with contracts,
        budgets and decision chains).
    seed
        Random seed.
    years
        Years of history, ending with ``end_date``.
    end_date
        Last day of history; default 2026-06-30 (fixed, not today, for reproducibility).
    progress
        Called with ``(customers_done, customers_total)`` after every chunk.

    Returns
    -------
    DemoSummary

    Raises
    ------
    ConfigError
        If an argument is out of range or ``out_dir`` is a file.

    Examples
    --------
    >>> import tempfile
    >>> summary = generate(tempfile.mkdtemp(), customers=50, seed=1)
    >>> summary.row_counts["customers"]
    50
    """
    _validate(customers, kind, years)
    began = time.perf_counter()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"cannot write the demo files to {out}: it is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / GROUND_TRUTH_DIR).mkdir(exist_ok=True)
    cal = make_calendar(end_date or DEFAULT_END_DATE, years)
    root = np.random.SeedSequence([seed, KINDS.index(kind)])
    global_seq, chunk_root = root.spawn(2)
    owner_hazard = company.owner_effects(kind, np.random.default_rng(global_seq))
    owner_names = company.owners(kind)
    width = max(6, len(str(customers)))

    paths = {name: out / f"{name}.csv" for name in DATA_FILES}
    truth_path = out / GROUND_TRUTH_DIR / GROUND_TRUTH_FILE
    writers = _Writers({**paths, "ground_truth": truth_path})
    counters = dict.fromkeys((*_PREFIX, "contacts"), 1)
    churned_total = 0
    reasons: dict[str, int] = {}
    n_chunks = -(-customers // CHUNK_CUSTOMERS)
    try:
        for i, seq in enumerate(chunk_root.spawn(n_chunks)):
            rng = np.random.default_rng(seq)
            first = i * CHUNK_CUSTOMERS
            n = min(CHUNK_CUSTOMERS, customers - first)
            c = company.make_customers(
                rng, n, kind=kind, cal=cal, first_number=first + 1, owner_hazard=owner_hazard
            )
            sim = behaviour.simulate(c, cal, rng)
            ids = company.external_ids("C", np.arange(first + 1, first + n + 1), width)
            cstart, cend = _contract_days(c, sim, cal)
            writers.write(
                "customers",
                company.customers_table(c, cal, rng, ids=ids, churn_day=sim.churn_day,
                                        contract_start_day=cstart, contract_end_day=cend),
            )  # fmt: skip
            orders, o_cust = events.orders_table(rng, c, sim, cal)
            interactions, i_cust, i_secs = events.interactions_table(rng, c, sim, cal, owner_names)
            tickets, t_cust = events.tickets_table(rng, c, sim, cal)
            feedback, f_cust = events.feedback_table(rng, c, sim, cal)
            last_contact = np.full(n, -1, np.int64)
            if len(i_cust):
                ends = np.flatnonzero(np.diff(i_cust, append=-1) != 0)
                last_contact[i_cust[ends]] = i_secs[ends]
            contacts = company.contacts_table(
                c, rng, ids=ids, first_number=counters["contacts"], last_contact_s=last_contact,
                acquired_s=c.acquired_day.astype(np.int64) * events.DAY, start=np.datetime64(cal.start, "s"),
            )  # fmt: skip
            counters["contacts"] += contacts.num_rows
            writers.write("contacts", contacts)
            for name, table, cust in (
                ("orders", orders, o_cust),
                ("interactions", interactions, i_cust),
                ("tickets", tickets, t_cust),
                ("feedback", feedback, f_cust),
            ):
                writers.write(name, _with_ids(table, ids, cust, _PREFIX[name], counters[name]))
                counters[name] += table.num_rows
            truth = _ground_truth(c, sim, cal, ids)
            writers.write("ground_truth", truth)
            churned = truth.column("churned").to_numpy(zero_copy_only=False)
            churned_total += int(churned.sum())
            for item in pc.value_counts(pc.drop_null(truth.column("churn_reason"))).to_pylist():
                reasons[item["values"]] = reasons.get(item["values"], 0) + item["counts"]
            if progress is not None:
                progress(first + n, customers)
    finally:
        writers.close()
    counts = {name: writers.rows[name] for name in DATA_FILES}
    churn_reasons = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    _write_about(
        out / GROUND_TRUTH_DIR / ABOUT_FILE,
        {
            "generator": "keepwise.demo",
            "customers": customers,
            "kind": kind,
            "seed": seed,
            "years": years,
            "start_date": cal.start.isoformat(),
            "end_date": cal.end.isoformat(),
            "price_increase_month": str(
                cal.start64 + int(cal.month_start[behaviour.price_rise_month(cal)])
            ),
            "churned": churned_total,
            "churn_reasons": churn_reasons,
            "row_counts": counts,
        },
    )
    return DemoSummary(
        out_dir=out,
        files=paths,
        ground_truth=truth_path,
        row_counts=counts,
        customers=customers,
        kind=kind,
        seed=seed,
        start_date=cal.start,
        end_date=cal.end,
        churned=churned_total,
        seconds=time.perf_counter() - began,
        churn_reasons=churn_reasons,
    )


def _write_about(path: Path, about: dict[str, object]) -> None:
    path.write_text(json.dumps(about, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
