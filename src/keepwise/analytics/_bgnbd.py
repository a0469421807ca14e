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

import warnings
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1
from threadpoolctl import threadpool_limits

from keepwise.errors import (
    ConfigError,
    ConvergenceError,
    NotFittedError,
    SchemaError,
    StatisticalWarning,
)

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
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(rfm) first"
            )

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
        raise SchemaError(
            name, None, f"required column is missing (have {', '.join(map(str, rfm.columns))})"
        )
    values: np.ndarray = np.asarray(pd.to_numeric(rfm[name], errors="coerce"), dtype=float)
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
        raise SchemaError(
            "frequency", None, f"expected a pandas DataFrame, got {type(rfm).__name__}"
        )
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
        raise SchemaError(
            "recency",
            bad.tolist(),
            "recency is larger than T (last purchase after the end of the period)",
        )
    bad = np.flatnonzero((freq == 0) & (out["recency"] != 0))
    if bad.size:
        raise SchemaError(
            "recency", bad.tolist(), "customers without repeat purchases must have recency 0"
        )
    if monetary:
        money = _column(rfm, "monetary_value")
        bad = np.flatnonzero(money < 0)
        if bad.size:
            raise SchemaError(
                "monetary_value", bad.tolist(), "mean spend must be >= 0 (put refunds aside)"
            )
        out["monetary_value"] = money
    return out


