"""Vectorised parsing of dates, amounts, numbers and categorical values.

Every function takes a pandas Series of raw cells (strings from CSV, Python objects from
XLSX, typed values from Parquet) and returns the parsed Series plus a boolean Series
``bad`` marking cells that were not empty but could not be parsed. Empty cells (and the
usual spellings of "nothing": ``NULL``, ``N/A``, ``-``, ``无``...) parse to missing and are
never ``bad``; whether a value is required is the importer's business.

The common case runs through one vectorised pandas call; only cells that fail it go
through the slower fallbacks, so a million clean rows never meet a Python loop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

import numpy as np
import pandas as pd

#: Cell spellings read as "no value" in typed (non-text) columns.
NULL_TOKENS = frozenset(
    {
        "",
        "null",
        "none",
        "nan",
        "nat",
        "n/a",
        "na",
        "#n/a",
        "-",
        "--",
        "—",
        "无",
        "空",
        "(空)",
        "(blank)",
    }
)

#: Excel's day zero (serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EARLIEST = pd.Timestamp("1900-01-01")
#: Excel serials up to 2199-12-31 (later ones overflow pandas' nanosecond timestamps).
_LAST_SERIAL = (pd.Timestamp("2200-01-01") - EXCEL_EPOCH).days

_CURRENCY_PATTERN = re.compile(
    r"(?i)(US\$|HK\$|RMB|CNY|USD|EUR|GBP|HKD|JPY|元|人民币|美元|¥|￥|\$|€|£)"
)
_CURRENCY_OF_TOKEN = {
    "us$": "USD",
    "hk$": "HKD",
    "rmb": "CNY",
    "cny": "CNY",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "hkd": "HKD",
    "jpy": "JPY",
    "元": "CNY",
    "人民币": "CNY",
    "美元": "USD",
    "¥": "CNY",
    "￥": "CNY",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
}
# Thousands separators that are never decimal points: spaces of every width and the Swiss apostrophe.
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u3000'’]")


def _as_strings(values: pd.Series) -> pd.Series:
    """Stripped strings with missing values as ``""`` (object dtype)."""
    out = values.astype(object).where(values.notna(), "")
    if pd.api.types.infer_dtype(out, skipna=True) != "string":
        out = out.map(lambda v: v if isinstance(v, str) else _cell_to_str(v))
    return out.str.strip()


def _cell_to_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value)


def is_null(strings: pd.Series) -> pd.Series:
    """Which stripped string cells mean "no value"."""
    return strings.str.lower().isin(NULL_TOKENS)


# --------------------------------------------------------------------------- dates


def parse_datetimes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates and times in the formats people export.

    Accepted: ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``20240305``, ``2024年3月5日``, each with
    an optional time (``14:30``, ``14:30:15``, ``14时30分``), ISO 8601 with a zone offset
    (stored in UTC), Excel serial day numbers (``45356``, ``45356.5``) and real date cells of
    XLSX/Parquet files. Day-first or month-first forms (``05/03/2024``) are refused as
    ambiguous. Dates before 1900 are refused as implausible.

    Returns
    -------
    (parsed, bad)
        ``parsed`` is naive ``datetime64[ns]``; ``bad`` marks non-empty cells that did not parse.
    """
    index = values.index
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return _plausible(parsed.astype("datetime64[ns]"), values.notna())
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if values.dtype != "datetime64[ns]":  # Parquet's [us]/[ms] reach years pandas' [ns] cannot
            array = values.to_numpy()
            ok = (array >= np.datetime64("1900-01-01")) & (array < np.datetime64("2200-01-01"))
            parsed = pd.Series(np.where(ok, array, np.datetime64("NaT")), index=index).astype(
                "datetime64[ns]"
            )
            return parsed, values.notna() & ~ok
        return _plausible(values, values.notna())
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return _plausible(_from_numbers(values.astype("float64")), values.notna())

    result = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    present = values.notna()
    # Real date/datetime cells (XLSX, object-typed frames).
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in ("string", "empty"):
        is_dt = values.map(lambda v: isinstance(v, (datetime, date, pd.Timestamp)))
        if is_dt.any():
            result[is_dt] = pd.to_datetime(values[is_dt].map(_naive), errors="coerce")
        is_num = values.map(
            lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
        )
        if is_num.any():
            result[is_num] = _from_numbers(pd.to_numeric(values[is_num], errors="coerce"))
        todo = present & ~is_dt & ~is_num
    else:
        todo = present
    strings = _as_strings(values[todo])
    null = is_null(strings)
    present = present.copy()
    present[null[null].index] = False
    strings = strings[~null]
    if len(strings):
        fast = pd.to_datetime(strings, format="ISO8601", errors="coerce", utc=True)
        fast = fast.dt.tz_localize(None).astype("datetime64[ns]")
        result[strings.index] = fast
        rest = strings[fast.isna()]
        if len(rest):
            result[rest.index] = _slow_dates(rest)
    return _plausible(result, present)


