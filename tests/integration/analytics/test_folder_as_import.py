"""`--data DIR` accepts exactly what `keepwise import` accepts, and reads it the same way.

The issue's check: a GB18030 folder with Chinese headers (a title line above the header,
``¥1,234.50`` amounts, ``2024年3月5日`` dates, ``已完成``/``退款`` statuses, ids with leading
zeros, an XLSX interactions file) gives the same churn table through ``--data DIR`` as after
``keepwise import`` into a store and ``--data <store url>``, on SQLite and PostgreSQL; the real
CLI runs both. A bad cell is reported the same way (file, row, column, value; exit code 2, no
traceback) and nothing is half-loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from keepwise.analytics.dataset import duckdb_backend, load_dataset
from keepwise.cli import app
from keepwise.errors import ValidationError

pytestmark = pytest.mark.integration

AS_OF = "2024-12-31"
CUSTOMERS = [f"{i:03d}" for i in range(1, 41)]  # "001" ... ids keep their zeros


def _orders_csv() -> str:
    lines = ["订单明细 2024年（导出）", "订单编号,客户编号,下单时间,订单金额,订单状态,客户名称"]
    n = 0
    for i, customer in enumerate(CUSTOMERS):
        # customers stop buying at different months: some churn inside the year
        last = 3 + (i * 7) % 10
        for month in range(1, last + 1, 1 + i % 3):
            n += 1
            amount = f"¥{(i * 37 + month * 11) % 900 + 100:,}.{month * 7 % 100:02d}"
            status = "已完成" if n % 9 else "退款"
            day = 1 + (i + month) % 27
            lines.append(
                f'D{n:05d},{customer},2024年{month}月{day}日 {9 + i % 8}:30,"{amount}",{status},'
                f"客户{customer}"
            )
    return "\n".join(lines) + "\n"


def _customers_csv() -> str:
    lines = ["客户编号,客户名称,客户类型,行业,标签,合同开始日期,合同结束日期,战略协同"]
    for i, customer in enumerate(CUSTOMERS):
        b2b = i % 4 == 0
        contract = "2024/1/1,2024/8/31" if b2b else ","
        lines.append(
            f"{customer},客户{customer},{'企业' if b2b else '个人'},{['零售', '制造'][i % 2]},"
            f"vip、华东,{contract},0.{i % 9}"
        )
    return "\n".join(lines) + "\n"


def _interactions() -> pd.DataFrame:
    rows = [
        (customer, f"2024-{1 + k:02d}-1{i % 9} 10:00", ["电话", "微信", "拜访"][k % 3])
        for i, customer in enumerate(CUSTOMERS)
        for k in range(i % 5)
    ]
    return pd.DataFrame(rows, columns=["客户编号", "跟进时间", "跟进方式"])


def _folder(root: Path) -> Path:
    folder = root / "data"
    folder.mkdir()
    (folder / "orders.csv").write_bytes(_orders_csv().encode("gb18030"))
    (folder / "customers.csv").write_bytes(_customers_csv().encode("gb18030"))
    _interactions().to_excel(folder / "interactions.xlsx", index=False, sheet_name="跟进记录")
    return folder


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout


def _churn(data: str) -> list[dict[str, object]]:
    out = _run("metrics", "churn", "--data", data, "--as-of", AS_OF, "--format", "json")
    return json.loads(out)  # type: ignore[no-any-return]


def test_a_gb18030_folder_reads_as_its_import(tmp_path: Path, db_url: str) -> None:
    folder = _folder(tmp_path)
    from_folder = _churn(str(folder))
    for table, name in (
        ("customers", "customers.csv"),
        ("orders", "orders.csv"),
        ("interactions", "interactions.xlsx"),
    ):
        _run("import", table, str(folder / name), "--db", db_url)
    from_store = _churn(db_url)
    assert from_folder == from_store
    assert sum(r["customers_churned"] for r in from_folder) > 0  # the table is not trivial

    # The tables behind it, column by column (the store has every column; the folder those
    # its files have, plus the defaults).
    folder_ds, store_ds = load_dataset(folder), load_dataset(db_url)
    for name in ("orders_all", "customers", "interactions"):
        mine = getattr(folder_ds, name).to_pandas()
        theirs = getattr(store_ds, name).to_pandas()[list(mine.columns)]
        key = ["customer_id", *(c for c in ("external_id", "occurred_at") if c in mine)]
        pd.testing.assert_frame_equal(
            mine.sort_values(key).reset_index(drop=True),
            theirs.sort_values(key).reset_index(drop=True),
            check_dtype=False,
        )
    orders = folder_ds.orders_all.to_pandas()
    assert set(orders["customer_id"]) == set(CUSTOMERS)
    assert set(orders["status"]) == {"completed", "refunded"} and set(orders["currency"]) == {"CNY"}
    customers = folder_ds.customers.to_pandas().set_index("customer_id")
    assert customers.loc["001", "kind"] == "B2B" and customers.loc["001", "tags"] == "vip;华东"
    assert json.loads(customers.loc["001", "attributes"]) == {"战略协同": "0.0"}

    # RFM too, through the real CLI.
    rfm_folder = json.loads(_run("rfm", "--data", str(folder), "--as-of", AS_OF, "-f", "json"))
    rfm_store = json.loads(_run("rfm", "--data", db_url, "--as-of", AS_OF, "-f", "json"))
    assert rfm_folder == rfm_store


def test_a_bad_amount_in_a_gbk_file_is_named_and_nothing_is_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    # A clean Parquet customers file DuckDB reads directly, then orders with two bad cells.
    pd.DataFrame({"customer_id": ["001", "002"], "name": ["甲", "乙"]}).to_parquet(
        folder / "customers.parquet"
    )
    text = (
        "订单明细\n"
        "客户编号,下单时间,订单金额\n"
        "001,2024-01-05,￥12.50\n"
        "002,2024年2月1日,十二元\n"
        "002,2024-02-03,5\n"
        "001,2024-02-30,7\n"
    )
    (folder / "orders.csv").write_bytes(text.encode("gbk"))
    con = duckdb_backend()
    with pytest.raises(ValidationError) as info:
        load_dataset(folder, con=con)
    problems = [(p.file, p.row, p.column, p.value) for p in info.value.problems]
    orders = str(folder / "orders.csv")
    assert problems == [(orders, 4, "订单金额", "十二元"), (orders, 6, "下单时间", "2024-02-30")]
    assert "not an amount" in info.value.problems[0].message
    assert info.value.total == 2
    assert con.list_tables() == []  # the customers read before are dropped again

    result = CliRunner().invoke(app, ["metrics", "churn", "--data", str(folder)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "orders.csv, row 4, column '订单金额'" in result.output and "十二元" in result.output

    # The importer says the same about the same file.
    imported = CliRunner().invoke(
        app, ["import", "orders", orders, "--db", f"sqlite:///{tmp_path / 's.db'}"]
    )
    assert imported.exit_code == 2
    assert "row 4, column '订单金额'" in imported.output and "十二元" in imported.output


def test_problems_of_every_file_are_reported_together(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "orders.csv").write_text(
        "customer_id,ordered_at,amount\nC1,2024-01-05,-3\n", encoding="utf-8"
    )
    (folder / "interactions.csv").write_text(
        "customer_id,occurred_at\nC1,2024-01-05\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError) as info:
        load_dataset(folder)
    by_file = {Path(p.file).name: p for p in info.value.problems}
    assert set(by_file) == {"orders.csv", "interactions.csv"}
    assert "negative amount" in by_file["orders.csv"].message
    assert "missing required column(s): channel" in by_file["interactions.csv"].message
