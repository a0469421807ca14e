"""BG/NBD and Gamma-Gamma models: likelihoods, analytic gradients, fitters and predictions.

The maths follows

* Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005a), "Counting Your Customers the Easy
  Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284
  (the BG/NBD model; the log-likelihood is the one of section 7 and of
  http://brucehardie.com/notes/004/).
* Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005b), "RFM and CLV: Using Iso-Value
  Curves for Customer Base Analysis", *Journal of Marketing Research* 42(4), 415-430
  (the Gamma-Gamma model of spend per transaction; see also
  http://brucehardie.com/notes/025/).

The objective, parameterisation and predictions match the ``lifetimes`` package
(``BetaGeoFitter``, ``GammaGammaFitter``) so results can be compared one to one; the fit
differs only in using an analytic gradient with L-BFGS-B on the log-parameters, which is
faster than ``lifetimes``' automatic differentiation.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

from keepwise.errors import ConfigError, ConvergenceError, NotFittedError, SchemaError

__all__ = ["BetaGeoModel", "GammaGammaModel", "TIME_UNIT_DAYS"]

#: Length of each supported time unit in days (``M`` is an average month).
TIME_UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}
_Z95 = 1.959963984540054


# -- estimator plumbing --------------------------------------------------------------------


class _Estimator:
    """A small clone of scikit-learn's ``BaseEstimator``: params from ``__init__``, repr, fitted check."""

    _param_names: tuple[str, ...] = ("penalizer",)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names}

    def set_params(self, **params: Any) -> Self:
        for name, value in params.items():
            if name not in self._param_names:
                raise ConfigError(f"{type(self).__name__} has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_params(self) -> None:
        penalizer = getattr(self, "penalizer", 0.0)
        if not isinstance(penalizer, int | float) or not np.isfinite(penalizer) or penalizer < 0:
            raise ConfigError(f"penalizer must be a finite number >= 0, got {penalizer!r}")

    def _check_is_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(rfm) first")

    @property
    def summary(self) -> pd.DataFrame:
        """Fitted parameters: ``coef``, ``se`` (from the inverse Hessian), ``lower``, ``upper`` (95%)."""
        self._check_is_fitted()
        params: pd.Series = self.params_  # type: ignore[attr-defined]
        se: pd.Series = self.standard_errors_  # type: ignore[attr-defined]
        return pd.DataFrame(
            {"coef": params, "se": se, "lower": params - _Z95 * se, "upper": params + _Z95 * se},
            index=params.index,
        )

    def plot(self, ax: Any = None) -> Any:
        """Plot the fitted parameters with their 95% intervals (matplotlib, imported lazily)."""
        import matplotlib.pyplot as plt

        summary = self.summary
        if ax is None:
            _, ax = plt.subplots()
        ax.errorbar(
            summary["coef"], range(len(summary)), xerr=_Z95 * summary["se"], fmt="o", capsize=3
        )
        ax.set_yticks(range(len(summary)), list(summary.index))
        ax.set_title(type(self).__name__)
        return ax


def _column(rfm: pd.DataFrame, name: str) -> np.ndarray:
    if name not in rfm.columns:
        raise SchemaError(name, None, f"required column is missing (have {', '.join(map(str, rfm.columns))})")
    values = pd.to_numeric(rfm[name], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise SchemaError(name, bad.tolist(), "values must be finite numbers")
    return values


def validate_rfm(rfm: pd.DataFrame, *, monetary: bool = False) -> dict[str, np.ndarray]:
    """Check an RFM frame (``frequency``, ``recency``, ``T``, optional ``monetary_value``).

    Raises
    ------
    SchemaError
        A column is missing, not numeric, negative, ``frequency`` is not whole, or
        ``recency`` exceeds ``T``; the error names the column and the rows.
    """
    if not isinstance(rfm, pd.DataFrame):
        raise SchemaError("frequency", None, f"expected a pandas DataFrame, got {type(rfm).__name__}")
    out = {name: _column(rfm, name) for name in ("frequency", "recency", "T")}
    for name, values in out.items():
        bad = np.flatnonzero(values < 0)
        if bad.size:
            raise SchemaError(name, bad.tolist(), "values must be >= 0")
    freq = out["frequency"]
    bad = np.flatnonzero(freq != np.round(freq))
    if bad.size:
        raise SchemaError("frequency", bad.tolist(), "repeat purchase counts must be whole numbers")
    bad = np.flatnonzero(out["recency"] > out["T"] * (1 + 1e-12) + 1e-12)
    if bad.size:
        raise SchemaError("recency", bad.tolist(), "recency is larger than T (last purchase after the end of the period)")
    bad = np.flatnonzero((freq == 0) & (out["recency"] != 0))
    if bad.size:
        raise SchemaError("recency", bad.tolist(), "customers without repeat purchases must have recency 0")
    if monetary:
        money = _column(rfm, "monetary_value")
        bad = np.flatnonzero((freq > 0) & (money <= 0))
        if bad.size:
            raise SchemaError("monetary_value", bad.tolist(), "repeat buyers need a positive mean spend")
        out["monetary_value"] = money
    return out


def _fit_log_params(
    objective: Any, x0: np.ndarray, n: int, name: str
) -> tuple[np.ndarray, float, np.ndarray]:
    """Minimise ``objective(log_params) -> (value, grad)``; return log-params, value, Hessian."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = minimize(
            objective, x0, jac=True, method="L-BFGS-B",
            options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
        )
    if not np.isfinite(result.fun) or not np.all(np.isfinite(result.x)) or (
        not result.success and np.max(np.abs(result.jac)) > 1e-5
    ):
        raise ConvergenceError(
            f"{name} did not converge ({result.message}); try a penalizer > 0 (e.g. 0.001) "
            "or check the data (too few repeat buyers?)"
        )
    # Hessian of the mean negative log-likelihood in log-parameter space, by central
    # differences of the analytic gradient.
    k = result.x.size
    hess = np.empty((k, k))
    step = 1e-5
    for j in range(k):
        e = np.zeros(k)
        e[j] = step
        hess[:, j] = (objective(result.x + e)[1] - objective(result.x - e)[1]) / (2 * step)
    hess = (hess + hess.T) / 2
    return result.x, float(result.fun), hess


def _covariance(params: np.ndarray, hess: np.ndarray, n: int) -> np.ndarray:
    try:
        cov_log = np.linalg.inv(hess) / n
    except np.linalg.LinAlgError:
        return np.full((params.size, params.size), np.nan)
    jac = np.diag(params)
    return jac @ cov_log @ jac


# -- BG/NBD --------------------------------------------------------------------------------


def _bgnbd_nll(
    log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, penalizer: float
) -> tuple[float, np.ndarray]:
    """Mean negative BG/NBD log-likelihood and its gradient w.r.t. the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    has_repeat = x > 0
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    log_at = np.log(alpha + T)
    log_ar = np.log(alpha + t_x)
    bx1 = b + np.maximum(x, 1) - 1
    a3 = -(r + x) * log_at
    a4 = np.where(has_repeat, np.log(a) - np.log(bx1) - (r + x) * log_ar, -np.inf)
    big = np.maximum(a3, a4)
    w3 = np.exp(a3 - big)
    w4 = np.exp(a4 - big)
    total = w3 + w4
    ll = a1 + a2 + big + np.log(total)
    w3 /= total
    w4 /= total
    n = x.size
    # d ll / d natural parameter
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_at - w4 * log_ar
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + t_x)
    dg_ab = digamma(a + b) - digamma(a + b + x)
    d_a = dg_ab + w4 / a
    d_b = dg_ab + digamma(b + x) - digamma(b) - w4 / bx1
    params = np.array([r, alpha, a, b])
    grad_nat = -np.array([d_r.sum(), d_alpha.sum(), d_a.sum(), d_b.sum()]) / n + 2 * penalizer * params
    value = -ll.sum() / n + penalizer * float(np.sum(params**2))
    return float(value), grad_nat * params


class BetaGeoModel(_Estimator):
    """The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a).

    Each customer buys at a Poisson rate λ ~ Gamma(r, α) while alive and, after each
    purchase, drops out with probability p ~ Beta(a, b).

    Parameters
    ----------
    penalizer
        L2 penalty ``penalizer * sum(params**2)`` added to the mean negative
        log-likelihood (as in ``lifetimes``); 0 gives the maximum-likelihood estimates.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b`` (``alpha`` in the time unit of the RFM frame).
    standard_errors_ : pandas.Series
    variance_matrix_ : pandas.DataFrame
    log_likelihood_ : float
        Total log-likelihood at the estimates.
    n_customers_ : int

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "Counting Your Customers the Easy
    Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"frequency": [0, 2, 5, 1, 0, 3], "recency": [0, 20, 30, 5, 0, 12],
    ...                     "T": [38, 38, 35, 30, 33, 36]})
    >>> model = BetaGeoModel().fit(rfm)
    >>> sorted(model.params_.index)
    ['a', 'alpha', 'b', 'r']
    """

    _param_names = ("penalizer",)

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, rfm: pd.DataFrame) -> Self:
        """Fit on an RFM frame with ``frequency``, ``recency`` and ``T`` (one row per customer).

        Raises
        ------
        SchemaError
            Missing or invalid columns (negative values, ``recency > T``).
        ConvergenceError
            The optimiser did not reach a maximum.
        """
        self._check_params()
        cols = validate_rfm(rfm)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        if x.size == 0:
            raise SchemaError("frequency", None, "no customers to fit")
        if not np.any(x > 0):
            raise SchemaError("frequency", None, "no customer made a repeat purchase; BG/NBD cannot be fitted")
        scale = 1.0 / float(T.max()) if T.max() > 0 else 1.0
        penalizer = float(self.penalizer)

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            return _bgnbd_nll(log_params, x, t_x * scale, T * scale, penalizer)

        log_params, value, hess = _fit_log_params(objective, np.full(4, 0.1), x.size, "BG/NBD")
        params = np.exp(log_params)
        cov = _covariance(params, hess, x.size)
        params[1] /= scale
        cov[1, :] /= scale
        cov[:, 1] /= scale
        names = ["r", "alpha", "a", "b"]
        self.params_ = pd.Series(params, index=names, name="coef")
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=names, name="se")
        ll_value, _ = _bgnbd_nll(np.log(params), x, t_x, T, 0.0)
        self.log_likelihood_ = -ll_value * x.size
        self.n_customers_ = int(x.size)
        return self

    def probability_alive(self, rfm: pd.DataFrame) -> np.ndarray:
        """P(alive) at the end of the observation period for each customer (FHL 2005a, eq. 2 note)."""
        self._check_is_fitted()
        cols = validate_rfm(rfm)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        r, alpha, a, b = self.params_.to_numpy()
        log_div = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(a / (b + np.maximum(x, 1) - 1))
        return np.where(x == 0, 1.0, expit(-log_div))

    def expected_purchases(self, rfm: pd.DataFrame, *, horizon: float) -> np.ndarray:
        """Expected number of purchases in the next ``horizon`` time units, given each history.

        The conditional expectation E[Y(t) | x, t_x, T] of FHL (2005a), eq. (10).
        """
        self._check_is_fitted()
        cols = validate_rfm(rfm)
        return self._conditional_expected(cols["frequency"], cols["recency"], cols["T"], horizon)

    def _conditional_expected(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, t: float) -> np.ndarray:
        if t < 0:
            raise ConfigError(f"horizon must be >= 0, got {t}")
        r, alpha, a, b = self.params_.to_numpy()
        _a, _b, _c = r + x, b + x, a + b + x - 1
        z = t / (alpha + T + t)
        with np.errstate(divide="ignore", invalid="ignore"):
            ln_hyp = np.log(hyp2f1(_a, _b, _c, z))
            alt = np.log(hyp2f1(_c - _a, _c - _b, _c, z)) + (_c - _a - _b) * np.log1p(-z)
            ln_hyp = np.where(np.isfinite(ln_hyp), ln_hyp, alt)
            first = (a + b + x - 1) / (a - 1)
            second = 1 - np.exp(ln_hyp + (r + x) * np.log((alpha + T) / (alpha + t + T)))
            denom = 1 + (x > 0) * (a / (b + np.maximum(x, 1) - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x)
        return np.asarray(first * second / denom, dtype=float)

    def expected_purchases_new_customer(self, *, horizon: float) -> float:
        """Expected purchases of a new customer in ``horizon`` time units, E[X(t)] (FHL 2005a, eq. 9)."""
        self._check_is_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        t = float(horizon)
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp))


