"""Retention analytics written once as Ibis expressions, run on DuckDB (default) or Spark.

Expression functions take ``ibis.Table``s and keyword-only options and return Ibis
expressions; the ``*_report`` functions take a :class:`Dataset` (or a DataFrame of orders,
or anything :func:`as_dataset` takes) and return pandas DataFrames with the stable column
names documented in ``docs/metrics.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keepwise.analytics._inputs import as_dataset
    from keepwise.analytics.activity import activity_spells, customer_windows, order_days, status_at
    from keepwise.analytics.clv import (
        DEFAULT_TIERS,
        BetaGeoModel,
        ClvResult,
        GammaGammaModel,
        Tier,
        assign_tiers,
        customer_value,
        formula_clv,
        rfm_summary,
    )
    from keepwise.analytics.cohorts import cohort_matrix, cohort_report, cohort_retention
    from keepwise.analytics.config import ActivityConfig, CycleConfig, RFMConfig
    from keepwise.analytics.cycles import cycles_report, purchase_cycles
    from keepwise.analytics.dataset import Dataset, load_dataset
    from keepwise.analytics.metrics import (
        churn_report,
        period_churn,
        revenue_report,
        revenue_retention,
    )
    from keepwise.analytics.potential import PotentialConfig, potential_index
    from keepwise.analytics.rfm import SEGMENTS, rfm_report, rfm_scores, segment_summary
    from keepwise.analytics.segments import (
        churned_profile,
        customer_churn_flags,
        segment_counts,
        segment_report,
    )
    from keepwise.analytics.warnings import (
        RuleSet,
        ScoreConfig,
        evaluate_warnings,
        load_rules,
        warning_scores,
    )

# Public names and the module defining each, imported on first use (PEP 562): importing
# keepwise.analytics stays cheap (no scipy until a model needs it), which keeps the CLI and
# short jobs quick.
_EXPORTS: dict[str, str] = {
    "as_dataset": "keepwise.analytics._inputs",
    "activity_spells": "keepwise.analytics.activity",
    "customer_windows": "keepwise.analytics.activity",
    "order_days": "keepwise.analytics.activity",
    "status_at": "keepwise.analytics.activity",
    "BetaGeoModel": "keepwise.analytics.clv",
    "ClvResult": "keepwise.analytics.clv",
    "DEFAULT_TIERS": "keepwise.analytics.clv",
    "GammaGammaModel": "keepwise.analytics.clv",
    "Tier": "keepwise.analytics.clv",
    "assign_tiers": "keepwise.analytics.clv",
    "customer_value": "keepwise.analytics.clv",
    "formula_clv": "keepwise.analytics.clv",
    "rfm_summary": "keepwise.analytics.clv",
    "cohort_matrix": "keepwise.analytics.cohorts",
    "cohort_report": "keepwise.analytics.cohorts",
    "cohort_retention": "keepwise.analytics.cohorts",
    "ActivityConfig": "keepwise.analytics.config",
    "CycleConfig": "keepwise.analytics.config",
    "RFMConfig": "keepwise.analytics.config",
    "cycles_report": "keepwise.analytics.cycles",
    "purchase_cycles": "keepwise.analytics.cycles",
    "Dataset": "keepwise.analytics.dataset",
    "load_dataset": "keepwise.analytics.dataset",
    "churn_report": "keepwise.analytics.metrics",
    "period_churn": "keepwise.analytics.metrics",
    "revenue_report": "keepwise.analytics.metrics",
    "revenue_retention": "keepwise.analytics.metrics",
    "PotentialConfig": "keepwise.analytics.potential",
    "potential_index": "keepwise.analytics.potential",
    "SEGMENTS": "keepwise.analytics.rfm",
    "rfm_report": "keepwise.analytics.rfm",
    "rfm_scores": "keepwise.analytics.rfm",
    "segment_summary": "keepwise.analytics.rfm",
    "churned_profile": "keepwise.analytics.segments",
    "customer_churn_flags": "keepwise.analytics.segments",
    "segment_counts": "keepwise.analytics.segments",
    "segment_report": "keepwise.analytics.segments",
    "RuleSet": "keepwise.analytics.warnings",
    "ScoreConfig": "keepwise.analytics.warnings",
    "evaluate_warnings": "keepwise.analytics.warnings",
    "load_rules": "keepwise.analytics.warnings",
    "warning_scores": "keepwise.analytics.warnings",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'keepwise.analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "DEFAULT_TIERS",
    "BetaGeoModel",
    "ClvResult",
    "GammaGammaModel",
    "PotentialConfig",
    "RuleSet",
    "ScoreConfig",
    "Tier",
    "assign_tiers",
    "customer_value",
    "evaluate_warnings",
    "formula_clv",
    "load_rules",
    "potential_index",
    "rfm_summary",
    "warning_scores",
    "SEGMENTS",
    "ActivityConfig",
    "CycleConfig",
    "Dataset",
    "RFMConfig",
    "activity_spells",
    "as_dataset",
    "churn_report",
    "churned_profile",
    "cohort_matrix",
    "cohort_report",
    "cohort_retention",
    "customer_churn_flags",
    "customer_windows",
    "cycles_report",
    "load_dataset",
    "order_days",
    "period_churn",
    "purchase_cycles",
    "revenue_report",
    "revenue_retention",
    "rfm_report",
    "rfm_scores",
    "segment_counts",
    "segment_report",
    "segment_summary",
    "status_at",
]
