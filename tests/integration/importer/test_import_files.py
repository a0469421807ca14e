"""The importer on real files into a real SQLite file and real PostgreSQL (``db_url``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from keepwise import store
from keepwise.cli import app
from keepwise.errors import NotFoundError, StoreError, ValidationError
from keepwise.schema import import_file

from .files import fetch, write_csv

pytestmark = pytest.mark.integration

runner = CliRunner()


def _orders_rows(n: int, customers: int = 20) -> list[list[object]]:
    return [
        [
            f"O{i:06d}",
            f"C{i % customers + 1}",
            f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            f"{(i % 500) + 0.5:.2f}",
            "completed",
        ]
        for i in range(n)
    ]


ORDER_HEADER = ["order_id", "customer_id", "ordered_at", "amount", "status"]


# --------------------------------------------------------------------------- the acceptance check


def test_10k_orders_with_three_bad_rows_exit_2_names_each_and_writes_nothing(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    rows = _orders_rows(10_000)
    # Three bad rows, at data rows 101, 5001 and 9999 (spreadsheet rows 102, 5002, 10000).
    rows[100][3] = "-12.50"
    rows[5000][2] = "2024-13-45"
    rows[9998][1] = "C999"
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, rows)
    before = store.row_counts(db_url)

    result = runner.invoke(app, ["import", "orders", str(path), "--db", db_url])

    assert result.exit_code == 2, result.output
    out = result.output
    assert "3 problem(s)" in out
    assert "row 102, column 'amount'" in out and "'-12.50'" in out and "refunded" in out
    assert "row 5002, column 'ordered_at'" in out and "'2024-13-45'" in out
    assert "row 10000, column 'customer_id'" in out and "'C999'" in out
    assert "Traceback" not in out
    assert store.row_counts(db_url) == before


def test_the_same_10k_file_fixed_imports_then_reimports_unchanged(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, _orders_rows(10_000))
    first = import_file(db_url, "orders", path, chunk_rows=3_000)
    assert (first.rows_read, first.inserted, first.updated, first.unchanged) == (
        10_000,
        10_000,
        0,
        0,
    )
    stamps = fetch(db_url, "SELECT max(updated_at) AS u FROM orders")["u"][0]

    again = import_file(db_url, "orders", path, chunk_rows=3_000)

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 10_000)
    assert store.row_counts(db_url)["orders"] == 10_000
    assert fetch(db_url, "SELECT max(updated_at) AS u FROM orders")["u"][0] == stamps
    total = fetch(db_url, "SELECT sum(amount) AS s FROM orders")["s"][0]
    assert float(total) == pytest.approx(sum(float(r[3]) for r in _orders_rows(10_000)))


# --------------------------------------------------------------------------- encodings and formats


def test_gbk_csv_with_chinese_headers_and_yuan_amounts(db_url: str, tmp_path: Path) -> None:
    customers = tmp_path / "客户.csv"
    customers.write_bytes(
        "客户编号,客户名称,行业,地区,客户类型\nK001,华为技术,通信,华南,企业\nK002,张三,零售,华东,个人\n".encode(
            "gbk"
        )
    )
    orders = tmp_path / "订单.csv"
    orders.write_bytes(
        (
            "订单编号,客户编号,订单日期,金额,订单状态,商品名称\n"
            'D1,K001,2024/3/5,"￥1,234.50",已完成,路由器\n'
            "D2,K002,2024年3月6日,￥88,退款,耳机\n"
            "D3,K001,20240307,12元,待付款,网线\n"
        ).encode("gbk")
    )

    c = import_file(db_url, "customers", customers)
    o = import_file(db_url, "orders", orders)

    assert c.encoding == o.encoding == "gb18030"
    assert (c.inserted, o.inserted) == (2, 3)
    got = fetch(
        db_url,
        "SELECT o.external_id, c.external_id AS customer, o.ordered_at, o.amount, o.currency, o.status, o.product "
        "FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.external_id",
    )
    assert got["customer"].tolist() == ["K001", "K002", "K001"]
    assert [float(a) for a in got["amount"]] == [1234.5, 88.0, 12.0]
    assert got["currency"].tolist() == ["CNY", "CNY", "CNY"]
    assert got["status"].tolist() == ["completed", "refunded", "pending"]
    assert got["product"].tolist() == ["路由器", "耳机", "网线"]
    assert [pd.Timestamp(t).date().isoformat() for t in got["ordered_at"]] == [
        "2024-03-05",
        "2024-03-06",
        "2024-03-07",
    ]
    kinds = fetch(
        db_url, "SELECT external_id, name, kind, region FROM customers ORDER BY external_id"
    )
    assert kinds["kind"].tolist() == ["B2B", "B2C"] and kinds["name"].tolist() == [
        "华为技术",
        "张三",
    ]


def test_utf8_with_bom_and_semicolon_european_amounts(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    path = tmp_path / "orders_eu.csv"
    path.write_bytes(
        "\ufefforder_id;customer_id;ordered_at;amount\nE1;C1;05.03.2024;1 234,50\nE2;C2;2024-03-05;1.234,50\n".encode()
    )
    with pytest.raises(ValidationError, match="row 2, column 'ordered_at'"):
        import_file(db_url, "orders", path)  # 05.03.2024 is day-first: refused as ambiguous
    path.write_bytes(
        "\ufefforder_id;customer_id;ordered_at;amount\nE1;C1;2024.3.5;1 234,50\nE2;C2;2024-03-05;1.234,50\n".encode()
    )
    report = import_file(db_url, "orders", path)
    assert report.encoding == "utf-8-sig" and report.inserted == 2
    amounts = fetch(db_url, "SELECT amount FROM orders ORDER BY external_id")["amount"]
    assert [float(a) for a in amounts] == [1234.5, 1234.5]


def test_xlsx_with_date_cells_serials_and_numbers(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    from openpyxl import Workbook

    import_file(db_url, "customers", customers_csv)
    book = Workbook()
    sheet = book.active
    sheet.title = "订单"
    sheet.append(["订单号", "客户编号", "下单时间", "实付金额", "数量"])
    sheet.append([1001, "C1", datetime(2024, 3, 5, 14, 30), 99.5, 2])
    sheet.append([1002, "C2", 45356, "¥1,000.00", None])  # Excel serial 45356 = 2024-03-05
    sheet.append([None, None, None, None, None])  # a blank row is skipped
    sheet.append([1003, "C3", "2024年3月7日", 5, 1])
    path = tmp_path / "orders.xlsx"
    book.save(path)

    report = import_file(db_url, "orders", path)

    assert report.format == "xlsx" and report.rows_read == 3 and report.inserted == 3
    got = fetch(
        db_url, "SELECT external_id, ordered_at, amount, quantity FROM orders ORDER BY external_id"
    )
    assert got["external_id"].tolist() == ["1001", "1002", "1003"]  # not "1001.0"
    assert [pd.Timestamp(t) for t in got["ordered_at"]] == [
        pd.Timestamp("2024-03-05 14:30"),
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-03-07"),
    ]
    assert [float(a) for a in got["amount"]] == [99.5, 1000.0, 5.0]


def test_xlsx_problem_rows_are_sheet_rows(db_url: str, tmp_path: Path, customers_csv: Path) -> None:
    from openpyxl import Workbook

    import_file(db_url, "customers", customers_csv)
    book = Workbook()
    sheet = book.active
    sheet.append(["order_id", "customer_id", "ordered_at", "amount"])
    sheet.append(["A", "C1", "2024-01-01", 1])
    sheet.append([])
    sheet.append(["B", "C1", "2024-01-01", "lots"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", path)
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (4, "amount", "lots")
    assert store.row_counts(db_url)["orders"] == 0


def test_parquet_with_typed_columns(db_url: str, tmp_path: Path, customers_csv: Path) -> None:
    import_file(db_url, "customers", customers_csv)
    frame = pd.DataFrame(
        {
            "order_id": ["P1", "P2"],
            "customer_id": ["C1", "C2"],
            "ordered_at": pd.to_datetime(["2024-03-05 10:00", "2024-03-06 00:00"]),
            "amount": [10.25, 20.0],
            "status": ["completed", "cancelled"],
        }
    )
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path)
    report = import_file(db_url, "orders", path, chunk_rows=1)
    assert report.format == "parquet" and report.inserted == 2
    frame.loc[1, "amount"] = -3.0
    frame.to_parquet(path)
    with pytest.raises(ValidationError, match="row 3, column 'amount'"):
        import_file(db_url, "orders", path)


# --------------------------------------------------------------------------- coercion and mapping


def test_date_and_amount_formats(db_url: str, tmp_path: Path, customers_csv: Path) -> None:
    import_file(db_url, "customers", customers_csv)
    cases = [
        ("2024-03-05", "1234.50", "2024-03-05 00:00:00", 1234.5),
        ("2024/3/5", "¥1,234.50", "2024-03-05 00:00:00", 1234.5),
        ("20240305", "￥1,234.50", "2024-03-05 00:00:00", 1234.5),
        ("2024年3月5日", "RMB 1234.5", "2024-03-05 00:00:00", 1234.5),
        ("2024-03-05 14:30", "1 234,50", "2024-03-05 14:30:00", 1234.5),
        ("2024/03/05 14:30:15", "1.234,50", "2024-03-05 14:30:15", 1234.5),
        ("2024年3月5日 9:05", "CNY 7", "2024-03-05 09:05:00", 7.0),
    ]
    rows = [[f"F{i}", "C1", d, a] for i, (d, a, _, _) in enumerate(cases)]
    path = write_csv(
        tmp_path / "formats.csv", ["order_id", "customer_id", "ordered_at", "amount"], rows
    )
    assert import_file(db_url, "orders", path).inserted == len(cases)
    got = fetch(db_url, "SELECT external_id, ordered_at, amount FROM orders ORDER BY external_id")
    assert [pd.Timestamp(t) for t in got["ordered_at"]] == [pd.Timestamp(c[2]) for c in cases]
    assert [float(a) for a in got["amount"]] == [c[3] for c in cases]


def test_mapping_file_json_and_toml(db_url: str, tmp_path: Path, customers_csv: Path) -> None:
    import_file(db_url, "customers", customers_csv)
    path = write_csv(
        tmp_path / "export.csv",
        ["单据", "会员卡", "时间", "实收", "备用"],
        [["M1", "C1", "2024-01-02", "5", "x"]],
    )
    with pytest.raises(ValidationError, match="missing required column"):
        import_file(db_url, "orders", path)
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "单据": "external_id",
                "会员卡": "customer_id",
                "时间": "ordered_at",
                "实收": "amount",
                "备用": None,
            }
        ),
        encoding="utf-8",
    )
    report = import_file(db_url, "orders", path, mapping=mapping)
    assert report.inserted == 1 and report.columns["会员卡"] == "customer_id"
    toml = tmp_path / "map.toml"
    toml.write_text(
        '[orders]\n"单据" = "external_id"\n"会员卡" = "customer_id"\n"时间" = "ordered_at"\n'
        '"实收" = "amount"\n',
        encoding="utf-8",
    )
    assert import_file(db_url, "orders", path, mapping=toml).unchanged == 1


def test_update_of_a_changed_row(db_url: str, tmp_path: Path, customers_csv: Path) -> None:
    import_file(db_url, "customers", customers_csv)
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, _orders_rows(5))
    import_file(db_url, "orders", path)
    rows = _orders_rows(5)
    rows[2][3] = "999.99"
    rows[4][4] = "refunded"
    write_csv(path, ORDER_HEADER, rows)
    report = import_file(db_url, "orders", path)
    assert (report.inserted, report.updated, report.unchanged) == (0, 2, 3)
    got = fetch(
        db_url,
        "SELECT amount, status FROM orders WHERE external_id IN ('O000002', 'O000004') "
        "ORDER BY external_id",
    )
    assert float(got["amount"][0]) == 999.99 and got["status"][1] == "refunded"


def test_customers_tags_attributes_and_partial_update_keeps_other_columns(
    db_url: str, tmp_path: Path
) -> None:
    first = write_csv(
        tmp_path / "c1.csv",
        ["客户编号", "客户名称", "标签", "会员卡等级"],
        [["A1", "Ann", "vip;北京；老客户", "gold"]],
    )
    report = import_file(db_url, "customers", first)
    assert "会员卡等级" in " ".join(report.notes)
    second = write_csv(tmp_path / "c2.csv", ["customer_id", "industry"], [["A1", "教育"]])
    import_file(db_url, "customers", second)
    got = fetch(db_url, "SELECT name, industry, tags, attributes FROM customers")
    assert got["name"][0] == "Ann" and got["industry"][0] == "教育"
    tags = got["tags"][0]
    assert (json.loads(tags) if isinstance(tags, str) else tags) == ["vip", "北京", "老客户"]
    attributes = got["attributes"][0]
    assert (json.loads(attributes) if isinstance(attributes, str) else attributes) == {
        "会员卡等级": "gold"
    }


# --------------------------------------------------------------------------- validation


def test_unknown_customer_is_a_problem_unless_created(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    path = write_csv(
        tmp_path / "o.csv",
        ["order_id", "customer_id", "客户名称", "ordered_at", "amount"],
        [
            ["U1", "C1", "x", "2024-01-01", "1"],
            ["U2", "NEW1", "新客户", "2024-01-01", "2"],
            ["U3", "NEW1", "新客户", "2024-01-02", "3"],
        ],
    )
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", path)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [
        (3, "customer_id", "NEW1"),
        (4, "customer_id", "NEW1"),
    ]
    assert store.row_counts(db_url)["orders"] == 0
    dry = import_file(db_url, "orders", path, create_missing_customers=True, dry_run=True)
    assert (dry.inserted, dry.created_customers) == (3, 1)
    assert store.row_counts(db_url)["customers"] == 20 and store.row_counts(db_url)["orders"] == 0
    report = import_file(db_url, "orders", path, create_missing_customers=True)
    assert report.created_customers == 1 and report.inserted == 3
    assert (
        fetch(db_url, "SELECT name FROM customers WHERE external_id = 'NEW1'")["name"][0]
        == "新客户"
    )


def test_duplicate_ids_name_both_rows_across_chunks(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    rows = _orders_rows(30)
    rows[25][0] = rows[3][0]  # data row 26 (sheet row 27) repeats row 5's id
    rows[6][0] = rows[5][0]
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, rows)
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", path, chunk_rows=10)
    problems = [(p.row, p.column, p.value, p.message) for p in info.value.problems]
    assert problems == [
        (8, "order_id", rows[5][0], "duplicate id: row 7 has the same id"),
        (27, "order_id", rows[3][0], "duplicate id: row 5 has the same id"),
    ]
    assert store.row_counts(db_url)["orders"] == 0


def test_future_dates_and_other_row_problems(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    next_year = pd.Timestamp.now().year + 1
    path = write_csv(
        tmp_path / "o.csv",
        ORDER_HEADER + ["currency"],
        [
            ["X1", "C1", f"{next_year}-01-01", "1", "completed", "CNY"],
            ["X2", "C1", "2024-01-01", "", "completed", "CNY"],
            ["X3", "C1", "2024-01-01", "1", "shipped?", "CNY"],
            ["X4", "C1", "2024-01-01", "1", "completed", "yuan!"],
        ],
    )
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", path)
    got = {(p.row, p.column): p.message for p in info.value.problems}
    assert got[(2, "ordered_at")].startswith("date in the future")
    assert got[(3, "amount")] == "empty, but amount is required"
    assert got[(4, "status")].startswith(
        "unknown value: use one of completed, pending, refunded, cancelled"
    )
    assert got[(5, "currency")].startswith("not a currency")


def test_more_than_50_problems_lists_50_and_counts_all(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    rows = _orders_rows(200)
    for row in rows[:120]:
        row[3] = "n/a?"
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, rows)
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", path, chunk_rows=50)
    assert info.value.total == 120 and len(info.value.problems) == 50
    assert "... and 70 more" in str(info.value)


def test_missing_required_column_lists_headers_and_close_matches(
    db_url: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "o.csv",
        ["order_id", "customer_id", "orderdat", "amount"],
        [["1", "C1", "x", "1"]],
    )
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", path)
    message = str(info.value)
    assert "missing required column(s): ordered_at" in message
    assert "'orderdat'" in message and "close" in message


def test_other_tables_import(db_url: str, tmp_path: Path, customers_csv: Path) -> None:
    import_file(db_url, "customers", customers_csv)
    interactions = write_csv(
        tmp_path / "i.csv",
        ["客户编号", "跟进时间", "跟进方式", "方向", "时长", "跟进内容"],
        [
            ["C1", "2024-03-01 10:00", "电话", "呼出", "12", "续约"],
            ["C2", "2024-03-02", "微信", "呼入", "", ""],
        ],
    )
    tickets = write_csv(
        tmp_path / "t.csv",
        ["工单编号", "客户编号", "创建时间", "解决时间", "优先级", "满意度"],
        [["T1", "C1", "2024-03-01", "2024-03-02", "紧急", "4"]],
    )
    feedback = write_csv(
        tmp_path / "f.csv",
        ["customer_id", "occurred_at", "kind", "score", "comment"],
        [["C1", "2024-03-01", "NPS", "9", "好"], ["C2", "2024-03-01", "满意度", "5", ""]],
    )
    contacts = write_csv(
        tmp_path / "p.csv",
        ["客户编号", "联系人", "职位", "决策权重", "邮箱"],
        [["C1", "李雷", "采购经理", "80%", "li@example.com"]],
    )
    assert import_file(db_url, "interactions", interactions).inserted == 2
    assert import_file(db_url, "tickets", tickets).inserted == 1
    assert import_file(db_url, "feedback", feedback).inserted == 2
    assert import_file(db_url, "contacts", contacts).inserted == 1
    # Without id columns, ids are derived from content: re-import is idempotent.
    again = import_file(db_url, "interactions", interactions)
    assert (again.inserted, again.unchanged) == (0, 2)
    got = fetch(db_url, "SELECT channel, direction FROM interactions ORDER BY occurred_at")
    assert got["channel"].tolist() == ["call", "wechat"] and got["direction"].tolist() == [
        "outbound",
        "inbound",
    ]
    assert fetch(db_url, "SELECT priority FROM tickets")["priority"][0] == "urgent"
    assert sorted(fetch(db_url, "SELECT kind FROM feedback")["kind"]) == ["csat", "nps"]
    assert fetch(db_url, "SELECT decision_weight FROM contacts")["decision_weight"][
        0
    ] == pytest.approx(0.8)


def test_identical_rows_without_ids_are_kept_apart(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    same = ["C1", "2024-03-01", "call"]
    path = write_csv(
        tmp_path / "i.csv", ["customer_id", "occurred_at", "channel"], [same, same, same]
    )
    assert import_file(db_url, "interactions", path, chunk_rows=2).inserted == 3
    assert import_file(db_url, "interactions", path, chunk_rows=2).unchanged == 3
    assert store.row_counts(db_url)["interactions"] == 3


def test_feedback_score_range_depends_on_kind(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    path = write_csv(
        tmp_path / "f.csv",
        ["customer_id", "occurred_at", "kind", "score"],
        [["C1", "2024-01-01", "nps", "10"], ["C1", "2024-01-02", "csat", "0"]],
    )
    with pytest.raises(
        ValidationError, match="row 3, column 'score'.*csat score must be between 1 and 5"
    ):
        import_file(db_url, "feedback", path)


# --------------------------------------------------------------------------- files that are not tables


def test_empty_garbage_and_missing_files(db_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match="empty"):
        import_file(db_url, "orders", empty)
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ValidationError, match="binary"):
        import_file(db_url, "orders", garbage)
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    with pytest.raises(ValidationError, match="XLSX"):
        import_file(db_url, "orders", fake_xlsx)
    with pytest.raises(NotFoundError, match="file not found"):
        import_file(db_url, "orders", tmp_path / "nope.csv")
    result = runner.invoke(app, ["import", "orders", str(tmp_path / "nope.csv"), "--db", db_url])
    assert result.exit_code == 1 and "file not found" in result.output
    assert store.row_counts(db_url)["orders"] == 0


def test_header_only_file_imports_nothing(db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, [])
    report = import_file(db_url, "orders", path)
    assert report.rows_read == 0 and report.inserted == 0
    assert "no data rows" in " ".join(report.notes)


def test_ragged_csv_row_is_reported_with_its_line(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    path = tmp_path / "o.csv"
    path.write_text(
        "order_id,customer_id,ordered_at,amount\nR1,C1,2024-01-01,1\nR2,C1,2024-01-01,1,234.5\n"
    )
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", path)
    [problem] = info.value.problems
    assert problem.row == 3 and "5 cells but the header has 4" in problem.message
    assert store.row_counts(db_url)["orders"] == 0


def test_cli_dry_run_json_and_unknown_table(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    result = runner.invoke(
        app, ["import", "customers", str(customers_csv), "--db", db_url, "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["inserted"] == 20 and data["dry_run"] is True
    assert store.row_counts(db_url)["customers"] == 0
    result = runner.invoke(app, ["import", "customers", str(customers_csv), "--db", db_url])
    assert result.exit_code == 0 and "20 inserted" in result.output
    result = runner.invoke(app, ["import", "clients", str(customers_csv), "--db", db_url])
    assert result.exit_code == 1 and "unknown table 'clients'" in result.output


def test_import_creates_the_store_when_empty(tmp_path: Path, customers_csv: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert import_file(url, "customers", customers_csv).inserted == 20
    assert store.row_counts(url)["customers"] == 20


def test_store_refusal_becomes_a_store_error(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error the validation did not foresee rolls back and becomes a StoreError."""
    from keepwise.schema import fields

    # Pretend the contract allowed longer names than the store does (PostgreSQL enforces
    # VARCHAR lengths; SQLite's CHECK on kind catches the other case).
    patched = fields.Field("kind", "text")
    contract = fields.CUSTOMERS
    monkeypatch.setitem(
        fields.CONTRACTS,
        "customers",
        fields.TableContract(
            contract.name,
            contract.description,
            tuple(patched if f.name == "kind" else f for f in contract.fields),
        ),
    )
    path = write_csv(
        tmp_path / "c.csv", ["customer_id", "kind"], [["Z1", "B2C"], ["Z2", "nonsense"]]
    )
    with pytest.raises(StoreError, match="nothing was written"):
        import_file(db_url, "customers", path)
    assert store.row_counts(db_url)["customers"] == 0


