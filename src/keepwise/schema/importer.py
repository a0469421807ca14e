"""Validated, streaming, all-or-nothing import of CSV, XLSX and Parquet files into the store.

:func:`import_file` reads the file in chunks of ``settings.import_chunk_rows`` rows, parses
and validates each chunk with vectorised pandas code, and upserts it by external id inside
**one** database transaction. Once a problem is found nothing more is written; the file is
still read to the end so the report can say how many problems there are, and then the
transaction is rolled back. Memory is bounded by the chunk size plus 16 bytes per row for
the duplicate-id check, so a million-row file imports in a few hundred MB.

Reading and parsing the file is :class:`keepwise.schema.typed.TypedReader`'s job (shared with
``load_dataset`` for folders); this module resolves customer ids against the store and
writes. Records without an id column get a derived id (see :mod:`keepwise.schema.typed`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, select
from sqlalchemy.exc import SQLAlchemyError

from keepwise.errors import N_, KeepwiseError, Message, StoreError
from keepwise.models import TABLES
from keepwise.schema.fields import TableContract, get_contract
from keepwise.schema.mapping import ColumnPlan, check_mapping, load_mapping
from keepwise.schema.readers import Chunk
from keepwise.schema.typed import TypedChunk, TypedReader, extra_attributes, stored_values
from keepwise.settings import get_settings
from keepwise.store import load
from keepwise.store.db import current_revision, get_engine, head_revision, normalize_url, upgrade

#: ``progress(done, total, rows_read)``: ``done``/``total`` in bytes (CSV) or rows (XLSX, Parquet).
ProgressCallback = Callable[[int, "int | None", int], None]

_CUSTOMER_CACHE_MAX = 1_000_000


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do).

    Attributes
    ----------
    table, file:
        Target table and the file's path.
    encoding:
        Text encoding used for CSV files (``utf-8``, ``utf-8-sig``, ``gb18030``...), else None.
    format:
        ``csv``, ``xlsx`` or ``parquet``.
    rows_read:
        Data rows read (blank rows are skipped and not counted).
    inserted, updated, unchanged:
        Records new to the store, existing ones with some value changed, and existing ones
        already identical.
    created_customers:
        Minimal customers created for unknown ``customer_id``\\ s (``create_missing_customers``).
    columns:
        The file's header -> field it was read as.
    notes:
        Things worth knowing that are not errors (ignored columns, derived ids, ...).
    """

    table: str
    file: str
    encoding: str | None = None
    format: str = ""
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    created_customers: int = 0
    dry_run: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: ``orders.csv -> orders: 10,000 rows read, 10,000 inserted, ...``."""
        verb = "would be " if self.dry_run else ""
        text = (
            f"{Path(self.file).name} -> {self.table}: {self.rows_read:,} rows read, "
            f"{self.inserted:,} {verb}inserted, {self.updated:,} {verb}updated, {self.unchanged:,} unchanged"
        )
        if self.created_customers:
            text += f", {self.created_customers:,} customers {verb}created"
        return text


def import_file(
    url: str | None,
    table: str,
    path: str | Path,
    *,
    mapping: str | Path | dict[str, str | None] | None = None,
    dry_run: bool = False,
    create_missing_customers: bool = False,
    progress: ProgressCallback | None = None,
    chunk_rows: int | None = None,
) -> ImportReport:
    """Validate ``path`` and upsert its rows into ``table``, all or nothing.

    Parameters
    ----------
    url:
        Store URL (``None``: the settings' store). The store is created/migrated if needed.
    table:
        customers, orders, interactions, tickets, feedback or contacts.
    path:
        CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030), XLSX or Parquet file.
    mapping:
        A JSON/TOML mapping file (see :mod:`keepwise.schema.mapping`) or a dict
        ``{header: field or None}`` for headers keepwise does not recognise.
    dry_run:
        Validate and count what would be inserted/updated, then roll back: nothing is written.
    create_missing_customers:
        Create a minimal customer (id, and name if the file has a customer-name column) for
        each unknown ``customer_id`` instead of reporting it.
    progress:
        Called after each chunk as ``progress(done, total, rows_read)``.
    chunk_rows:
        Rows per chunk (default ``settings.import_chunk_rows``).

    Returns
    -------
    ImportReport

    Raises
    ------
    ValidationError
        Any invalid cell, row or header (file, row, column and value of the first 50
        problems, and their count). Nothing is written.
    NotFoundError
        The file does not exist.
    ConfigError
        Unknown table or invalid mapping file.
    StoreError
        The store cannot be opened or refused the data; nothing is written.
    """
    started = time.perf_counter()
    contract = get_contract(table)
    table = contract.name
    path = Path(path)
    if isinstance(mapping, (str, Path)):
        mapping = load_mapping(mapping, table)
    elif mapping is not None:
        mapping = check_mapping(dict(mapping), table)
    url = normalize_url(url)
    settings = get_settings()
    chunk_rows = chunk_rows or settings.import_chunk_rows
    with TypedReader(path, contract, mapping=mapping, chunk_rows=chunk_rows) as source:
        plan = source.plan
        report = ImportReport(
            table=table,
            file=str(path),
            encoding=source.reader.encoding,
            format=source.reader.format,
            dry_run=dry_run,
            columns={plan.headers[pos]: name for name, pos in plan.fields.items()},
        )
        _describe_plan(plan, contract, report)
        _ensure_schema(url)
        job = _Import(source, create_missing_customers, settings.default_currency)
        engine = get_engine(url)
        try:
            # One transaction: committed only if the whole file is valid (and not a dry run),
            # rolled back on problems and on any error. A file-level problem part-way (a
            # malformed CSV row) ends the reading and is reported with what came before.
            with engine.connect() as conn, conn.begin() as transaction:
                for chunk in source.chunks():
                    job.process(conn, chunk, report)
                    done = chunk.done
                    del chunk
                    _release_memory()
                    if progress is not None:
                        progress(done, source.reader.total, report.rows_read)
                if source.log.failed or dry_run:
                    transaction.rollback()
        except KeepwiseError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{path.name}: the store refused the data, nothing was written: {_db_message(exc)}"
            ) from None
    problems = source.problems(
        f"cannot import {path.name} into {table} ({report.rows_read:,} rows read)"
    )
    if problems is not None:
        raise problems
    if job.auto_created and report.created_customers:
        report.notes.append(
            f"the store had no customers: created {report.created_customers:,} from this file's "
            "customer ids (import a customers file to add their details)"
        )
    if report.rows_read == 0:
        report.notes.append("the file has a header but no data rows")
    if dry_run:
        report.notes.append("dry run: nothing was written")
    report.seconds = time.perf_counter() - started
    return report


_HEAD: list[str] = []


def _release_memory() -> None:
    """Hand memory freed by the last chunk back to the OS (glibc keeps it otherwise).

    Each chunk allocates and frees hundreds of thousands of small strings; without this,
    glibc's arenas grow with fragmentation and the process's RSS creeps up chunk by chunk.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> Any:
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only (not musl)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _load_libc()


