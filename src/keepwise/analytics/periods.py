"""Calendar periods (month, quarter, year) and the as-of date."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Literal

import ibis
import pandas as pd
import pyarrow as pa

from keepwise.analytics.activity import day_number
from keepwise.errors import ConfigError

Freq = Literal["month", "quarter", "year"]
FREQS: tuple[str, ...] = ("month", "quarter", "year")
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise ConfigError(f"unknown period {freq!r}; use one of: {', '.join(FREQS)}")
    return freq


def period_floor(value: date, freq: str) -> date:
    """First day of the period containing ``value``."""
    step = _MONTHS[check_freq(freq)]
    month = (value.month - 1) // step * step + 1
    return date(value.year, month, 1)


def add_periods(value: date, freq: str, n: int) -> date:
    """First day of the period ``n`` periods after the one starting at ``value``."""
    months = value.year * 12 + value.month - 1 + n * _MONTHS[check_freq(freq)]
    return date(months // 12, months % 12 + 1, 1)


def period_label(start: date, freq: str) -> str:
    if freq == "month":
        return f"{start.year}-{start.month:02d}"
    if freq == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}"


def to_date(value: Any, *, name: str = "date") -> date | None:
    """Accept a date, datetime, pandas Timestamp, ISO string (or ``2024/03/05``) or None.

    The one date coercion of the analytics; ``name`` is the parameter named in the error.
    """
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp
        return value.date()
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    if re.match(r"^\d{4}[/.]\d{1,2}[/.]\d{1,2}", text):  # year first: never ambiguous
        try:
            return pd.Timestamp(text.replace(".", "-").replace("/", "-")).date()
        except ValueError:
            pass
    raise ConfigError(f"{name} must be a date (YYYY-MM-DD), got {value!r}") from None


def require_date(value: Any, name: str = "date") -> date:
    """:func:`to_date` for a date that must be given."""
    day = to_date(value, name=name)
    if day is None:
        raise ConfigError(f"{name} must be a date (YYYY-MM-DD), got None")
    return day


def period_rows(freq: str, start: date, end: date, as_of: date) -> list[dict[str, Any]]:
    """The periods from the one containing ``start`` to the one containing ``end``.

    Each row has ``period`` (label), ``period_start``, ``period_end`` (last day of the
    period, or the as-of date when earlier), ``prev_period_start``, ``start_day`` (the
    snapshot day of "at start": the day before ``period_start``), ``end_day`` (the snapshot
    day of "at end": ``period_end``) and ``is_complete``.
    """
    check_freq(freq)
    if end < start:
        raise ConfigError(f"the end date {end} is before the start date {start}")
    rows = []
    current = period_floor(start, freq)
    while current <= end and current <= as_of:
        nxt = add_periods(current, freq, 1)
        last = nxt - timedelta(days=1)
        period_end = min(last, as_of)
        rows.append(
            {
                "period": period_label(current, freq),
                "period_start": current,
                "period_end": period_end,
                "prev_period_start": add_periods(current, freq, -1),
                "start_day": day_number(current) - 1,
                "end_day": day_number(period_end),
                "is_complete": period_end == last,
            }
        )
        current = nxt
    if not rows:
        raise ConfigError(f"no period between {start} and {min(end, as_of)}")
    return rows


def periods_table(rows: list[dict[str, Any]]) -> ibis.Table:
    """The rows of :func:`period_rows` as an Ibis memtable, with their ``period_index``."""
    schema = pa.schema(
        [
            ("period_index", pa.int64()),
            ("period", pa.string()),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("prev_period_start", pa.date32()),
            ("start_day", pa.int64()),
            ("end_day", pa.int64()),
            ("is_complete", pa.bool_()),
        ]
    )
    indexed = [{"period_index": i, **row} for i, row in enumerate(rows)]
    return ibis.memtable(pa.Table.from_pylist(indexed, schema=schema))


def day_period_table(periods: list[dict[str, Any]]) -> ibis.Table:
    """``day`` -> ``period_index`` for every day inside the periods of :func:`period_rows`.

    Period *i* holds the days ``start_day < day <= end_day`` (they tile: one period's
    ``end_day`` is the next one's ``start_day``), so an equi-join on ``day`` finds the period
    of any day number without a range join.
    """
    days: list[int] = []
    index: list[int] = []
    for i, row in enumerate(periods):
        span = range(row["start_day"] + 1, row["end_day"] + 1)
        days.extend(span)
        index.extend([i] * len(span))
    return ibis.memtable(
        pa.table({"day": pa.array(days, pa.int64()), "period_index": pa.array(index, pa.int64())})
    )


def order_period_start(ordered_at: Any, freq: str) -> Any:
    """The first day (a date) of the period containing each ``ordered_at``."""
    unit = {"month": "M", "quarter": "Q", "year": "Y"}[check_freq(freq)]
    return ordered_at.truncate(unit).date()
