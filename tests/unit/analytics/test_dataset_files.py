"""A folder of files with a value that is not a number or a date: a clear error naming the
file, row, column and value, from the library and from the CLI (no engine traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwise.analytics.dataset import load_dataset
from keepwise.cli import app
from keepwise.errors import ValidationError

GOOD = [
    "C1,2024-01-05 10:00:00,120.5",
    "C1,2024-03-01 09:30:00,80",
    "C2,2024-02-11 12:00:00,45.25",
]


def _folder(tmp_path: Path, bad_row: str) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    lines = ["customer_id,ordered_at,amount", *GOOD[:2], bad_row, GOOD[2]]
    (folder / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("bad_row", "column", "value", "what"),
    [
        ("C2,2024-02-01 08:00:00,abc", "amount", "abc", "not an amount"),
        ("C2,20x4-02-01 08:00:00,12", "ordered_at", "20x4-02-01 08:00:00", "not a date"),
    ],
)
def test_bad_value_in_a_file_is_named(
    tmp_path: Path, bad_row: str, column: str, value: str, what: str
) -> None:
    folder = _folder(tmp_path, bad_row)
    with pytest.raises(ValidationError) as info:
        load_dataset(folder)
    problem = info.value.problems[0]
    assert problem.file == str(folder / "orders.csv")
    assert (problem.row, problem.column, problem.value) == (4, column, value)
    assert what in problem.message
    r = CliRunner().invoke(app, ["churn", "evaluate", "--data", str(folder)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and f"row 4, column '{column}'" in r.output
    assert value in r.output


def test_good_files_load(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "C2,2024-02-01 08:00:00,12")
    orders = load_dataset(folder).orders.to_pandas()
    assert len(orders) == 4 and orders["amount"].sum() == pytest.approx(257.75)
