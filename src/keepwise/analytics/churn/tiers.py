"""Risk tiers low / medium / high (低 / 中 / 高) from churn probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from keepwise.errors import N_, ConfigError

#: The tiers, lowest first. Each name is also its catalog key: ``keepwise.i18n.gettext("high",
#: "zh_CN")`` is 高.
TIER_NAMES: tuple[str, ...] = (N_("low"), N_("medium"), N_("high"))


@dataclass(frozen=True)
class RiskTiers:
    """How probabilities become tiers.

    Parameters
    ----------
    method
        ``"threshold"``: ``medium`` and ``high`` are probability thresholds (p >= high → high,
        p >= medium → medium). ``"share"``: ``high`` is the share of customers put in the high
        tier and ``medium`` the share put in medium, counted on the fitted model's predictions
        for the training rows; the thresholds found are then fixed in the model so that scoring
        one customer is stable (new customers from the same population fall into the tiers in
        about these shares).
    """

    method: Literal["threshold", "share"] = "threshold"
    medium: float = 0.2
    high: float = 0.5

    def __post_init__(self) -> None:
        if self.method not in ("threshold", "share"):
            raise ConfigError(
                f"risk tiers: method must be 'threshold' or 'share', not {self.method!r}"
            )
        if not (0 <= self.medium <= 1 and 0 <= self.high <= 1):
            raise ConfigError("risk tiers: medium and high must be between 0 and 1")
        if self.method == "threshold" and self.medium > self.high:
            raise ConfigError("risk tiers: the medium threshold must not exceed the high threshold")
        if self.method == "share" and self.medium + self.high > 1:
            raise ConfigError("risk tiers: medium + high shares must not exceed 1")

    def thresholds(self, train_probabilities: np.ndarray | None = None) -> tuple[float, float]:
        """The (medium, high) probability thresholds."""
        if self.method == "threshold":
            return float(self.medium), float(self.high)
        if train_probabilities is None or len(train_probabilities) == 0:
            raise ConfigError("risk tiers by share need the training predictions")
        p = np.asarray(train_probabilities, dtype=float)
        hi = float(np.quantile(p, 1 - self.high)) if self.high > 0 else float("inf")
        med = float(np.quantile(p, 1 - self.high - self.medium)) if self.medium > 0 else hi
        return med, hi


def assign_tiers(p: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    """Array of ``"low"``, ``"medium"``, ``"high"`` for the probabilities ``p``."""
    med, hi = thresholds
    p = np.asarray(p, dtype=float)
    return np.where(p >= hi, "high", np.where(p >= med, "medium", "low")).astype(object)
