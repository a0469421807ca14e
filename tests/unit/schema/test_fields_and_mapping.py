from __future__ import annotations

import json
from pathlib import Path

import pytest

from keepwise.errors import ConfigError, ValidationError
from keepwise.models import TABLES
from keepwise.schema import (
    CONTRACTS,
    get_contract,
    import_file,
    load_mapping,
    match_columns,
    normalize_header,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "data-model.md"


def test_contracts_cover_the_store_columns() -> None:
    """Every importable field is a column of its table (customer_id resolves to the FK)."""
    assert list(CONTRACTS) == list(TABLES)
    for name, contract in CONTRACTS.items():
        columns = set(TABLES[name].__table__.columns.keys())  # type: ignore[attr-defined]
        assert {f.name for f in contract.fields} <= columns, name
        internal = {"id", "created_at", "updated_at", "attributes"}
        assert columns - internal <= {f.name for f in contract.fields}, name


def test_no_header_alias_means_two_fields_of_one_table() -> None:
    for contract in CONTRACTS.values():
        seen: dict[str, str] = {}
        for field in contract.fields:
            for header in {normalize_header(h) for h in (field.name, *field.aliases)}:
                assert seen.setdefault(header, field.name) == field.name, (contract.name, header)


def test_enum_value_aliases_map_onto_choices() -> None:
    for contract in CONTRACTS.values():
        for field in contract.fields:
            assert set(field.value_aliases.values()) <= set(field.choices), field.name


def test_every_field_and_chinese_alias_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "only" in text and "orders" in text
    for contract in CONTRACTS.values():
        assert f"## {contract.name}" in text
        for field in contract.fields:
            assert f"`{field.name}`" in text, (contract.name, field.name)
            for alias in field.aliases:
                if not alias.isascii():
                    assert alias in text, (contract.name, field.name, alias)


def test_unknown_table() -> None:
    with pytest.raises(ConfigError, match="unknown table 'ordres'.*orders"):
        get_contract("ordres")
    assert get_contract("订单").name == "orders" and get_contract(" Customers ").name == "customers"


def test_headers_match_english_chinese_and_full_width() -> None:
    plan = match_columns(
        ["订单编号", "Customer ID", "ＯＲＤＥＲ＿ＤＡＴＥ", "金额", "备注"],
        get_contract("orders"),
        None,
        "f.csv",
    )
    assert plan.fields == {"external_id": 0, "customer_id": 1, "ordered_at": 2, "amount": 3}
    assert plan.extras == [4]


def test_exact_field_name_beats_an_alias() -> None:
    plan = match_columns(
        ["ordered_at", "date", "customer_id", "amount"], get_contract("orders"), None, "f.csv"
    )
    assert plan.fields["ordered_at"] == 0 and plan.extras == [1]


def test_two_aliases_for_one_field_is_a_problem() -> None:
    with pytest.raises(
        ValidationError, match="'订单日期' and '下单时间' both look like 'ordered_at'"
    ):
        match_columns(
            ["订单日期", "下单时间", "客户编号", "金额"], get_contract("orders"), None, "f.csv"
        )


def test_missing_required_message() -> None:
    with pytest.raises(ValidationError) as info:
        match_columns(["customer", "amount_total"], get_contract("orders"), None, "f.csv")
    message = str(info.value)
    assert "missing required column(s): ordered_at" in message and "amount (e.g." in message
    assert "Headers found: 'customer', 'amount_total'" in message
    assert "--mapping" in message


def test_mapping_files(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps({"orders": {"单据": "external_id", "x": None}, "customers": {"a": "name"}})
    )
    assert load_mapping(path, "orders") == {"单据": "external_id", "x": None}
    assert load_mapping(path, "customers") == {"a": "name"}
    toml = tmp_path / "m.toml"
    toml.write_text('"会员卡" = "customer_id"\n')
    assert load_mapping(toml, "orders") == {"会员卡": "customer_id"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"x": "amout"}))
    with pytest.raises(
        ConfigError, match="'amout' is not a field of orders.*did you mean 'amount'"
    ):
        load_mapping(bad, "orders")
    with pytest.raises(ConfigError, match="'amout' is not a field of orders"):
        import_file(None, "orders", bad, mapping={"x": "amout"})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON or TOML"):
        load_mapping(broken, "orders")
    plan = match_columns(
        ["单据", "会员卡", "dt", "amount"],
        get_contract("orders"),
        {"单据": "external_id", "会员卡": "customer_id", "dt": "ordered_at"},
        "f.csv",
    )
    assert plan.fields == {"external_id": 0, "customer_id": 1, "ordered_at": 2, "amount": 3}


def test_specific_headers_beat_generic_ones_and_units_are_ignored() -> None:
    plan = match_columns(
        ["id", "订单编号", "客户", "客户编号", "日期", "订单日期", "金额（元）", "时长(分钟)"],
        get_contract("orders"),
        None,
        "f.csv",
    )
    assert plan.fields == {"external_id": 1, "customer_id": 3, "ordered_at": 5, "amount": 6}
    assert plan.extras == [0, 2, 4, 7]
    plan = match_columns(
        ["客户编号", "跟进时间", "方式", "时长(分钟)"], get_contract("interactions"), None, "f.csv"
    )
    assert plan.fields == {"customer_id": 0, "occurred_at": 1, "channel": 2, "duration_minutes": 3}