def _ensure_schema(url: str) -> None:
    """Create or migrate the store if it is not at the newest schema (zero set-up imports)."""
    if not _HEAD:
        _HEAD.append(head_revision())
    if current_revision(url) != _HEAD[0]:
        upgrade(url)


def _describe_plan(plan: ColumnPlan, contract: TableContract, report: ImportReport) -> None:
    extras = [plan.headers[p] or f"(column {p + 1}, no header)" for p in plan.extras]
    if contract.name == "customers":
        named = [h for h in extras if not h.startswith("(column ")]
        if named:
            report.notes.append(f"kept in attributes: {', '.join(named)}")
    elif extras:
        used = [plan.headers[p] for p in plan.customer_fields.values()]
        ignored = [h for h in extras if h not in used]
        if used:
            report.notes.append(
                f"customer details for customers created by the import: {', '.join(used)}"
            )
        if ignored:
            report.notes.append(
                f"ignored columns (not fields of {contract.name}): {', '.join(ignored)}"
            )
    if "external_id" not in plan.fields:
        report.notes.append(
            "no id column: ids are derived from each row's content (re-imports stay idempotent)"
        )


def _db_message(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _Import:
    """The state of one import across chunks."""

    def __init__(self, source: TypedReader, create_customers: bool, currency: str) -> None:
        self.source = source
        self.contract = source.contract
        self.plan = source.plan
        # None: decided on the first chunk (True when the store has no customers yet).
        self.create_customers: bool | None = True if create_customers else None
        self.auto_created = False
        self.default_currency = currency
        self.log = source.log
        self.customer_ids: dict[str, int] = {}
        self.table = cast(Table, TABLES[self.contract.name].__table__)
        self.customers = cast(Table, TABLES["customers"].__table__)

    # -- one chunk -------------------------------------------------------------------

    def process(self, conn: Connection, chunk: Chunk, report: ImportReport) -> None:
        parsed = self.source.parse(chunk)
        report.rows_read = self.source.rows_read
        if parsed is None:
            return
        if self.contract.name != "customers":
            parsed.typed["customer_id"] = self._customer_refs(
                conn, parsed.frame, parsed.typed, parsed.rows, report
            )
        if self.log.failed:
            return  # keep reading to count problems, but write nothing more
        records, update_columns = self._records(parsed)
        counts = load.upsert(conn, self.table, records, update_columns=update_columns)
        report.inserted += counts.inserted
        report.updated += counts.updated
        report.unchanged += counts.unchanged

    def _customer_refs(
        self,
        conn: Connection,
        frame: pd.DataFrame,
        typed: pd.DataFrame,
        rows: np.ndarray,
        report: ImportReport,
    ) -> pd.Series:
        refs = typed["customer_id"]
        if self.create_customers is None:
            # Only orders are required to analyse: into a store without customers, an import
            # creates them from the ids it references (with a note), instead of refusing.
            self.create_customers = not _has_rows(conn, self.customers)
            self.auto_created = self.create_customers
        wanted = [k for k in refs.dropna().unique() if k not in self.customer_ids]
        if wanted:
            if len(self.customer_ids) > _CUSTOMER_CACHE_MAX:
                self.customer_ids.clear()
            self.customer_ids.update(load.ids_by_external_id(conn, self.customers, wanted))
        resolved = refs.map(self.customer_ids)
        unknown = refs.notna() & resolved.isna()
        if unknown.any():
            if self.create_customers and not self.log.failed:
                created = self._create_customers(conn, frame, refs, unknown)
                report.created_customers += created
                resolved = refs.map(self.customer_ids)
            elif not self.create_customers:
                header = self.plan.header_of("customer_id")
                self.log.add_mask(
                    unknown,
                    rows,
                    header,
                    frame[self.plan.fields["customer_id"]],
                    Message(
                        N_(
                            "unknown customer: no customer has this id; import customers first, "
                            "or pass --create-missing-customers"
                        )
                    ),
                )
        return resolved

    def _create_customers(
        self, conn: Connection, frame: pd.DataFrame, refs: pd.Series, unknown: pd.Series
    ) -> int:
        from keepwise.schema.coerce import parse_text
        from keepwise.schema.fields import CUSTOMERS

        details = {"external_id": refs[unknown]}
        for name, pos in self.plan.customer_fields.items():
            limit = CUSTOMERS.by_name[name].max_length or 255
            details[name] = parse_text(frame[pos][unknown]).str.slice(0, limit)
        first = pd.DataFrame(details).drop_duplicates("external_id")
        names = list(first.columns)
        records = [
            {n: (None if pd.isna(v) else v) for n, v in zip(names, values, strict=True)}
            for values in first.itertuples(index=False)
        ]
        counts = load.upsert(conn, self.customers, records, update_columns=[])
        self.customer_ids.update(
            load.ids_by_external_id(conn, self.customers, first["external_id"])
        )
        return counts.inserted

    # -- rows for the store ----------------------------------------------------------

    def _records(self, parsed: TypedChunk) -> tuple[list[dict[str, Any]], list[str]]:
        typed = parsed.typed
        columns: dict[str, pd.Series] = {}
        for name, values in stored_values(self.contract, parsed, self.default_currency).items():
            kind = self.contract.by_name[name].type if name in self.contract.by_name else "ref"
            if kind in ("datetime", "date"):
                # numpy turns datetime64[us] into datetime and datetime64[D] into date objects.
                unit = "datetime64[us]" if kind == "datetime" else "datetime64[D]"
                # dtype=object: otherwise pandas infers datetime64 again and NaT reaches the driver.
                values = pd.Series(
                    values.to_numpy(dtype=unit).astype(object), index=values.index, dtype=object
                )
                values = values.where(typed[name].notna(), None)
            elif kind in ("money", "number", "ref"):
                # float64/Int64 -> Python floats/ints (object dtype), NaN -> None.
                values = values.astype("Int64" if kind == "ref" else "float64").astype(object)
                values = values.where(typed[name].notna(), None)
            else:
                values = values.astype(object).where(values.notna(), None)
            columns[name] = values
        # Only the columns the file has are updated (an order's currency also when a symbol
        # in the amount gave it).
        update = [name for name in typed.columns if name != "external_id"]
        if (
            self.contract.name == "orders"
            and "currency" not in update
            and parsed.symbol_currency.notna().any()
        ):
            update.append("currency")
        if self.contract.name == "customers":
            attributes = extra_attributes(self.plan, parsed.frame)
            if attributes is not None:
                columns["attributes"] = attributes
                update.append("attributes")
        names = list(columns)
        lists = [columns[n].tolist() for n in names]
        return [
            dict(zip(names, values, strict=True)) for values in zip(*lists, strict=True)
        ], update


def _has_rows(conn: Connection, table: Table) -> bool:
    return conn.execute(select(table.c.id).limit(1)).first() is not None
