"""Quality metrics of churn probabilities: ROC-AUC, PR-AUC, Brier score, lift and capture, calibration.

All are plain functions of observed labels ``y`` (1 = churned) and predicted probabilities ``p``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def top_share_mask(p: np.ndarray, share: float) -> np.ndarray:
    """Boolean mask of the ``share`` highest-scored rows (ties broken by position, stable)."""
    n = len(p)
    k = max(1, int(round(share * n)))
    order = np.argsort(-np.asarray(p, dtype=float), kind="stable")
    mask = np.zeros(n, dtype=bool)
    mask[order[:k]] = True
    return mask


def churn_metrics(y: Any, p: Any, *, top_share: float = 0.10) -> dict[str, float]:
    """Ranking and probability quality of churn predictions.

    Returns
    -------
    dict
        ``n``, ``base_rate``, ``roc_auc``, ``pr_auc`` (average precision), ``brier``,
        ``lift_top10`` (churn rate in the top ``top_share`` / base rate) and ``capture_top10``
        (share of all churners found in the top ``top_share``). AUCs are NaN with one class.
    """
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    yv = np.asarray(y, dtype=float)
    pv = np.asarray(p, dtype=float)
    base = float(yv.mean()) if len(yv) else float("nan")
    two = len(np.unique(yv)) == 2
    mask = top_share_mask(pv, top_share) if len(pv) else np.zeros(0, dtype=bool)
    top_rate = float(yv[mask].mean()) if mask.any() else float("nan")
    churners = yv.sum()
    return {
        "n": int(len(yv)),
        "base_rate": base,
        "roc_auc": float(roc_auc_score(yv, pv)) if two else float("nan"),
        "pr_auc": float(average_precision_score(yv, pv)) if two else float("nan"),
        # a ranking score (e.g. days since last order) has no Brier score
        "brier": float(brier_score_loss(yv, pv))
        if len(yv) and pv.min() >= 0 and pv.max() <= 1
        else float("nan"),
        "lift_top10": top_rate / base if base > 0 else float("nan"),
        "capture_top10": float(yv[mask].sum() / churners) if churners > 0 else float("nan"),
    }


def calibration_table(y: Any, p: Any, *, bins: int = 10) -> pd.DataFrame:
    """Observed churn rate against mean predicted probability, by decile of the prediction.

    Returns
    -------
    pandas.DataFrame
        Columns ``bin`` (1 = lowest predictions), ``n``, ``mean_predicted``, ``observed_rate``,
        ``p_min``, ``p_max``.
    """
    yv = np.asarray(y, dtype=float)
    pv = np.asarray(p, dtype=float)
    order = np.argsort(pv, kind="stable")
    groups = np.array_split(order, bins)
    rows = []
    for i, idx in enumerate(groups, start=1):
        if len(idx) == 0:
            continue
        rows.append(
            {
                "bin": i,
                "n": int(len(idx)),
                "mean_predicted": float(pv[idx].mean()),
                "observed_rate": float(yv[idx].mean()),
                "p_min": float(pv[idx].min()),
                "p_max": float(pv[idx].max()),
            }
        )
    return pd.DataFrame(rows)