def _naive(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return pd.Timestamp(value).tz_convert("UTC").tz_localize(None)
    return value


def _plausible(parsed: pd.Series, present: pd.Series) -> tuple[pd.Series, pd.Series]:
    parsed = parsed.where(parsed >= _EARLIEST)
    return parsed, present & parsed.isna()


def _from_numbers(numbers: pd.Series) -> pd.Series:
    """Excel serials (1-2958465, e.g. 45356.5) and yyyymmdd integers (20240305)."""
    out = pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns]")
    ymd = (numbers >= 19000101) & (numbers <= 29991231) & (numbers % 1 == 0)
    if ymd.any():
        out[ymd] = pd.to_datetime(
            numbers[ymd].astype("int64").astype(str), format="%Y%m%d", errors="coerce"
        )
    serial = (numbers >= 1) & (numbers < _LAST_SERIAL)
    if serial.any():
        out[serial] = EXCEL_EPOCH + pd.to_timedelta(numbers[serial], unit="D").dt.round("s")
    return out


_CJK_DATE = str.maketrans(
    {"年": "-", "月": "-", "日": " ", "号": " ", "时": ":", "点": ":", "分": ":", "秒": " "}
)
_DATE_RE = (
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:\s*(?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:\.\d+)?)?:?)?$"
)


def _slow_dates(strings: pd.Series) -> pd.Series:
    """The forms ISO 8601 parsing rejects: CJK dates, slashes/dots, compact, Excel serials."""
    norm = strings.str.translate(_CJK_DATE).str.replace(r"[/.]", "-", regex=True)
    norm = norm.str.replace(r"\s+", " ", regex=True).str.strip()
    compact = norm.str.fullmatch(r"\d{8}")
    norm = norm.where(
        ~compact, norm.str.slice(0, 4) + "-" + norm.str.slice(4, 6) + "-" + norm.str.slice(6, 8)
    )
    parts = norm.str.extract(_DATE_RE)
    ok = parts["year"].notna()
    out = pd.Series(pd.NaT, index=strings.index, dtype="datetime64[ns]")
    if ok.any():
        p = parts[ok].fillna({"hour": "0", "minute": "0", "second": "0"}).astype("int64")
        out[ok] = pd.to_datetime(
            p[["year", "month", "day", "hour", "minute", "second"]], errors="coerce"
        )
    serial = strings.str.fullmatch(r"\d{1,7}(\.\d+)?") & ~compact & ~ok
    if serial.any():
        out[serial] = _from_numbers(pd.to_numeric(strings[serial], errors="coerce"))
    return out


def to_dates(parsed: pd.Series) -> pd.Series:
    """Drop the time of day (for date fields such as ``acquired_at``)."""
    return parsed.dt.normalize()


