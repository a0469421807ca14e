"""Snapshot mode on tables shaped like the well-known public churn tables, through the CLI.

The real files are not in the repository (and the tests run offline), so each table is
generated with the public file's exact columns, value spellings and quirks, plus a planted
churn signal, written as a real CSV/XLSX file, fitted on one part and predicted on the other
with ``keepwise churn fit --table ... --target ...`` and ``keepwise churn predict``; the
ROC-AUC is computed from ``preds.csv`` as an outside reviewer would.

* IBM Telco Customer Churn (``WA_Fn-UseC_-Telco-Customer-Churn.csv``): ``customerID`` like
  ``7590-VHVEG``, Yes/No columns, ``No phone service``/``No internet service``,
  ``TotalCharges`` with a single space in the rows of new customers, ``Churn`` Yes/No.
* Bank ``Churn_Modelling.csv``: ``RowNumber``, ``CustomerId``, repeated ``Surname``,
  ``Balance`` often 0.0, 0/1 flags, ``Exited`` 0/1.
* ``BankChurners.csv``: ``CLIENTNUM``, ``Attrition_Flag`` "Attrited Customer"/"Existing
  Customer", ``Income_Category`` like ``$60K - $80K``, "Unknown" levels.
* Orange/BigML telecom (``churn-bigml-80.csv``/``-20.csv``; ``Churn`` True/False) and the UCI
  original (``churn.data``: `` no``/`` yes`` with a leading space, ``churn`` `` False.``).
* A Chinese export: GBK CSV with Chinese headers, ``￥1,234.50`` amounts, 是/否 target, ids
  with leading zeros, a numeric column with ``N/A``/``-``/``#VALUE!``; and an XLSX with a
  title row above the header.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from keepwise.analytics.churn import read_metadata
from keepwise.cli import app

pytestmark = pytest.mark.integration

PRED_COLUMNS = ["id", "churn_probability", "risk_tier", "reasons"]
MIN_AUC = 0.75  # the planted signals give 0.85-0.95 to a model that reads the columns right


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _fmt(values: np.ndarray, digits: int = 2) -> list[str]:
    return [f"{v:.{digits}f}" for v in values]


# ---------------------------------------------------------------- table generators
def telco(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """IBM Telco Customer Churn (WA_Fn-UseC_-Telco-Customer-Churn.csv)."""
    rng = np.random.default_rng(seed)
    letters = np.array(list(string.ascii_uppercase))
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < n:
        cid = f"{rng.integers(0, 10000):04d}-{''.join(rng.choice(letters, 5))}"
        if cid not in seen:
            seen.add(cid)
            ids.append(cid)
    tenure = rng.integers(1, 73, n)
    tenure[rng.random(n) < 0.01] = 0  # new customers: TotalCharges is " "
    phone = rng.random(n) < 0.9
    internet = rng.choice(["Fiber optic", "DSL", "No"], n, p=[0.44, 0.34, 0.22])
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.21, 0.24])
    payment = rng.choice(
        [
            "Electronic check",
            "Mailed check",
            "Bank transfer (automatic)",
            "Credit card (automatic)",
        ],
        n,
    )
    security = np.where(internet == "No", "No internet service", rng.choice(["Yes", "No"], n))
    monthly = np.round(
        20 + 25 * (internet == "DSL") + 50 * (internet == "Fiber optic") + rng.normal(5, 5, n), 2
    )
    total = np.where(tenure == 0, " ", _fmt(monthly * tenure))
    logit = (
        -1.4
        - 0.06 * tenure
        + 1.8 * (contract == "Month-to-month")
        - 1.0 * (contract == "Two year")
        + 1.2 * (internet == "Fiber optic")
        + 0.9 * (payment == "Electronic check")
        + 0.7 * (security == "No")
    )
    churn = rng.random(n) < _sigmoid(logit)
    yes_no = ["Yes", "No"]
    df = pd.DataFrame(
        {
            "customerID": ids,
            "gender": rng.choice(["Female", "Male"], n),
            "SeniorCitizen": (rng.random(n) < 0.16).astype(int).astype(str),
            "Partner": rng.choice(yes_no, n),
            "Dependents": rng.choice(yes_no, n, p=[0.3, 0.7]),
            "tenure": tenure.astype(str),
            "PhoneService": np.where(phone, "Yes", "No"),
            "MultipleLines": np.where(phone, rng.choice(yes_no, n), "No phone service"),
            "InternetService": internet,
            "OnlineSecurity": security,
            "TechSupport": np.where(internet == "No", "No internet service", rng.choice(yes_no, n)),
            "Contract": contract,
            "PaperlessBilling": rng.choice(yes_no, n, p=[0.6, 0.4]),
            "PaymentMethod": payment,
            "MonthlyCharges": _fmt(monthly),
            "TotalCharges": total,
            "Churn": np.where(churn, "Yes", "No"),
        }
    )
    df.attrs["true_p"] = _sigmoid(logit)
    return df


SURNAMES = [
    "Smith", "Hargrave", "Hill", "Onio", "Boni", "Mitchell", "Chu", "Bartlett", "Obinna", "He",
    "H?", "Bearce", "Andrews", "Kay", "Chin", "Scott", "Goforth", "Romeo", "Henderson", "Muldrow",
    "Hao", "McDonald", "Dellucci", "Gerasimov", "Mosman", "Yen", "Maclean", "Young", "Nebechi",
    "McWilliams", "Lucciano", "Azikiwe", "Odinakachukwu", "Sanderson", "Maggard", "Clements",
    "Lombardo", "Watson", "Lorenzo", "Armstrong", "T'ien", "Shih", "Kao", "Martin", "Okagbue",
]  # fmt: skip


def bank(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    """Bank customer churn (Churn_Modelling.csv)."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(SURNAMES) + 1)
    age = np.clip(rng.normal(39, 10, n), 18, 92).astype(int)
    geography = rng.choice(["France", "Spain", "Germany"], n, p=[0.5, 0.25, 0.25])
    gender = rng.choice(["Female", "Male"], n, p=[0.45, 0.55])
    products = rng.choice([1, 2, 3, 4], n, p=[0.5, 0.44, 0.05, 0.01])
    active = rng.random(n) < 0.52
    balance = np.where(rng.random(n) < 0.36, 0.0, np.round(rng.normal(120000, 30000, n), 2))
    logit = (
        -4.2
        + 0.075 * age
        + 0.9 * (geography == "Germany")
        + 0.45 * (gender == "Female")
        - 1.0 * active
        + 2.6 * (products >= 3)
        - 0.9 * (products == 2)
    )
    exited = rng.random(n) < _sigmoid(logit)
    df = pd.DataFrame(
        {
            "RowNumber": np.arange(1, n + 1).astype(str),
            "CustomerId": (15565701 + rng.permutation(250000)[:n]).astype(str),
            "Surname": rng.choice(SURNAMES, n, p=weights / weights.sum()),
            "CreditScore": rng.integers(350, 851, n).astype(str),
            "Geography": geography,
            "Gender": gender,
            "Age": age.astype(str),
            "Tenure": rng.integers(0, 11, n).astype(str),
            "Balance": [repr(float(b)) for b in balance],  # "0.0", "83807.86"
            "NumOfProducts": products.astype(str),
            "HasCrCard": (rng.random(n) < 0.7).astype(int).astype(str),
            "IsActiveMember": active.astype(int).astype(str),
            "EstimatedSalary": _fmt(rng.uniform(11.58, 199992.48, n)),
            "Exited": exited.astype(int).astype(str),
        }
    )
    df.attrs["true_p"] = _sigmoid(logit)
    return df


