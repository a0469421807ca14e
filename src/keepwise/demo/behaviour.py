"""The latent churn process of the demo company.

Each customer carries five latent *dissatisfaction drivers* that the analytics never see
directly, only through their symptoms:

``service``
    grows with every ticket whose first response took more than 24 hours;
``delivery``
    grows with every late delivery (and late deliveries open delivery tickets);
``price``
    jumps at the company's price increase, in proportion to the customer's price sensitivity;
``competitor``
    rare shocks when a competitor courts the customer;
``engagement``
    a slow drift for customers whose needs fade (and for contractual customers who have
    decided not to renew).

The simulation steps month by month, vectorised over customers. In each month, first the
monthly churn hazard is applied,
``h = base_hazard * exp(sum_k gamma_k * driver_k + fit + budget + early)``, where the base
hazard carries the industry, acquisition channel, region, segment and owner effects; then
the month's events are drawn given the drivers (order rate falls as drivers grow; tickets,
slow responses, late deliveries, interactions and survey answers happen); then the drivers
are updated from those events. So every churn is *caused* by what happened before it, and
the symptoms (falling order frequency, slow tickets, falling satisfaction, negative notes)
precede it. Contractual customers decide to leave at some month and churn at the next
contract anniversary (the contract is not renewed).

The churn reason of each churner is drawn from the attributable fractions of its hazard at
the time of the decision: the baseline (``early_dropout`` in the first three months,
otherwise ``other``) keeps ``1 / exp(E)``, each driver ``k`` a share of the rest in
proportion to its term of ``E``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keepwise.demo.calendar import Calendar, logistics_load, order_season, support_load
from keepwise.demo.company import Customers

DRIVERS = ("service", "delivery", "price", "competitor", "engagement")
#: Log-hazard per unit of each driver.
GAMMA = np.array([0.8, 0.7, 0.9, 1.0, 0.9], dtype=np.float32)
#: How strongly each driver lowers the order rate (``rate * exp(-kappa @ drivers)``).
KAPPA = np.array([0.35, 0.3, 0.45, 0.6, 1.1], dtype=np.float32)
#: Monthly persistence of each driver (memories fade, fading needs do not).
DECAY = np.array([0.8, 0.8, 0.9, 0.85, 0.98], dtype=np.float32)
#: Churn reasons: the drivers, B2B fit and budget, early drop-out and other.
REASONS = ("slow_support", "late_delivery", "price", "competitor", "low_engagement", "poor_fit",
           "budget_cut", "early_dropout", "other")  # fmt: skip
NO_CHURN = np.iinfo(np.int32).max


@dataclass
class Simulation:
    """What happened to one chunk of customers, per month (rows) and customer (columns).

    ``orders``, ``late``, ``tickets``, ``slow``, ``delivery_tickets``, ``interactions`` and
    ``feedback`` are event counts; ``mood`` the total of the drivers at the end of the month
    and ``topic`` the index of the largest driver (both drive notes and scores).
    ``churn_day`` is the day of churn (``NO_CHURN`` if none, may lie after the last day for
    contractual customers who decided to leave), ``decision_day`` the day the decision to
    leave was taken.
    """

    orders: np.ndarray
    late: np.ndarray
    tickets: np.ndarray
    slow: np.ndarray
    delivery_tickets: np.ndarray
    interactions: np.ndarray
    feedback: np.ndarray
    mood: np.ndarray
    topic: np.ndarray
    churn_day: np.ndarray
    decision_day: np.ndarray
    reason: np.ndarray
    drivers_at_decision: np.ndarray
    drivers_final: np.ndarray
    price_rise_month: int

    def window(
        self, cal: Calendar, acquired_day: np.ndarray, month: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """First and end (exclusive) day each customer was a customer in ``month``."""
        lo = np.maximum(cal.month_start[month], acquired_day)
        hi = np.minimum(cal.month_end[month], self.churn_day)
        return lo, np.maximum(hi, lo)


def price_rise_month(cal: Calendar) -> int:
    """The month of the company's price increase: the January nearest the middle of history."""
    januaries = np.flatnonzero(cal.month_of_year == 1)
    if len(januaries) == 0:
        return cal.n_months // 2
    return int(januaries[np.argmin(np.abs(januaries - cal.n_months / 2))])


