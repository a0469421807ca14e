"""The one date coercion of the analytics (cutoffs, as-of and calibration dates)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from keepwise.analytics.periods import require_date, to_date
from keepwise.errors import ConfigError


@pytest.mark.parametrize(
    "value",
    ["2024-03-05", "2024-03-05T10:00", "2024/3/5", "2024.03.05", dt.date(2024, 3, 5),
     dt.datetime(2024, 3, 5, 23, 59), pd.Timestamp("2024-03-05 08:00")],
)  # fmt: skip
def test_accepted_spellings(value: object) -> None:
    assert to_date(value) == dt.date(2024, 3, 5)
    assert require_date(value, "cutoff") == dt.date(2024, 3, 5)


def test_none_and_errors_name_the_parameter() -> None:
    assert to_date(None) is None
    with pytest.raises(ConfigError, match="cutoff must be a date"):
        require_date(None, "cutoff")
    with pytest.raises(ConfigError, match="as_of must be a date .*'05/03/2024'"):
        require_date("05/03/2024", "as_of")