def test_empty_cells_of_defaulted_columns_take_the_default(db_url: str, tmp_path: Path) -> None:
    customers = write_csv(
        tmp_path / "c.csv",
        ["customer_id", "kind", "status"],
        [["D1", "", ""], ["D2", "企业", "流失"]],
    )
    assert import_file(db_url, "customers", customers).inserted == 2
    got = fetch(db_url, "SELECT kind, status FROM customers ORDER BY external_id")
    assert got.values.tolist() == [["B2C", "active"], ["B2B", "churned"]]
    orders = write_csv(
        tmp_path / "o.csv",
        ["customer_id", "ordered_at", "amount", "status"],
        [["D1", "2024-01-01", "1", ""]],
    )
    tickets = write_csv(
        tmp_path / "t.csv", ["customer_id", "opened_at", "priority"], [["D1", "2024-01-01", ""]]
    )
    assert import_file(db_url, "orders", orders).inserted == 1
    assert import_file(db_url, "tickets", tickets).inserted == 1
    assert fetch(db_url, "SELECT status FROM orders")["status"][0] == "completed"
    assert fetch(db_url, "SELECT priority FROM tickets")["priority"][0] == "normal"


def test_title_rows_above_the_header_are_skipped(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    from openpyxl import Workbook

    import_file(db_url, "customers", customers_csv)
    csv_path = tmp_path / "订单导出.csv"
    csv_path.write_bytes(
        (
            "订单明细表\n导出时间：2024年3月8日\n\n"
            "订单编号,客户编号,下单时间,实付金额（元）\n"
            "T1,C1,2024-03-05,￥10\nT2,C2,2024-03-06,oops\n"
        ).encode("gbk")
    )
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", csv_path)
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (6, "实付金额（元）", "oops")

    book = Workbook()
    sheet = book.active
    sheet.append(["订单明细表"])
    sheet.append([])
    sheet.append(["订单编号", "客户编号", "下单时间", "实付金额（元）"])
    sheet.append(["X1", "C1", "2024-03-05", 10])
    sheet.append([])
    sheet.append(["X2", "C2", "2024-03-06", "bad"])
    xlsx = tmp_path / "订单.xlsx"
    book.save(xlsx)
    with pytest.raises(ValidationError) as info:
        import_file(db_url, "orders", xlsx)
    [problem] = info.value.problems
    assert (problem.row, problem.value) == (6, "bad")
    sheet.delete_rows(6)
    book.save(xlsx)
    report = import_file(db_url, "orders", xlsx)
    assert report.rows_read == 1 and report.inserted == 1


def test_the_listed_problems_are_the_first_rows_whatever_the_column(
    sqlite_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(sqlite_url, "customers", customers_csv)
    rows = _orders_rows(300)
    for row in rows[:200]:
        row[3] = "?"  # 200 bad amounts, rows 2-201
    rows[2][2] = "never"  # and one bad date on row 4
    path = write_csv(tmp_path / "o.csv", ORDER_HEADER, rows)
    with pytest.raises(ValidationError) as info:
        import_file(sqlite_url, "orders", path, chunk_rows=100)
    listed = [(p.row, p.column) for p in info.value.problems]
    assert info.value.total == 201 and len(listed) == 50
    assert (4, "ordered_at") in listed and listed == sorted(listed)
    assert max(r for r, _ in listed) == 50


def test_orders_alone_into_an_empty_store_create_their_customers(
    db_url: str, tmp_path: Path
) -> None:
    """Only orders are required: an orders export with customer details imports on its own."""
    path = tmp_path / "订单.csv"
    path.write_bytes(
        (
            "客户编号,客户名称,订单日期,金额,行业,地区\n"
            "K1,华为技术,2024-03-05,￥1,234.50,通信,华南\n"
            "K2,张三,2024/3/6,￥88,零售,华东\n"
            "K1,华为技术,2024年3月7日,￥12,通信,华南\n"
        ).encode("gbk")
    )
    with pytest.raises(ValidationError):  # "￥1,234.50" unquoted splits into two cells
        import_file(db_url, "orders", path)
    path.write_bytes(
        path.read_bytes().replace("￥1,234.50".encode("gbk"), '"￥1,234.50"'.encode("gbk"))
    )

    report = import_file(db_url, "orders", path)

    assert (report.inserted, report.created_customers) == (3, 2)
    assert any("no customers" in note for note in report.notes)
    got = fetch(
        db_url, "SELECT external_id, name, industry, region FROM customers ORDER BY external_id"
    )
    assert got.values.tolist() == [
        ["K1", "华为技术", "通信", "华南"],
        ["K2", "张三", "零售", "华东"],
    ]
    again = import_file(db_url, "orders", path)
    assert (again.unchanged, again.created_customers) == (3, 0)
    # Once customers exist, an unknown id is a problem again (likely a typo).
    other = write_csv(
        tmp_path / "o2.csv", ["customer_id", "ordered_at", "amount"], [["K3", "2024-03-08", "1"]]
    )
    with pytest.raises(ValidationError, match="unknown customer"):
        import_file(db_url, "orders", other)


def test_cli_json_report_of_problems(sqlite_url: str, tmp_path: Path, customers_csv: Path) -> None:
    import_file(sqlite_url, "customers", customers_csv)
    path = write_csv(
        tmp_path / "o.csv", ORDER_HEADER, [["J1", "C1", "2024-01-01", "-1", "completed"]]
    )
    result = runner.invoke(app, ["import", "orders", str(path), "--db", sqlite_url, "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["total"] == 1
    assert data["errors"][0] | {"message": ""} == {
        "file": "o.csv",
        "row": 2,
        "column": "amount",
        "value": "-1",
        "message": "",
    }
