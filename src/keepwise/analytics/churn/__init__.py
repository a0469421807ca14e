"""Churn risk: features as of a cutoff, labels, calibrated models, reasons, backtests.

Two modes share one classifier (:class:`ChurnClassifier`):

* snapshot-table mode (:class:`SnapshotChurnModel`): one row per customer with a churn column;
* transaction mode: features computed from orders, interactions, tickets, feedback and
  contacts as of a cutoff date, labels from what happened in the horizon after it.
"""

from keepwise.analytics.churn._encode import TableEncoder, parse_numbers, parse_target
from keepwise.analytics.churn._io import read_table
from keepwise.analytics.churn.evaluation import calibration_table, churn_metrics
from keepwise.analytics.churn.model import ChurnClassifier
from keepwise.analytics.churn.persistence import (
    FORMAT_VERSION,
    load_model,
    read_metadata,
    save_model,
)
from keepwise.analytics.churn.reasons import Reason, top_reasons
from keepwise.analytics.churn.snapshot import SnapshotChurnModel, fit_snapshot_file
from keepwise.analytics.churn.tiers import RiskTiers, assign_tiers

__all__ = [
    "FORMAT_VERSION",
    "ChurnClassifier",
    "Reason",
    "RiskTiers",
    "SnapshotChurnModel",
    "TableEncoder",
    "assign_tiers",
    "calibration_table",
    "churn_metrics",
    "fit_snapshot_file",
    "load_model",
    "parse_numbers",
    "parse_target",
    "read_metadata",
    "read_table",
    "save_model",
    "top_reasons",
]
