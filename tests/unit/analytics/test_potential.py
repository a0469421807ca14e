"""B2B potential index: the documents' worked example and its parts."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from keepwise.analytics.dataset import load_dataset
from keepwise.analytics.potential import (
    POTENTIAL_COLUMNS,
    PotentialConfig,
    budget_match,
    parse_synergy,
    potential_index,
    strategic_synergy,
)
from keepwise.errors import ConfigError, SchemaError

T = pd.Timestamp


def _example() -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame(
        {
            "customer_id": ["ACME", "BETA", "SHOP"],
            "name": ["Acme", "Beta", "Shop"],
            "kind": ["B2B", "B2B", "B2C"],
            "budget": [105.0, 200.0, None],
            "budget_required": [120.0, 100.0, None],
            "technical_match": [0.7, 0.9, None],
            "synergy_strategy": [0.9, 1.0, None],
            "synergy_product": [0.85, 1.0, None],
            "synergy_channel": [0.6, 0.8, None],
        }
    )
    contacts = pd.DataFrame(
        {
            "customer_id": ["ACME", "ACME", "ACME", "BETA", "BETA"],
            "name": ["CEO", "CTO", "Buyer", "CEO", "CFO"],
            "decision_weight": [0.5, 0.3, 0.2, 0.6, 0.4],
            "last_contacted_at": [
                T("2024-05-01"),
                T("2024-06-01"),
                None,
                T("2024-06-20"),
                T("2024-01-10"),
            ],
        }
    )
    return {
        "customers": customers,
        "contacts": contacts,
        "orders": pd.DataFrame(
            {"customer_id": ["ACME"], "ordered_at": [T("2024-01-01")], "amount": [1.0]}
        ),
    }


def test_documents_worked_example() -> None:
    data = load_dataset(_example())
    out = potential_index(data.customers, data.contacts, as_of=dt.date(2024, 6, 30))
    assert list(out.columns) == POTENTIAL_COLUMNS
    assert out["customer_id"].tolist() == [
        "BETA",
        "ACME",
    ]  # the B2C customer is left out, sorted by index
    acme = out.set_index("customer_id").loc["ACME"]
    assert acme["budget_match"] == pytest.approx(0.875)
    assert acme["penetration"] == pytest.approx(0.80)
    assert acme["synergy"] == pytest.approx(0.825)
    assert acme["potential_index"] == pytest.approx(0.5775, abs=1e-12)
    assert round(acme["potential_index"] * 100, 2) == 57.75
    assert not acme["is_director_led"]
    assert acme["breakthrough"] == pytest.approx(0.8 * 0.7)
    assert (acme["n_contacts"], acme["n_contacted"]) == (3, 2)
    beta = out.set_index("customer_id").loc["BETA"]
    # budget capped at 1, all weight reached, synergy 0.96 -> 96% >= 85%: director-led
    assert beta["potential_index"] == pytest.approx(1.0 * 1.0 * (0.5 + 0.3 + 0.16))
    assert beta["is_director_led"]


def test_contact_window_and_as_of() -> None:
    data = load_dataset(_example())
    cfg = PotentialConfig(contact_window_days=45)
    out = potential_index(
        data.customers, data.contacts, as_of=dt.date(2024, 6, 30), config=cfg
    ).set_index("customer_id")
    assert out.loc["ACME", "penetration"] == pytest.approx(
        0.3
    )  # only the CTO (2024-06-01) is within 45 days
    assert out.loc["BETA", "penetration"] == pytest.approx(0.6)
    early = potential_index(data.customers, data.contacts, as_of=dt.date(2024, 5, 15)).set_index(
        "customer_id"
    )
    assert early.loc["ACME", "penetration"] == pytest.approx(
        0.5
    )  # contacts after as_of do not count


def test_director_threshold_is_configurable() -> None:
    data = load_dataset(_example())
    out = potential_index(
        data.customers, data.contacts, config=PotentialConfig(director_threshold=0.5)
    )
    assert out["is_director_led"].tolist() == [True, True]


def test_synergy_weights_and_attributes() -> None:
    frame = pd.DataFrame({"a": [0.9, None], "b": [0.5, 0.5]}, index=["x", "y"])
    got = strategic_synergy(frame, (("a", 0.75), ("b", 0.25)))
    assert got.loc["x", "synergy"] == pytest.approx(0.9 * 0.75 + 0.5 * 0.25)
    assert (
        got.loc["y", "synergy"] == pytest.approx(0.5) and got.loc["y", "synergy_coverage"] == 0.25
    )
    inverted = strategic_synergy(pd.DataFrame({"risk": [0.2]}), (("1-risk", 1.0),))
    assert inverted["synergy"].iloc[0] == pytest.approx(0.8)
    # sub-scores held in a JSON attributes column (how the store keeps extra fields)
    customers = pd.DataFrame(
        {
            "customer_id": ["ACME"],
            "budget": [105.0],
            "budget_required": [120.0],
            "attributes": [
                json.dumps(
                    {"synergy_strategy": 0.9, "synergy_product": 0.85, "synergy_channel": 0.6}
                )
            ],
        }
    )
    contacts = _example()["contacts"]
    out = potential_index(
        customers, load_dataset({"orders": _example()["orders"], "contacts": contacts}).contacts
    )
    assert out["potential_index"].iloc[0] == pytest.approx(0.5775)
    with pytest.raises(SchemaError, match="'a'"):
        strategic_synergy(pd.DataFrame({"a": [1.5]}), (("a", 1.0),))


def test_fallback_synergy_uses_store_fields() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["X"],
            "kind": ["B2B"],
            "budget": [50.0],
            "budget_required": [100.0],
            "industry_fit": [0.5],
            "supply_chain_risk": [0.25],
        }
    )
    out = potential_index(customers, None)
    assert out["synergy"].iloc[0] == pytest.approx(0.6 * 0.5 + 0.4 * 0.75)
    assert np.isnan(out["potential_index"].iloc[0])  # no contacts: no penetration


def test_budget_match_and_parsing() -> None:
    assert budget_match(105, 120) == pytest.approx(0.875)
    assert budget_match(150, 120) == 1.0
    assert np.isnan(budget_match(10, 0))
    assert parse_synergy("a=0.5, b=0.5") == (("a", 0.5), ("b", 0.5))
    for bad in ("a", "a=x", "a=-1", ""):
        with pytest.raises(ConfigError):
            parse_synergy(bad)
    with pytest.raises(ConfigError):
        PotentialConfig(chain_weight=0)


def test_cli_potential_worked_example(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from keepwise.cli import app

    for name, frame in _example().items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    res = CliRunner().invoke(
        app, ["potential", "--data", str(tmp_path), "--as-of", "2024-06-30", "-f", "json"]
    )
    assert res.exit_code == 0, res.output
    records = {r["customer_id"]: r for r in json.loads(res.stdout)}
    assert list(records["ACME"]) == POTENTIAL_COLUMNS
    assert records["ACME"]["potential_index"] == pytest.approx(0.5775)
    assert (
        records["ACME"]["is_director_led"] is False and records["BETA"]["is_director_led"] is True
    )
    assert "SHOP" not in records
    res = CliRunner().invoke(
        app, ["potential", "--data", str(tmp_path), "--all-kinds", "-f", "csv"]
    )
    assert res.exit_code == 0 and "SHOP" in res.stdout
    res = CliRunner().invoke(app, ["potential", "--data", str(tmp_path), "--synergy", "nonsense"])
    assert res.exit_code != 0 and "name=weight" in res.output


def test_potential_from_the_store(sqlite_url: str) -> None:
    """Through the store (customer fields + contacts) and the CLI: the worked example again."""
    from typer.testing import CliRunner

    from keepwise.cli import app
    from keepwise.models import Contact, Customer, Order
    from keepwise.store import session_scope

    with session_scope(sqlite_url) as session:
        acme = Customer(
            external_id="ACME",
            name="Acme",
            kind="B2B",
            budget=105,
            budget_required=120,
            technical_match=0.6,
            industry_fit=0.9,
            supply_chain_risk=0.15,
        )
        session.add(acme)
        session.flush()
        session.add_all(
            [
                Contact(
                    external_id="P1",
                    customer_id=acme.id,
                    name="CEO",
                    decision_weight=0.5,
                    last_contacted_at=dt.datetime(2024, 5, 1),
                ),
                Contact(
                    external_id="P2",
                    customer_id=acme.id,
                    name="CTO",
                    decision_weight=0.3,
                    last_contacted_at=dt.datetime(2024, 6, 1),
                ),
                Contact(external_id="P3", customer_id=acme.id, name="Buyer", decision_weight=0.2),
                Order(
                    external_id="O1",
                    customer_id=acme.id,
                    ordered_at=dt.datetime(2024, 1, 1),
                    amount=1,
                ),
            ]
        )
    res = CliRunner().invoke(
        app,
        [
            "potential",
            "--data",
            sqlite_url,
            "-f",
            "json",
            "--synergy",
            "industry_fit=0.5,1-supply_chain_risk=0.3,technical_match=0.2",
        ],
    )
    assert res.exit_code == 0, res.output
    (acme_row,) = json.loads(res.stdout)
    assert acme_row["budget_match"] == pytest.approx(0.875)
    assert acme_row["penetration"] == pytest.approx(0.8)
    assert acme_row["synergy"] == pytest.approx(0.825)
    assert acme_row["potential_index"] == pytest.approx(0.5775)
    assert acme_row["breakthrough"] == pytest.approx(0.48)
