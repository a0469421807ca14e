"""Read the demo company's ground truth and turn it into labels to score churn models against."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd

from keepwise.demo.generator import GROUND_TRUTH_DIR, GROUND_TRUTH_FILE
from keepwise.errors import NotFoundError

_DATES = ["churned_at", "acquired_at", "decided_at", "needs_fade_from"]


def read_ground_truth(folder: str | Path) -> pd.DataFrame:
    """The ground truth written by :func:`keepwise.demo.generate` into ``folder``.

    Parameters
    ----------
    folder
        The demo's output folder (or its ``ground_truth`` sub-folder).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``; ``churned`` and ``is_contractual`` are booleans, the
        ``*_at``/``needs_fade_from`` columns datetimes (NaT when not applicable). See
        ``docs/demo.md`` for every column.

    Raises
    ------
    NotFoundError
        There is no ground truth in ``folder``.
    """
    folder = Path(folder)
    path = (
        folder / GROUND_TRUTH_FILE
        if folder.name == GROUND_TRUTH_DIR
        else folder / GROUND_TRUTH_DIR / GROUND_TRUTH_FILE
    )
    if not path.is_file():
        raise NotFoundError(
            f"no demo ground truth at {path}: run `keepwise demo --out {folder}` first"
        )
    frame = pd.read_csv(
        path, dtype={"customer_id": str, "churn_reason": str, "decision_reason": str}
    )
    for column in _DATES:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column])
    return frame.set_index("customer_id")


def churn_labels(
    truth: pd.DataFrame, *, as_of: date | datetime | str, horizon_days: int = 90
) -> pd.DataFrame:
    """Who was a customer at ``as_of`` and who of them churned within ``horizon_days`` after it.

    Parameters
    ----------
    truth
        :func:`read_ground_truth`'s frame.
    as_of
        The day a model is scored at (data up to and including it may be used).
    horizon_days
        Length of the prediction window after ``as_of``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, one row per customer acquired on or before ``as_of`` and
        not churned by then: ``churns_within`` (bool, churned in ``(as_of, as_of + horizon]``),
        ``churned_at`` and ``churn_reason``.
    """
    cut = pd.Timestamp(as_of).normalize()
    end = cut + pd.Timedelta(days=horizon_days)
    alive = (truth["acquired_at"] <= cut) & ~(truth["churned_at"] <= cut)
    at_risk = truth.loc[alive, ["churned_at", "churn_reason"]].copy()
    at_risk.insert(
        0, "churns_within", (at_risk["churned_at"] > cut) & (at_risk["churned_at"] <= end)
    )
    return at_risk
