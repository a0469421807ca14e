"""`from keepwise import ...`: the library API, its lazy imports and what it needs installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import keepwise

LIBRARY_API = [
    "load_dataset",
    "rfm_report",
    "churn_report",
    "cohort_report",
    "BetaGeoModel",
    "GammaGammaModel",
    "ChurnClassifier",
    "SnapshotChurnModel",
    "TransactionChurnModel",
    "CoxModel",
]


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_library_api_imports_from_keepwise() -> None:
    from keepwise import (  # noqa: F401 - the import is the test
        BetaGeoModel,
        ChurnClassifier,
        CoxModel,
        GammaGammaModel,
        SnapshotChurnModel,
        TransactionChurnModel,
        churn_report,
        cohort_report,
        load_dataset,
        rfm_report,
    )

    assert set(LIBRARY_API) <= set(keepwise.__all__) <= set(dir(keepwise))
    for name in keepwise.__all__:
        assert getattr(keepwise, name) is not None, name
    assert keepwise.BetaGeoModel.__module__ == "keepwise.analytics._bgnbd"
    assert keepwise.rfm_report is __import__("keepwise.analytics.rfm").analytics.rfm.rfm_report
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = keepwise.nonsense


def test_import_keepwise_is_cheap() -> None:
    out = _run(
        """
        import sys
        import keepwise
        heavy = ["pandas", "numpy", "ibis", "scipy", "sklearn", "lightgbm", "lifelines", "fastapi"]
        print(",".join(m for m in heavy if m in sys.modules))
        from keepwise import BetaGeoModel
        print(",".join(m for m in ["sklearn", "lightgbm", "lifelines"] if m in sys.modules))
        """
    )
    first, second = out.splitlines()
    assert first == "" and second == ""


def test_the_core_works_without_the_ml_extra() -> None:
    """With scikit-learn, LightGBM and lifelines missing (as after `pip install keepwise`), the
    core API works and the [ml] names say which extra to install."""
    out = _run(
        """
        import sys
        for name in ("sklearn", "lightgbm", "lifelines", "fastapi"):
            sys.modules[name] = None  # import fails as if not installed
        import warnings
        import pandas as pd
        import keepwise
        from keepwise import *  # noqa: F403 - takes only what can be imported
        assert "ChurnClassifier" not in keepwise.__all__ and "CoxModel" not in keepwise.__all__
        assert "BetaGeoModel" in keepwise.__all__
        orders = pd.DataFrame({
            "customer_id": ["a", "a", "a", "b", "b", "c", "d", "d"],
            "ordered_at": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-20", "2024-01-10",
                                          "2024-03-01", "2024-02-15", "2024-01-20", "2024-02-20"]),
            "amount": [10.0, 20.0, 15.0, 5.0, 7.0, 30.0, 12.0, 8.0],
        })
        print(len(rfm_report(orders)), len(cohort_report(orders)) > 0)
        rfm = rfm_summary(orders, calibration_end="2024-03-31").to_pandas()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # four customers: a boundary fit is expected
            model = BetaGeoModel(penalizer=0.01).fit(rfm)
        print(sorted(model.summary_.index), model.probability_alive(rfm).index.tolist())
        try:
            BetaGeoModel().probability_alive(rfm)
        except NotFittedError as exc:
            print(type(exc).__mro__[1].__name__)
        for name in ("ChurnClassifier", "SnapshotChurnModel", "TransactionChurnModel",
                     "CoxModel", "kaplan_meier"):
            try:
                getattr(keepwise, name)
            except ImportError as exc:
                assert isinstance(exc, MissingExtraError), type(exc)
                print(exc)
        print("sklearn" in sys.modules and sys.modules["sklearn"] is not None)
        """
    )
    lines = out.splitlines()
    assert lines[0] == "4 True"
    assert lines[1] == "['a', 'alpha', 'b', 'r'] ['a', 'b', 'c', 'd']"
    assert lines[2] == "KeepwiseError"  # keepwise's NotFittedError, no scikit-learn in sight
    assert lines[3] == (
        "ChurnClassifier needs scikit-learn, which is not installed: "
        "install keepwise[ml] (pip install 'keepwise[ml]')"
    )
    assert "SnapshotChurnModel needs scikit-learn" in lines[4]
    assert "TransactionChurnModel needs scikit-learn" in lines[5]
    assert lines[6].startswith("CoxModel needs lifelines") and "keepwise[ml]" in lines[6]
    assert lines[7].startswith("kaplan_meier needs lifelines")
    assert lines[8] == "False"


def test_not_fitted_error_is_scikit_learns_once_it_is_imported() -> None:
    import sklearn.exceptions

    from keepwise import BetaGeoModel, NotFittedError

    with pytest.raises(sklearn.exceptions.NotFittedError) as info:
        BetaGeoModel().expected_purchases_new_customer(horizon=10)
    assert isinstance(info.value, NotFittedError) and isinstance(info.value, AttributeError)
    assert "call fit(rfm) first" in str(info.value)
