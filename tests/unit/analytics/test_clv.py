"""CLV: RFM summary (Ibis vs pandas), BG/NBD and Gamma-Gamma (vs lifetimes), formula CLV, tiers, CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import ibis
import lifetimes
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from keepwise.analytics.clv import (
    DEFAULT_TIERS,
    BetaGeoModel,
    GammaGammaModel,
    Tier,
    assign_tiers,
    customer_value,
    formula_clv,
    parse_tiers,
    rfm_summary,
)
from keepwise.cli import app
from keepwise.errors import ConfigError, ConvergenceError, NotFittedError, SchemaError
from keepwise.i18n import gettext

T = pd.Timestamp


def _simulate_bgnbd(n: int, seed: int, *, r=0.25, alpha=4.0, a=0.8, b=2.5, T_max=39.0):  # type: ignore[no-untyped-def]
    """Draw (frequency, recency, T, monetary_value) from the BG/NBD and Gamma-Gamma processes."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(27, T_max, n)
    freq = np.zeros(n, dtype=int)
    rec = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i]) if lam[i] > 0 else np.inf
            if t > T[i]:
                break
            freq[i] += 1
            rec[i] = t
            if rng.random() < p[i]:
                break
    nu = rng.gamma(3.7, 1 / 15.0, n)
    spend = np.array([rng.gamma(6.0, 1 / nu[i], max(k, 1)).mean() for i, k in enumerate(freq)])
    return pd.DataFrame(
        {
            "frequency": freq,
            "recency": rec,
            "T": T,
            "monetary_value": np.where(freq > 0, spend, 0.0),
        }
    )


@pytest.fixture(scope="module")
def rfm() -> pd.DataFrame:
    return _simulate_bgnbd(1500, seed=7)


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("a", T("2024-01-01 09:00"), 10.0),
            ("a", T("2024-01-01 17:00"), 5.0),  # same day: one purchase of 15
            ("a", T("2024-01-15"), 20.0),
            ("a", T("2024-02-12"), 40.0),
            ("a", T("2024-05-01"), 99.0),  # after the calibration end
            ("b", T("2024-01-29"), 7.0),
            ("c", T("2024-02-26 23:59"), 3.0),  # on the calibration end day: counts
        ],
        columns=["customer_id", "ordered_at", "amount"],
    )


