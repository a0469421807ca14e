"""Validated, streaming, all-or-nothing import of CSV, XLSX and Parquet files into the store.

:func:`import_file` reads the file in chunks of ``settings.import_chunk_rows`` rows, parses
and validates each chunk with vectorised pandas code, and upserts it by external id inside
**one** database transaction. Once a problem is found nothing more is written; the file is
still read to the end so the report can say how many problems there are, and then the
transaction is rolled back. Memory is bounded by the chunk size plus 16 bytes per row for
the duplicate-id check, so a million-row file imports in a few hundred MB.

Records without an id column get a derived id: ``h`` + the 64-bit hash (hex) of the row's
mapped cells, plus ``-2``, ``-3``... for the second, third identical row in the file. The
same file therefore always yields the same ids, so re-importing it changes nothing.
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

from keepwise.errors import N_, KeepwiseError, Message, StoreError, ValidationError
from keepwise.models import TABLES
from keepwise.schema._validate import ProblemLog, coerce_chunk
from keepwise.schema.fields import TableContract, get_contract
from keepwise.schema.mapping import (
    ColumnPlan,
    check_mapping,
    header_score,
    load_mapping,
    match_columns,
)
from keepwise.schema.readers import Chunk, open_table
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
    score = header_score(contract, mapping)
    with open_table(path, table=table, chunk_rows=chunk_rows, header_score=score) as reader:
        plan = match_columns(reader.header, contract, mapping, path.name)
        report = ImportReport(
            table=table,
            file=str(path),
            encoding=reader.encoding,
            format=reader.format,
            dry_run=dry_run,
            columns={plan.headers[pos]: name for name, pos in plan.fields.items()},
        )
        _describe_plan(plan, contract, report)
        _ensure_schema(url)
        job = _Import(
            contract, plan, path.name, create_missing_customers, settings.default_currency
        )
        engine = get_engine(url)
        try:
            # One transaction: committed only if the whole file is valid (and not a dry run),
            # rolled back on problems and on any error.
            with engine.connect() as conn, conn.begin() as transaction:
                for chunk in reader.chunks():
                    job.process(conn, chunk, report)
                    done = chunk.done
                    del chunk
                    _release_memory()
                    if progress is not None:
                        progress(done, reader.total, report.rows_read)
                if job.log.failed or dry_run:
                    transaction.rollback()
        except ValidationError as exc:
            # A file-level problem part-way (a malformed CSV row): report it with what came before.
            for problem in exc.problems:
                job.log.add(problem)
        except KeepwiseError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{path.name}: the store refused the data, nothing was written: {_db_message(exc)}"
            ) from None
    if job.log.failed:
        raise ValidationError(
            job.log.sorted(),
            job.log.total,
            summary=f"cannot import {path.name} into {table} ({report.rows_read:,} rows read)",
        )
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


class _Seen:
    """Hashes seen in earlier chunks: sorted 64-bit hashes, counts and first row numbers.

    16 bytes per distinct row; a chunk is merged in with one ``np.insert`` per array, so the
    transient peak is one more copy of these arrays (not a re-sort of everything).
    """

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)
        self.counts = np.empty(0, dtype=np.int32)
        self.first_rows = np.empty(0, dtype=np.int32)

    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(count seen before, first row seen on, or 0) for each hash."""
        if not len(self.hashes):
            return np.zeros(len(hashes), dtype=np.int64), np.zeros(len(hashes), dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
        hit = self.hashes[pos] == hashes
        counts = np.where(hit, self.counts[pos], 0).astype(np.int64)
        return counts, np.where(hit, self.first_rows[pos], 0).astype(np.int64)

    def add(self, hashes: np.ndarray, rows: np.ndarray) -> None:
        new, first, counts = np.unique(hashes, return_index=True, return_counts=True)
        pos = np.searchsorted(self.hashes, new)
        hit = pos < len(self.hashes)
        hit[hit] = self.hashes[pos[hit]] == new[hit]
        np.add.at(self.counts, pos[hit], counts[hit].astype(np.int32))
        fresh = ~hit
        self.hashes = np.insert(self.hashes, pos[fresh], new[fresh])
        self.counts = np.insert(self.counts, pos[fresh], counts[fresh].astype(np.int32))
        self.first_rows = np.insert(
            self.first_rows, pos[fresh], rows[first[fresh]].astype(np.int32)
        )


class _Import:
    """The state of one import across chunks."""

    def __init__(
        self,
        contract: TableContract,
        plan: ColumnPlan,
        file: str,
        create_customers: bool,
        currency: str,
    ) -> None:
        self.contract = contract
        self.plan = plan
        self.file = file
        # None: decided on the first chunk (True when the store has no customers yet).
        self.create_customers: bool | None = True if create_customers else None
        self.auto_created = False
        self.default_currency = currency
        self.log = ProblemLog(file)
        self.seen_ids = _Seen()
        self.seen_rows = _Seen()
        self.customer_ids: dict[str, int] = {}
        self.now = pd.Timestamp.now()
        self.table = cast(Table, TABLES[contract.name].__table__)
        self.customers = cast(Table, TABLES["customers"].__table__)

    # -- one chunk -------------------------------------------------------------------

    def process(self, conn: Connection, chunk: Chunk, report: ImportReport) -> None:
        frame, rows = _drop_blank_rows(chunk.frame, chunk.rows)
        report.rows_read += len(frame)
        if frame.empty:
            return
        typed, symbol_currency = coerce_chunk(
            self.contract, self.plan, frame, rows, self.log, now=self.now
        )
        typed["external_id"] = self._ids(frame, typed, rows)
        if self.contract.name != "customers":
            typed["customer_id"] = self._customer_refs(conn, frame, typed, rows, report)
        if self.log.failed:
            return  # keep reading to count problems, but write nothing more
        records, update_columns = self._records(frame, typed, symbol_currency)
        counts = load.upsert(conn, self.table, records, update_columns=update_columns)
        report.inserted += counts.inserted
        report.updated += counts.updated
        report.unchanged += counts.unchanged

    def _ids(self, frame: pd.DataFrame, typed: pd.DataFrame, rows: np.ndarray) -> pd.Series:
        """Explicit ids checked for duplicates across the file, or derived ids for rows without one."""
        ids = (
            typed["external_id"]
            if "external_id" in typed
            else pd.Series(None, index=frame.index, dtype=object)
        )
        missing = ids.isna()
        if missing.any():
            if self.contract.name == "customers":
                pass  # "empty, but external_id is required" is already logged
            else:
                ids = ids.where(~missing, self._derived_ids(frame, rows, missing))
        explicit = ids.notna() & ~missing
        if explicit.any():
            self._check_duplicates(ids[explicit], rows[explicit.to_numpy()])
        return ids

    def _derived_ids(self, frame: pd.DataFrame, rows: np.ndarray, which: pd.Series) -> pd.Series:
        from keepwise.schema.coerce import _as_strings

        cells = pd.DataFrame(
            {name: _as_strings(frame[pos][which]) for name, pos in sorted(self.plan.fields.items())}
        )
        hashes = pd.util.hash_pandas_object(cells, index=False).to_numpy(dtype=np.uint64)
        before, _ = self.seen_rows.lookup(hashes)
        within = pd.Series(hashes).groupby(hashes).cumcount().to_numpy()
        occurrence = before + within + 1
        self.seen_rows.add(hashes, rows[which.to_numpy()])
        base = pd.Series([f"h{h:016x}" for h in hashes], index=cells.index)
        suffix = pd.Series(
            np.where(occurrence > 1, "-" + occurrence.astype(str), ""), index=cells.index
        )
        return base + suffix

    def _check_duplicates(self, ids: pd.Series, rows: np.ndarray) -> None:
        hashes = pd.util.hash_pandas_object(ids, index=False).to_numpy(dtype=np.uint64)
        before, first_before = self.seen_ids.lookup(hashes)
        frame = pd.DataFrame({"h": hashes, "row": rows})
        first_here = frame.groupby("h")["row"].transform("first").to_numpy()
        dup_here = frame["h"].duplicated().to_numpy()
        first = np.where(before > 0, first_before, first_here)
        is_dup = pd.Series((before > 0) | dup_here, index=ids.index)
        header = self.plan.header_of("external_id")
        self.log.add_mask(
            is_dup,
            rows,
            header,
            ids,
            lambda i: Message(
                N_("duplicate id: row %(row)s has the same id"), {"row": int(first[i])}
            ),
        )
        self.seen_ids.add(hashes, rows)

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

    def _records(
        self, frame: pd.DataFrame, typed: pd.DataFrame, symbol_currency: pd.Series
    ) -> tuple[list[dict[str, Any]], list[str]]:
        columns: dict[str, pd.Series] = {}
        update = []
        for name in typed.columns:
            kind = self.contract.by_name[name].type if name in self.contract.by_name else "ref"
            values = typed[name]
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
                default = (
                    self.contract.by_name[name].default if name in self.contract.by_name else None
                )
                if default is not None:
                    values = values.fillna(default)
                values = values.astype(object).where(values.notna(), None)
            columns[name] = values
            if name != "external_id":
                update.append(name)
        if self.contract.name == "orders":
            currency = columns.get("currency", pd.Series(None, index=typed.index, dtype=object))
            currency = currency.where(currency.notna(), symbol_currency)
            columns["currency"] = currency.where(currency.notna(), self.default_currency).astype(
                object
            )
            if "currency" not in update and symbol_currency.notna().any():
                update.append("currency")
        if self.contract.name == "customers":
            attributes = self._attributes(frame)
            if attributes is not None:
                columns["attributes"] = attributes
                update.append("attributes")
        names = list(columns)
        lists = [columns[n].tolist() for n in names]
        return [
            dict(zip(names, values, strict=True)) for values in zip(*lists, strict=True)
        ], update

    def _attributes(self, frame: pd.DataFrame) -> pd.Series | None:
        from keepwise.schema.coerce import parse_text

        named = [p for p in self.plan.extras if self.plan.headers[p]]
        if not named:
            return None
        cells = pd.DataFrame({self.plan.headers[p]: parse_text(frame[p]) for p in named})
        return pd.Series(
            [
                {k: v for k, v in row.items() if v is not None} or None
                for row in cells.to_dict("records")
            ],
            index=frame.index,
            dtype=object,
        )


def _has_rows(conn: Connection, table: Table) -> bool:
    return conn.execute(select(table.c.id).limit(1)).first() is not None


def _drop_blank_rows(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows whose every cell is empty are skipped (spreadsheets are full of them)."""
    if frame.empty:
        return frame, rows
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        col = frame[column]
        if col.dtype == object:
            empty = col.isna().to_numpy() | (col.astype(str).str.strip() == "").to_numpy()
        else:
            empty = col.isna().to_numpy()
        blank &= empty
        if not blank.any():
            return frame, rows
    keep = ~blank
    return frame[keep].reset_index(drop=True), rows[keep]
