"""Property tests: the cell parsers never raise, and flag exactly the cells they cannot read."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwise.schema.coerce import parse_amounts, parse_datetimes, parse_enum, parse_numbers
from keepwise.schema.fields import ORDERS

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

cells = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.sampled_from(
        ["2024-03-05", "2024年3月5日", "20240305", "¥1,234.50", "1 234,50", "(3)", "NULL", "45356"]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2200, 1, 1)),
    st.dates(min_value=date(1800, 1, 1), max_value=date(2200, 1, 1)),
    st.booleans(),
)


@SETTINGS
@given(st.lists(cells, max_size=12))
def test_parsers_never_raise_and_bad_means_present_but_unparsed(values: list[object]) -> None:
    series = pd.Series(values, dtype=object)
    parsed, bad = parse_datetimes(series)
    assert len(parsed) == len(series) and not (bad & parsed.notna()).any()
    assert (parsed.dropna() >= pd.Timestamp("1900-01-01")).all()
    amounts, _, bad = parse_amounts(series)
    assert not (bad & amounts.notna()).any() and np.isfinite(amounts.dropna()).all()
    numbers, bad = parse_numbers(series, percent=True)
    assert not (bad & numbers.notna()).any()
    status = ORDERS.by_name["status"]
    values_, bad = parse_enum(series, status.choices, status.value_aliases)
    assert set(values_.dropna()) <= set(status.choices) and not (bad & values_.notna()).any()


@SETTINGS
@given(
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.sampled_from(["", "¥", "￥", "RMB ", "CNY"]),
)
def test_formatted_amounts_round_trip(amount: object, prefix: str) -> None:
    text = f"{prefix}{amount:,.2f}"
    values, _, bad = parse_amounts(pd.Series([text]))
    assert not bad[0] and values[0] == float(f"{amount:.2f}")


@SETTINGS
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_date_format_reads_back_the_same_day(day: date) -> None:
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
    ]
    parsed, bad = parse_datetimes(pd.Series(forms))
    assert not bad.any() and (parsed == pd.Timestamp(day)).all()