def _pandas_rfm(orders: pd.DataFrame, end: dt.date, unit_days: float) -> pd.DataFrame:
    o = orders[orders.ordered_at.dt.date <= end].assign(day=lambda d: d.ordered_at.dt.normalize())
    daily = o.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    rows = []
    for cid, g in daily.groupby("customer_id"):
        g = g.sort_values("day")
        freq = len(g) - 1
        rows.append(
            {
                "customer_id": cid,
                "frequency": freq,
                "recency": (g.day.iloc[-1] - g.day.iloc[0]).days / unit_days,
                "T": (pd.Timestamp(end) - g.day.iloc[0]).days / unit_days,
                "monetary_value": g.amount.iloc[1:].mean() if freq else 0.0,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("unit", "days"), [("D", 1.0), ("W", 7.0), ("M", 365.25 / 12)])
def test_rfm_summary_matches_pandas(unit: str, days: float) -> None:
    orders = _orders()
    end = dt.date(2024, 2, 26)
    got = rfm_summary(ibis.memtable(orders), calibration_end=end, time_unit=unit).to_pandas()
    want = _pandas_rfm(orders, end, days)
    assert got["customer_id"].tolist() == want["customer_id"].tolist() == ["a", "b", "c"]
    for column in ("frequency", "recency", "T", "monetary_value"):
        assert np.allclose(got[column], want[column]), column
    a = got.iloc[0]
    assert a["frequency"] == 2 and a["monetary_value"] == 30.0 and a["n_purchases"] == 3
    assert a["T"] * days == pytest.approx(56)


def test_rfm_summary_errors() -> None:
    t = ibis.memtable(_orders())
    with pytest.raises(ConfigError, match="time_unit"):
        rfm_summary(t, calibration_end="2024-02-26", time_unit="Y")
    with pytest.raises(SchemaError, match="'amount'"):
        rfm_summary(t.drop("amount"), calibration_end="2024-02-26")
    with pytest.raises(ConfigError, match="calibration_end"):
        rfm_summary(t, calibration_end="soon")
    with pytest.raises(ConfigError, match="exactly one"):
        rfm_summary(t)
    same = rfm_summary(t, as_of="2024-02-26").to_pandas()
    assert same.equals(rfm_summary(t, calibration_end="2024-02-26").to_pandas())


def test_bgnbd_matches_lifetimes(rfm: pd.DataFrame) -> None:
    ours = BetaGeoModel().fit(rfm)
    assert ours.fit(rfm) is ours
    ref = lifetimes.BetaGeoFitter().fit(rfm.frequency, rfm.recency, rfm["T"])
    assert list(ours.params_.index) == ["r", "alpha", "a", "b"]
    np.testing.assert_allclose(ours.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-3)
    np.testing.assert_allclose(
        ours.standard_errors_.to_numpy(), ref.standard_errors_.to_numpy(), rtol=1e-2
    )
    pa = ours.probability_alive(rfm)
    pa_ref = ref.conditional_probability_alive(rfm.frequency, rfm.recency, rfm["T"])
    np.testing.assert_allclose(pa, pa_ref, rtol=1e-4)
    e = ours.expected_purchases(rfm, horizon=26)
    e_ref = ref.conditional_expected_number_of_purchases_up_to_time(
        26, rfm.frequency, rfm.recency, rfm["T"]
    )
    np.testing.assert_allclose(e, e_ref, rtol=1e-4)
    assert ours.expected_purchases_new_customer(horizon=26) == pytest.approx(
        ref.expected_number_of_purchases_up_to_time(26), rel=1e-4
    )
    s = ours.summary_
    assert list(s.columns) == ["coef", "se", "lower", "upper"]
    assert (s["lower"] < s["coef"]).all() and (s["coef"] < s["upper"]).all()
    assert math.isfinite(ours.log_likelihood_) and ours.log_likelihood_ < 0


def test_gamma_gamma_and_clv_match_lifetimes(rfm: pd.DataFrame) -> None:
    bg = BetaGeoModel().fit(rfm)
    gg = GammaGammaModel().fit(rfm)
    assert gg.n_customers_ == int((rfm.frequency > 0).sum())  # repeat buyers only
    repeat = rfm[rfm.frequency > 0]
    bg_ref = lifetimes.BetaGeoFitter().fit(rfm.frequency, rfm.recency, rfm["T"])
    gg_ref = lifetimes.GammaGammaFitter().fit(repeat.frequency, repeat.monetary_value)
    np.testing.assert_allclose(gg.params_.to_numpy(), gg_ref.params_.to_numpy(), rtol=1e-3)
    spend = gg.conditional_expected_average_profit(rfm)
    spend_ref = gg_ref.conditional_expected_average_profit(rfm.frequency, rfm.monetary_value)
    np.testing.assert_allclose(spend, spend_ref, rtol=1e-4)
    for unit in ("W", "D"):
        clv = gg.customer_lifetime_value(
            bg, rfm, horizon_months=12, discount_rate=0.01, time_unit=unit
        )
        clv_ref = gg_ref.customer_lifetime_value(
            bg_ref,
            rfm.frequency,
            rfm.recency,
            rfm["T"],
            rfm.monetary_value,
            time=12,
            discount_rate=0.01,
            freq=unit,
        )
        np.testing.assert_allclose(clv, clv_ref, rtol=1e-3)
    # discounting lowers the value; a longer horizon raises it
    undiscounted = gg.customer_lifetime_value(bg, rfm, discount_rate=0.0)
    assert (undiscounted >= gg.customer_lifetime_value(bg, rfm) - 1e-12).all()
    assert (
        gg.customer_lifetime_value(bg, rfm, horizon_months=24)
        >= gg.customer_lifetime_value(bg, rfm)
    ).all()


def test_models_validate_input(rfm: pd.DataFrame) -> None:
    with pytest.raises(NotFittedError):
        BetaGeoModel().probability_alive(rfm)
    with pytest.raises(NotFittedError):
        GammaGammaModel().conditional_expected_average_profit(rfm)
    bad = rfm.copy()
    bad.loc[3, "frequency"] = -1
    with pytest.raises(SchemaError, match="'frequency'.*>= 0"):
        BetaGeoModel().fit(bad)
    bad = rfm.copy()
    bad.loc[bad.frequency > 0, "recency"] = bad["T"] + 1
    with pytest.raises(SchemaError, match="'recency'.*larger than T"):
        BetaGeoModel().fit(bad)
    with pytest.raises(SchemaError, match="'T'.*missing"):
        BetaGeoModel().fit(rfm.drop(columns="T"))
    with pytest.raises(SchemaError, match="'monetary_value'"):
        GammaGammaModel().fit(rfm.drop(columns="monetary_value"))
    with pytest.raises(ConfigError, match="BetaGeoModel: the penalizer must be 0 or more"):
        BetaGeoModel(penalizer=-1).fit(rfm)
    assert repr(BetaGeoModel(penalizer=0.1)) == "BetaGeoModel(penalizer=0.1)"
    assert repr(BetaGeoModel()) == "BetaGeoModel()"
    assert BetaGeoModel().set_params(penalizer=0.2).get_params() == {"penalizer": 0.2}


def test_intervals_are_on_the_log_scale() -> None:
    """exp(log coef ± 1.96 se/coef): positive, and symmetric around the coefficient on the log
    scale. Six customers give standard errors near the estimates, where the old symmetric
    interval coef ± 1.96 se went below zero."""
    six = pd.DataFrame(
        {
            "frequency": [0, 2, 5, 1, 0, 3],
            "recency": [0, 20, 30, 5, 0, 12],
            "T": [38, 38, 35, 30, 33, 36],
            "monetary_value": [0.0, 20.0, 35.0, 12.0, 0.0, 80.0],
        }
    )
    for model in (BetaGeoModel(penalizer=0.01), GammaGammaModel(penalizer=0.01)):
        s = model.fit(six).summary_
        assert list(s.columns) == ["coef", "se", "lower", "upper"]
        assert (s["coef"] - 1.959964 * s["se"] < 0).any()  # what the old interval gave
        assert (s["lower"] > 0).all() and (s["lower"] < s["coef"]).all()
        assert (s["coef"] < s["upper"]).all()
        np.testing.assert_allclose(s["lower"] * s["upper"], s["coef"] ** 2, rtol=1e-9)
        np.testing.assert_allclose(
            np.log(s["upper"] / s["coef"]), 1.959964 * s["se"] / s["coef"], rtol=1e-6
        )


def test_a_fit_on_the_boundary_warns() -> None:
    from keepwise.errors import StatisticalWarning

    # hardly anyone drops out: the dropout probability p ~ Beta(a, b) is ~0 for everyone
    with pytest.warns(StatisticalWarning, match="BG/NBD: the fit lies on the boundary") as seen:
        fit = BetaGeoModel().fit(_simulate_bgnbd(2000, seed=6, a=1e-4, b=100.0))
    assert "a ≈ 0" in str(seen[0].message) and fit.params_["a"] < 1e-6
    assert "so a is not identified" in str(seen[0].message)
    with pytest.warns(StatisticalWarning, match="ill-conditioned, so a, b are not identified"):
        BetaGeoModel().fit(_simulate_bgnbd(2000, seed=5, a=1e-4, b=100.0))
    few = pd.DataFrame(
        {
            "frequency": [0, 2, 5, 1, 0, 3],
            "recency": [0, 20, 30, 5, 0, 12],
            "T": [38, 38, 35, 30, 33, 36],
            "monetary_value": [0.0, 20.0, 35.0, 12.0, 0.0, 80.0],
        }
    )
    with pytest.warns(StatisticalWarning, match="Gamma-Gamma: .*q, v are not identified"):
        GammaGammaModel().fit(few)  # four repeat buyers
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticalWarning)  # a regular fit is quiet
        regular = _simulate_bgnbd(2000, seed=7)
        BetaGeoModel().fit(regular)
        GammaGammaModel().fit(regular)


