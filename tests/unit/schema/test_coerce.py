from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from keepwise.schema.coerce import (
    parse_amounts,
    parse_currency,
    parse_datetimes,
    parse_enum,
    parse_ids,
    parse_numbers,
    parse_tags,
)
from keepwise.schema.fields import CURRENCY_ALIASES, INTERACTIONS, ORDERS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("2024/03/05", "2024-03-05"),
        ("2024.3.5", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("2024年03月05日", "2024-03-05"),
        ("2024-03-05 14:30", "2024-03-05 14:30"),
        ("2024-03-05T14:30:15", "2024-03-05 14:30:15"),
        ("2024/3/5 9:05", "2024-03-05 09:05"),
        ("2024年3月5日 14:30", "2024-03-05 14:30"),
        ("2024年3月5日14时30分", "2024-03-05 14:30"),
        ("2024-03-05T14:30:00+08:00", "2024-03-05 06:30"),
        ("45356", "2024-03-05"),
        ("45356.5", "2024-03-05 12:00"),
        ("  2024-03-05  ", "2024-03-05"),
    ],
)
def test_dates_in_common_formats(text: str, expected: str) -> None:
    parsed, bad = parse_datetimes(pd.Series([text]))
    assert not bad[0]
    assert parsed[0] == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "text", ["x", "2024-13-01", "2024-02-30", "05/03/2024", "1850-01-01", "2024年13月1日"]
)
def test_bad_dates_are_flagged(text: str) -> None:
    parsed, bad = parse_datetimes(pd.Series([text]))
    assert bad[0] and pd.isna(parsed[0])


@pytest.mark.parametrize("text", ["", "  ", "NULL", "N/A", "-", "无", None])
def test_empty_dates_are_missing_not_bad(text: str | None) -> None:
    parsed, bad = parse_datetimes(pd.Series([text], dtype=object))
    assert not bad[0] and pd.isna(parsed[0])


def test_dates_from_spreadsheet_cells_and_typed_columns() -> None:
    cells = pd.Series(
        [datetime(2024, 3, 5, 10), date(2024, 3, 6), 45358, "2024/3/8", None], dtype=object
    )
    parsed, bad = parse_datetimes(cells)
    assert not bad.any()
    assert parsed.tolist()[:4] == [
        pd.Timestamp(x) for x in ("2024-03-05 10:00", "2024-03-06", "2024-03-07", "2024-03-08")
    ]
    typed = pd.Series(pd.to_datetime(["2024-03-05"]).tz_localize("Asia/Shanghai"))
    assert parse_datetimes(typed)[0][0] == pd.Timestamp("2024-03-04 16:00")
    assert parse_datetimes(pd.Series([20240305]))[0][0] == pd.Timestamp("2024-03-05")


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1234.5", 1234.5, None),
        ("¥1,234.50", 1234.5, "CNY"),
        ("￥1,234.50", 1234.5, "CNY"),
        ("RMB 1,234.50", 1234.5, "CNY"),
        ("CNY1234.5", 1234.5, "CNY"),
        ("1234.50元", 1234.5, "CNY"),
        ("$12.00", 12.0, "USD"),
        ("€ 12,50", 12.5, "EUR"),
        ("1 234,50", 1234.5, None),
        ("1\u00a0234,50", 1234.5, None),
        ("1.234,50", 1234.5, None),
        ("1'234.50", 1234.5, None),
        ("1,234", 1234.0, None),
        ("1,234,567.89", 1234567.89, None),
        ("1.234.567", 1234567.0, None),
        ("12,5", 12.5, None),
        ("(12.00)", -12.0, None),
        ("-12", -12.0, None),
        ("+7", 7.0, None),
        ("0", 0.0, None),
    ],
)
def test_amount_formats(text: str, amount: float, currency: str | None) -> None:
    values, currencies, bad = parse_amounts(pd.Series([text]))
    assert not bad[0]
    assert values[0] == pytest.approx(amount)
    assert (currencies[0] if pd.notna(currencies[0]) else None) == currency


@pytest.mark.parametrize("text", ["abc", "1,2,3", "12..5", "¥", "1e999", "--5", "inf"])
def test_bad_amounts_are_flagged(text: str) -> None:
    values, _, bad = parse_amounts(pd.Series([text]))
    assert bad[0] and pd.isna(values[0])


def test_numeric_columns_pass_through_and_inf_is_bad() -> None:
    values, _, bad = parse_amounts(pd.Series([1.5, np.nan, np.inf]))
    assert values[0] == 1.5 and pd.isna(values[1]) and not bad[1] and bad[2]


def test_percentages_for_fractions() -> None:
    values, bad = parse_numbers(pd.Series(["80%", "0.25", "12.5 %", "x"]), percent=True)
    assert values[:3].tolist() == pytest.approx([0.8, 0.25, 0.125]) and bad.tolist() == [
        False
    ] * 3 + [True]


def test_enum_spellings() -> None:
    status = ORDERS.by_name["status"]
    values, bad = parse_enum(
        pd.Series(["已完成", "退款", "Refund", "CANCELED", "取消", "", "lost"]),
        status.choices,
        status.value_aliases,
    )
    assert values.tolist()[:5] == ["completed", "refunded", "refunded", "cancelled", "cancelled"]
    assert bad.tolist() == [False] * 6 + [True]
    channel = INTERACTIONS.by_name["channel"]
    values, bad = parse_enum(
        pd.Series(["电话", "微信", "ＷｅＣｈａｔ", "e-mail", "上门拜访"]),
        channel.choices,
        channel.value_aliases,
    )
    assert values.tolist() == ["call", "wechat", "wechat", "email", "visit"] and not bad.any()


def test_currency_ids_and_tags() -> None:
    codes, bad = parse_currency(
        pd.Series(["cny", "人民币", "USD", "￥", "dollars", ""]), CURRENCY_ALIASES
    )
    assert codes.tolist()[:4] == ["CNY", "CNY", "USD", "CNY"] and bad.tolist() == [False] * 4 + [
        True,
        False,
    ]
    assert parse_ids(pd.Series([1001.0, np.nan, 7.0])).tolist() == ["1001", None, "7"]
    assert parse_ids(pd.Series(["  A1 ", ""])).tolist() == ["A1", None]
    assert parse_tags(pd.Series(["vip; 北京；老客户", "a|b、c", ""])).tolist() == [
        ["vip", "北京", "老客户"],
        ["a", "b", "c"],
        None,
    ]


def test_a_million_clean_cells_take_the_fast_path() -> None:
    """The common forms never reach the per-cell fallbacks (vectorised)."""
    dates = pd.Series(["2024-03-05 10:00:00"] * 1000)
    amounts = pd.Series(["1234.50"] * 1000)
    import keepwise.schema.coerce as coerce

    calls = []
    original_dates, original_amounts = coerce._slow_dates, coerce._slow_amounts
    try:
        coerce._slow_dates = lambda s: calls.append("dates") or original_dates(s)  # type: ignore[assignment]
        coerce._slow_amounts = lambda s: calls.append("amounts") or original_amounts(s)  # type: ignore[assignment]
        parse_datetimes(dates)
        parse_amounts(amounts)
    finally:
        coerce._slow_dates, coerce._slow_amounts = original_dates, original_amounts
    assert calls == []
