"""Chunked readers for CSV/TSV, XLSX and Parquet files, with encoding sniffing.

:func:`open_table` looks at a file's first bytes (not its name) to pick the reader, so a
CSV saved as ``.txt`` or an XLSX without extension still reads. Every reader yields
:class:`Chunk`\\ s of at most ``chunk_rows`` rows whose columns are positions (0, 1, ...)
into :attr:`TableReader.header`, so duplicate or empty headers survive unchanged, and
whose rows carry the row number a spreadsheet would show (header = row 1).

CSV encodings tried, in order: a byte-order mark (UTF-8 or UTF-16), then UTF-8, then
GB18030 (a superset of GBK and GB2312, which Chinese Excel uses for "CSV"). The whole file
is checked before reading, in 1 MiB blocks, so a GBK character on row 900,000 cannot
break an import half-way.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from keepwise.errors import N_, Message, NotFoundError, Problem, ValidationError

_BLOCK = 1 << 20
#: Rows searched for the header when a title or notes sit above it.
HEADER_SEARCH_ROWS = 10
HeaderScore = Callable[[list[str]], int]
#: Picks the header among candidate rows (the first non-blank rows, as text cells): an index.
HeaderChooser = Callable[[list[list[str]]], int]
_DELIMITERS = (",", "\t", ";", "|")
#: Sheet names (besides the table's own name) an XLSX workbook may use for each table.
SHEET_NAMES = {
    "customers": ("customers", "客户", "客户列表", "客户信息"),
    "orders": ("orders", "订单", "订单列表", "订单明细"),
    "interactions": ("interactions", "互动", "跟进记录", "沟通记录"),
    "tickets": ("tickets", "工单", "工单列表"),
    "feedback": ("feedback", "反馈", "问卷"),
    "contacts": ("contacts", "联系人"),
}


@dataclass
class Chunk:
    """Up to ``chunk_rows`` raw rows of a file.

    Attributes
    ----------
    frame:
        Raw cells; columns are positions into the reader's header. CSV cells are strings.
    rows:
        Spreadsheet row number of each frame row (header = 1).
    done:
        Progress so far, in the reader's ``unit`` (bytes for CSV, rows otherwise).
    """

    frame: pd.DataFrame
    rows: np.ndarray
    done: int


class TableReader:
    """Base class: ``header``, ``format``, ``encoding``, ``total``/``unit`` and :meth:`chunks`."""

    format: str = ""
    encoding: str | None = None
    unit: str = "rows"

    def __init__(self, path: Path, chunk_rows: int) -> None:
        self.path = path
        self.chunk_rows = max(1, int(chunk_rows))
        self.header: list[str] = []
        self.total: int | None = None

    def chunks(self) -> Iterator[Chunk]:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        """Release the file (readers are also context managers)."""

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _file_problem(
    path: Path, template: str, row: int | None = None, **params: object
) -> ValidationError:
    """A whole-file problem: ``template`` (marked with ``N_``) filled with ``params``."""
    return ValidationError(
        [Problem.of(path.name, row, None, None, Message(template, params))],
        summary=f"cannot import {path.name}",
    )


def open_table(
    path: str | Path,
    *,
    table: str | None = None,
    chunk_rows: int = 50_000,
    header_score: HeaderScore | None = None,
    choose_header: HeaderChooser | None = None,
    header_rows: int = HEADER_SEARCH_ROWS,
    sheet: str | None = None,
) -> TableReader:
    """Open ``path`` with the reader its content calls for.

    ``header_score`` rates a candidate header row (how many of its cells name a field);
    with it, the header is the best of the first rows, so title lines above the header
    ("订单明细 2024年3月") are skipped. ``choose_header`` instead picks the header among the
    first ``header_rows`` non-blank rows itself (tables whose columns are not known in
    advance). Without either, the first non-blank row is the header. ``sheet`` names the
    worksheet of a workbook (default: the one named after ``table``, else the first).

    Raises
    ------
    NotFoundError
        The file does not exist.
    ValidationError
        The file is empty, binary garbage, an old ``.xls``, or not decodable.
    """
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"file not found: {path}")
    if path.is_dir():
        raise NotFoundError(f"{path} is a folder, not a file")
    with path.open("rb") as fh:
        head = fh.read(8)
    choose = _chooser(header_score, choose_header)
    rows = header_rows if choose is not None else 1
    if head.startswith(b"PK\x03\x04"):
        return XlsxReader(path, chunk_rows, table=table, sheet=sheet, choose=choose, rows=rows)
    if head.startswith(b"PAR1"):
        return ParquetReader(path, chunk_rows)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_problem(
            path, N_("old Excel .xls files are not supported: save the sheet as .xlsx or CSV")
        )
    return CsvReader(path, chunk_rows, choose=choose, rows=rows)


def _chooser(
    header_score: HeaderScore | None, choose_header: HeaderChooser | None
) -> HeaderChooser | None:
    """One way to pick the header: the chooser given, or the best-scoring row (the first of equals)."""
    if choose_header is not None or header_score is None:
        return choose_header
    score = header_score

    def best(candidates: list[list[str]]) -> int:
        scores = [score(cells) for cells in candidates]
        return max(range(len(scores)), key=lambda i: (scores[i], -i))

    return best


# --------------------------------------------------------------------------- CSV


def sniff_encoding(path: Path) -> str:
    """Return ``utf-8-sig``, ``utf-16``, ``utf-8`` or ``gb18030``: the first that decodes the whole file.

    Raises
    ------
    ValidationError
        The file is empty or binary (NUL bytes), or neither UTF-8 nor GB18030.
    """
    with path.open("rb") as fh:
        head = fh.read(_BLOCK)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in head:
            raise _file_problem(path, N_("this is a binary file, not CSV, XLSX or Parquet"))
        candidates = ["utf-8", "gb18030"]
    if not head.strip():
        raise _file_problem(path, N_("the file is empty: expected a header row and data rows"))
    for encoding in candidates:
        if _decodes(path, encoding):
            return encoding
    raise _file_problem(
        path,
        N_(
            "cannot read the text: it is neither UTF-8 nor GBK/GB18030. Save it as 'CSV UTF-8' "
            "or check that it is a CSV file"
        ),
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as fh:
            while block := fh.read(_BLOCK):
                text = decoder.decode(block)
                if "\x00" in text:
                    return False
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class CsvReader(TableReader):
    """CSV/TSV/semicolon-separated text in UTF-8 (with or without BOM), UTF-16 or GB18030."""

    format = "csv"
    unit = "bytes"

    def __init__(
        self,
        path: Path,
        chunk_rows: int,
        *,
        choose: HeaderChooser | None = None,
        rows: int = HEADER_SEARCH_ROWS,
    ) -> None:
        super().__init__(path, chunk_rows)
        self.encoding = sniff_encoding(path)
        self.total = path.stat().st_size
        candidates: list[tuple[int, str]] = []  # (physical line index, line)
        with path.open("r", encoding=self.encoding, newline="") as fh:
            for index, line in enumerate(fh):
                if line.strip():
                    candidates.append((index, line))
                    if choose is None or len(candidates) >= rows:
                        break
        if not candidates:
            raise _file_problem(path, N_("the file is empty: expected a header row and data rows"))
        tab = path.suffix.lower() in (".tsv", ".tab")

        def parse(line: str) -> tuple[str, list[str]]:
            delimiter = "\t" if tab else _sniff_delimiter(line)
            return delimiter, [h.strip() for h in next(csv.reader([line], delimiter=delimiter))]

        best = 0
        if choose is not None and len(candidates) > 1:
            best = choose([parse(line)[1] for _, line in candidates])
        self.skip_lines = candidates[best][0]
        self.delimiter, self.header = parse(candidates[best][1])
        self._fh: io.BufferedReader | None = None

    def chunks(self) -> Iterator[Chunk]:
        n = len(self.header)
        self._fh = self.path.open("rb")
        reader = pd.read_csv(
            self._fh,
            encoding=self.encoding,
            sep=self.delimiter,
            header=None,
            skiprows=self.skip_lines + 1,
            names=list(range(n)),
            index_col=False,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            chunksize=self.chunk_rows,
            engine="c",
        )
        first = self.skip_lines + 2
        try:
            while True:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", pd.errors.ParserWarning)
                    try:
                        frame = next(reader)
                    except StopIteration:
                        break
                if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
                    # pandas drops the extra cells of a too-long first row (with a warning only).
                    raise self._too_many_cells(n, row=first)
                rows = np.arange(first, first + len(frame))
                first += len(frame)
                yield Chunk(frame.reset_index(drop=True), rows, self._fh.tell())
        except pd.errors.ParserError as exc:
            raise self._parser_problem(exc) from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise _file_problem(
                self.path, N_("cannot parse the CSV: %(detail)s"), detail=str(exc)
            ) from None
        finally:
            reader.close()

    def _parser_problem(self, exc: Exception) -> ValidationError:
        text = str(exc)
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
        if found:
            expected, line, saw = (int(g) for g in found.groups())
            return self._too_many_cells(expected, saw, row=line)
        return _file_problem(
            self.path,
            N_("cannot parse the CSV: %(detail)s"),
            detail=text.replace("C error: ", ""),
        )

    def _too_many_cells(
        self, expected: int, saw: int | None = None, *, row: int | None
    ) -> ValidationError:
        tab = self.delimiter == "\t"
        delimiter = Message(N_("tab")) if tab else repr(self.delimiter)
        return _file_problem(
            self.path,
            N_(
                "this row has %(saw)s cells but the header has %(expected)s: check for an "
                "unquoted %(delimiter)s inside a value (quote it, or write amounts like "
                "1,234.50 as 1234.50)"
            )
            if saw is not None
            else N_(
                "this row has more cells but the header has %(expected)s: check for an "
                "unquoted %(delimiter)s inside a value (quote it, or write amounts like "
                "1,234.50 as 1234.50)"
            ),
            row=row,
            saw=saw,
            expected=expected,
            delimiter=delimiter,
        )

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _header_cells(values: tuple[Any, ...]) -> list[str]:
    header = list(values)
    while header and (header[-1] is None or not str(header[-1]).strip()):
        header.pop()
    return ["" if h is None else str(h).strip() for h in header]


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# --------------------------------------------------------------------------- XLSX


class XlsxReader(TableReader):
    """The first worksheet (or one named after the table) of an ``.xlsx`` workbook, streamed."""

    format = "xlsx"

    def __init__(
        self,
        path: Path,
        chunk_rows: int,
        *,
        table: str | None = None,
        sheet: str | None = None,
        choose: HeaderChooser | None = None,
        rows: int = HEADER_SEARCH_ROWS,
    ) -> None:
        super().__init__(path, chunk_rows)
        import zipfile

        from openpyxl import load_workbook

        # A file object, not the path: openpyxl refuses paths without an .xlsx-like extension.
        self._fh: io.BufferedReader | None = path.open("rb")
        try:
            self._book = load_workbook(self._fh, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            self.close()
            raise _file_problem(
                path, N_("not a readable XLSX workbook (%(detail)s)"), detail=str(exc)
            ) from None
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on corrupt files
            self.close()
            raise _file_problem(
                path,
                N_("not a readable XLSX workbook (%(detail)s)"),
                detail=f"{type(exc).__name__}: {exc}",
            ) from None
        sheets = self._book.worksheets
        if not sheets:
            self.close()
            raise _file_problem(path, N_("the workbook has no worksheet"))
        if sheet is not None:
            named = [ws for ws in sheets if ws.title == sheet]
            if not named:
                titles = [ws.title for ws in sheets]
                self.close()
                raise NotFoundError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(titles)}")
            self.sheet = named[0]
        else:
            wanted = {n.lower() for n in SHEET_NAMES.get(table or "", ())}
            self.sheet = next(
                (ws for ws in sheets if ws.title.strip().lower() in wanted), sheets[0]
            )
        #: Every worksheet's title, in the workbook's order.
        self.sheets = [ws.title for ws in sheets]
        self.total = self.sheet.max_row
        self._rows = self.sheet.iter_rows(min_row=1, values_only=True)
        self._row_no = 0
        # Non-empty rows seen while looking for the header: (row number, cells).
        seen: list[tuple[int, tuple[Any, ...]]] = []
        self._pending: list[tuple[int, tuple[Any, ...]]] = []
        for values in self._rows:
            self._row_no += 1
            if any(v is not None and str(v).strip() for v in values):
                seen.append((self._row_no, tuple(values)))
                if choose is None or len(seen) >= rows:
                    break
        if not seen:
            self.close()
            raise _file_problem(
                path,
                N_("the worksheet %(sheet)s is empty: expected a header row"),
                sheet=repr(self.sheet.title),
            )
        best = 0
        if choose is not None and len(seen) > 1:
            best = choose([_header_cells(cells) for _, cells in seen])
        self.header = _header_cells(seen[best][1])
        # Rows read past the header while searching are data: hand them out first (blank
        # rows among them are dropped later, as everywhere).
        header_row = seen[best][0]
        by_number = dict(seen)
        self._pending = [(r, by_number.get(r, ())) for r in range(header_row + 1, self._row_no + 1)]

    def chunks(self) -> Iterator[Chunk]:
        n = len(self.header)
        batch: list[tuple[Any, ...]] = []
        rows: list[int] = []
        for row_no, values in self._pending:
            batch.append(tuple(values[:n]) + (None,) * max(0, n - len(values)))
            rows.append(row_no)
        self._pending = []
        values_iter = iter(self._rows)
        while True:
            try:
                values = next(values_iter)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - corrupt sheet XML surfaces as many kinds
                raise _file_problem(
                    self.path,
                    N_("cannot read the worksheet (%(detail)s)"),
                    row=self._row_no + 1,
                    detail=f"{type(exc).__name__}: {exc}",
                ) from None
            self._row_no += 1
            cells = tuple(values[:n]) + (None,) * max(0, n - len(values))
            batch.append(cells)
            rows.append(self._row_no)
            if len(batch) >= self.chunk_rows:
                yield self._chunk(batch, rows)
                batch, rows = [], []
        if batch:
            yield self._chunk(batch, rows)

    def _chunk(self, batch: list[tuple[Any, ...]], rows: list[int]) -> Chunk:
        frame = pd.DataFrame.from_records(batch, columns=list(range(len(self.header))))
        frame = frame.astype(object)
        return Chunk(frame, np.asarray(rows), rows[-1])

    def close(self) -> None:
        book = getattr(self, "_book", None)
        if book is not None:
            book.close()
            self._book = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None


# --------------------------------------------------------------------------- Parquet


class ParquetReader(TableReader):
    """A Parquet file, read in record batches (rows numbered as a spreadsheet would: first = 2)."""

    format = "parquet"

    def __init__(self, path: Path, chunk_rows: int) -> None:
        super().__init__(path, chunk_rows)
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _file_problem(
                path, N_("not a readable Parquet file (%(detail)s)"), detail=str(exc)
            ) from None
        # A pandas index written along (``__index_level_0__``) is not a column of the table.
        meta = self._file.schema_arrow.pandas_metadata or {}
        index = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
        self._columns = [n for n in self._file.schema_arrow.names if n not in index]
        self.header = [str(name) for name in self._columns]
        self.total = self._file.metadata.num_rows

    def chunks(self) -> Iterator[Chunk]:
        import pyarrow as pa

        first = 2
        try:
            for batch in self._file.iter_batches(batch_size=self.chunk_rows, columns=self._columns):
                frame = batch.to_pandas(ignore_metadata=True)
                frame.columns = list(range(len(frame.columns)))
                rows = np.arange(first, first + len(frame))
                first += len(frame)
                yield Chunk(frame, rows, first - 2)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _file_problem(
                self.path, N_("cannot read the Parquet data (%(detail)s)"), detail=str(exc)
            ) from None

    def close(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()
            self._file = None