def test_penalizer_shrinks(rfm: pd.DataFrame) -> None:
    free = BetaGeoModel().fit(rfm).params_
    shrunk = BetaGeoModel(penalizer=0.1).fit(rfm).params_
    assert (shrunk**2).sum() < (free**2).sum()


def test_convergence_error(monkeypatch: pytest.MonkeyPatch, rfm: pd.DataFrame) -> None:
    from scipy.optimize import OptimizeResult

    import keepwise.analytics._bgnbd as maths

    def failing(fun, x0, **kwargs):  # type: ignore[no-untyped-def]
        return OptimizeResult(
            x=np.asarray(x0), fun=np.nan, jac=np.ones_like(x0), success=False, message="boom"
        )

    monkeypatch.setattr(maths, "minimize", failing)
    with pytest.raises(ConvergenceError, match="penalizer"):
        BetaGeoModel().fit(rfm)


def test_formula_clv() -> None:
    orders = pd.DataFrame(
        [
            ("x", T("2023-01-10"), 1000.0),
            ("x", T("2023-09-01"), 500.0),
            ("x", T("2024-03-01"), 700.0),
            ("y", T("2024-06-01"), 300.0),
        ],
        columns=["customer_id", "ordered_at", "amount"],
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["x", "y"],
            "acquisition_cost": [200.0, None],
            "maintenance_cost": [None, 50.0],
        }
    )
    got = formula_clv(
        ibis.memtable(orders),
        ibis.memtable(customers),
        as_of="2024-06-30",
        expected_years=3,
        maintenance_cost=100.0,
    )
    # trailing 12 months: x = 500 + 700, y = 300
    assert got.loc["x", "annual_amount"] == 1200.0
    assert got.loc["x", "formula_clv"] == 1200 * 3 - (200 + 100 * 3)
    assert got.loc["y", "formula_clv"] == 300 * 3 - (0 + 50 * 3)
    tenure = formula_clv(
        ibis.memtable(orders),
        as_of="2024-06-30",
        annual_amount="tenure",
        expected_years=pd.Series({"x": 2.0, "y": 1.0}),
    )
    days_x = (dt.date(2024, 6, 30) - dt.date(2023, 1, 10)).days
    assert tenure.loc["x", "annual_amount"] == pytest.approx(2200 * 365.25 / days_x)
    assert tenure.loc["x", "formula_clv"] == pytest.approx(2 * 2200 * 365.25 / days_x)
    assert tenure.loc["y", "annual_amount"] == pytest.approx(
        300 * 365.25 / 30
    )  # at least 30 days of tenure
    with pytest.raises(ConfigError):
        formula_clv(ibis.memtable(orders), as_of="2024-06-30", annual_amount="monthly")


