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

from keepwise.analytics._base import Estimator, customer_index, interval
from keepwise.errors import (
    ConfigError,
    ConvergenceError,
    SchemaError,
    StatisticalWarning,
)

__all__ = ["BetaGeoModel", "GammaGammaModel", "TIME_UNIT_DAYS"]

#: Length of each supported time unit in days (``M`` is an average month).
TIME_UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}
_Z95 = 1.959963984540054


# -- shared by both models --------------------------------------------------------------------


class _FittedByLikelihood(Estimator):
    """What BG/NBD and Gamma-Gamma share: the penalizer, the summary with intervals on the log
    scale, the parameter plot and the boundary warning."""

    _parameter_constraints = {"penalizer": interval(0.0)}
    _fit_signature = "fit(rfm)"
    _fitted_attribute = "n_customers_"  # set last

    params_: pd.Series
    standard_errors_: pd.Series

    def _summary(self) -> pd.DataFrame:
        """``coef``, ``se`` and a 95% interval ``lower``, ``upper`` per parameter.

        The parameters are estimated on the log scale, where the likelihood is close to
        quadratic, so the interval is ``exp(log(coef) ± 1.96 · se(log coef))`` with
        ``se(log coef) = se / coef`` (the delta method): it is never negative for these
        positive parameters, and it is not symmetric around ``coef``.
        """
        coef = self.params_
        se_log = self.standard_errors_ / coef
        return pd.DataFrame(
            {
                "coef": coef,
                "se": self.standard_errors_,
                "lower": coef * np.exp(-_Z95 * se_log),
                "upper": coef * np.exp(_Z95 * se_log),
            },
            index=coef.index,
        )

    def plot(self, ax: Any = None) -> Any:
        """The fitted parameters with their 95% intervals, on a log axis (matplotlib Axes)."""
        summary = self.summary_
        ax = self._axes(ax)
        coef = summary["coef"].to_numpy()
        spread = np.vstack([coef - summary["lower"].to_numpy(), summary["upper"].to_numpy() - coef])
        ax.errorbar(coef, range(len(summary)), xerr=spread, fmt="o", capsize=3)
        ax.set_xscale("log")
        ax.set_yticks(range(len(summary)), list(summary.index))
        ax.set_xlabel("estimate (95% interval)")
        ax.set_title(type(self).__name__)
        return ax


#: A fitted parameter below this (in the fit's own scale) sits on the boundary of the
#: parameter space (0), where the likelihood is flat and the Hessian says nothing.
_BOUNDARY = 1e-6
#: The Hessian is ill-conditioned when its smallest eigenvalue is below this share of its
#: largest: seen from the data, some combination of parameters is then not identified.
#: (CDNOW: 1/165 for BG/NBD and 1/890 for Gamma-Gamma; a fit on the boundary: 1e-7 or less.)
_ILL_CONDITIONED = 1e-6


def _warn_if_degenerate(
    name: str, names: list[str], log_params: np.ndarray, hess: np.ndarray
) -> None:
    """Emit a :class:`StatisticalWarning` naming the parameters when the fit lies on the
    boundary of the parameter space or the Hessian is singular or ill-conditioned."""
    problems = []
    at_zero = [n for n, lp in zip(names, log_params, strict=True) if np.exp(lp) < _BOUNDARY]
    if at_zero:
        values = ", ".join(
            f"{n} ≈ 0 ({np.exp(lp):.2g})"
            for n, lp in zip(names, log_params, strict=True)
            if n in at_zero
        )
        problems.append(f"the fit lies on the boundary of the parameter space: {values}")
    eigenvalues, vectors = np.linalg.eigh(hess)
    top = float(np.max(np.abs(eigenvalues)))
    weakest = int(np.argmin(eigenvalues))
    if not np.all(np.isfinite(eigenvalues)) or eigenvalues[weakest] <= _ILL_CONDITIONED * top:
        involved = [n for n, v in zip(names, vectors[:, weakest], strict=True) if abs(v) > 0.3]
        kind = "singular" if eigenvalues[weakest] <= 0 else "ill-conditioned"
        problems.append(
            f"the Hessian is {kind}, so {', '.join(involved)} "
            f"{'is' if len(involved) == 1 else 'are'} not identified by the data and "
            "the standard errors and intervals are unreliable"
        )
    if problems:
        warnings.warn(
            f"{name}: {'; '.join(problems)}. Check the data (enough repeat buyers, a long "
            "enough period) or refit with a small penalizer (e.g. 0.001).",
            StatisticalWarning,
            stacklevel=3,
        )


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


def _standard_errors(cov: np.ndarray, names: list[str]) -> pd.Series:
    """Square roots of the variances (NaN where a singular Hessian left a negative one)."""
    variances = np.diag(cov)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.where(variances >= 0, variances, np.nan))
    return pd.Series(se, index=names, name="se")


def _per_customer(rfm: pd.DataFrame, values: np.ndarray, name: str) -> pd.Series:
    """One prediction per row of ``rfm`` as a Series indexed by customer id."""
    return pd.Series(np.asarray(values, dtype=float), index=customer_index(rfm), name=name)


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