INCOME = ["Less than $40K", "$40K - $60K", "$60K - $80K", "$80K - $120K", "$120K +", "Unknown"]


def bank_churners(n: int = 2000, seed: int = 2) -> pd.DataFrame:
    """Credit card customers (BankChurners.csv); churn is "Attrited Customer"."""
    rng = np.random.default_rng(seed)
    trans_ct = rng.integers(10, 140, n)
    revolving = np.where(rng.random(n) < 0.25, 0, rng.integers(100, 2517, n))
    contacts = rng.integers(0, 7, n)
    inactive = rng.integers(0, 7, n)
    limit = np.round(rng.uniform(1438.3, 34516.0, n), 1)
    logit = 2.0 - 0.05 * trans_ct - 0.0009 * revolving + 0.45 * contacts + 0.35 * inactive
    attrited = rng.random(n) < _sigmoid(logit)
    df = pd.DataFrame(
        {
            "CLIENTNUM": (708082083 + rng.permutation(10_000_000)[:n]).astype(str),
            "Attrition_Flag": np.where(attrited, "Attrited Customer", "Existing Customer"),
            "Customer_Age": rng.integers(26, 74, n).astype(str),
            "Gender": rng.choice(["M", "F"], n),
            "Dependent_count": rng.integers(0, 6, n).astype(str),
            "Education_Level": rng.choice(
                [
                    "High School",
                    "Graduate",
                    "Uneducated",
                    "Unknown",
                    "College",
                    "Post-Graduate",
                    "Doctorate",
                ],
                n,
            ),  # fmt: skip
            "Marital_Status": rng.choice(["Married", "Single", "Unknown", "Divorced"], n),
            "Income_Category": rng.choice(INCOME, n),
            "Card_Category": rng.choice(
                ["Blue", "Silver", "Gold", "Platinum"], n, p=[0.93, 0.055, 0.012, 0.003]
            ),
            "Months_on_book": rng.integers(13, 57, n).astype(str),
            "Total_Relationship_Count": rng.integers(1, 7, n).astype(str),
            "Months_Inactive_12_mon": inactive.astype(str),
            "Contacts_Count_12_mon": contacts.astype(str),
            "Credit_Limit": [repr(float(v)) for v in limit],
            "Total_Revolving_Bal": revolving.astype(str),
            "Total_Trans_Amt": (trans_ct * rng.uniform(30, 80, n)).astype(int).astype(str),
            "Total_Trans_Ct": trans_ct.astype(str),
            "Avg_Utilization_Ratio": _fmt(np.clip(revolving / limit, 0, 0.999), 3),
        }
    )
    df.attrs["true_p"] = _sigmoid(logit)
    return df