def test_tiers() -> None:
    values = pd.Series([6_000_000, 5_000_000, 1_200_000, 10.0, -5.0, np.nan], index=list("abcdef"))
    got = assign_tiers(values)
    assert got["tier"].tolist() == ["strategic", "strategic", "key", "standard", "unprofitable", ""]
    assert got.loc["a", "tier_action"] == "dedicated success manager"
    assert got.loc["a", "tier_name"] == "strategic customer"
    assert gettext(got.loc["a", "tier_name"], "zh_CN") == "战略客户"
    assert gettext(got.loc["a", "tier_action"], "zh_CN") == "专属客户成功经理"
    custom = parse_tiers("100=gold, 10=silver")
    assert custom[:2] == (Tier(100, "gold"), Tier(10, "silver"))
    assert assign_tiers(pd.Series([150, 50, 1]), custom)["tier"].tolist() == [
        "gold",
        "silver",
        "below_silver",
    ]
    assert DEFAULT_TIERS[0].min_value == 5_000_000
    for bad in ("gold", "x=gold", ""):
        with pytest.raises(ConfigError):
            parse_tiers(bad)


def _write_orders(folder: Path, rfm: pd.DataFrame) -> None:
    """Turn simulated RFM rows into orders: first purchase, repeats spread up to recency."""
    start = pd.Timestamp("2024-01-01")
    end = start + pd.Timedelta(weeks=39)
    rows = []
    for i, r in enumerate(rfm.itertuples()):
        first = end - pd.Timedelta(days=round(r.T * 7))
        rows.append((f"C{i:04d}", first, 20.0))
        for k in range(1, r.frequency + 1):
            day = first + pd.Timedelta(days=max(k, round(r.recency * 7 * k / r.frequency)))
            rows.append((f"C{i:04d}", min(day, end), r.monetary_value))
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    frame.to_csv(folder / "orders.csv", index=False)


