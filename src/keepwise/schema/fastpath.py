"""Read a table's file straight into DuckDB when none of its cells needs the parser.

:class:`~keepwise.schema.typed.TypedReader` reads whatever people export (GBK, ``¥1,234.50``,
``2024年3月5日``, ``已完成``) with vectorised pandas, a few hundred thousand rows a second. Big
files written by programs (Parquet from a warehouse, a UTF-8 CSV with ISO dates and plain
numbers) already hold every value in its final form, and DuckDB reads them ten to a hundred
times faster. :func:`plan_scan` writes that reading as SQL over DuckDB's own readers, from the
same contract and the same column plan the parser uses:

- a projection giving each field's value as the parser would (text stripped as Python strips
  it, plain numbers, ISO dates, the stored spellings and aliases of categorical values, the
  contract's defaults), and
- a condition true for every row the direct reading is not sure about: a cell in a form only
  the parser reads (``¥12``, ``2024/3/5``, ``1,234``, a full-width letter), or a row the parser
  would refuse (a required value missing, a negative amount, a number out of range, a date
  before 1900 or in the future, a resolution before the opening, text too long, a repeated id).

:func:`load_direct` uses the projection only when no row meets the condition; otherwise the
caller reads the file with the parser, which gives the same values or names the file, row,
column and value of each problem. So the direct path never accepts what the parser refuses
and never reads a value differently (``tests/unit/schema/test_fastpath.py`` compares the two
on a corpus of awkward files); it only saves time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from keepwise.schema.contract import Field, TableContract
from keepwise.schema.fields import CURRENCY_ALIASES, FEEDBACK_SCORE_RANGES
from keepwise.schema.mapping import ColumnPlan
from keepwise.schema.readers import CsvReader, ParquetReader, TableReader

#: What Python's ``str.strip()`` removes (every ``str.isspace()`` character): the parser
#: strips cells that way. A test checks the list against this Python's Unicode tables.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WS_CLASS = "[" + "".join(f"\\x{{{ord(c):04x}}}" for c in WHITESPACE) + "]"
#: Plain decimals of at most 15 digits: DuckDB and pandas read them to the same double.
_PLAIN_NUMBER = r"[0-9]+(\.[0-9]+)?"
_MAX_DIGITS = 15
#: ISO dates and times without a zone, to the microsecond (pandas and DuckDB agree on these).
_ISO_TIME = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?"
)
#: The parser's plausible dates (older ones are refused; later ones it may read differently).
_EARLIEST, _LATEST = "1900-01-01", "2200-01-01"


@dataclass(frozen=True)
class DirectScan:
    """SQL reading one file into a table's typed columns (see the module's docstring).

    Attributes
    ----------
    rows:
        A ``SELECT`` of the file's columns (``c0``, ``c1``, ...) in its non-blank rows.
    columns:
        (output name, SQL expression over ``rows``) of every output column, in contract
        order. The expressions are cheap: they are right for the rows ``doubtful`` passes.
    doubtful:
        SQL condition over ``rows``: the row needs the parser.
    unique:
        SQL expression over ``rows`` whose values must not repeat (the record's id), or None.
    simpler:
        (output name, condition, expression): when the condition holds in every row, the
        cheaper expression gives the same column (amounts already rounded, values already
        spelled as stored); checked in the same pass as ``doubtful``.
    materialize:
        Read the file once into a table (CSV text) rather than a view over it (Parquet).
    """

    rows: str
    columns: tuple[tuple[str, str], ...]
    doubtful: str
    unique: str | None
    simpler: tuple[tuple[str, str, str], ...]
    materialize: bool


def plan_scan(
    reader: TableReader,
    contract: TableContract,
    plan: ColumnPlan,
    *,
    names: dict[str, str],
    defaults: dict[str, str],
    now: pd.Timestamp,
) -> DirectScan | None:
    """The direct reading of the file behind ``reader``, or None when DuckDB cannot read it as
    the parser does (an XLSX workbook, a GBK CSV, a title above the header, Parquet column
    types the parser treats specially).

    ``names`` maps each field to its output column name; ``defaults`` gives the value of
    fields absent from the file or empty in it (the contract's defaults, an order's currency).
    """
    kinds = _source_kinds(reader)
    if kinds is None:
        return None
    if contract.name == "customers" and any(plan.headers[p] for p in plan.extras):
        return None  # other columns go into the JSON attributes: the parser's job
    by_name = contract.by_name
    mapped = {pos: name for name, pos in plan.fields.items()}
    if any(not _readable(by_name[name], kinds[pos]) for pos, name in mapped.items()):
        return None
    columns = [_ident(f"c{pos}") for pos in range(len(kinds))]
    values: dict[str, str] = {}
    doubts: list[str] = []
    simpler: list[tuple[str, str, str]] = []
    for pos, (c, kind) in enumerate(zip(columns, kinds, strict=True)):
        if pos not in mapped:
            if kind == "str":  # a cell of spaces makes a row blank to the parser, not here
                doubts.append(_all_spaces(c))
            continue
        f = by_name[mapped[pos]]
        value, doubt, simple = _field(f, c, kind, now)
        values[f.name] = value
        doubts.extend(doubt)
        if simple is not None:
            simpler.append((f.name, *simple))
    doubts.extend(_row_checks(contract, values))
    out: list[tuple[str, str]] = []
    for f in contract.fields:
        if f.name in values:
            expr = values[f.name]
        elif f.name in defaults:
            expr = "NULL"
        else:
            continue
        out.append((f.name, expr))

    def final(name: str, expr: str) -> str:
        f = by_name[name]
        if name in defaults:
            expr = f"COALESCE({expr}, {_literal(defaults[name])})"
        return _typed(f, expr)

    blank = " AND ".join(_blank(c, k) for c, k in zip(columns, kinds, strict=True)) or "FALSE"
    select = ", ".join(f"{_source_col(reader, pos)} AS {c}" for pos, c in enumerate(columns))
    return DirectScan(
        rows=f"SELECT {select} FROM {_source_sql(reader)} WHERE NOT ({blank})",
        columns=tuple((names.get(n, n), final(n, e)) for n, e in out),
        doubtful=" OR ".join(f"COALESCE({d}, FALSE)" for d in doubts) or "FALSE",
        unique=values.get("external_id"),
        simpler=tuple((names.get(n, n), cond, final(n, e)) for n, cond, e in simpler),
        materialize=isinstance(reader, CsvReader),
    )


def load_direct(conn: Any, scan: DirectScan, name: str) -> bool:
    """Create ``name`` in the DuckDB connection ``conn`` from ``scan`` if no row is doubtful.

    Returns whether it did; when it did not, nothing was created.
    """
    import duckdb

    rows = f"({scan.rows})"
    staging = _ident(name + "__rows")
    try:
        if scan.materialize:  # parse the text once
            conn.execute(f"CREATE TEMP TABLE {staging} AS {scan.rows}")
            rows = staging
        checks = [f"bool_or({scan.doubtful})"]
        if scan.unique:
            checks.append(f"count({scan.unique}) <> count(DISTINCT {scan.unique})")
        checks += [f"bool_and({cond})" for _, cond, _ in scan.simpler]
        found = conn.execute(f"SELECT {', '.join(checks)} FROM {rows}").fetchone()
        doubtful, duplicates = bool(found[0]), bool(scan.unique and found[1])
        if doubtful or duplicates:
            return False
        first = 2 if scan.unique else 1
        easy = {
            column: expr
            for (column, _, expr), ok in zip(scan.simpler, found[first:], strict=True)
            if ok is not False  # True, or NULL on an empty file
        }
        select = ", ".join(
            f"{easy.get(column, expr)} AS {_ident(column)}" for column, expr in scan.columns
        )
        kind = "TABLE" if scan.materialize else "VIEW"
        conn.execute(f"CREATE TEMP {kind} {_ident(name)} AS SELECT {select} FROM {rows}")
        return True
    except duckdb.Error:
        return False  # DuckDB's CSV reader refused a row the parser will name
    finally:
        if scan.materialize:
            conn.execute(f"DROP TABLE IF EXISTS {staging}")


def drop_direct(conn: Any, name: str) -> None:
    """Drop what :func:`load_direct` created as ``name`` (a view or a table)."""
    views = conn.execute("SELECT 1 FROM duckdb_views() WHERE view_name = ?", [name]).fetchall()
    conn.execute(f"DROP {'VIEW' if views else 'TABLE'} IF EXISTS {_ident(name)}")


# -- the file --------------------------------------------------------------------------------


def _source_kinds(reader: TableReader) -> list[str] | None:
    """How each of the file's columns reaches SQL: str, int, float, timestamp or date."""
    if isinstance(reader, CsvReader):
        if reader.encoding not in ("utf-8", "utf-8-sig") or reader.skip_lines != 0:
            return None
        with reader.path.open("rb") as fh:
            head = fh.read(1 << 16)
        # DuckDB detects one kind of line end; the parser takes any mix.
        if b"\n" not in head or head.count(b"\r") != head.count(b"\r\n"):
            return None
        return ["str"] * len(reader.header)
    if isinstance(reader, ParquetReader):
        import pyarrow as pa

        schema = reader._file.schema_arrow  # noqa: SLF001 - the reader's own file
        if len(set(schema.names)) != len(schema.names):
            return None
        kinds = []
        for name in reader.header:
            t = schema.field(name).type
            if pa.types.is_string(t) or pa.types.is_large_string(t):
                kinds.append("str")
            elif pa.types.is_integer(t):
                kinds.append("int")
            elif pa.types.is_floating(t):
                kinds.append("float")
            elif pa.types.is_timestamp(t) and t.tz is None and t.unit in ("s", "ms", "us"):
                kinds.append("timestamp")
            elif pa.types.is_date32(t):
                kinds.append("date")
            else:
                return None  # decimals, dictionaries, booleans, nested types: the parser's job
        return kinds
    return None


def _source_sql(reader: TableReader) -> str:
    path = _literal(str(Path(reader.path).resolve()))
    if isinstance(reader, CsvReader):
        types = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(reader.header)))
        return (
            f"read_csv({path}, header = false, skip = 1, delim = {_literal(reader.delimiter)}, "
            "quote = '\"', escape = '\"', all_varchar = true, auto_detect = false, "
            f"null_padding = true, columns = {{{types}}})"
        )
    return f"read_parquet({path})"


