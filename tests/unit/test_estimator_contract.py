"""Every keepwise estimator keeps one contract (scikit-learn's, see analytics/_base.py).

Parameters are only stored by ``__init__`` (so ``get_params``/``set_params``/``clone`` round
trip) and checked in ``fit``; ``fit`` returns ``self`` and stores fitted state in attributes
ending in ``_``; before ``fit`` the predictions and ``summary_`` raise ``NotFittedError``
(keepwise's and scikit-learn's); after it ``summary_`` is a DataFrame, ``plot`` draws on the
Axes it is given, predictions survive pickling and per-customer predictions are Series
indexed by customer id.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sklearn.exceptions
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from keepwise import (
    BetaGeoModel,
    ChurnClassifier,
    ConfigError,
    CoxModel,
    GammaGammaModel,
    NotFittedError,
    SnapshotChurnModel,
    TransactionChurnModel,
    lifetimes_table,
    load_dataset,
    rfm_summary,
)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One small demo company, and the inputs each estimator is fitted on."""
    from keepwise.demo import generate

    folder: Path = tmp_path_factory.mktemp("demo")
    generate(folder, customers=300, kind="b2c", seed=3)
    ds = load_dataset(folder)
    end = pd.Timestamp(ds.orders.ordered_at.max().execute()).date()
    rfm = rfm_summary(ds.orders, calibration_end=end).to_pandas()
    rng = np.random.default_rng(0)
    n = 600
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * X["a"] - X["b"])))).astype(int).to_numpy()
    table = pd.DataFrame(
        {
            "Customer ID": [f"K{i:04d}" for i in range(n)],
            "tenure": rng.integers(1, 60, n),
            "plan": rng.choice(["monthly", "yearly"], n),
            "complaints": rng.poisson(1.0, n),
        }
    )
    churn = rng.random(n) < np.where(table["plan"] == "monthly", 0.5, 0.15)
    table["Churn"] = np.where(churn, "Yes", "No")
    return SimpleNamespace(
        ds=ds, rfm=rfm, lifetimes=lifetimes_table(ds), X=X, y=y, table=table, ids=rfm.customer_id
    )


@dataclass(frozen=True)
class Case:
    make: Callable[[], Any]
    fit_args: Callable[[SimpleNamespace], tuple[Any, ...]]
    predict: Callable[[Any, SimpleNamespace], Any]
    bad_param: tuple[str, Any]
    #: The customer ids a per-customer prediction is indexed by (None: an array by row).
    ids: Callable[[SimpleNamespace], Any] | None


def _snapshot_ids(d: SimpleNamespace) -> Any:
    return d.table["Customer ID"]


def _tx_ids(d: SimpleNamespace) -> None:
    return None  # the customers active at the last order date: checked by name only


CASES = {
    "BetaGeoModel": Case(
        lambda: BetaGeoModel(penalizer=0.001),
        lambda d: (d.rfm,),
        lambda m, d: m.probability_alive(d.rfm),
        ("penalizer", -1.0),
        lambda d: d.rfm["customer_id"],
    ),
    "GammaGammaModel": Case(
        lambda: GammaGammaModel(),
        lambda d: (d.rfm,),
        lambda m, d: m.conditional_expected_average_profit(d.rfm),
        ("penalizer", float("nan")),
        lambda d: d.rfm["customer_id"],
    ),
    "ChurnClassifier": Case(
        lambda: ChurnClassifier(random_state=3),
        lambda d: (d.X, d.y),
        lambda m, d: m.predict_proba(d.X),
        ("calibration", "platt"),
        None,
    ),
    "SnapshotChurnModel": Case(
        lambda: SnapshotChurnModel(target="Churn", random_state=3),
        lambda d: (d.table,),
        lambda m, d: m.churn_probability(d.table),
        ("max_levels", 0),
        _snapshot_ids,
    ),
    "TransactionChurnModel": Case(
        lambda: TransactionChurnModel(horizon_days=90, n_cutoffs=2, sentiment=False),
        lambda d: (d.ds,),
        lambda m, d: m.churn_probability(d.ds),
        ("horizon_days", 0),
        _tx_ids,
    ),
    "CoxModel": Case(
        lambda: CoxModel(penalizer=0.01, covariates=["region", "first_amount"]),
        lambda d: (d.lifetimes,),
        lambda m, d: m.predict_partial_hazard(d.lifetimes),
        ("penalizer", -0.5),
        lambda d: d.lifetimes["customer_id"],
    ),
}
ESTIMATORS = sorted(CASES)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_params_round_trip(name: str) -> None:
    case = CASES[name]
    est = case.make()
    params = est.get_params()
    shallow = est.get_params(deep=False)
    assert shallow and all(params[k] is v for k, v in shallow.items())
    twin = clone(est)
    assert twin is not est and type(twin) is type(est)
    assert repr(twin.get_params()) == repr(params)
    rebuilt = type(est)(**est.get_params(deep=False))
    assert repr(rebuilt) == repr(est)
    key, value = case.bad_param
    assert est.set_params(**{key: value}) is est  # stored, not checked yet
    assert repr(est.get_params()[key]) == repr(value)
    assert repr(clone(est).get_params()[key]) == repr(value)
    with pytest.raises(ConfigError, match="no parameter 'nonsense'"):
        est.set_params(nonsense=1)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_not_fitted(name: str, data: SimpleNamespace) -> None:
    case = CASES[name]
    est = case.make()
    assert not [k for k in vars(est) if k.endswith("_")]
    assert not hasattr(est, "summary_")
    with pytest.raises(NotFittedError, match="not fitted yet; call fit") as info:
        case.predict(est, data)
    assert isinstance(info.value, sklearn.exceptions.NotFittedError)
    with pytest.raises(NotFittedError):
        _ = est.summary_
    with pytest.raises(sklearn.exceptions.NotFittedError):
        check_is_fitted(est)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_parameters_are_checked_in_fit(name: str, data: SimpleNamespace) -> None:
    case = CASES[name]
    key, value = case.bad_param
    est = case.make().set_params(**{key: value})
    with pytest.raises(ConfigError, match=f"{name}: the {key} must be"):
        est.fit(*case.fit_args(data))
    assert not est.__sklearn_is_fitted__()


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_contract(name: str, data: SimpleNamespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    case = CASES[name]
    est = case.make()
    params = repr(est.get_params())
    assert est.fit(*case.fit_args(data)) is est
    assert repr(est.get_params()) == params  # fit leaves the parameters alone
    check_is_fitted(est)
    learned = [k for k in vars(est) if not k.startswith("_") and k not in est.get_params()]
    assert learned and all(k.endswith("_") for k in learned), learned

    summary = est.summary_
    assert isinstance(summary, pd.DataFrame) and not summary.empty

    prediction = case.predict(est, data)
    if case.ids is None:
        assert isinstance(prediction, np.ndarray) and len(prediction) == len(data.X)
    else:
        assert isinstance(prediction, pd.Series)
        assert prediction.notna().all()
        ids = case.ids(data)
        if ids is None:
            assert prediction.index.name == "customer_id" and prediction.index.is_unique
            assert set(prediction.index) <= set(data.ids)
        else:
            assert prediction.index.tolist() == ids.tolist()

    again = pickle.loads(pickle.dumps(est))
    twin = case.predict(again, data)
    np.testing.assert_allclose(np.asarray(twin), np.asarray(prediction))

    fig, ax = plt.subplots()
    assert est.plot(ax=ax) is ax and ax.has_data()
    fresh = est.plot()
    assert fresh is not ax and fresh.has_data()
    plt.close("all")
