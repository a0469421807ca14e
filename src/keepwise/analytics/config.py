"""Configurable thresholds of the retention analytics (frozen dataclasses, documented defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwise.errors import ConfigError


@dataclass(frozen=True)
class ActivityConfig:
    """When a customer counts as active (see ``docs/metrics.md``, "Activity").

    Parameters
    ----------
    window_days
        Non-contractual customers are active on day *d* when they have an order in
        ``(d - window_days, d]``; default 180.
    adaptive
        Use a per-customer window: ``max(ceil(adaptive_multiplier x median interval),
        adaptive_floor_days)`` for customers with at least ``adaptive_min_orders``
        distinct order days, ``window_days`` for the others.
    adaptive_multiplier, adaptive_floor_days, adaptive_min_orders
        The adaptive window's parameters (defaults 3.0, 30 days, 3 order days).
    """

    window_days: int = 180
    adaptive: bool = False
    adaptive_multiplier: float = 3.0
    adaptive_floor_days: int = 30
    adaptive_min_orders: int = 3

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise ConfigError(f"window_days must be at least 1 (got {self.window_days})")
        if self.adaptive_multiplier <= 0:
            raise ConfigError(
                f"adaptive_multiplier must be positive (got {self.adaptive_multiplier})"
            )
        if self.adaptive_floor_days < 1:
            raise ConfigError(
                f"adaptive_floor_days must be at least 1 (got {self.adaptive_floor_days})"
            )
        if self.adaptive_min_orders < 2:
            raise ConfigError(
                f"adaptive_min_orders must be at least 2 (got {self.adaptive_min_orders})"
            )


@dataclass(frozen=True)
class RFMConfig:
    """RFM scoring and rule thresholds (see ``docs/metrics.md``, "RFM").

    Parameters
    ----------
    window_days
        Frequency and monetary value count orders in the ``window_days`` up to the as-of
        date (default 365, i.e. "a year"); ``None`` counts the whole history.
    bins
        Number of quantile scores (default 5: scores 1-5).
    recent_days
        Rule: recent when the last order is at most this many days old (default 182,
        about 6 months).
    frequent_orders
        Rule: frequent when the customer placed at least this many orders in the window
        (default 3).
    high_value_amount
        Rule: high value when the monetary value in the window is at least this amount
        (default 500,000).
    weights
        Weights of the R, F and M scores in ``rfm_score`` (default equal).
    use_industry_fit
        Multiply ``rfm_score`` by the customer's ``industry_fit`` (missing = 1) into
        ``weighted_score``.
    """

    window_days: int | None = 365
    bins: int = 5
    recent_days: int = 182
    frequent_orders: int = 3
    high_value_amount: float = 500_000.0
    weights: tuple[float, float, float] = field(default=(1.0, 1.0, 1.0))
    use_industry_fit: bool = True

    def __post_init__(self) -> None:
        if self.window_days is not None and self.window_days < 1:
            raise ConfigError(f"window_days must be at least 1 (got {self.window_days})")
        if not 2 <= self.bins <= 10:
            raise ConfigError(f"bins must be between 2 and 10 (got {self.bins})")
        if len(self.weights) != 3 or min(self.weights) < 0 or sum(self.weights) <= 0:
            raise ConfigError(
                f"weights must be three non-negative numbers, not all 0 (got {self.weights})"
            )


@dataclass(frozen=True)
class CycleConfig:
    """Purchase-cycle prediction (see ``docs/metrics.md``, "Purchase cycles").

    Parameters
    ----------
    z
        Half-width of the next-order window in standard deviations of the interval
        (default 1.0).
    lead_days
        Follow up this many days before the window opens (default 7).
    min_intervals
        Customers need at least this many intervals for a prediction (default 1; the
        volatility needs 2).
    """

    z: float = 1.0
    lead_days: int = 7
    min_intervals: int = 1

    def __post_init__(self) -> None:
        if self.z < 0:
            raise ConfigError(f"z must be non-negative (got {self.z})")
        if self.lead_days < 0:
            raise ConfigError(f"lead_days must be non-negative (got {self.lead_days})")
        if self.min_intervals < 1:
            raise ConfigError(f"min_intervals must be at least 1 (got {self.min_intervals})")
