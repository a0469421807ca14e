"""The demo company generator: reproducible files, the import contract and sane values."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from keepwise.demo import DATA_FILES, GROUND_TRUTH_DIR, DemoSummary, generate
from keepwise.errors import ConfigError
from keepwise.schema.fields import CONTRACTS, normalize_header

EVENT_TIMES = {
    "orders": ["ordered_at"],
    "interactions": ["occurred_at"],
    "tickets": ["opened_at", "first_response_at", "resolved_at"],
    "feedback": ["occurred_at"],
    "contacts": ["last_contacted_at"],
}


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _read(summary: DemoSummary, name: str) -> pd.DataFrame:
    return pd.read_csv(summary.files[name], dtype={"customer_id": str, "external_id": str})


@pytest.fixture(scope="module")
def b2c(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return generate(tmp_path_factory.mktemp("b2c"), customers=800, kind="b2c", seed=3)


@pytest.fixture(scope="module")
def b2b(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return generate(tmp_path_factory.mktemp("b2b"), customers=400, kind="b2b", seed=3)


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", customers=300, seed=7)
    generate(tmp_path / "b", customers=300, seed=7)
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert len(a) == len(DATA_FILES) + 2  # + ground_truth.csv and demo.json
    assert a == b


def test_different_seed_or_kind_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", customers=300, seed=7)
    generate(tmp_path / "b", customers=300, seed=8)
    generate(tmp_path / "c", customers=300, seed=7, kind="b2b")
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a["orders.csv"] != b["orders.csv"]
    assert a["customers.csv"] != b["customers.csv"]
    assert a["orders.csv"] != c["orders.csv"]


def test_summary_counts_match_the_files(b2c: DemoSummary) -> None:
    assert list(b2c.files) == list(DATA_FILES)
    for name, path in b2c.files.items():
        assert path.parent == b2c.out_dir
        assert len(_read(b2c, name)) == b2c.row_counts[name]
        assert b2c.row_counts[name] > 0, name
    assert b2c.row_counts["customers"] == 800
    assert b2c.start_date == date(2023, 7, 1) and b2c.end_date == date(2026, 6, 30)


@pytest.mark.parametrize("kind", ["b2c", "b2b"])
def test_columns_follow_the_import_contracts(kind: str, b2c: DemoSummary, b2b: DemoSummary) -> None:
    summary = b2c if kind == "b2c" else b2b
    for name in DATA_FILES:
        contract = CONTRACTS[name]
        index = contract.header_index()
        header = list(_read(summary, name).columns)
        mapped = [index.get(normalize_header(h)) for h in header]
        assert None not in mapped, f"{name}: unknown columns {header}"
        assert len(set(mapped)) == len(mapped), f"{name}: two columns map to one field"
        assert set(contract.required) <= set(mapped), f"{name}: missing required columns"
        # English field names = store column names; customers.csv uses customer_id for its id
        expected = [
            ("external_id" if (name, h) == ("customers", "customer_id") else h) for h in header
        ]
        assert mapped == expected


def test_ground_truth_is_kept_apart(b2c: DemoSummary) -> None:
    assert b2c.ground_truth == b2c.out_dir / GROUND_TRUTH_DIR / "ground_truth.csv"
    assert b2c.ground_truth not in b2c.files.values()
    assert "ground_truth" not in DATA_FILES
    assert {p.name for p in b2c.out_dir.glob("*.csv")} == {f"{n}.csv" for n in DATA_FILES}
    truth = pd.read_csv(b2c.ground_truth)
    assert {"customer_id", "churned", "churned_at", "churn_reason"} <= set(truth.columns)
    assert len(truth) == 800
    for name in DATA_FILES:  # no latent column leaks into the data
        leaked = {"churned", "churned_at", "churn_reason", "base_hazard_monthly"} & set(
            _read(b2c, name).columns
        )
        assert not leaked, name


@pytest.mark.parametrize("kind", ["b2c", "b2b"])
def test_times_lie_inside_each_customers_history(
    kind: str, b2c: DemoSummary, b2b: DemoSummary
) -> None:
    summary = b2c if kind == "b2c" else b2b
    customers = _read(summary, "customers").set_index("customer_id")
    acquired = pd.to_datetime(customers["acquired_at"])
    end = pd.Timestamp(summary.end_date) + pd.Timedelta(days=1)
    assert (acquired >= pd.Timestamp(summary.start_date)).all() and (acquired < end).all()
    for name, columns in EVENT_TIMES.items():
        frame = _read(summary, name)
        for column in columns:
            times = pd.to_datetime(frame[column])
            assert (times.dropna() < end).all(), f"{name}.{column} after the end date"
            start = acquired.loc[frame["customer_id"]].to_numpy()
            assert (times.dropna() >= start[times.notna().to_numpy()]).all(), (
                f"{name}.{column} before acquired_at"
            )


def test_ids_and_values_are_valid(b2c: DemoSummary) -> None:
    customers = _read(b2c, "customers")
    assert (
        customers["customer_id"].str.fullmatch(r"C\d{6}").all()
        and customers["customer_id"].is_unique
    )
    orders = _read(b2c, "orders")
    assert (
        orders["external_id"].is_unique
        and orders["customer_id"].isin(customers["customer_id"]).all()
    )
    assert (orders["amount"] > 0).all()
    text = b2c.files["orders"].read_text(encoding="utf-8").splitlines()[1:]
    assert all(
        line.split(",")[3].split(".")[1].__len__() == 2 for line in text[:500]
    )  # two decimals
    assert set(orders["status"]) <= {"completed", "pending", "refunded", "cancelled"}
    assert {"refunded", "cancelled"} <= set(orders["status"])
    assert (orders["status"] == "completed").mean() > 0.9
    tickets = _read(b2c, "tickets")
    assert tickets["satisfaction"].dropna().between(1, 5).all()
    assert set(tickets["priority"]) <= {"low", "normal", "high", "urgent"}
    response = pd.to_datetime(tickets["first_response_at"], format="ISO8601") - pd.to_datetime(
        tickets["opened_at"]
    )
    resolved = pd.to_datetime(tickets["resolved_at"], format="ISO8601") - pd.to_datetime(
        tickets["first_response_at"], format="ISO8601"
    )
    assert (response.dropna() > pd.Timedelta(0)).all() and (
        resolved.dropna() > pd.Timedelta(0)
    ).all()
    feedback = _read(b2c, "feedback")
    nps, csat = feedback[feedback["kind"] == "nps"], feedback[feedback["kind"] == "csat"]
    assert (
        nps["score"].between(0, 10).all()
        and csat["score"].between(1, 5).all()
        and len(nps)
        and len(csat)
    )
    interactions = _read(b2c, "interactions")
    assert set(interactions["channel"]) <= {"call", "email", "visit", "meeting", "chat", "wechat"}
    assert set(interactions["direction"]) == {"inbound", "outbound"}
    assert (interactions["duration_minutes"].dropna() >= 0).all()


def test_b2b_company_has_decision_chains_budgets_and_contracts(b2b: DemoSummary) -> None:
    customers = _read(b2b, "customers")
    assert (customers["kind"] == "B2B").all()
    assert customers["name"].str.endswith("公司").all()
    assert customers[["budget", "budget_required", "technical_match"]].notna().all().all()
    assert customers["technical_match"].between(0, 1).all()
    assert customers["contract_end"].notna().mean() > 0.5
    contacts = _read(b2b, "contacts")
    assert contacts["customer_id"].nunique() == len(customers)  # every company has a decision chain
    assert contacts.groupby("customer_id").size().between(2, 6).all()
    assert {"技术总监", "采购经理", "CEO"} <= set(contacts["role"])
    sums = contacts.groupby("customer_id")["decision_weight"].sum()
    assert np.allclose(sums, 1.0, atol=0.01)
    assert contacts["decision_weight"].between(0, 1).all()
    assert not contacts.duplicated(["customer_id", "role"]).any()


def test_contractual_churners_ended_their_contract(b2b: DemoSummary) -> None:
    customers = _read(b2b, "customers").set_index("customer_id")
    truth = pd.read_csv(b2b.ground_truth, dtype={"customer_id": str}).set_index("customer_id")
    churned = customers[customers["status"] == "churned"]
    assert len(churned) > 0
    assert (
        truth.loc[churned.index, "churned"].all()
        and truth.loc[churned.index, "is_contractual"].all()
    )
    assert (churned["contract_end"] == truth.loc[churned.index, "churned_at"]).all()
    active = customers[(customers["status"] == "active") & customers["contract_end"].notna()]
    assert (pd.to_datetime(active["contract_end"]) > pd.Timestamp(b2b.end_date)).all()
    # The annual fee is paid at the start of every contract term, and not after the last one.
    orders = _read(b2b, "orders")
    fees = orders[orders["product"] == "年度服务合同"]
    last_fee = pd.to_datetime(fees["ordered_at"]).dt.normalize().groupby(fees["customer_id"]).max()
    contractual = customers[customers["contract_start"].notna()]
    assert set(last_fee.index) == set(contractual.index)
    assert (last_fee.loc[contractual.index] == pd.to_datetime(contractual["contract_start"])).all()


@pytest.mark.parametrize(
    "bad", [{"customers": 0}, {"customers": 1_000_001}, {"kind": "b2x"}, {"years": 0}]
)
def test_out_of_range_arguments_are_refused(tmp_path: Path, bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad))):
        generate(tmp_path, **bad)  # type: ignore[arg-type]


def test_out_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        generate(target, customers=5)