# --------------------------------------------------------------------------- amounts and numbers


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse money: ``1234.5``, ``¥1,234.50``, ``￥1,234.50``, ``RMB 1234``, ``$12``, ``1 234,50``,
    ``1.234,50``, ``1'234.50``, ``(12.00)``, ``-12``.

    Thousands separators are spaces, apostrophes, and ``,`` or ``.`` when the other one is the
    decimal mark (the last of the two). A lone ``,`` followed by exactly three digits groups
    thousands (``1,234`` = 1234); any other lone ``,`` is a decimal comma (``1234,5``). Values
    in parentheses are negative (accounting style).

    Returns
    -------
    (amounts, currencies, bad)
        ``amounts`` float64 (negative values kept, so callers can report them), ``currencies``
        the ISO code implied by a symbol in the cell (``¥`` -> CNY, ``$`` -> USD) or missing.
    """
    index = values.index
    currencies = pd.Series(None, index=index, dtype=object)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.astype("float64")
        bad = pd.Series(np.isinf(numbers.to_numpy()), index=index)
        return numbers.where(~bad), currencies, bad
    strings = _as_strings(values)
    null = is_null(strings)
    numbers = pd.to_numeric(strings.where(~null), errors="coerce")
    rest = strings[numbers.isna() & ~null]
    if len(rest):
        parsed, found = _slow_amounts(rest)
        numbers[rest.index] = parsed
        currencies[rest.index] = found
    bad = numbers.isna() & ~null | np.isinf(numbers)
    return numbers.where(~bad), currencies, bad


def _slow_amounts(strings: pd.Series) -> tuple[pd.Series, pd.Series]:
    token = strings.str.extract(_CURRENCY_PATTERN, expand=False)
    found = token.str.lower().map(_CURRENCY_OF_TOKEN)
    s = strings.str.replace(_CURRENCY_PATTERN, "", regex=True)
    s = s.str.replace(_SPACES, "", regex=True)
    negative = s.str.fullmatch(r"\(.*\)") | s.str.endswith("-") & ~s.str.startswith("-")
    s = s.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(
        r"^(.*[^-])-$", r"\1", regex=True
    )
    s = s.str.replace(r"^\+", "", regex=True)
    has_comma, has_dot = s.str.contains(",", regex=False), s.str.contains(".", regex=False)
    last_comma, last_dot = s.str.rfind(","), s.str.rfind(".")
    comma_decimal = has_comma & (
        (has_dot & (last_comma > last_dot)) | (~has_dot & ~s.str.fullmatch(r"-?\d{1,3}(,\d{3})+"))
    )
    dot_thousands = has_dot & (
        comma_decimal | (~has_comma & s.str.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}"))
    )
    s = s.where(~dot_thousands, s.str.replace(".", "", regex=False))
    s = s.where(comma_decimal, s.str.replace(",", "", regex=False))
    s = s.where(~comma_decimal, s.str.replace(",", ".", regex=False))
    valid = s.str.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)")
    numbers = pd.to_numeric(s.where(valid), errors="coerce")
    numbers = numbers.where(~negative, -numbers)
    return numbers, found


def parse_numbers(values: pd.Series, *, percent: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse plain numbers (``12``, ``1,234.5``, ``1 234,5``); with ``percent``, ``80%`` reads 0.8."""
    if percent and not pd.api.types.is_numeric_dtype(values.dtype):
        strings = _as_strings(values)
        is_pct = strings.str.endswith("%") | strings.str.endswith("％")
        if is_pct.any():
            numbers, found, bad = parse_amounts(strings.str.rstrip("%％").str.strip())
            bad = bad | found.notna()  # a currency symbol is not a plain number
            return numbers.where(~is_pct, numbers / 100).where(~bad), bad
        values = strings
    numbers, found, bad = parse_amounts(values)
    bad = bad | found.notna()
    return numbers.where(~bad), bad


# --------------------------------------------------------------------------- categorical and text


def parse_enum(
    values: pd.Series, choices: tuple[str, ...], aliases: Mapping[str, str]
) -> tuple[pd.Series, pd.Series]:
    """Map spellings (case- and width-insensitive) onto ``choices``; unknown values are ``bad``."""
    strings = _as_strings(values)
    null = is_null(strings)
    lookup = {c.lower(): c for c in choices}
    lookup.update({k.lower(): v for k, v in aliases.items()})
    mapped = strings.str.lower().map(lookup)
    rest = mapped.isna() & ~null
    if rest.any():  # full-width letters, odd spacing: fold only the cells that need it
        folded = (
            strings[rest].str.normalize("NFKC").str.lower().str.replace(r"\s+", " ", regex=True)
        )
        mapped[rest] = folded.map(lookup)
    bad = mapped.isna() & ~null
    return mapped.where(~null), bad


def parse_currency(values: pd.Series, aliases: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    """ISO 4217 codes (``cny`` -> ``CNY``) and spellings such as ``人民币`` or ``¥``."""
    strings = _as_strings(values)
    null = is_null(strings)
    folded = strings.str.normalize("NFKC").str.lower()
    mapped = folded.map({k.lower(): v for k, v in aliases.items()})
    code = strings.str.upper().where(strings.str.fullmatch(r"[A-Za-z]{3}"))
    out = mapped.fillna(code)
    bad = out.isna() & ~null
    return out.where(~null), bad


def parse_text(values: pd.Series) -> pd.Series:
    """Stripped text; empty cells become missing (``None``)."""
    strings = _as_strings(values)
    return strings.where(strings != "", None)


def parse_ids(values: pd.Series) -> pd.Series:
    """Ids as text: ``1001.0`` from a spreadsheet number reads ``1001``."""
    if pd.api.types.is_float_dtype(values.dtype):
        ints = values.dropna()
        if (ints % 1 == 0).all():
            values = values.astype("Int64")
    if pd.api.types.is_integer_dtype(values.dtype):
        values = values.astype(object).where(values.notna(), None)
    return parse_text(values)


_TAG_SPLIT = re.compile(r"\s*[;；|、,，]\s*")


def parse_tags(values: pd.Series) -> pd.Series:
    """``a;b;c`` (also separated by ``；``, ``、``, ``|`` or ``,``) -> ``["a", "b", "c"]``."""
    text = parse_text(values)
    return text.map(lambda v: [t for t in _TAG_SPLIT.split(v) if t] or None, na_action="ignore")
