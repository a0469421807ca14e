"""Retention analytics written once as Ibis expressions, run on DuckDB (default) or Spark.

Expression functions take ``ibis.Table``s and keyword-only options and return Ibis
expressions; the ``*_report`` functions take a :class:`Dataset` and return pandas
DataFrames with the stable column names documented in ``docs/metrics.md``.
"""

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
    customer_period_status,
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
    "churn_report",
    "churned_profile",
    "cohort_matrix",
    "cohort_report",
    "cohort_retention",
    "customer_churn_flags",
    "customer_period_status",
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