def _source_col(reader: TableReader, pos: int) -> str:
    return _ident(f"c{pos}") if isinstance(reader, CsvReader) else _ident(reader.header[pos])


def _readable(f: Field, kind: str) -> bool:
    """Whether a column of this kind holds the field in a form the direct reading knows."""
    if kind == "str":
        return True
    if f.type in ("money", "number"):
        return kind in ("int", "float")
    if f.type in ("date", "datetime"):
        return kind in ("timestamp", "date")
    return False


def _to_strip(c: str) -> str:
    """A cell the parser would strip. Cheap tests first: an ASCII first or last character up
    to the space (a few non-whitespace control characters go to the parser too, harmlessly);
    text with other characters than ASCII is matched exactly."""
    edges = _literal("^" + _WS_CLASS + "|" + _WS_CLASS + "$")
    return (
        f"{c} <> '' AND CASE WHEN {c} < '!' OR {c}[-1] < '!' THEN TRUE "
        f"WHEN strlen({c}) = length({c}) THEN FALSE ELSE regexp_matches({c}, {edges}) END"
    )


def _all_spaces(c: str) -> str:
    """A cell of whitespace only (a blank cell to the parser). A cell starting with a printable
    ASCII character is none."""
    spaces = _literal(_WS_CLASS + "+")
    return (
        f"{c} <> '' AND CASE WHEN {c} >= '!' AND {c} < '\x7f' THEN FALSE "
        f"ELSE regexp_full_match({c}, {spaces}) END"
    )


