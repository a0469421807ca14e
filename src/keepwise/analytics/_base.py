"""The one base class of keepwise's estimators: scikit-learn's conventions, without scikit-learn.

Every statistical model in keepwise (:class:`~keepwise.analytics.clv.BetaGeoModel`,
:class:`~keepwise.analytics.clv.GammaGammaModel`,
:class:`~keepwise.analytics.churn.model.ChurnClassifier`,
:class:`~keepwise.analytics.churn.snapshot.SnapshotChurnModel`,
:class:`~keepwise.analytics.churn.transaction.TransactionChurnModel`,
:class:`~keepwise.analytics.survival.CoxModel`) derives from :class:`Estimator` and follows
scikit-learn's contract:

* ``__init__`` only stores its keyword arguments (the *parameters*); they are checked in
  ``fit`` against ``_parameter_constraints``.
* ``fit(X, y=None)`` returns ``self``; what it learns is stored in attributes ending in ``_``.
* ``get_params`` / ``set_params`` work as in scikit-learn, so ``sklearn.base.clone``, grid
  searches and pipelines can use the estimators.
* Using an estimator before ``fit`` raises :class:`~keepwise.errors.NotFittedError` (also an
  instance of scikit-learn's ``NotFittedError`` once scikit-learn is imported).
* ``summary_`` is a DataFrame describing the fit; ``plot(ax=None)`` draws it with matplotlib
  (imported on first use) and returns the Axes.

The base imports neither scikit-learn nor matplotlib, so the core models (BG/NBD and
Gamma-Gamma, which need only scipy) work without the ``[ml]`` extra; scikit-learn's hooks
(``__sklearn_tags__``, ``__sklearn_is_fitted__``) import it only when scikit-learn calls them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple, Self

import numpy as np
import pandas as pd

from keepwise.errors import ConfigError, NotFittedError

__all__ = ["Constraint", "Estimator", "interval", "one_of", "instance_of"]


class Constraint(NamedTuple):
    """A check on one parameter and what it expects, said in words for the error message."""

    check: Callable[[Any], bool]
    expected: str


def interval(
    low: float | None = None,
    high: float | None = None,
    *,
    integer: bool = False,
    low_open: bool = False,
    none: bool = False,
) -> Constraint:
    """A finite number (``integer``: a whole one) within ``[low, high]`` (``(low, high]`` with
    ``low_open``); ``none`` also accepts ``None``."""

    def check(value: Any) -> bool:
        if value is None:
            return none
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            return False
        if not np.isfinite(value) or (integer and not float(value).is_integer()):
            return False
        if low is not None and (value <= low if low_open else value < low):
            return False
        return bool(high is None or value <= high)

    if low is not None and high is not None:
        text = f"between {low:g} and {high:g}"
    elif low is not None:
        text = f"more than {low:g}" if low_open else f"{low:g} or more"
    elif high is not None:
        text = f"{high:g} or less"
    else:
        text = "a finite number"
    if integer:
        text = "a whole number" + ("" if text == "a finite number" else f", {text}")
    return Constraint(check, text + (", or None" if none else ""))


def one_of(*values: Any) -> Constraint:
    """One of ``values``."""
    return Constraint(lambda v: v in values, "one of " + ", ".join(map(repr, values)))


def instance_of(*types: type, none: bool = False) -> Constraint:
    """An instance of one of ``types`` (``none``: or ``None``)."""
    names = " or ".join(t.__name__ for t in types) + (" or None" if none else "")
    return Constraint(lambda v: (v is None and none) or isinstance(v, types), f"a {names}")


class Estimator:
    """Base class of keepwise's estimators (a small clone of scikit-learn's ``BaseEstimator``).

    Subclasses declare their parameters as keyword arguments of ``__init__`` (stored there
    unchanged), the checks on them in ``_parameter_constraints``, and implement ``fit``
    (calling :meth:`_validate_params` first and returning ``self``), ``_summary`` and, where a
    picture helps, ``plot``.
    """

    #: Parameter name -> :class:`Constraint`, checked by :meth:`_validate_params` in ``fit``.
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {}
    #: What ``fit`` is given, for the not-fitted message: ``fit(rfm)``, ``fit(X, y)`` ...
    _fit_signature: ClassVar[str] = "fit(X)"
    #: The attribute ``fit`` stores last (so a failed fit leaves the estimator unfitted);
    #: ``None``: fitted once any attribute ending in ``_`` is set.
    _fitted_attribute: ClassVar[str | None] = None

    # -- parameters ----------------------------------------------------------------------

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The parameter names: the arguments of ``__init__``, sorted (as scikit-learn)."""
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self" or p.kind == p.VAR_KEYWORD:
                continue
            if p.kind == p.VAR_POSITIONAL:
                raise TypeError(f"{cls.__name__}.__init__ must not take *args")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters; with ``deep``, also those of parameters that are
        estimators themselves (as ``name__param``)."""
        out: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> Self:
        """Set parameters (``name=value``, or ``name__param=value`` for a nested estimator);
        they are checked at the next ``fit``."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, delim, sub = key.partition("__")
            if name not in valid:
                raise ConfigError(
                    f"{type(self).__name__} has no parameter {name!r}; its parameters are "
                    + ", ".join(self._get_param_names())
                )
            if delim:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def _validate_params(self) -> None:
        """Check every parameter against ``_parameter_constraints`` (called first in ``fit``).

        Raises
        ------
        ConfigError
            Naming the estimator, the parameter, what it must be and what it is.
        """
        for name, constraint in self._parameter_constraints.items():
            value = getattr(self, name)
            if not constraint.check(value):
                raise ConfigError(
                    f"{type(self).__name__}: the {name} must be {constraint.expected}, "
                    f"got {value!r}"
                )

    def __repr__(self) -> str:
        """``Name(param=value, ...)`` with the parameters that differ from their defaults."""
        init = inspect.signature(type(self).__init__).parameters
        shown = []
        for name in self._get_param_names():
            value = getattr(self, name, None)
            default = init[name].default if name in init else inspect.Parameter.empty
            if default is inspect.Parameter.empty or repr(value) != repr(default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    # -- fitted state ------------------------------------------------------------------

    def __sklearn_is_fitted__(self) -> bool:
        """Whether ``fit`` has run: ``_fitted_attribute`` is set (by default, any attribute
        ending in ``_``)."""
        if self._fitted_attribute is not None:
            return self._fitted_attribute in vars(self)
        return any(k.endswith("_") and not k.startswith("__") for k in vars(self))

    def _check_is_fitted(self) -> None:
        """Raise :class:`~keepwise.errors.NotFittedError` unless ``fit`` has been called."""
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call {self._fit_signature} first"
            )

    @property
    def summary_(self) -> pd.DataFrame:
        """A table describing the fit (see each estimator); raises
        :class:`~keepwise.errors.NotFittedError` before ``fit``."""
        self._check_is_fitted()
        return self._summary()

    def _summary(self) -> pd.DataFrame:  # pragma: no cover - every estimator overrides it
        raise NotImplementedError

    def plot(self, ax: Any = None) -> Any:
        """Draw the fit on ``ax`` (a new figure when ``None``) and return the matplotlib Axes."""
        raise NotImplementedError(f"{type(self).__name__} has no plot")

    @staticmethod
    def _axes(ax: Any) -> Any:
        """``ax``, or the Axes of a new matplotlib figure (matplotlib is imported here)."""
        if ax is not None:
            return ax
        import matplotlib.pyplot as plt

        _, new = plt.subplots()
        return new

    # -- scikit-learn's tags -------------------------------------------------------------

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's tags (scikit-learn 1.6+ asks for them; imported only then).

        The base describes an estimator fitted on a table with named columns (an RFM frame,
        a customer table, a Dataset), not on any numeric matrix: ``two_d_array`` is off, so
        ``check_estimator`` has no generic matrix checks to run on it. Estimators fitted on
        ``(X, y)`` matrices (:class:`ChurnClassifier`) override this.
        """
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            input_tags=InputTags(two_d_array=False, string=True, categorical=True),
            requires_fit=True,
        )


def customer_index(frame: pd.DataFrame) -> pd.Index:
    """The customer ids of a per-customer frame: its ``customer_id`` column when it has one,
    else its index. Per-customer predictions are Series on this index."""
    if "customer_id" in frame.columns:
        return pd.Index(frame["customer_id"].to_numpy(), name="customer_id")
    return frame.index