def _poisson(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    return rng.poisson(np.maximum(lam, 0.0)).astype(np.int16)


def simulate(c: Customers, cal: Calendar, rng: np.random.Generator) -> Simulation:
    """Run the latent process for one chunk of customers (see the module docstring)."""
    n, n_months = c.n, cal.n_months
    b2b = c.kind == "b2b"
    season = order_season(cal, c.kind)
    load = support_load(cal, c.kind)
    logistics = logistics_load(cal, c.kind)
    rise = price_rise_month(cal)

    shape = (n_months, n)
    counts = {k: np.zeros(shape, np.int16) for k in
              ("orders", "late", "tickets", "slow", "delivery_tickets", "interactions", "feedback")}  # fmt: skip
    mood = np.zeros(shape, np.float32)
    topic = np.zeros(shape, np.int8)
    drivers = np.zeros((len(DRIVERS), n), np.float32)
    at_decision = np.zeros((len(DRIVERS), n), np.float32)
    churn_day = np.full(n, NO_CHURN, np.int64)
    decision_day = np.full(n, NO_CHURN, np.int64)
    reason = np.full(n, -1, np.int8)
    competitor_exposure = rng.lognormal(0.0, 0.5, n) * (0.02 if b2b else 0.015)
    fixed_terms = c.fit_effect + c.budget_effect

    for m in range(n_months):
        ms, me = int(cal.month_start[m]), int(cal.month_end[m])
        days = me - ms
        joined = c.acquired_month <= m
        deciding = joined & (c.acquired_month < m) & (decision_day == NO_CHURN)
        # 1. Churn decisions from the state at the start of the month.
        early = np.where(((m - c.acquired_month) <= 3) & (not b2b), 1.1, 0.0)
        terms = GAMMA[:, None] * drivers
        log_excess = terms.sum(axis=0) + fixed_terms + early
        hazard = 1.0 - np.exp(-c.base_hazard * np.exp(log_excess))
        decides = deciding & (rng.random(n) < hazard)
        idx = np.flatnonzero(decides)
        if len(idx):
            day = ms + np.floor(rng.random(len(idx)) * days).astype(np.int64)
            decision_day[idx] = day
            at_decision[:, idx] = drivers[:, idx]
            acq = c.acquired_day[idx]
            anniversary = acq + 365 * np.ceil((day - acq) / 365).astype(np.int64)
            churn_day[idx] = np.where(c.is_contractual[idx], np.maximum(anniversary, day), day)
            reason[idx] = _reasons(rng, terms[:, idx], c.fit_effect[idx], c.budget_effect[idx],
                                   early[idx] if np.ndim(early) else early, log_excess[idx])  # fmt: skip
        # 2. Events of the month, for the part of the month each customer was a customer.
        lo = np.maximum(ms, c.acquired_day)
        hi = np.minimum(me, churn_day)
        exposure = np.where(joined, np.clip(hi - lo, 0, None) / days, 0.0)
        leaving = decision_day < NO_CHURN
        total = drivers.sum(axis=0)
        rate = c.order_rate * season[m] * exposure * np.exp(-(KAPPA @ drivers))
        orders = _poisson(rng, rate)
        late = rng.binomial(orders, np.clip(c.p_late * logistics[m], 0, 0.9)).astype(np.int16)
        delivery_tickets = rng.binomial(late, 0.55).astype(np.int16)
        tickets = delivery_tickets + _poisson(rng, c.ticket_rate * exposure * (1.0 + 0.25 * total))
        slow = rng.binomial(tickets, np.clip(c.p_slow * load[m], 0, 0.9)).astype(np.int16)
        interactions = _poisson(
            rng, c.interaction_rate * exposure * (1.0 + 0.3 * np.minimum(total, 3))
        )
        feedback = _poisson(rng, c.feedback_rate * exposure)
        for name, value in (("orders", orders), ("late", late), ("tickets", tickets), ("slow", slow),
                            ("delivery_tickets", delivery_tickets), ("interactions", interactions),
                            ("feedback", feedback)):  # fmt: skip
            counts[name][m] = value
        # 3. The drivers learn from the month's events.
        drivers *= DECAY[:, None]
        drivers[0] += 1.2 * slow
        drivers[1] += 0.9 * late
        shock = rng.random(n)
        if m == rise:
            drivers[2] += 1.6 * c.price_sensitivity * joined
        else:
            drivers[2] += (shock < 0.01) * c.price_sensitivity * 0.8
        drivers[3] += (rng.random(n) < competitor_exposure) * rng.exponential(1.2, n).astype(
            np.float32
        )
        drifting = (m >= c.drift_start_month) | leaving
        drivers[4] += np.where(leaving, 0.3, c.drift_rate) * drifting
        drivers *= joined
        mood[m] = drivers.sum(axis=0)
        topic[m] = np.argmax(drivers, axis=0)

    return Simulation(
        **counts,
        mood=mood,
        topic=topic,
        churn_day=churn_day,
        decision_day=decision_day,
        reason=reason,
        drivers_at_decision=at_decision,
        drivers_final=drivers,
        price_rise_month=rise,
    )


def _reasons(
    rng: np.random.Generator,
    terms: np.ndarray,
    fit: np.ndarray,
    budget: np.ndarray,
    early: np.ndarray | float,
    log_excess: np.ndarray,
) -> np.ndarray:
    """Draw each churner's reason from the attributable fractions of its hazard."""
    k = len(terms[0])
    early = np.broadcast_to(np.asarray(early, dtype=float), (k,))
    parts = np.vstack([np.clip(terms, 0, None), fit[None, :], budget[None, :], early[None, :]])
    excess = np.clip(log_excess, 1e-9, None)
    baseline = np.exp(-np.clip(log_excess, 0, None))
    shares = (1.0 - baseline)[None, :] * parts / excess[None, :]
    probs = np.vstack([shares, baseline[None, :]])  # last row: "other"
    probs /= probs.sum(axis=0, keepdims=True)
    cum = np.cumsum(probs, axis=0)
    u = rng.random(k)
    return np.minimum((u[None, :] > cum).sum(axis=0), len(REASONS) - 1).astype(np.int8)
