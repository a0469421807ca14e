"""The analytics dataset read from a real store (SQLite and PostgreSQL), a folder, and the CLI."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from keepwise import store
from keepwise.analytics import churn_report, load_dataset, rfm_report
from keepwise.cli import app
from keepwise.models import Customer, Order

pytestmark = pytest.mark.integration


def _seed(url: str) -> None:
    with store.session_scope(url) as session:
        customers = [
            Customer(
                external_id="A-1",
                name="甲公司",
                kind="B2B",
                industry="steel",
                tags=["vip", "north"],
                contract_start=date(2024, 1, 1),
                contract_end=date(2024, 5, 31),
                industry_fit=1.5,
            ),
            Customer(external_id="B-2", name="Bob", industry="retail", supply_chain_risk=2.0),
            Customer(external_id="C-3", name="Cleo", industry=None),
        ]
        session.add_all(customers)
        session.flush()
        rows = [
            (customers[1], "2024-01-05 10:00", "120.50", "completed"),
            (customers[1], "2024-02-05 11:00", "80.00", "completed"),
            (customers[1], "2024-03-07 12:00", "99.99", "completed"),
            (customers[1], "2024-03-08 12:00", "500.00", "refunded"),
            (customers[2], "2024-01-20 09:30", "10.00", "completed"),
            (customers[0], "2024-02-01 08:00", "1000.00", "completed"),
        ]
        for i, (c, at, amount, status) in enumerate(rows):
            session.add(
                Order(
                    external_id=f"O-{i}",
                    customer_id=c.id,
                    ordered_at=datetime.fromisoformat(at),
                    amount=Decimal(amount),
                    status=status,
                )
            )


def test_store_to_dataset(db_url: str) -> None:
    _seed(db_url)
    ds = load_dataset(db_url)
    orders = ds.orders.to_pandas().sort_values("external_id")
    assert list(orders["customer_id"]) == [
        "B-2",
        "B-2",
        "B-2",
        "C-3",
        "A-1",
    ]  # refunded order left out
    assert orders["amount"].dtype == "float64" and orders["amount"].sum() == pytest.approx(1310.49)
    assert ds.orders_all.count().execute() == 6
    customers = ds.customers.to_pandas().set_index("customer_id")
    assert customers.loc["A-1", "tags"] == "vip;north"
    assert pd.Timestamp(customers.loc["A-1", "contract_end"]) == pd.Timestamp(2024, 5, 31)
    assert customers.loc["A-1", "name"] == "甲公司"
    assert ds.interactions is None or ds.interactions.count().execute() == 0
    churn = churn_report(ds, freq="month", as_of="2024-06-30").set_index("period")
    # A-1 is contractual: active Jan-May, churned in June. B-2/C-3 stay active (180-day window).
    assert churn.loc["2024-06", "customers_start"] == 3
    assert churn.loc["2024-06", "customers_churned"] == 1
    rfm = rfm_report(ds, as_of="2024-06-30").set_index("customer_id")
    assert rfm.loc["A-1", "weighted_score"] == pytest.approx(rfm.loc["A-1", "rfm_score"] * 1.5)


def test_missing_store_and_folder_errors(tmp_path: Path) -> None:
    from keepwise.errors import NotFoundError

    with pytest.raises(NotFoundError, match="keepwise init"):
        load_dataset(f"sqlite:///{tmp_path / 'nope.db'}")
    with pytest.raises(NotFoundError):
        load_dataset(tmp_path / "no-such-folder")


def _folder(tmp_path: Path) -> Path:
    rows = []
    for i in range(30):
        for k in range(1 + i % 4):
            rows.append(
                (f"c{i}", pd.Timestamp("2024-01-03") + pd.Timedelta(days=35 * k + i), 100.0 + i)
            )
    pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"]).to_csv(
        tmp_path / "orders.csv", index=False
    )
    pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(30)], "industry": ["a", "b", "c"] * 10}
    ).to_parquet(tmp_path / "customers.parquet")
    return tmp_path


def test_folder_dataset_csv_and_parquet(tmp_path: Path) -> None:
    ds = load_dataset(_folder(tmp_path))
    assert ds.orders.count().execute() == sum(1 + i % 4 for i in range(30))
    assert ds.customers is not None and ds.customers.count().execute() == 30
    assert ds.orders.schema()["customer_id"].is_string()


@pytest.mark.parametrize(
    "args",
    [
        ["metrics", "churn", "--period", "quarter"],
        ["metrics", "retention"],
        ["metrics", "revenue", "--period", "year"],
        ["metrics", "cohorts"],
        ["metrics", "segments", "--by", "industry,frequency_band"],
        ["rfm"],
        ["cycles", "--industry-risk", "a=2"],
    ],
)
def test_cli_commands_json(tmp_path: Path, args: list[str]) -> None:
    folder = _folder(tmp_path)
    result = CliRunner().invoke(app, [*args, "--data", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert isinstance(records, list) and records
    if args[:2] == ["metrics", "churn"]:
        assert {
            "period",
            "customers_start",
            "customers_churned",
            "churn_rate",
            "net_churn_rate",
        } <= set(records[0])
    if args[0] == "rfm":
        assert {"customer_id", "r_score", "segment", "segment_name"} <= set(records[0])


def test_cli_writes_names_in_the_chosen_language(tmp_path: Path) -> None:
    """--lang zh writes the segment names in Chinese; the keys stay."""
    from keepwise.analytics.rfm import SEGMENT_NAMES
    from keepwise.i18n import gettext

    folder = _folder(tmp_path)
    runner = CliRunner()
    base = ["rfm", "--data", str(folder), "--format", "json"]
    english = json.loads(runner.invoke(app, base).stdout)
    chinese = json.loads(runner.invoke(app, [*base, "--lang", "zh"]).stdout)
    assert [r["segment"] for r in chinese] == [r["segment"] for r in english]
    assert all(r["segment_name"] == SEGMENT_NAMES[r["segment"]] for r in english)
    assert all(r["segment_name"] == gettext(SEGMENT_NAMES[r["segment"]], "zh_CN") for r in chinese)
    assert any(r["segment_name"] == "冠军客户" for r in chinese)
    summary = runner.invoke(
        app, ["rfm", "--data", str(folder), "--summary", "--format", "csv", "--lang", "zh"]
    )
    assert summary.exit_code == 0, summary.output
    assert summary.stdout.startswith("segment,segment_name,") and "客户" in summary.stdout


def test_cli_table_csv_out_and_errors(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    runner = CliRunner()
    out = tmp_path / "cohorts.csv"
    result = runner.invoke(
        app, ["metrics", "cohorts", "--data", str(folder), "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("cohort,m0,")
    result = runner.invoke(app, ["rfm", "--data", str(folder), "--summary"])
    assert result.exit_code == 0 and "segment" in result.stdout
    result = runner.invoke(app, ["metrics", "churn", "--data", str(tmp_path / "missing")])
    assert result.exit_code != 0 and "no such folder" in result.output
    result = runner.invoke(app, ["cycles", "--data", str(folder), "--industry-risk", "oops"])
    assert result.exit_code != 0 and "industry=number" in result.output


def test_cli_table_shows_a_screenful_and_says_what_it_left_out(tmp_path: Path) -> None:
    rows = [
        (f"c{i:03d}", pd.Timestamp("2024-01-03") + pd.Timedelta(days=i), 10.0) for i in range(80)
    ]
    pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"]).to_csv(
        tmp_path / "orders.csv", index=False
    )
    runner = CliRunner()
    table = runner.invoke(app, ["rfm", "--data", str(tmp_path)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    shown = {line.split()[1] for line in table.stdout.splitlines() if line.startswith("│ c")}
    assert len(shown) == 50
    assert "first 50 of 80 rows" in table.stdout and "more columns" in table.stdout
    assert "segment_name" in table.stdout and "tenure_days" not in table.stdout
    csv = runner.invoke(app, ["rfm", "--data", str(tmp_path), "--format", "csv"])
    assert len(csv.stdout.strip().splitlines()) == 81 and "tenure_days" in csv.stdout
    # --freq is another spelling of --period.
    churn = runner.invoke(app, ["metrics", "churn", "--data", str(tmp_path), "--freq", "quarter"])
    assert churn.exit_code == 0 and "2024-Q1" in churn.stdout
    pd.DataFrame({"customer_id": ["c000", "c001"], "kind": ["B2C", "B2C"]}).to_csv(
        tmp_path / "customers.csv", index=False
    )
    empty = runner.invoke(app, ["potential", "--data", str(tmp_path)])
    assert empty.exit_code == 0, empty.output
    assert "no B2B customers" in empty.stdout


def test_folder_csv_keeps_leading_zeros_of_ids(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "customer_id,ordered_at,amount,order_id\n007,2024-01-01 10:00:00,5.5,0001\n010,2024-02-03,1,0002\n",
        encoding="utf-8",
    )
    orders = load_dataset(tmp_path).orders.to_pandas().sort_values("external_id")
    assert list(orders["customer_id"]) == ["007", "010"]
    assert list(orders["external_id"]) == ["0001", "0002"]