STATES = ["KS", "OH", "NJ", "OK", "AL", "MA", "MO", "LA", "WV", "IN", "RI", "IA", "MT", "NY",
          "ID", "VT", "VA", "TX", "FL", "CO", "AZ", "SC", "NE", "WY", "HI", "IL", "NH", "GA",
          "AK", "MD", "AR", "WI", "OR", "MI", "DE", "UT", "CA", "MN", "SD", "NC", "WA", "NM",
          "NV", "DC", "KY", "ME", "MS", "TN", "PA", "CT", "ND"]  # fmt: skip


def orange_telecom(n: int = 2500, seed: int = 3, *, uci: bool = False) -> pd.DataFrame:
    """Orange/BigML telecom churn (churn-bigml-80.csv) or, with ``uci``, the UCI churn.data.

    BigML: plans "No"/"Yes", ``Churn`` "False"/"True". UCI (with its churn.names header):
    lower-case names, a ``phone number`` column, text values with a leading space (" no",
    " yes", " 382-4657") and the target ``churn`` as " False." / " True.".
    """
    rng = np.random.default_rng(seed)
    day_min = np.round(np.clip(rng.normal(180, 54, n), 0, 351), 1)
    eve_min = np.round(np.clip(rng.normal(200, 50, n), 0, 364), 1)
    night_min = np.round(np.clip(rng.normal(200, 50, n), 23, 395), 1)
    intl_min = np.round(np.clip(rng.normal(10, 2.8, n), 0, 20), 1)
    calls = rng.poisson(1.5, n)
    intl_plan = rng.random(n) < 0.1
    vm_plan = rng.random(n) < 0.27
    logit = (
        -7.2
        + 0.028 * day_min
        + 0.006 * eve_min
        + 2.2 * intl_plan
        - 1.0 * vm_plan
        + np.where(calls >= 4, 2.6, 0.0)
    )
    churn = rng.random(n) < _sigmoid(logit)
    vmail = np.where(vm_plan, rng.integers(10, 50, n), 0)
    cols = {
        "State": rng.choice(STATES, n),
        "Account length": rng.integers(1, 244, n).astype(str),
        "Area code": rng.choice(["408", "415", "510"], n, p=[0.25, 0.5, 0.25]),
        "International plan": np.where(intl_plan, "Yes", "No"),
        "Voice mail plan": np.where(vm_plan, "Yes", "No"),
        "Number vmail messages": vmail.astype(str),
        "Total day minutes": _fmt(day_min, 1),
        "Total day calls": rng.integers(0, 165, n).astype(str),
        "Total day charge": _fmt(day_min * 0.17),
        "Total eve minutes": _fmt(eve_min, 1),
        "Total eve calls": rng.integers(0, 170, n).astype(str),
        "Total eve charge": _fmt(eve_min * 0.085),
        "Total night minutes": _fmt(night_min, 1),
        "Total night calls": rng.integers(33, 175, n).astype(str),
        "Total night charge": _fmt(night_min * 0.045),
        "Total intl minutes": _fmt(intl_min, 1),
        "Total intl calls": rng.integers(0, 20, n).astype(str),
        "Total intl charge": _fmt(intl_min * 0.27),
        "Customer service calls": calls.astype(str),
        "Churn": np.where(churn, "True", "False"),
    }
    if not uci:
        bigml = pd.DataFrame(cols)
        bigml.attrs["true_p"] = _sigmoid(logit)
        return bigml
    phones = 3_000_000 + rng.permutation(6_000_000)[:n]
    df = pd.DataFrame(
        {
            "state": cols["State"],
            "account length": cols["Account length"],
            "area code": cols["Area code"],
            "phone number": [f" {p // 10000}-{p % 10000:04d}" for p in phones],
            "international plan": np.where(intl_plan, " yes", " no"),
            "voice mail plan": np.where(vm_plan, " yes", " no"),
            "number vmail messages": cols["Number vmail messages"],
        }
    )
    for part in ("day", "eve", "night", "intl"):
        for what in ("minutes", "calls", "charge"):
            df[f"total {part} {what}"] = cols[f"Total {part} {what}"]
    df["number customer service calls"] = cols["Customer service calls"]
    df["churn"] = np.where(churn, " True.", " False.")
    df.attrs["true_p"] = _sigmoid(logit)
    return df


