"""Read a snapshot table (CSV/TSV, XLSX or Parquet) into a pandas DataFrame of strings.

Everything is read as text (``dtype=str``) so that :mod:`keepwise.analytics.churn._encode`
decides the types once, the same way at ``fit`` and at ``predict``. In a workbook the sheet
holding the target column (or else the largest sheet) is used, and the header row is found
even when it is not the first row (titles and blank rows above the table are skipped).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keepwise.errors import NotFoundError, Problem, ValidationError

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
        One row per data row, columns named by the header row, values as ``str`` or NaN.

    Raises
    ------
    NotFoundError
        The file or the sheet does not exist.
    ValidationError
        The file is empty or cannot be parsed.
    """
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"file not found: {p}")
    with p.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK"):
        return _read_xlsx(p, sheet=sheet, want_column=want_column)
    if head.startswith(b"PAR1"):
        df = pd.read_parquet(p).astype("string").astype(object).where(lambda d: d.notna(), None)
        df.attrs["source"] = str(p)
        return df
    return _read_csv(p)


def _read_csv(p: Path) -> pd.DataFrame:
    from keepwise.schema.readers import sniff_encoding

    encoding = sniff_encoding(p)
    with p.open("r", encoding=encoding, errors="replace") as fh:
        first = ""
        for line in fh:
            if line.strip():
                first = line
                break
    if not first:
        raise ValidationError([Problem(str(p), None, None, None, "the file is empty")])
    sep = max((",", "\t", ";", "|"), key=first.count)
    try:
        raw = pd.read_csv(
            p,
            sep=sep,
            dtype=str,
            encoding=encoding,
            keep_default_na=False,
            header=None,
            skip_blank_lines=True,
            encoding_errors="replace",
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValidationError(
            [Problem(str(p), None, None, None, f"cannot parse the file: {exc}")]
        ) from None
    # pandas skips empty lines: number the rows by their line in the file (index + 1 = line),
    # unless quoted line breaks make lines and rows differ
    with p.open("r", encoding=encoding, errors="replace", newline="") as fh:
        lines = [i for i, line in enumerate(fh) if line.strip()]
    if len(lines) == len(raw):
        raw.index = pd.Index(lines)
    return _with_header(raw, str(p))


def _read_xlsx(p: Path, *, sheet: str | None, want_column: str | None) -> pd.DataFrame:
    sheets = pd.read_excel(p, sheet_name=None, header=None, dtype=object)
    if sheet is not None:
        if sheet not in sheets:
            raise NotFoundError(f"{p}: no sheet {sheet!r}; sheets: {', '.join(map(str, sheets))}")
        return _with_header(sheets[sheet], f"{p} [{sheet}]")
    framed = {name: _with_header(df, f"{p} [{name}]", strict=False) for name, df in sheets.items()}
    framed = {k: v for k, v in framed.items() if v is not None and len(v.columns) > 0}
    if not framed:
        raise ValidationError([Problem(str(p), None, None, None, "no sheet holds a table")])
    if want_column is not None:
        having = [
            k for k, v in framed.items() if want_column in {str(c).strip() for c in v.columns}
        ]
        if having:
            return framed[max(having, key=lambda k: framed[k].size)]
    return framed[max(framed, key=lambda k: framed[k].size)]


def _to_text(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _with_header(raw: pd.DataFrame, where: str, *, strict: bool = True) -> pd.DataFrame:
    """Find the header row (the first row nearly as full as the fullest, all text) and apply it."""
    raw = raw.map(_to_text) if hasattr(raw, "map") else raw.applymap(_to_text)
    raw = raw.replace({"": None})
    raw = raw.dropna(axis=1, how="all")
    filled_rows = raw.notna().any(axis=1) if len(raw.columns) else pd.Series(False, raw.index)
    if raw.empty or not filled_rows.any():
        if strict:
            raise ValidationError([Problem(where, None, None, None, "the table is empty")])
        return None
    # blank rows after the table are dropped; blank rows inside it are kept, so that the
    # rows match the file's data rows one for one (as pandas reads them)
    raw = raw.loc[: filled_rows[filled_rows].index[-1]]
    scan = raw[filled_rows.loc[raw.index]].iloc[:_MAX_HEADER_SCAN]
    filled = scan.notna().sum(axis=1)
    best = int(filled.max())
    header_pos = 0
    for pos, (_, row) in enumerate(scan.iterrows()):
        values = [v for v in row if v is not None]
        full = len(values) >= max(2, 0.8 * best) or len(values) == best
        if full and all(not _looks_numeric(v) for v in values):
            header_pos = pos
            break
    header_at = raw.index.get_loc(scan.index[header_pos])
    header = raw.iloc[header_at]
    body = raw.iloc[header_at + 1 :]
    keep = [i for i, h in enumerate(header) if h is not None]
    body = body.iloc[:, keep]
    names = [str(header.iloc[i]).strip() for i in keep]
    seen: dict[str, int] = {}
    unique = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        unique.append(n if seen[n] == 1 else f"{n}.{seen[n] - 1}")
    body.columns = unique
    rows = np.asarray(body.index, dtype=np.int64) + 1
    body = body.reset_index(drop=True)
    # where each row is in the file, for error messages (header = row 1 in a plain CSV); an
    # array, not a list: pandas deep-copies attrs on every operation on the frame
    body.attrs["source"] = where
    body.attrs["rows"] = rows
    return body


def _looks_numeric(v: object) -> bool:
    try:
        float(str(v).replace(",", ""))
    except ValueError:
        return False
    return True