# -- Gamma-Gamma ----------------------------------------------------------------------------


def _gg_nll(
    log_params: np.ndarray, x: np.ndarray, m: np.ndarray, penalizer: float
) -> tuple[float, np.ndarray]:
    p, q, v = np.exp(log_params)
    px = p * x
    log_xm_v = np.log(x * m + v)
    ll = (
        gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
        + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * log_xm_v
    )
    dg = digamma(px + q)
    d_p = x * (dg - digamma(px) + np.log(m) + np.log(x) - log_xm_v)
    d_q = dg - digamma(q) + np.log(v) - log_xm_v
    d_v = q / v - (px + q) / (x * m + v)
    n = x.size
    params = np.array([p, q, v])
    grad_nat = -np.array([d_p.sum(), d_q.sum(), d_v.sum()]) / n + 2 * penalizer * params
    value = -ll.sum() / n + penalizer * float(np.sum(params**2))
    return float(value), grad_nat * params


class GammaGammaModel(_Estimator):
    """The Gamma-Gamma model of average spend per transaction (Fader, Hardie & Lee 2005b).

    A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers;
    spend is assumed independent of purchase frequency. Only repeat buyers
    (``frequency > 0``) are used in :meth:`fit`; ``monetary_value`` is their mean spend per
    repeat purchase.

    Parameters
    ----------
    penalizer
        L2 penalty on the parameters, as in ``lifetimes``.

    Attributes
    ----------
    params_ : pandas.Series
        ``p``, ``q``, ``v`` (``v`` is the paper's γ).
    standard_errors_, variance_matrix_, log_likelihood_, n_customers_

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "RFM and CLV: Using Iso-Value
    Curves for Customer Base Analysis", Journal of Marketing Research 42(4), 415-430;
    Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".
    """

    _param_names = ("penalizer",)

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, rfm: pd.DataFrame) -> Self:
        """Fit on the repeat buyers of an RFM frame with ``frequency`` and ``monetary_value``."""
        self._check_params()
        cols = validate_rfm(rfm, monetary=True)
        keep = cols["frequency"] > 0
        x, m = cols["frequency"][keep], cols["monetary_value"][keep]
        if x.size < 2:
            raise SchemaError("frequency", None, "Gamma-Gamma needs at least 2 repeat buyers")
        penalizer = float(self.penalizer)

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            return _gg_nll(log_params, x, m, penalizer)

        log_params, value, hess = _fit_log_params(objective, np.full(3, 0.1), x.size, "Gamma-Gamma")
        params = np.exp(log_params)
        cov = _covariance(params, hess, x.size)
        names = ["p", "q", "v"]
        self.params_ = pd.Series(params, index=names, name="coef")
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=names, name="se")
        ll_value, _ = _gg_nll(log_params, x, m, 0.0)
        self.log_likelihood_ = -ll_value * x.size
        self.n_customers_ = int(x.size)
        return self

    def conditional_expected_average_profit(self, rfm: pd.DataFrame) -> np.ndarray:
        """E[mean spend | x, m_x] = (p (γ + x m_x)) / (p x + q − 1); the population mean when x = 0."""
        self._check_is_fitted()
        cols = validate_rfm(rfm, monetary=True)
        p, q, v = self.params_.to_numpy()
        x = cols["frequency"]
        m = np.where(x > 0, cols["monetary_value"], 0.0)
        if q <= 1:
            raise ConfigError(f"q = {q:.4g} <= 1: the expected spend is undefined; refit with a penalizer")
        return np.asarray((p * (v + x * m)) / (p * x + q - 1), dtype=float)

    def customer_lifetime_value(
        self,
        bgnbd: BetaGeoModel,
        rfm: pd.DataFrame,
        *,
        horizon_months: int = 12,
        discount_rate: float = 0.01,
        time_unit: str = "W",
    ) -> np.ndarray:
        """Discounted CLV over ``horizon_months``, following ``lifetimes``' discrete method.

        For each month ``k = 1..horizon_months`` the expected purchases in that month,
        ``E[Y(k·f)] − E[Y((k−1)·f)]`` (``f`` = time units per month: 30 for days, 4.345 for
        weeks, 1 for months, the constants ``lifetimes`` uses), are multiplied by the
        expected spend per purchase and discounted by ``(1 + discount_rate) ** k``
        (``discount_rate`` is monthly). The sum is the CLV.
        """
        self._check_is_fitted()
        bgnbd._check_is_fitted()
        factors = {"D": 30.0, "W": 4.345, "M": 1.0}
        if time_unit not in factors:
            raise ConfigError(f"time_unit must be one of {', '.join(factors)}, got {time_unit!r}")
        if horizon_months < 0 or discount_rate <= -1:
            raise ConfigError("horizon_months must be >= 0 and discount_rate > -1")
        cols = validate_rfm(rfm, monetary=True)
        spend = self.conditional_expected_average_profit(rfm)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        f = factors[time_unit]
        clv = np.zeros(x.size)
        previous = np.zeros(x.size)
        for k in range(1, int(horizon_months) + 1):
            current = bgnbd._conditional_expected(x, t_x, T, k * f)
            clv += spend * (current - previous) / (1 + discount_rate) ** k
            previous = current
        return clv