def test_cli_clv_json(tmp_path: Path, rfm: pd.DataFrame) -> None:
    _write_orders(tmp_path, rfm.head(600))
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "clv",
            "--data",
            str(tmp_path),
            "--calibration-end",
            "2024-09-30",
            "--time-unit",
            "W",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert set(payload["bgnbd"]) >= {"r", "alpha", "a", "b", "se", "log_likelihood", "n_customers"}
    assert set(payload["gamma_gamma"]) >= {"p", "q", "v"}
    assert payload["calibration_end"] == "2024-09-30" and payload["time_unit"] == "W"
    first = payload["customers"][0]
    assert set(first) >= {
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "expected_purchases",
        "expected_avg_spend",
        "clv",
        "formula_clv",
        "tier",
    }
    assert len(payload["customers"]) == 600
    # the same through the library
    from keepwise.analytics.dataset import load_dataset

    result = customer_value(load_dataset(tmp_path).orders, calibration_end="2024-09-30")
    assert result.bgnbd.params_["r"] == pytest.approx(payload["bgnbd"]["r"])
    # --params drops the customers; csv writes a file
    res = runner.invoke(app, ["clv", "--data", str(tmp_path), "--params", "-f", "json"])
    assert res.exit_code == 0 and "customers" not in json.loads(res.stdout)
    out = tmp_path / "clv.csv"
    res = runner.invoke(
        app, ["clv", "--data", str(tmp_path), "-f", "csv", "--out", str(out), "--top", "5"]
    )
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    assert len(frame) == 5 and frame["clv"].is_monotonic_decreasing
    # tier names and actions in the chosen language; the tier key stays
    assert {c["tier_name"] for c in payload["customers"]} <= {t.label for t in DEFAULT_TIERS}
    res = runner.invoke(app, ["clv", "--data", str(tmp_path), "-f", "json", "--lang", "zh"])
    chinese = json.loads(res.stdout)["customers"]
    assert [c["tier"] for c in chinese] == [c["tier"] for c in payload["customers"]]
    labels = {
        "strategic": "战略客户",
        "key": "重点客户",
        "standard": "普通客户",
        "unprofitable": "亏损客户",
    }
    assert all(c["tier_name"] == labels[c["tier"]] for c in chinese)
    assert "标准服务" in {c["tier_action"] for c in chinese}


def test_cli_clv_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["clv", "--data", str(tmp_path / "missing")])
    assert res.exit_code != 0 and "error" in res.output
    pd.DataFrame({"customer_id": ["a"], "ordered_at": ["2024-01-01"], "amount": [1.0]}).to_csv(
        tmp_path / "orders.csv", index=False
    )
    res = runner.invoke(app, ["clv", "--data", str(tmp_path)])
    assert res.exit_code != 0 and "repeat purchase" in res.output
    res = runner.invoke(app, ["clv", "--data", str(tmp_path), "--calibration-end", "yesterday"])
    assert res.exit_code != 0 and "--calibration-end" in res.output


def test_gamma_gamma_leaves_out_zero_spend(rfm: pd.DataFrame) -> None:
    from keepwise.errors import StatisticalWarning

    free = rfm.copy()
    repeaters = free.index[free.frequency > 0][:3]
    free.loc[repeaters, "monetary_value"] = 0.0
    with pytest.warns(StatisticalWarning, match="3 repeat buyer"):
        gg = GammaGammaModel().fit(free)
    assert gg.n_customers_ == int((rfm.frequency > 0).sum()) - 3
    negative = rfm.copy()
    negative.loc[repeaters[0], "monetary_value"] = -1.0
    with pytest.raises(SchemaError, match="'monetary_value'"):
        GammaGammaModel().fit(negative)


def test_customer_value_years_from_model(tmp_path: Path, rfm: pd.DataFrame) -> None:
    from keepwise.analytics.dataset import load_dataset

    _write_orders(tmp_path, rfm.head(400))
    orders = load_dataset(tmp_path).orders
    plain = customer_value(orders, calibration_end="2024-09-30", expected_years=2.0).customers
    weighted = customer_value(
        orders, calibration_end="2024-09-30", expected_years=2.0, years_from_model=True
    ).customers
    assert (plain["expected_years"] == 2.0).all()
    np.testing.assert_allclose(weighted["expected_years"], 2.0 * weighted["p_alive"])
    np.testing.assert_allclose(
        weighted["formula_clv"], weighted["annual_amount"] * weighted["expected_years"]
    )
    assert list(plain.columns[-3:]) == ["tier", "tier_name", "tier_action"]


def test_docstring_examples() -> None:
    import doctest

    import keepwise.analytics._bgnbd as maths

    result = doctest.testmod(maths)
    assert result.attempted >= 3 and result.failed == 0