class BetaGeoModel(_FittedByLikelihood):
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
        From the inverse Hessian of the log-likelihood, by the delta method.
    variance_matrix_ : pandas.DataFrame
    log_likelihood_ : float
        Total log-likelihood at the estimates.
    n_customers_ : int
    summary_ : pandas.DataFrame
        ``coef``, ``se``, ``lower``, ``upper`` per parameter; the 95% interval is computed on
        the log scale, so it stays positive.

    Per-customer predictions are Series indexed by the RFM frame's ``customer_id`` column
    (or by its index when it has none). A fit on the boundary of the parameter space (say
    ``a`` ≈ 0: hardly anyone seems to drop out) or with a singular Hessian emits a
    :class:`~keepwise.errors.StatisticalWarning` naming the parameters.

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

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, X: pd.DataFrame, y: None = None) -> Self:
        """Fit on an RFM frame ``X`` with ``frequency``, ``recency`` and ``T`` (one row per
        customer, as :func:`~keepwise.analytics.clv.rfm_summary` makes it); ``y`` is unused.

        Raises
        ------
        SchemaError
            Missing or invalid columns (negative values, ``recency > T``).
        ConvergenceError
            The optimiser did not reach a maximum.
        """
        self._validate_params()
        rfm = X
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
        names = ["r", "alpha", "a", "b"]
        _warn_if_degenerate("BG/NBD", names, log_params, hess)
        params = np.exp(log_params)
        cov = _covariance(params, hess, x.size)
        params[1] /= scale
        cov[1, :] /= scale
        cov[:, 1] /= scale
        self.params_ = pd.Series(params, index=names, name="coef")
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = _standard_errors(cov, names)
        ll_value, _ = _bgnbd_nll(np.log(params), _BGData(x, t_x, T), 0.0)
        self.log_likelihood_ = -ll_value * x.size
        self.n_customers_ = int(x.size)
        return self

    def probability_alive(self, rfm: pd.DataFrame) -> pd.Series:
        """P(alive) at the end of the observation period for each customer (FHL 2005a, eq. 2 note).

        A Series ``p_alive`` indexed by customer id (the frame's ``customer_id`` column, else
        its index).
        """
        self._check_is_fitted()
        cols = validate_rfm(rfm)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        r, alpha, a, b = self.params_.to_numpy()
        log_div = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(
            a / (b + np.maximum(x, 1) - 1)
        )
        return _per_customer(rfm, np.where(x == 0, 1.0, expit(-log_div)), "p_alive")

    def expected_purchases(self, rfm: pd.DataFrame, *, horizon: float) -> pd.Series:
        """Expected number of purchases in the next ``horizon`` time units, given each history.

        The conditional expectation E[Y(t) | x, t_x, T] of FHL (2005a), eq. (10); a Series
        ``expected_purchases`` indexed by customer id.
        """
        self._check_is_fitted()
        cols = validate_rfm(rfm)
        expected = self._conditional_expected(
            cols["frequency"], cols["recency"], cols["T"], horizon
        )
        return _per_customer(rfm, expected, "expected_purchases")

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


class GammaGammaModel(_FittedByLikelihood):
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
    standard_errors_, variance_matrix_, log_likelihood_, n_customers_, summary_
        As in :class:`BetaGeoModel` (``n_customers_`` counts the repeat buyers fitted on).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "RFM and CLV: Using Iso-Value
    Curves for Customer Base Analysis", Journal of Marketing Research 42(4), 415-430;
    Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".
    """

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, X: pd.DataFrame, y: None = None) -> Self:
        """Fit on the repeat buyers of an RFM frame ``X`` with ``frequency`` and
        ``monetary_value``; ``y`` is unused."""
        self._validate_params()
        cols = validate_rfm(X, monetary=True)
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
        names = ["p", "q", "v"]
        _warn_if_degenerate("Gamma-Gamma", names, log_params, hess)
        params = np.exp(log_params)
        cov = _covariance(params, hess, x.size)
        self.params_ = pd.Series(params, index=names, name="coef")
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = _standard_errors(cov, names)
        ll_value, _ = _gg_nll(log_params, data, 0.0)
        self.log_likelihood_ = -ll_value * x.size
        self.n_customers_ = int(x.size)
        return self

    def conditional_expected_average_profit(self, rfm: pd.DataFrame) -> pd.Series:
        """E[mean spend | x, m_x] = (p (γ + x m_x)) / (p x + q − 1); the population mean when x = 0.

        A Series ``expected_avg_spend`` indexed by customer id.
        """
        self._check_is_fitted()
        return _per_customer(
            rfm, self._expected_spend(validate_rfm(rfm, monetary=True)), "expected_avg_spend"
        )

    def _expected_spend(self, cols: dict[str, np.ndarray]) -> np.ndarray:
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
    ) -> pd.Series:
        """Discounted CLV over ``horizon_months``, following ``lifetimes``' discrete method.

        For each month ``k = 1..horizon_months`` the expected purchases in that month,
        ``E[Y(k·f)] − E[Y((k−1)·f)]`` (``f`` = time units per month: 30 for days, 4.345 for
        weeks, 1 for months, the constants ``lifetimes`` uses), are multiplied by the
        expected spend per purchase and discounted by ``(1 + discount_rate) ** k``
        (``discount_rate`` is monthly). The sum is the CLV: a Series ``clv`` indexed by
        customer id.
        """
        self._check_is_fitted()
        bgnbd._check_is_fitted()
        factors = {"D": 30.0, "W": 4.345, "M": 1.0}
        if time_unit not in factors:
            raise ConfigError(f"time_unit must be one of {', '.join(factors)}, got {time_unit!r}")
        if horizon_months < 0 or discount_rate <= -1:
            raise ConfigError("horizon_months must be >= 0 and discount_rate > -1")
        cols = validate_rfm(rfm, monetary=True)
        spend = self._expected_spend(cols)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        f = factors[time_unit]
        clv = np.zeros(x.size)
        previous = np.zeros(x.size)
        for k in range(1, int(horizon_months) + 1):
            current = bgnbd._conditional_expected(x, t_x, T, k * f)
            clv += spend * (current - previous) / (1 + discount_rate) ** k
            previous = current
        return _per_customer(rfm, clv, "clv")