def chinese(n: int = 2000, seed: int = 4, *, yen: str = "￥") -> pd.DataFrame:
    """A Chinese CRM export: 客户编号 with leading zeros, ￥ amounts, junk in a numeric column."""
    rng = np.random.default_rng(seed)
    spend = np.round(rng.gamma(2.0, 600.0, n), 2)
    level = rng.choice(["普通", "银卡", "金卡", "钻石"], n, p=[0.5, 0.25, 0.17, 0.08])
    days = rng.integers(0, 120, n)
    age = rng.integers(18, 70, n)
    logit = (
        -1.6
        + 0.035 * days
        - 0.0007 * spend
        + np.where(level == "普通", 0.9, np.where(level == "钻石", -1.0, 0.0))
        - 0.01 * (age - 40)
    )
    churn = rng.random(n) < _sigmoid(logit)
    days_text = days.astype(str).astype(object)
    junk = rng.random(n) < 0.04
    days_text[junk] = rng.choice(["N/A", "-", "#VALUE!"], int(junk.sum()))
    df = pd.DataFrame(
        {
            "客户编号": [f"{i:06d}" for i in rng.permutation(n) + 17],
            "性别": rng.choice(["男", "女"], n),
            "年龄": age.astype(str),
            "月消费（元）": [f"{yen}{v:,.2f}" for v in spend],
            "会员等级": level,
            "最近登录天数": days_text,
            "是否流失": np.where(churn, "是", "否"),
        }
    )
    df.attrs["true_p"] = _sigmoid(logit)
    return df


