from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keepwise.errors import NotFoundError, ValidationError
from keepwise.schema import open_table, sniff_encoding

TEXT = "客户编号,金额\nK1,￥12\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(TEXT.encode(encoding))
    assert sniff_encoding(path) == expected
    with open_table(path) as reader:
        assert reader.header == ["客户编号", "金额"]
        [chunk] = list(reader.chunks())
    assert chunk.frame.values.tolist() == [["K1", "￥12"]]
    assert chunk.rows.tolist() == [2]


def test_gbk_character_late_in_a_large_file(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    body = "a,b\n" + "x,1\n" * 400_000 + "张三,2\n"
    path.write_bytes(body.encode("gbk"))
    assert sniff_encoding(path) == "gb18030"


@pytest.mark.parametrize(
    ("sep", "name"), [(";", "f.csv"), ("\t", "f.tsv"), ("\t", "f.txt"), ("|", "f.csv")]
)
def test_delimiters(tmp_path: Path, sep: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(f"a{sep}b{sep}c\n1{sep}2,5{sep}3\n", encoding="utf-8")
    with open_table(path) as reader:
        assert reader.header == ["a", "b", "c"]
        frame = next(reader.chunks()).frame
    assert frame.iloc[0].tolist() == ["1", "2,5", "3"]


def test_chunks_and_row_numbers_with_leading_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("\n\na,b\n" + "".join(f"{i},{i}\n" for i in range(5)), encoding="utf-8")
    with open_table(path, chunk_rows=2) as reader:
        chunks = list(reader.chunks())
    assert [c.rows.tolist() for c in chunks] == [[4, 5], [6, 7], [8]]
    assert chunks[-1].done == path.stat().st_size


def test_xlsx_and_parquet_by_content_not_extension(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "其他"
    orders = book.create_sheet("订单")
    orders.append(["order_id", "amount", None])
    orders.append(["A", 1.5])
    xlsx = tmp_path / "export.dat"
    book.save(xlsx)
    with open_table(xlsx, table="orders") as reader:
        assert reader.format == "xlsx" and reader.header == ["order_id", "amount"]
        assert next(reader.chunks()).frame.values.tolist() == [["A", 1.5]]
    parquet = tmp_path / "data.bin"
    pd.DataFrame({"a": [1, 2, 3]}).to_parquet(parquet)
    with open_table(parquet, chunk_rows=2) as reader:
        assert reader.format == "parquet" and reader.total == 3
        assert [c.rows.tolist() for c in reader.chunks()] == [[2, 3], [4]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
        (b"PK\x03\x04broken zip", "XLSX"),
        (b"PAR1broken", "Parquet"),
        (b"a,b\n\xff\xfe\xfa\x80\x81,2\n", "neither UTF-8 nor GBK"),
    ],
)
def test_files_that_are_not_tables(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=message), open_table(path) as reader:
        list(reader.chunks())


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="file not found"):
        open_table(tmp_path / "nope.csv")
    with pytest.raises(NotFoundError, match="folder"):
        open_table(tmp_path)


def test_a_too_long_first_row_is_a_problem_not_silently_cut(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a,b,c\n1,2,3,4\n5,6,7\n", encoding="utf-8")
    message = r"row 2: this row has more cells but the header has 3"
    with pytest.raises(ValidationError, match=message), open_table(path) as reader:
        list(reader.chunks())
