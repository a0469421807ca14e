"""A user's file read against a table's contract: typed columns, chunk by chunk, plus a problem log.

This is the one way keepwise reads a file that holds one of its tables. The importer
(:func:`keepwise.schema.import_file`, into the store) and :func:`keepwise.analytics.load_dataset`
(a folder of files, no store) both read through :class:`TypedReader`, so they accept the same
formats and encodings (:func:`~keepwise.schema.readers.open_table`), the same headers
(:func:`~keepwise.schema.mapping.match_columns`), the same cells
(:func:`~keepwise.schema._validate.coerce_chunk`) and report the same problems, naming file,
row, column and value. What needs the store (is this customer known?) stays with the importer.

Records without an id column can get a derived id: ``h`` + the 64-bit hash (hex) of the
row's mapped cells, plus ``-2``, ``-3``... for the second, third identical row in the file.
The same file therefore always yields the same ids, so re-importing it changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keepwise.errors import N_, Message, ValidationError
from keepwise.schema._validate import ProblemLog, coerce_chunk
from keepwise.schema.coerce import _as_strings, parse_text
from keepwise.schema.contract import TableContract
from keepwise.schema.mapping import ColumnPlan, header_score, match_columns
from keepwise.schema.readers import Chunk, TableReader, open_table


@dataclass
class TypedChunk:
    """One chunk of a file, parsed.

    Attributes
    ----------
    frame:
        The raw cells of the chunk's non-blank rows (columns are positions in the file).
    rows:
        Spreadsheet row number of each row (header = 1).
    typed:
        One column per mapped field (missing values as NaN/NaT/None); ``external_id`` holds
        the derived ids of rows without one when the reader derives ids.
    symbol_currency:
        The currency implied by a symbol in the amount cell (``¥12`` -> CNY), else missing.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    typed: pd.DataFrame
    symbol_currency: pd.Series


