"""keepwise: a self-hosted, retention-first CRM and customer-churn analytics system.

The library API, for analysts and data scientists (see docs/library.md)::

    from keepwise import load_dataset, rfm_report, churn_report, cohort_report
    from keepwise import BetaGeoModel, GammaGammaModel, CoxModel
    from keepwise import ChurnClassifier, SnapshotChurnModel, TransactionChurnModel

Functions that take data accept a :class:`Dataset`, a pandas DataFrame of orders
(``customer_id``, ``ordered_at``, ``amount``), a dict of frames, a folder or a store URL
(:func:`as_dataset`). The estimators follow scikit-learn's conventions (``fit`` returns
``self``, fitted attributes end in ``_``, ``summary_``, ``plot(ax=None)``).

``import keepwise`` is cheap: each name is imported on first use (PEP 562). The churn models
and survival analysis need the ``[ml]`` extra (``pip install 'keepwise[ml]'``); without it
those names raise :class:`MissingExtraError` (an ``ImportError``) saying so.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from keepwise.errors import (
    ConfigError,
    ConvergenceError,
    KeepwiseError,
    MissingExtraError,
    NotFittedError,
    SchemaError,
    StatisticalWarning,
    ValidationError,
)

if TYPE_CHECKING:
    from keepwise.analytics._inputs import as_dataset
    from keepwise.analytics.churn.model import ChurnClassifier
    from keepwise.analytics.churn.snapshot import SnapshotChurnModel
    from keepwise.analytics.churn.tiers import RiskTiers
    from keepwise.analytics.churn.transaction import TransactionChurnModel
    from keepwise.analytics.clv import (
        BetaGeoModel,
        GammaGammaModel,
        customer_value,
        formula_clv,
        rfm_summary,
    )
    from keepwise.analytics.cohorts import cohort_matrix, cohort_report
    from keepwise.analytics.cycles import cycles_report
    from keepwise.analytics.dataset import Dataset, load_dataset
    from keepwise.analytics.metrics import churn_report, revenue_report
    from keepwise.analytics.rfm import rfm_report, segment_summary
    from keepwise.analytics.segments import segment_report
    from keepwise.analytics.survival import CoxModel, kaplan_meier, lifetimes_table
    from keepwise.analytics.warnings import evaluate_warnings, warning_scores

__version__ = "0.1.0"

# Public name -> (defining module, the optional extra it needs, the modules of that extra it
# imports). Names are imported on first access, so `import keepwise` loads no pandas, Ibis or
# scikit-learn.
_ML_MODEL = ("ml", ("sklearn", "lightgbm"))
_SURVIVAL = ("ml", ("lifelines",))
_CORE: tuple[None, tuple[str, ...]] = (None, ())
_EXPORTS: dict[str, tuple[str, tuple[str | None, tuple[str, ...]]]] = {
    "Dataset": ("keepwise.analytics.dataset", _CORE),
    "load_dataset": ("keepwise.analytics.dataset", _CORE),
    "as_dataset": ("keepwise.analytics._inputs", _CORE),
    "rfm_report": ("keepwise.analytics.rfm", _CORE),
    "segment_summary": ("keepwise.analytics.rfm", _CORE),
    "churn_report": ("keepwise.analytics.metrics", _CORE),
    "revenue_report": ("keepwise.analytics.metrics", _CORE),
    "cohort_report": ("keepwise.analytics.cohorts", _CORE),
    "cohort_matrix": ("keepwise.analytics.cohorts", _CORE),
    "segment_report": ("keepwise.analytics.segments", _CORE),
    "cycles_report": ("keepwise.analytics.cycles", _CORE),
    "evaluate_warnings": ("keepwise.analytics.warnings", _CORE),
    "warning_scores": ("keepwise.analytics.warnings", _CORE),
    "rfm_summary": ("keepwise.analytics.clv", _CORE),
    "customer_value": ("keepwise.analytics.clv", _CORE),
    "formula_clv": ("keepwise.analytics.clv", _CORE),
    "BetaGeoModel": ("keepwise.analytics.clv", _CORE),
    "GammaGammaModel": ("keepwise.analytics.clv", _CORE),
    "lifetimes_table": ("keepwise.analytics.survival", _CORE),
    "kaplan_meier": ("keepwise.analytics.survival", _SURVIVAL),
    "CoxModel": ("keepwise.analytics.survival", _SURVIVAL),
    "RiskTiers": ("keepwise.analytics.churn.tiers", _CORE),
    "ChurnClassifier": ("keepwise.analytics.churn.model", _ML_MODEL),
    "SnapshotChurnModel": ("keepwise.analytics.churn.snapshot", _ML_MODEL),
    "TransactionChurnModel": ("keepwise.analytics.churn.transaction", _ML_MODEL),
}


def _missing_module(name: str) -> str | None:
    """The first module ``name`` needs that is not installed (looked up, not imported)."""
    from keepwise.extras import installed

    return next((m for m in _EXPORTS[name][1][1] if not installed(m)), None)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'keepwise' has no attribute {name!r}")
    module, (extra, _) = _EXPORTS[name]
    missing = _missing_module(name)
    if missing is not None and extra is not None:
        from keepwise.extras import missing_extra

        raise missing_extra(name, extra, missing)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    # data and reports
    "Dataset",
    "as_dataset",
    "load_dataset",
    "rfm_report",
    "segment_summary",
    "churn_report",
    "revenue_report",
    "cohort_report",
    "cohort_matrix",
    "segment_report",
    "cycles_report",
    "evaluate_warnings",
    "warning_scores",
    "lifetimes_table",
    "kaplan_meier",
    # customer value
    "rfm_summary",
    "customer_value",
    "formula_clv",
    # estimators
    "BetaGeoModel",
    "GammaGammaModel",
    "ChurnClassifier",
    "SnapshotChurnModel",
    "TransactionChurnModel",
    "CoxModel",
    "RiskTiers",
    # errors and warnings
    "ConfigError",
    "ConvergenceError",
    "KeepwiseError",
    "MissingExtraError",
    "NotFittedError",
    "SchemaError",
    "StatisticalWarning",
    "ValidationError",
    "__version__",
]
# `from keepwise import *` takes only what this install can import: the [ml] names are left
# out when the extra is missing (asking for one by name raises MissingExtraError).
__all__ = [name for name in __all__ if name not in _EXPORTS or _missing_module(name) is None]