# ---------------------------------------------------------------- helpers
def _split(df: pd.DataFrame, frac: float = 0.7, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = df.sample(frac=frac, random_state=seed)
    return train, df.drop(train.index)


def _fit(
    tmp_path: Path, table: Path, target: str, *extra: str
) -> tuple[Path, dict[str, object], str]:
    model = tmp_path / "m.kwm"
    r = CliRunner().invoke(
        app,
        ["churn", "fit", "--table", str(table), "--target", target, "--model", str(model), *extra],
    )
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return model, read_metadata(model), r.output


def _predict(tmp_path: Path, model: Path, table: Path) -> pd.DataFrame:
    out = tmp_path / "preds.csv"
    r = CliRunner().invoke(
        app,
        ["churn", "predict", "--model", str(model), "--table", str(table), "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    return pd.read_csv(out, dtype={"id": str}, keep_default_na=False)


def _check_preds(
    preds: pd.DataFrame, ids: list[str], truth: np.ndarray, name: str, true_p: np.ndarray
) -> float:
    """Shape, order and ids of preds.csv; its AUC against chance and the generator's own odds."""
    assert list(preds.columns) == PRED_COLUMNS
    assert len(preds) == len(ids)
    assert preds["id"].tolist() == ids  # one row per input row, in order, ids as written
    p = preds["churn_probability"].astype(float)
    assert p.between(0, 1).all()
    assert set(preds["risk_tier"]) <= {"low", "medium", "high"}
    assert (preds["reasons"].str.len() > 0).all()
    auc = float(roc_auc_score(truth, p))
    best = float(roc_auc_score(truth, true_p))  # scoring with the planted probabilities
    print(
        f"{name}: held-out ROC-AUC from preds.csv {auc:.3f}, planted {best:.3f} ({len(ids)} rows)"
    )
    assert auc > MIN_AUC, (name, auc)
    assert auc > best - 0.05, (name, auc, best)
    return auc


def _write_csv(df: pd.DataFrame, path: Path, encoding: str = "utf-8") -> Path:
    df.to_csv(path, index=False, encoding=encoding)
    return path


# ---------------------------------------------------------------- the public shapes
def test_telco_customer_churn(tmp_path: Path) -> None:
    df = telco()
    assert (df["TotalCharges"] == " ").sum() > 5
    train, test = _split(df)
    test = test.copy()
    # a payment method never seen at fit, and no Churn column at predict
    test.iloc[:5, test.columns.get_loc("PaymentMethod")] = "Crypto wallet"
    truth = (test["Churn"] == "Yes").to_numpy()
    model, meta, _ = _fit(
        tmp_path, _write_csv(train, tmp_path / "WA_Fn-UseC_-Telco-Customer-Churn.csv"), "Churn"
    )
    types = meta["column_types"]
    assert isinstance(types, dict)
    assert types["TotalCharges"] == "numeric"  # " " is a blank, not text
    assert types["MonthlyCharges"] == "numeric"
    assert types["Partner"] == "boolean"
    assert types["MultipleLines"] == "categorical"  # Yes / No / No phone service
    assert types["customerID"] == "id" and meta["id_column"] == "customerID"
    assert meta["target_values"] == {"churn": "Yes", "not_churn": "No"}
    preds = _predict(
        tmp_path, model, _write_csv(test.drop(columns=["Churn"]), tmp_path / "new.csv")
    )
    _check_preds(preds, test["customerID"].tolist(), truth, "Telco", df.attrs["true_p"][test.index])


def test_bank_churn_modelling(tmp_path: Path) -> None:
    df = bank()
    assert (df["Balance"] == "0.0").mean() > 0.3 and df["Surname"].nunique() < 50
    train, test = _split(df)
    model, meta, _ = _fit(tmp_path, _write_csv(train, tmp_path / "Churn_Modelling.csv"), "Exited")
    types = meta["column_types"]
    assert isinstance(types, dict)
    assert types["RowNumber"] == "id" and types["CustomerId"] == "id"
    assert meta["id_column"] == "CustomerId"  # the customer's id, not the row number
    assert types["Balance"] == "numeric" and types["Surname"] == "categorical"
    # predict on a table that still has the target column: it is ignored
    preds = _predict(tmp_path, model, _write_csv(test, tmp_path / "test.csv"))
    _check_preds(
        preds,
        test["CustomerId"].tolist(),
        test["Exited"].astype(int).to_numpy(),
        "Bank",
        df.attrs["true_p"][test.index],
    )


def test_bank_churners_attrited_customer_is_churn(tmp_path: Path) -> None:
    df = bank_churners()
    train, test = _split(df)
    truth = (test["Attrition_Flag"] == "Attrited Customer").to_numpy()
    model, meta, out = _fit(
        tmp_path, _write_csv(train, tmp_path / "BankChurners.csv"), "Attrition_Flag"
    )
    assert meta["target_values"] == {
        "churn": "Attrited Customer",
        "not_churn": "Existing Customer",
    }
    assert "churn = 'Attrited Customer'" in out
    types = meta["column_types"]
    assert isinstance(types, dict)
    assert types["Income_Category"] == "categorical"  # "$60K - $80K" is not a number
    assert types["Education_Level"] == "categorical"
    assert types["Avg_Utilization_Ratio"] == "numeric"
    assert types["CLIENTNUM"] == "id" and meta["id_column"] == "CLIENTNUM"
    preds = _predict(
        tmp_path, model, _write_csv(test.drop(columns=["Attrition_Flag"]), tmp_path / "t.csv")
    )
    _check_preds(
        preds, test["CLIENTNUM"].tolist(), truth, "BankChurners", df.attrs["true_p"][test.index]
    )


def test_explicit_positive_is_saved_and_used(tmp_path: Path) -> None:
    df = bank_churners(1200)
    df["Attrition_Flag"] = df["Attrition_Flag"].map(
        {"Attrited Customer": "Group B", "Existing Customer": "Group A"}
    )
    path = _write_csv(df, tmp_path / "groups.csv")
    r = CliRunner().invoke(
        app,
        ["churn", "fit", "--table", str(path), "--target", "Attrition_Flag", "--model",
         str(tmp_path / "x.kwm")],
    )  # fmt: skip
    assert r.exit_code != 0 and "Traceback" not in r.output
    for part in ("'Attrition_Flag'", "'Group B'", "'Group A'", "--positive"):
        assert part in r.output, (part, r.output)
    model, meta, _ = _fit(tmp_path, path, "Attrition_Flag", "--positive", "group b")
    assert meta["positive"] == "group b"
    assert meta["target_values"] == {"churn": "Group B", "not_churn": "Group A"}
    preds = _predict(tmp_path, model, path)
    auc = roc_auc_score(df["Attrition_Flag"] == "Group B", preds["churn_probability"])
    assert auc > MIN_AUC  # churn is "Group B", not flipped
    r = CliRunner().invoke(
        app,
        ["churn", "fit", "--table", str(path), "--target", "Attrition_Flag", "--positive",
         "Group C", "--model", str(tmp_path / "y.kwm")],
    )  # fmt: skip
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "has no value 'Group C'" in r.output and "'Group A'" in r.output


def test_orange_telecom_bigml_80_20(tmp_path: Path) -> None:
    df = orange_telecom()
    train, test = _split(df, frac=0.8)
    model, meta, _ = _fit(tmp_path, _write_csv(train, tmp_path / "churn-bigml-80.csv"), "Churn")
    types = meta["column_types"]
    assert isinstance(types, dict)
    assert types["International plan"] == "boolean"
    assert types["Total day minutes"] == "numeric" and types["State"] == "categorical"
    assert meta["target_values"] == {"churn": "True", "not_churn": "False"}
    # the BigML 20 % file keeps its Churn column; no id column: ids are row numbers
    preds = _predict(tmp_path, model, _write_csv(test, tmp_path / "churn-bigml-20.csv"))
    ids = [str(i) for i in range(1, len(test) + 1)]
    _check_preds(
        preds,
        ids,
        (test["Churn"] == "True").to_numpy(),
        "Orange BigML",
        df.attrs["true_p"][test.index],
    )


def test_uci_churn_data_leading_spaces_and_trailing_periods(tmp_path: Path) -> None:
    df = orange_telecom(seed=5, uci=True)
    assert df["churn"].isin([" True.", " False."]).all()
    train, test = _split(df)
    model, meta, _ = _fit(tmp_path, _write_csv(train, tmp_path / "churn.data.csv"), "churn")
    types = meta["column_types"]
    assert isinstance(types, dict)
    assert types["international plan"] == "boolean"  # " yes" / " no"
    assert types["voice mail plan"] == "boolean"
    assert types["phone number"] == "id" and meta["id_column"] == "phone number"
    assert meta["target_values"] == {"churn": "True.", "not_churn": "False."}
    preds = _predict(
        tmp_path, model, _write_csv(test.drop(columns=["churn"]), tmp_path / "churn.test.csv")
    )
    ids = test["phone number"].tolist()  # as written in the file, leading space included
    _check_preds(
        preds,
        ids,
        (test["churn"] == " True.").to_numpy(),
        "UCI churn.data",
        df.attrs["true_p"][test.index],
    )


def test_chinese_gbk_csv(tmp_path: Path) -> None:
    df = chinese()
    train, test = _split(df)
    test = test.copy()
    test.iloc[:7, test.columns.get_loc("会员等级")] = "黑金"  # a level never seen at fit
    truth = (test["是否流失"] == "是").to_numpy()
    path = _write_csv(train, tmp_path / "客户流失.csv", encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")  # really GBK
    model, meta, _ = _fit(tmp_path, path, "是否流失")
    types = meta["column_types"]
    assert isinstance(types, dict)
    assert types["月消费（元）"] == "numeric"  # "￥1,234.50"
    assert types["最近登录天数"] == "numeric"  # despite "N/A", "-", "#VALUE!"
    assert types["会员等级"] == "categorical" and types["性别"] == "categorical"
    assert meta["id_column"] == "客户编号"
    assert meta["target_values"] == {"churn": "是", "not_churn": "否"}
    new = _write_csv(test.drop(columns=["是否流失"]), tmp_path / "新客户.csv", encoding="gbk")
    preds = _predict(tmp_path, model, new)
    assert preds["id"].str.match(r"^0\d{5}$").all()  # leading zeros kept
    _check_preds(
        preds, test["客户编号"].tolist(), truth, "Chinese GBK CSV", df.attrs["true_p"][test.index]
    )


def _xlsx_with_title(df: pd.DataFrame, path: Path, title: str) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        df.to_excel(xl, sheet_name="明细", index=False, startrow=2)
        xl.sheets["明细"]["A1"] = title
    return path


def test_chinese_xlsx_with_title_row(tmp_path: Path) -> None:
    df = chinese(seed=6, yen="¥")
    train, test = _split(df)
    truth = (test["是否流失"] == "是").to_numpy()
    book = _xlsx_with_title(train, tmp_path / "客户.xlsx", "2024年客户流失明细表")
    model, meta, _ = _fit(tmp_path, book, "是否流失")
    assert meta["id_column"] == "客户编号"
    assert isinstance(meta["column_types"], dict)
    assert meta["column_types"]["月消费（元）"] == "numeric"
    new = _xlsx_with_title(
        test.drop(columns=["是否流失"]), tmp_path / "新客户.xlsx", "2024年新客户"
    )
    preds = _predict(tmp_path, model, new)
    _check_preds(
        preds, test["客户编号"].tolist(), truth, "Chinese XLSX", df.attrs["true_p"][test.index]
    )


# ---------------------------------------------------------------- bad input
def _fit_error(tmp_path: Path, table: Path, *args: str) -> str:
    r = CliRunner().invoke(
        app, ["churn", "fit", "--table", str(table), *args, "--model", str(tmp_path / "bad.kwm")]
    )
    assert r.exit_code != 0
    assert "Traceback" not in r.output
    assert not (tmp_path / "bad.kwm").exists()
    return r.output


def test_target_with_a_third_value_names_file_row_column_value(tmp_path: Path) -> None:
    df = telco(300)
    df.loc[6, "Churn"] = "Maybe"  # data row 7 = file row 8 (the header is row 1)
    path = _write_csv(df, tmp_path / "telco.csv")
    out = _fit_error(tmp_path, path, "--target", "Churn")
    assert f"{path}, row 8, column 'Churn'" in out and "'Maybe'" in out, out


def test_target_error_rows_count_the_title_rows_of_a_workbook(tmp_path: Path) -> None:
    df = chinese(300)
    df.loc[0, "是否流失"] = "不确定"  # header on row 3, first data row is row 4
    out = _fit_error(
        tmp_path, _xlsx_with_title(df, tmp_path / "b.xlsx", "标题"), "--target", "是否流失"
    )
    assert "row 4, column '是否流失'" in out and "'不确定'" in out, out


def test_missing_target_column_lists_the_columns(tmp_path: Path) -> None:
    path = _write_csv(telco(200), tmp_path / "telco.csv")
    out = _fit_error(tmp_path, path, "--target", "Exited")
    assert "target column not found: 'Exited'" in out and "customerID" in out, out
    assert str(path) in out
    out = _fit_error(tmp_path, path, "--target", "Chrun")
    assert "did you mean 'Churn'" in out, out


def test_predict_on_an_unrelated_table_is_refused(tmp_path: Path) -> None:
    model, _, _ = _fit(tmp_path, _write_csv(telco(400), tmp_path / "t.csv"), "Churn")
    other = _write_csv(pd.DataFrame({"x": ["1", "2"], "y": ["a", "b"]}), tmp_path / "o.csv")
    r = CliRunner().invoke(
        app, ["churn", "predict", "--model", str(model), "--table", str(other), "--out",
              str(tmp_path / "p.csv")],
    )  # fmt: skip
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "none of the columns the model was fitted on" in r.output, r.output
