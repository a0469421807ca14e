"""Read a snapshot table (CSV/TSV, XLSX or Parquet) into a pandas DataFrame of strings.

A snapshot table has one row per customer and whatever columns its system exports (it is not
one of keepwise's tables, so no column contract applies). It is read by the importer's reader
(:func:`keepwise.schema.readers.open_table`): the format from the first bytes, CSV encodings
sniffed (UTF-8 with or without BOM, UTF-16, GBK/GB18030), the header found below titles.
Everything is read as text (``dtype=str``) so that :mod:`keepwise.analytics.churn._encode`
decides the types once, the same way at ``fit`` and at ``predict``. In a workbook the sheet
holding the wanted column (or else the largest sheet) is used. Blank rows are skipped; each
row keeps the number a spreadsheet shows for it (``attrs["rows"]``) for error messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from keepwise.errors import NotFoundError, Problem, ValidationError

if TYPE_CHECKING:
    from keepwise.schema.readers import TableReader

#: Rows searched for the header (titles and notes may sit above it).
_MAX_HEADER_SCAN = 30


def read_table(
    path: str | Path, *, sheet: str | None = None, want_column: str | None = None
) -> pd.DataFrame:
    """Read a table file as strings, finding the sheet and the header row.

    Parameters
    ----------
    path
        CSV/TSV/TXT, XLSX/XLSM or Parquet file. The format is taken from the first bytes.
    sheet
        Sheet name in a workbook. Default: the sheet whose header has ``want_column``,
        else the sheet with the most filled cells.
    want_column
        A column the caller needs (the target at ``fit``), used to pick the sheet.

    Returns
    -------
    pandas.DataFrame
        One row per data row, columns named by the header row, values as ``str`` or None.

    Raises
    ------
    NotFoundError
        The file or the sheet does not exist.
    ValidationError
        The file is empty or cannot be parsed.
    """
    from keepwise.schema.readers import XlsxReader

    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"file not found: {p}")
    with _open(p, sheet) as reader:
        if not isinstance(reader, XlsxReader):
            return _frame(reader, str(p))
        if sheet is not None or len(reader.sheets) == 1:
            return _frame(reader, f"{p} [{reader.sheet.title}]")
        titles = reader.sheets
    tables: dict[str, pd.DataFrame] = {}
    for title in titles:
        try:
            with _open(p, title) as one:
                frame = _frame(one, f"{p} [{title}]")
        except ValidationError:
            continue  # an empty sheet
        if len(frame.columns):
            tables[title] = frame
    if not tables:
        raise ValidationError([Problem(str(p), None, None, None, "no sheet holds a table")])
    if want_column is not None:
        having = [k for k, v in tables.items() if want_column in set(v.columns)]
        if having:
            return tables[max(having, key=lambda k: tables[k].size)]
    return tables[max(tables, key=lambda k: tables[k].size)]


def _open(path: Path, sheet: str | None) -> TableReader:
    from keepwise.schema.readers import open_table

    return open_table(path, sheet=sheet, choose_header=_choose_header, header_rows=_MAX_HEADER_SCAN)


def _choose_header(candidates: list[list[str]]) -> int:
    """The header: the first row nearly as full as the fullest (80 %), all text, no numbers."""
    filled = [[c for c in cells if c] for cells in candidates]
    best = max(len(values) for values in filled)
    for i, values in enumerate(filled):
        full = len(values) >= max(2, 0.8 * best) or len(values) == best
        if values and full and not any(_looks_numeric(v) for v in values):
            return i
    return next((i for i, values in enumerate(filled) if values), 0)


def _frame(reader: TableReader, where: str) -> pd.DataFrame:
    """The reader's rows as text under its header (columns without a header are dropped)."""
    from keepwise.schema.readers import ParquetReader

    chunks = list(reader.chunks())
    header = reader.header
    if chunks:
        raw = pd.concat([c.frame for c in chunks], ignore_index=True)
        rows = np.concatenate([c.rows for c in chunks]).astype(np.int64)
    else:
        raw = pd.DataFrame(columns=list(range(len(header))))
        rows = np.empty(0, dtype=np.int64)
    if isinstance(reader, ParquetReader):
        # Typed columns as pandas writes them as text ("5.0", "2024-01-05 00:00:00").
        df = raw.astype("string").astype(object).where(lambda d: d.notna(), None)
        df.columns = header
        df.attrs["source"] = where
        return df
    text = raw.map(_to_text).replace({"": None})
    keep = [i for i, h in enumerate(header) if h]
    body = text.iloc[:, keep]
    filled = body.notna().any(axis=1).to_numpy() if len(keep) else np.zeros(len(body), bool)
    body, rows = body[filled].reset_index(drop=True), rows[filled]
    if not keep:
        raise ValidationError([Problem(where, None, None, None, "the table is empty")])
    seen: dict[str, int] = {}
    names = []
    for i in keep:
        name = header[i]
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    body.columns = names
    # where each row is in the file, for error messages (header = row 1 in a plain CSV); an
    # array, not a list: pandas deep-copies attrs on every operation on the frame
    body.attrs["source"] = where
    body.attrs["rows"] = rows
    return body


def _to_text(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _looks_numeric(v: object) -> bool:
    try:
        float(str(v).replace(",", ""))
    except ValueError:
        return False
    return True