def _blank(column: str, kind: str) -> str:
    """An empty cell (cells of spaces are left to the parser: see the doubts)."""
    if kind == "str":
        return f"({column} IS NULL OR {column} = '')"
    if kind == "float":
        return f"({column} IS NULL OR isnan({column}))"
    return f"{column} IS NULL"


# -- values ----------------------------------------------------------------------------------


def _field(
    f: Field, c: str, kind: str, now: pd.Timestamp
) -> tuple[str, list[str], tuple[str, str] | None]:
    """(value, doubts, simpler) of field ``f`` read from column ``c``.

    The value is right wherever no doubt holds; ``simpler`` is (condition, expression) for a
    cheaper value that is right when the condition holds in every row.
    """
    doubts: list[str] = []
    if kind == "str":
        # The parser strips every cell as Python does; a cell to strip goes to the parser.
        doubts.append(_to_strip(c))
        present = f"{c} <> ''"
        if f.required:
            doubts.append(f"{c} IS NULL OR {c} = ''")
    else:
        present = f"{c} IS NOT NULL"
        if f.required:
            doubts.append(f"{c} IS NULL" + (f" OR isnan({c})" if kind == "float" else ""))
    if f.type in ("id", "ref", "text", "tags"):
        value = f"NULLIF({c}, '')"
        if f.max_length:
            # characters, as Python counts them (bytes first: never fewer than characters)
            doubts.append(f"strlen({c}) > {f.max_length} AND length({c}) > {f.max_length}")
        if f.type == "tags":
            split = _literal(_WS_CLASS + "*[;；|、,，]" + _WS_CLASS + "*")
            parts = f"regexp_split_to_array({c}, {split})"
            value = f"NULLIF(array_to_string(list_filter({parts}, t -> t <> ''), ';'), '')"
        return value, doubts, None
    if f.type in ("money", "number"):
        if kind == "str":
            plain = (
                f"regexp_full_match({c}, {_literal(_PLAIN_NUMBER)}) "
                f"AND length(replace({c}, '.', '')) <= {_MAX_DIGITS}"
            )
            doubts.append(f"{present} AND NOT ({plain})")  # also NULL, N/A: the parser's
            number = f"TRY_CAST(NULLIF({c}, '') AS DOUBLE)"
        elif kind == "float":
            doubts.append(f"isinf({c})")
            number = f"CASE WHEN isnan({c}) THEN NULL ELSE CAST({c} AS DOUBLE) END"
        else:
            number = f"CAST({c} AS DOUBLE)"
        doubts.extend(_bounds(f, number))  # amounts: negative before rounding
        # Without NaN, a float column is its own value; Parquet amounts usually have two
        # decimals already, and then need no rounding either.
        simple: tuple[str, str] | None = None
        if f.type == "number":
            if kind == "float":
                simple = (f"NOT isnan({c})", f"CAST({c} AS DOUBLE)")
            return number, doubts, simple
        rounded = f"round_even({number} * 100, 0) / 100"
        if kind == "float":
            done = f"round_even(CAST({c} AS DOUBLE) * 100, 0) / 100"
            simple = (f"NOT isnan({c}) AND {c} = {done}", f"CAST({c} AS DOUBLE)")
        return rounded, doubts, simple
    if f.type in ("date", "datetime"):
        if kind == "str":
            iso = f"regexp_full_match({c}, {_literal(_ISO_TIME)})"
            stamp = f"TRY_CAST(NULLIF({c}, '') AS TIMESTAMP)"
            doubts.append(f"{present} AND NOT ({iso} AND {stamp} IS NOT NULL)")
        else:
            stamp = f"CAST({c} AS TIMESTAMP)"
        doubts.extend(_time_checks(f, stamp, now))
        return (f"CAST({stamp} AS DATE)" if f.type == "date" else stamp), doubts, None
    if f.type == "enum":
        lookup = {ch.lower(): ch for ch in f.choices}
        lookup.update({k.lower(): val for k, val in f.value_aliases.items()})
        value = f"CASE WHEN {present} THEN {_case(_key(c), lookup, 'NULL')} END"
        stored = ", ".join(map(_literal, f.choices))
        enum_simple = (f"{c} IS NULL OR {c} = '' OR {c} IN ({stored})", f"NULLIF({c}, '')")
    else:  # currency: a known spelling, else a 3-letter code
        code = f"CASE WHEN regexp_full_match({c}, '[A-Za-z]{{3}}') THEN upper({c}) END"
        lookup = {k.lower(): val for k, val in CURRENCY_ALIASES.items()}
        value = f"CASE WHEN {present} THEN {_case(_key(c), lookup, code)} END"
        enum_simple = None
    # Unknown spellings, and NULL, N/A ... (which the parser reads as empty) go to the parser.
    doubts.append(f"{present} AND ({value}) IS NULL")
    return value, doubts, enum_simple


