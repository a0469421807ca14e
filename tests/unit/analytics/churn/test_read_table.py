"""The snapshot-table reader goes through the importer's reader: encodings, titles, sheets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keepwise.analytics.churn import read_table
from keepwise.errors import NotFoundError, ValidationError


def test_gb18030_csv_with_a_title_above_the_header(tmp_path: Path) -> None:
    path = tmp_path / "客户.csv"
    text = "2024年客户流失明细\n客户编号,套餐,月费,是否流失\n007,畅享,¥59,是\n008,基础,29,否\n"
    path.write_bytes(text.encode("gb18030"))
    df = read_table(path, want_column="是否流失")
    assert list(df.columns) == ["客户编号", "套餐", "月费", "是否流失"]
    assert df.to_dict("list") == {
        "客户编号": ["007", "008"],  # text: the zeros stay
        "套餐": ["畅享", "基础"],
        "月费": ["¥59", "29"],
        "是否流失": ["是", "否"],
    }
    assert df.attrs["rows"].tolist() == [3, 4] and df.attrs["source"] == str(path)


def test_utf16_tab_separated(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("id\tplan\tChurn\n1\tx\tYes\n", encoding="utf-16")
    df = read_table(path)
    assert df.to_dict("list") == {"id": ["1"], "plan": ["x"], "Churn": ["Yes"]}


def test_a_file_that_is_no_text_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,plan\n\x00\x01\x02\xff\xfe")
    with pytest.raises(ValidationError) as info:
        read_table(path)
    assert info.value.problems[0].file == "t.csv"
    with pytest.raises(NotFoundError):
        read_table(tmp_path / "missing.csv")


def _workbook(path: Path) -> Path:
    notes = pd.DataFrame({"说明": ["本表为导出数据", "请勿修改"]})
    small = pd.DataFrame({"a": ["1"], "b": ["2"]})
    data = pd.DataFrame(
        {
            "CustomerID": ["C1", "C2", "C3"],
            "Tenure": [3, 14.0, 2.5],
            "Churn": ["Yes", "No", "No"],
        }
    )
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        notes.to_excel(xl, sheet_name="说明", index=False)
        small.to_excel(xl, sheet_name="big", index=False, startrow=0)
        data.to_excel(xl, sheet_name="数据", index=False, startrow=2)
        xl.sheets["数据"].cell(row=1, column=1, value="客户流失 2024")
    return path


def test_workbook_sheet_by_wanted_column_and_by_name(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "book.xlsx")
    df = read_table(book, want_column="Churn")
    assert list(df.columns) == ["CustomerID", "Tenure", "Churn"]
    assert df["Tenure"].tolist() == ["3", "14", "2.5"]  # whole numbers read as 3, not 3.0
    assert df.attrs["rows"].tolist() == [4, 5, 6]
    assert df.attrs["source"] == f"{book} [数据]"
    assert read_table(book).size == df.size  # without a wanted column: the largest sheet
    assert read_table(book, sheet="big").to_dict("list") == {"a": ["1"], "b": ["2"]}
    with pytest.raises(NotFoundError, match="no sheet 'nope'; sheets: 说明, big, 数据"):
        read_table(book, sheet="nope")


def test_parquet_reads_every_column_as_text_without_the_index(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["a", "b", "c"], "n": [1.0, 2.5, None]}, index=[10, 11, 12])
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)  # writes the index as __index_level_0__
    df = read_table(path)
    assert list(df.columns) == ["id", "n"]
    assert df.to_dict("list") == {"id": ["a", "b", "c"], "n": ["1.0", "2.5", None]}
