"""`keepwise demo`: generate, load through the importer, report; on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from keepwise import store
from keepwise.cli import app
from keepwise.cli import demo as demo_cli
from keepwise.demo import DATA_FILES
from keepwise.models import TABLES, ChurnScore, Contact, Order, Warning

runner = CliRunner()


def _output(result) -> str:  # type: ignore[no-untyped-def]
    text = result.output
    with contextlib.suppress(ValueError, AttributeError):
        text += result.stderr
    return text


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def _info(url: str) -> dict[str, int]:
    result = _run("info", "--db", url, "--format", "json")
    assert result.exit_code == 0, _output(result)
    return dict(json.loads(result.output)["row_counts"])


@pytest.mark.integration
def test_demo_loads_every_table_and_info_shows_the_counts(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "demo-data"
    result = _run(
        "demo", "--customers", "300", "--no-serve", "--db", db_url, "--out", str(out), "--seed", "5"
    )
    assert result.exit_code == 0, _output(result)
    assert "ground truth" in result.output and "never loaded" in result.output
    counts = _info(db_url)
    assert set(counts) == set(TABLES)
    assert all(n > 0 for n in counts.values()), counts
    assert counts["customers"] == 300
    for name in DATA_FILES:  # every row of every file went in
        assert counts[name] == len(pd.read_csv(out / f"{name}.csv")), name
    assert (out / "ground_truth" / "ground_truth.csv").is_file()
    # The amounts survive the CSV -> importer -> store trip exactly.
    frame = pd.read_csv(out / "orders.csv", dtype={"amount": str})
    expected = sum((Decimal(a) for a in frame["amount"]), Decimal(0))
    with store.get_engine(db_url).connect() as conn:
        total = conn.execute(select(func.sum(Order.amount))).scalar_one()
    assert Decimal(str(total)).quantize(Decimal("0.01")) == expected
    # The demo also fits the churn model, scores customers and records warnings.
    assert "churn model" in result.output and (out / "churn-model.kwm").is_file()
    with store.get_engine(db_url).connect() as conn:
        scored = conn.execute(select(func.count()).select_from(ChurnScore)).scalar_one()
        tiers = set(conn.execute(select(ChurnScore.risk_tier).distinct()).scalars())
        warned = conn.execute(select(func.count()).select_from(Warning)).scalar_one()
    assert scored > 0 and tiers == {"low", "medium", "high"} and warned > 0
    # Warnings are dated within the demo's history (as of its last day, like the scores).
    with store.get_engine(db_url).connect() as conn:
        last_warning = conn.execute(select(func.max(Warning.at))).scalar_one()
        last_order = conn.execute(select(func.max(Order.ordered_at))).scalar_one()
    assert last_warning.date() <= last_order.date()


@pytest.mark.integration
def test_demo_again_replaces_only_a_previous_demo(sqlite_url: str, tmp_path: Path) -> None:
    args = (
        "demo",
        "--customers",
        "120",
        "--no-serve",
        "--no-score",
        "--db",
        sqlite_url,
        "--out",
        str(tmp_path / "d"),
    )
    assert _run(*args).exit_code == 0
    first = _info(sqlite_url)
    # The store holds exactly the demo company: a second `make demo` replaces it.
    again = _run(*args, "--seed", "9")
    assert again.exit_code == 0, _output(again)
    second = _info(sqlite_url)
    assert second["customers"] == 120 and second["orders"] != first["orders"]


@pytest.mark.integration
def test_demo_refuses_a_store_with_user_data_unless_replace(
    sqlite_url: str, tmp_path: Path
) -> None:
    args = (
        "demo",
        "--customers",
        "120",
        "--no-serve",
        "--no-score",
        "--db",
        sqlite_url,
        "--out",
        str(tmp_path / "d"),
    )
    assert _run(*args).exit_code == 0
    # The user adds a customer of their own: the store is no longer just the demo.
    own = tmp_path / "own.csv"
    own.write_text("customer_id,name\nMINE-1,我的客户\n", encoding="utf-8")
    assert _run("import", "customers", str(own), "--db", sqlite_url).exit_code == 0
    before = _info(sqlite_url)
    refused = _run(*args)
    assert refused.exit_code != 0
    assert "--replace" in _output(refused) and "already holds data" in _output(refused)
    assert _info(sqlite_url) == before
    replaced = _run(*args, "--replace", "--seed", "9")
    assert replaced.exit_code == 0, _output(replaced)
    assert _info(sqlite_url)["customers"] == 120


@pytest.mark.integration
def test_demo_b2b_loads_decision_chains(sqlite_url: str, tmp_path: Path) -> None:
    result = _run("demo", "--kind", "b2b", "--customers", "60", "--no-serve", "--no-score", "--db", sqlite_url,
                  "--out", str(tmp_path / "b2b"))  # fmt: skip
    assert result.exit_code == 0, _output(result)
    with store.get_engine(sqlite_url).connect() as conn:
        sums = (
            conn.execute(select(func.sum(Contact.decision_weight)).group_by(Contact.customer_id))
            .scalars()
            .all()
        )
    assert len(sums) == 60 and all(abs(s - 1) < 0.01 for s in sums)


@pytest.mark.parametrize("bad", ["0", "1000001", "many"])
def test_demo_rejects_an_invalid_customer_count(bad: str, sqlite_url: str, tmp_path: Path) -> None:
    result = _run(
        "demo", "--customers", bad, "--no-serve", "--db", sqlite_url, "--out", str(tmp_path)
    )
    assert result.exit_code == 2
    assert "--customers" in _output(result)
    assert not (tmp_path / "customers.csv").exists()


@pytest.mark.integration
def test_demo_serves_the_loaded_store(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str, int]] = []
    monkeypatch.setattr(demo_cli, "_serve", lambda url, host, port: calls.append((url, host, port)))
    result = _run(
        "demo",
        "--customers",
        "30",
        "--no-score",
        "--db",
        sqlite_url,
        "--out",
        str(tmp_path / "d"),
        "--port",
        "8123",
    )
    assert result.exit_code == 0, _output(result)
    assert calls == [(sqlite_url, "127.0.0.1", 8123)]
    assert "web sign-in: user admin" in result.output


@pytest.mark.integration
def test_demo_creates_an_admin_so_the_store_can_be_served(sqlite_url: str, tmp_path: Path) -> None:
    from keepwise.web.server import check_servable

    result = _run(
        "demo",
        "--customers",
        "30",
        "--no-serve",
        "--no-score",
        "--db",
        sqlite_url,
        "--out",
        str(tmp_path / "d"),
    )
    assert result.exit_code == 0, _output(result)
    assert "web sign-in: user admin, password " in result.output
    assert "keepwise serve" in result.output
    assert check_servable(sqlite_url) == sqlite_url