def _key(s: str) -> str:
    """Lower-cased like Python's ``str.lower`` where the two surely agree (ASCII); other text
    as it is (a cell only the parser's folding would match goes to the parser)."""
    return f"(CASE WHEN strlen({s}) = length({s}) THEN lower({s}) ELSE {s} END)"


def _case(key: str, lookup: dict[str, str], otherwise: str) -> str:
    whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in sorted(lookup.items()))
    return f"CASE {key} {whens} ELSE {otherwise} END"


def _bounds(f: Field, value: str) -> list[str]:
    checks = []
    low = 0.0 if f.type == "money" else f.minimum
    if low is not None:
        checks.append(f"{value} < {float(low)!r}")
    if f.maximum is not None:
        checks.append(f"{value} > {float(f.maximum)!r}")
    return checks


def _time_checks(f: Field, stamp: str, now: pd.Timestamp) -> list[str]:
    checks = [f"{stamp} < TIMESTAMP '{_EARLIEST}'", f"{stamp} >= TIMESTAMP '{_LATEST}'"]
    if f.not_in_future:
        # The parser refuses times after now + 1 day; times are whole microseconds here.
        limit = (now + pd.Timedelta(days=1)).floor("us")
        checks.append(f"{stamp} > TIMESTAMP '{limit.isoformat(sep=' ')}'")
    return checks


def _row_checks(contract: TableContract, values: dict[str, str]) -> list[str]:
    """The parser's checks across a row: time order, feedback score ranges."""
    checks = []
    for f in contract.fields:
        if f.not_before and f.name in values and f.not_before in values:
            checks.append(f"{values[f.name]} < {values[f.not_before]}")
    if contract.name == "feedback" and {"kind", "score"} <= set(values):
        kind, score = values["kind"], values["score"]
        for name, (low, high) in FEEDBACK_SCORE_RANGES.items():
            checks.append(
                f"(({kind}) = {_literal(name)} AND "
                f"({score} < {float(low)!r} OR {score} > {float(high)!r}))"
            )
    return checks


def _typed(f: Field, expr: str) -> str:
    if f.type in ("money", "number"):
        return f"CAST({expr} AS DOUBLE)"
    if f.type == "datetime":
        return f"CAST({expr} AS TIMESTAMP)"
    if f.type == "date":
        return f"CAST({expr} AS DATE)"
    return f"CAST({expr} AS VARCHAR)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
