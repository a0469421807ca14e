from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from keepwise.analytics.churn import TableEncoder, parse_numbers, parse_target
from keepwise.errors import ValidationError


def test_parse_numbers_handles_messy_text() -> None:
    s = pd.Series(["1,234", "$12.50", "¥3 000", "12%", "(5)", "", "N/A", None, "abc", " 7 "])
    out = parse_numbers(s)
    expected = [1234, 12.5, 3000, 12, -5, np.nan, np.nan, np.nan, np.nan, 7]
    np.testing.assert_allclose(out.to_numpy(), expected, equal_nan=True)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["Yes", "No", "yes", "NO"], [1, 0, 1, 0]),
        (["1", "0", "1.0", "0.0"], [1, 0, 1, 0]),
        (["True", "False", "TRUE", "false"], [1, 0, 1, 0]),
        (["是", "否", "流失", "未流失"], [1, 0, 1, 0]),
    ],
)
def test_parse_target_forms(values: list[str], expected: list[int]) -> None:
    assert parse_target(pd.Series(values), "Churn").tolist() == expected


def test_parse_target_blank_is_missing() -> None:
    y = parse_target(pd.Series(["Yes", "", "No"]), "Churn")
    assert y.isna().tolist() == [False, True, False]


def test_parse_target_one_class_is_clear() -> None:
    with pytest.raises(ValidationError, match="needs both churned and not-churned"):
        parse_target(pd.Series(["No", "No", "no"]), "Churn")


def test_parse_target_unknown_values_named() -> None:
    with pytest.raises(ValidationError, match="'maybe'"):
        parse_target(pd.Series(["Yes", "maybe", "No"]), "Churn")


def test_encoder_types_messy_columns(messy: pd.DataFrame) -> None:
    enc = TableEncoder(exclude=("Churn",)).fit(messy)
    kinds = {s.name: s.kind for s in enc.specs_}
    assert kinds == {
        "Customer ID": "id",
        "Tenure (months)": "numeric",
        "Monthly Spend": "numeric",
        "Discount": "numeric",
        "Has Complaint": "boolean",
        "AutoPay": "boolean",
        "Plan": "categorical",
        "City": "categorical",
        "Notes": "id",
        "Constant": "constant",
    }
    city = next(s for s in enc.specs_ if s.name == "City")
    assert len(city.levels) <= 30  # high cardinality folded into top-k + other
    X = enc.transform(messy)
    assert list(X.columns) == enc.features_
    assert X["Monthly Spend"].isna().sum() == len(messy) // 20
    assert set(X["Has Complaint"].dropna().unique()) <= {0.0, 1.0}
    # unseen level at transform time becomes "other", not an error
    new = messy.head(2).copy()
    new["Plan"] = ["Lifetime", "Monthly"]
    codes = enc.transform(new)["Plan"].tolist()
    plan = next(s for s in enc.specs_ if s.name == "Plan")
    assert codes[0] == len(plan.levels) and enc.level_name("Plan", codes[0]) == TableEncoder.OTHER


def test_encoder_missing_column_at_transform_is_blank(messy: pd.DataFrame) -> None:
    enc = TableEncoder(exclude=("Churn",)).fit(messy)
    X = enc.transform(messy.drop(columns=["Discount"]))
    assert X["Discount"].isna().all()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([" False.", " True.", "False.", " True."], [0, 1, 0, 1]),  # UCI churn.data
        (["Attrited Customer", "Existing Customer"], [1, 0]),  # BankChurners
        (["Existing Customer", "Attrited Customer"], [0, 1]),
        (["not churned", "churned"], [0, 1]),
        (["Inactive", "Active"], [1, 0]),
        (["Closed", "Open"], [1, 0]),
        (["已注销", "正常"], [1, 0]),
        (["在网", "离网"], [0, 1]),
    ],
)
def test_parse_target_reads_churn_words(values: list[str], expected: list[int]) -> None:
    assert parse_target(pd.Series(values), "Flag").tolist() == expected


def test_parse_target_ambiguous_pair_asks_for_positive() -> None:
    with pytest.raises(ValidationError, match=r"'Plan'.*'Gold' and 'Silver'.*--positive"):
        parse_target(pd.Series(["Gold", "Silver", "Gold"]), "Plan")
    y = parse_target(pd.Series(["Gold", "Silver", " gold "]), "Plan", positive="Silver")
    assert y.tolist() == [0, 1, 0]


def test_parse_target_third_value_names_file_row_and_value() -> None:
    with pytest.raises(ValidationError) as info:
        parse_target(
            pd.Series(["Yes", "No", "No", "Later"]), "Churn", file="c.csv", rows=[5, 6, 7, 9]
        )
    assert "c.csv, row 9, column 'Churn': not a churn value (value 'Later')" in str(info.value)
    with pytest.raises(ValidationError, match="besides 'A' \\(churn\\) and 'B' it has 'C'"):
        parse_target(pd.Series(["A", "B", "C"]), "T", positive="a")
    with pytest.raises(ValidationError, match="has no value 'Z'"):
        parse_target(pd.Series(["A", "B"]), "T", positive="Z")


def test_encoder_reads_spreadsheet_errors_as_blank_and_spaced_booleans() -> None:
    n = 100
    df = pd.DataFrame(
        {
            "Days": [str(i) for i in range(n - 3)] + ["#VALUE!", "N/A", "-"],
            "Plan": [" yes", " no"] * (n // 2),
            "Income": ["$60K - $80K", "Less than $40K", "$120K +", "Unknown"] * (n // 4),
        }
    )
    enc = TableEncoder().fit(df)
    assert {s.name: s.kind for s in enc.specs_} == {
        "Days": "numeric",
        "Plan": "boolean",
        "Income": "categorical",
    }
    X = enc.transform(df)
    assert X["Days"].isna().sum() == 3 and X["Plan"].tolist()[:2] == [1.0, 0.0]


def test_read_table_skips_blank_rows_and_keeps_file_row_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from keepwise.analytics.churn import read_table

    path = tmp_path / "t.csv"
    path.write_text("\n\nid,plan,Churn\n001,x,Yes\n,,\n\n002,z,No\n,,\n\n", encoding="utf-8")
    df = read_table(path)
    # a row of empty cells is no customer (the importer skips it too); rows keep their numbers
    assert df["id"].tolist() == ["001", "002"]
    assert df.attrs["rows"].tolist() == [4, 7] and df.attrs["source"] == str(path)