class TypedReader:
    """Open ``path`` as a file of ``contract``'s table: find its header, map its columns.

    Parameters
    ----------
    path:
        CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030), XLSX or Parquet file.
    contract:
        The table the file holds.
    mapping:
        ``{header: field or None}`` for headers keepwise does not recognise.
    file:
        How problems name the file (default: its name).
    chunk_rows:
        Rows per chunk.
    derive_ids:
        Give rows without an ``external_id`` a derived one (the store needs one per record).

    Raises
    ------
    NotFoundError
        The file does not exist.
    ValidationError
        The file cannot be read, or its header lacks a required field.
    """

    def __init__(
        self,
        path: str | Path,
        contract: TableContract,
        *,
        mapping: dict[str, str | None] | None = None,
        file: str | None = None,
        chunk_rows: int = 50_000,
        derive_ids: bool = True,
    ) -> None:
        self.path = Path(path)
        self.contract = contract
        self.file = file if file is not None else self.path.name
        self.derive_ids = derive_ids
        score = header_score(contract, mapping)
        self.reader: TableReader = open_table(
            self.path, table=contract.name, chunk_rows=chunk_rows, header_score=score
        )
        try:
            self.plan: ColumnPlan = match_columns(self.reader.header, contract, mapping, self.file)
        except BaseException:
            self.reader.close()
            raise
        self.log = ProblemLog(self.file)
        self.rows_read = 0
        self.now = pd.Timestamp.now()
        self._seen_ids = _Seen()
        self._seen_rows = _Seen()

    # -- reading ---------------------------------------------------------------------

    def chunks(self) -> Iterator[Chunk]:
        """The file's raw chunks; a file-level problem part-way (a malformed CSV row) is
        logged and ends the iteration."""
        try:
            yield from self.reader.chunks()
        except ValidationError as exc:
            for problem in exc.problems:
                self.log.add(problem)

    def parse(self, chunk: Chunk) -> TypedChunk | None:
        """Parse one raw chunk (``None`` when all its rows are blank); problems go to :attr:`log`."""
        frame, rows = drop_blank_rows(chunk.frame, chunk.rows)
        self.rows_read += len(frame)
        if frame.empty:
            return None
        typed, symbol_currency = coerce_chunk(
            self.contract, self.plan, frame, rows, self.log, now=self.now
        )
        if self.derive_ids or "external_id" in typed:
            typed["external_id"] = self._ids(frame, typed, rows)
        return TypedChunk(frame, rows, typed, symbol_currency)

    def problems(self, summary: str) -> ValidationError | None:
        """The problems found so far as one error (``None`` when there were none)."""
        if not self.log.failed:
            return None
        return ValidationError(self.log.sorted(), self.log.total, summary=summary)

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> TypedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ids -------------------------------------------------------------------------

    def _ids(self, frame: pd.DataFrame, typed: pd.DataFrame, rows: np.ndarray) -> pd.Series:
        """Explicit ids checked for duplicates across the file, derived ids for rows without one."""
        ids = (
            typed["external_id"]
            if "external_id" in typed
            else pd.Series(None, index=frame.index, dtype=object)
        )
        missing = ids.isna()
        # customers: "empty, but external_id is required" is already logged
        if missing.any() and self.derive_ids and self.contract.name != "customers":
            ids = ids.where(~missing, self._derived_ids(frame, rows, missing))
        explicit = ids.notna() & ~missing
        if explicit.any():
            self._check_duplicates(ids[explicit], rows[explicit.to_numpy()])
        return ids

    def _derived_ids(self, frame: pd.DataFrame, rows: np.ndarray, which: pd.Series) -> pd.Series:
        cells = pd.DataFrame(
            {name: _as_strings(frame[pos][which]) for name, pos in sorted(self.plan.fields.items())}
        )
        hashes = pd.util.hash_pandas_object(cells, index=False).to_numpy(dtype=np.uint64)
        before, _ = self._seen_rows.lookup(hashes)
        within = pd.Series(hashes).groupby(hashes).cumcount().to_numpy()
        occurrence = before + within + 1
        self._seen_rows.add(hashes, rows[which.to_numpy()])
        base = pd.Series([f"h{h:016x}" for h in hashes], index=cells.index)
        suffix = pd.Series(
            np.where(occurrence > 1, "-" + occurrence.astype(str), ""), index=cells.index
        )
        return base + suffix

    def _check_duplicates(self, ids: pd.Series, rows: np.ndarray) -> None:
        hashes = pd.util.hash_pandas_object(ids, index=False).to_numpy(dtype=np.uint64)
        before, first_before = self._seen_ids.lookup(hashes)
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
        self._seen_ids.add(hashes, rows)


def stored_values(
    contract: TableContract, chunk: TypedChunk, default_currency: str
) -> dict[str, pd.Series]:
    """Each parsed field's values as the store keeps them.

    Empty cells of a field with a default (an order's ``status``, a customer's ``kind``) take
    the default; an order's ``currency`` comes from its column, else from a symbol in the
    amount, else ``default_currency`` (so orders always have one).
    """
    out: dict[str, pd.Series] = {}
    by_name = contract.by_name
    for name in chunk.typed.columns:
        values = chunk.typed[name]
        field = by_name.get(name)
        if field is not None and field.default is not None:
            values = values.fillna(field.default)
        out[name] = values
    if contract.name == "orders":
        index = chunk.typed.index
        currency = out.get("currency", pd.Series(None, index=index, dtype=object))
        currency = currency.where(currency.notna(), chunk.symbol_currency)
        out["currency"] = currency.where(currency.notna(), default_currency).astype(object)
    return out


def extra_attributes(plan: ColumnPlan, frame: pd.DataFrame) -> pd.Series | None:
    """A customers file's other named columns, one ``{header: text}`` dict per row (None when
    all are empty): what the store keeps in ``customers.attributes``. None without such columns.
    """
    named = [p for p in plan.extras if plan.headers[p]]
    if not named:
        return None
    cells = pd.DataFrame({plan.headers[p]: parse_text(frame[p]) for p in named})
    return pd.Series(
        [
            {k: v for k, v in row.items() if v is not None} or None
            for row in cells.to_dict("records")
        ],
        index=frame.index,
        dtype=object,
    )


def drop_blank_rows(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
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