def _fit_log_params(
    objective: Any, x0: np.ndarray, n: int, name: str
) -> tuple[np.ndarray, float, np.ndarray]:
    """Minimise ``objective(log_params) -> (value, grad)``; return log-params, value, Hessian."""
    # L-BFGS-B calls BLAS on tiny vectors; OpenBLAS' thread pool makes that 10-40x slower
    # on a busy machine, so the fit runs with one BLAS thread.
    with (
        threadpool_limits(limits=1, user_api="blas"),
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
    ):
        result = minimize(
            objective,
            x0,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
        )
    if (
        not np.isfinite(result.fun)
        or not np.all(np.isfinite(result.x))
        or (not result.success and np.max(np.abs(result.jac)) > 1e-5)
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


class _BGData:
    """BG/NBD data prepared once per fit: duplicates merged into weights, terms that depend
    only on the (few) distinct frequencies computed per frequency, not per customer."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
        zero = x == 0
        self.n = float(x.size)
        self.T0, self.w0 = np.unique(T[zero], return_counts=True)
        self.w0 = self.w0.astype(float)
        rows, counts = np.unique(
            np.column_stack([x[~zero], t_x[~zero], T[~zero]]), axis=0, return_counts=True
        )
        self.x, self.t_x, self.T = rows[:, 0], rows[:, 1], rows[:, 2]
        self.w = counts.astype(float)
        self.xu, self.xi = np.unique(self.x, return_inverse=True)
        self.wx = np.bincount(self.xi, weights=self.w, minlength=self.xu.size)
        self.n_repeat = float(self.w.sum())


def _bgnbd_nll(log_params: np.ndarray, d: _BGData, penalizer: float) -> tuple[float, np.ndarray]:
    """Mean negative BG/NBD log-likelihood (FHL 2005a, section 7) and its gradient w.r.t. log-params.

    For a customer without repeat purchases the log-likelihood is ``r ln α − r ln(α + T)``;
    for the others it is ``ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b) +
    ln[(α+T)^−(r+x) + a/(b+x−1) (α+t_x)^−(r+x)]``.
    """
    r, alpha, a, b = np.exp(log_params)
    log_alpha = np.log(alpha)
    # customers without repeat purchases
    log_a0 = np.log(alpha + d.T0)
    ll = float(d.w0 @ (r * log_alpha - r * log_a0))
    g_r = float(d.w0 @ (log_alpha - log_a0))
    g_alpha = float(d.w0 @ (r / alpha - r / (alpha + d.T0)))
    g_a = g_b = 0.0
    if d.x.size:
        xu, wx = d.xu, d.wx
        # terms of the distinct frequencies
        ll += float(
            wx
            @ (
                gammaln(r + xu)
                - gammaln(r)
                + gammaln(a + b)
                + gammaln(b + xu)
                - gammaln(b)
                - gammaln(a + b + xu)
            )
        )
        dab = digamma(a + b) - digamma(a + b + xu)
        g_r += float(wx @ (digamma(r + xu) - digamma(r)))
        g_a += float(wx @ dab)
        g_b += float(wx @ (dab + digamma(b + xu) - digamma(b)))
        log_b1 = np.log(b + xu - 1)[d.xi]
        # per distinct (x, t_x, T)
        x, w = d.x, d.w
        rx = r + x
        log_at = np.log(alpha + d.T)
        log_ar = np.log(alpha + d.t_x)
        a3 = -rx * log_at
        a4 = np.log(a) - log_b1 - rx * log_ar
        total = np.logaddexp(a3, a4)
        w3 = np.exp(a3 - total)
        w4 = 1.0 - w3
        ll += float(w @ total) + r * log_alpha * d.n_repeat
        g_r += log_alpha * d.n_repeat - float(w @ (w3 * log_at + w4 * log_ar))
        g_alpha += r / alpha * d.n_repeat - float(
            w @ (rx * (w3 / (alpha + d.T) + w4 / (alpha + d.t_x)))
        )
        g_a += float(w @ w4) / a
        g_b -= float(w @ (w4 / np.exp(log_b1)))
    params = np.array([r, alpha, a, b])
    grad_nat = -np.array([g_r, g_alpha, g_a, g_b]) / d.n + 2 * penalizer * params
    value = -ll / d.n + penalizer * float(np.sum(params**2))
    return value, grad_nat * params


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
    >>> model = BetaGeoModel(penalizer=0.01).fit(rfm)  # six customers: shrink a little
    >>> sorted(model.params_.index)
    ['a', 'alpha', 'b', 'r']
    >>> model.probability_alive(rfm).round(2).tolist()
    [1.0, 0.59, 0.86, 0.35, 1.0, 0.33]
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
            raise SchemaError(
                "frequency", None, "no customer made a repeat purchase; BG/NBD cannot be fitted"
            )
        scale = 1.0 / float(T.max()) if T.max() > 0 else 1.0
        penalizer = float(self.penalizer)

        scaled = _BGData(x, t_x * scale, T * scale)

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            return _bgnbd_nll(log_params, scaled, penalizer)

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
        ll_value, _ = _bgnbd_nll(np.log(params), _BGData(x, t_x, T), 0.0)
        self.log_likelihood_ = -ll_value * x.size
        self.n_customers_ = int(x.size)
        return self

    def probability_alive(self, rfm: pd.DataFrame) -> np.ndarray:
        """P(alive) at the end of the observation period for each customer (FHL 2005a, eq. 2 note)."""
        self._check_is_fitted()
        cols = validate_rfm(rfm)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        r, alpha, a, b = self.params_.to_numpy()
        log_div = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(
            a / (b + np.maximum(x, 1) - 1)
        )
        return np.where(x == 0, 1.0, expit(-log_div))

    def expected_purchases(self, rfm: pd.DataFrame, *, horizon: float) -> np.ndarray:
        """Expected number of purchases in the next ``horizon`` time units, given each history.

        The conditional expectation E[Y(t) | x, t_x, T] of FHL (2005a), eq. (10).
        """
        self._check_is_fitted()
        cols = validate_rfm(rfm)
        return self._conditional_expected(cols["frequency"], cols["recency"], cols["T"], horizon)

    def _conditional_expected(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, t: float
    ) -> np.ndarray:
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
            denom = 1 + (x > 0) * (a / (b + np.maximum(x, 1) - 1)) * (
                (alpha + T) / (alpha + t_x)
            ) ** (r + x)
        return np.asarray(first * second / denom, dtype=float)

    def expected_purchases_new_customer(self, *, horizon: float) -> float:
        """Expected purchases of a new customer in ``horizon`` time units, E[X(t)] (FHL 2005a, eq. 9)."""
        self._check_is_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        t = float(horizon)
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp))


# -- Gamma-Gamma ----------------------------------------------------------------------------


class _GGData:
    """Gamma-Gamma data prepared once per fit: constant sums precomputed, special functions
    evaluated per distinct frequency."""

    def __init__(self, x: np.ndarray, m: np.ndarray) -> None:
        self.x, self.m = x, m
        self.n = float(x.size)
        self.xu, xi = np.unique(x, return_inverse=True)
        self.wx = np.bincount(xi, minlength=self.xu.size).astype(float)
        log_m, log_x = np.log(m), np.log(x)
        self.sum_x_log_m = float(x @ log_m)
        self.sum_log_m = float(log_m.sum())
        self.sum_x_log_x = float(x @ log_x)


def _gg_nll(log_params: np.ndarray, d: _GGData, penalizer: float) -> tuple[float, np.ndarray]:
    """Mean negative Gamma-Gamma log-likelihood (FHL 2005b) and its gradient w.r.t. log-params.

    Per repeat buyer: ``ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x
    − (px+q) ln(x m + γ)``.
    """
    p, q, v = np.exp(log_params)
    pxu = p * d.xu
    log_xm_v = np.log(d.x * d.m + v)
    sum_l = float(log_xm_v.sum())
    sum_xl = float(d.x @ log_xm_v)
    n = d.n
    ll = (
        float(d.wx @ (gammaln(pxu + q) - gammaln(pxu)))
        - n * gammaln(q)
        + n * q * np.log(v)
        + p * d.sum_x_log_m
        - d.sum_log_m
        + p * d.sum_x_log_x
        - p * sum_xl
        - q * sum_l
    )
    dg = digamma(pxu + q)
    g_p = float(d.wx @ (d.xu * (dg - digamma(pxu)))) + d.sum_x_log_m + d.sum_x_log_x - sum_xl
    g_q = float(d.wx @ dg) - n * digamma(q) + n * np.log(v) - sum_l
    g_v = n * q / v - float(np.sum((p * d.x + q) / (d.x * d.m + v)))
    params = np.array([p, q, v])
    grad_nat = -np.array([g_p, g_q, g_v]) / n + 2 * penalizer * params
    value = -ll / n + penalizer * float(np.sum(params**2))
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
        free = int(np.sum(keep & (cols["monetary_value"] <= 0)))
        if free:
            warnings.warn(
                f"Gamma-Gamma: {free} repeat buyer(s) with a mean spend of 0 are left out of the fit",
                StatisticalWarning,
                stacklevel=2,
            )
            keep &= cols["monetary_value"] > 0
        x, m = cols["frequency"][keep], cols["monetary_value"][keep]
        if x.size < 2:
            raise SchemaError("frequency", None, "Gamma-Gamma needs at least 2 repeat buyers")
        penalizer = float(self.penalizer)

        data = _GGData(x, m)

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            return _gg_nll(log_params, data, penalizer)

        log_params, value, hess = _fit_log_params(objective, np.full(3, 0.1), x.size, "Gamma-Gamma")
        params = np.exp(log_params)
        cov = _covariance(params, hess, x.size)
        names = ["p", "q", "v"]
        self.params_ = pd.Series(params, index=names, name="coef")
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=names, name="se")
        ll_value, _ = _gg_nll(log_params, data, 0.0)
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
            raise ConfigError(
                f"q = {q:.4g} <= 1: the expected spend is undefined; refit with a penalizer"
            )
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
