"""The demo company's calendar: months of history and their seasonality.

Time inside the generator is counted in whole days from :attr:`Calendar.start`; the
simulation steps one calendar month at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

#: The default last day of history: fixed, so the same seed gives the same files on any day.
DEFAULT_END_DATE = date(2026, 6, 30)

# Chinese New Year (the first day of the lunar year): orders and logistics dip that month.
_CNY = {
    2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22),
    2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13),
    2030: (2, 3), 2031: (1, 23), 2032: (2, 11), 2033: (1, 31), 2034: (2, 19), 2035: (2, 8),
}  # fmt: skip


@dataclass(frozen=True)
class Calendar:
    """Months of the demo history.

    Attributes
    ----------
    start, end
        First and last day of history (``end`` inclusive).
    month_start, month_end
        Day offsets of each month's first day and of the day after its last day.
    month_of_year, year
        Calendar month (1-12) and year of each month.
    is_cny
        Whether Chinese New Year falls in the month.
    """

    start: date
    end: date
    month_start: np.ndarray
    month_end: np.ndarray
    month_of_year: np.ndarray
    year: np.ndarray
    is_cny: np.ndarray

    @property
    def n_months(self) -> int:
        return len(self.month_start)

    @property
    def n_days(self) -> int:
        """Number of days of history, ``end`` included."""
        return int(self.month_end[-1])

    @property
    def start64(self) -> np.datetime64:
        return np.datetime64(self.start, "D")

    def month_of_day(self, day: np.ndarray) -> np.ndarray:
        """Index of the month that contains each day offset."""
        return np.searchsorted(self.month_end, day, side="right").astype(np.int32)


def make_calendar(end_date: date, years: int) -> Calendar:
    """The calendar of ``years`` whole years of months ending with the month of ``end_date``."""
    n_months = 12 * years
    first_month = end_date.year * 12 + (end_date.month - 1) - (n_months - 1)
    months = np.arange(first_month, first_month + n_months + 1)
    firsts = np.array(
        [np.datetime64(f"{m // 12:04d}-{m % 12 + 1:02d}-01") for m in months], dtype="datetime64[D]"
    )
    start = firsts[0]
    offsets = (firsts - start).astype(np.int64)
    month_start = offsets[:-1]
    month_end = offsets[1:].copy()
    month_end[-1] = int((np.datetime64(end_date, "D") - start).astype(np.int64)) + 1
    year = months[:-1] // 12
    moy = months[:-1] % 12 + 1
    cny = np.array([_CNY.get(int(y), (2, 1))[0] == int(m) for y, m in zip(year, moy, strict=True)])
    return Calendar(
        start=start.astype(date),
        end=end_date,
        month_start=month_start,
        month_end=month_end,
        month_of_year=moy.astype(np.int32),
        year=year.astype(np.int32),
        is_cny=cny,
    )


def order_season(cal: Calendar, kind: str) -> np.ndarray:
    """Multiplier of the order rate in each month.

    B2C: Double 11 peak in November, 618 in June, Christmas/New Year in December, a dip in
    the Chinese New Year month. B2B: quarter-end pushes (March, June, September, December)
    and the same Chinese New Year dip.
    """
    moy = cal.month_of_year
    if kind == "b2b":
        season = np.where(np.isin(moy, [3, 6, 9, 12]), 1.35, 0.9)
        season = np.where(moy == 8, 0.8, season)
    else:
        table = np.array([1.0, 1.0, 0.95, 0.95, 1.0, 1.25, 0.95, 0.9, 1.0, 1.05, 1.7, 1.2, 1.0])
        season = table[moy - 1]
    return np.where(cal.is_cny, season * 0.6, season)


def support_load(cal: Calendar, kind: str) -> np.ndarray:
    """Multiplier of the chance of a slow first response (support overload) in each month."""
    moy = cal.month_of_year
    load = np.ones(cal.n_months)
    if kind == "b2b":
        load = np.where(np.isin(moy, [3, 12]), 1.4, load)
    else:
        load = np.where(moy == 11, 2.2, np.where(moy == 6, 1.4, load))
    return np.where(cal.is_cny, load * 1.8, load)


def logistics_load(cal: Calendar, kind: str) -> np.ndarray:
    """Multiplier of the chance of a late delivery in each month."""
    moy = cal.month_of_year
    load = np.where(moy == 11, 2.5, 1.0) if kind == "b2c" else np.ones(cal.n_months)
    return np.where(cal.is_cny, load * 2.0, load)
