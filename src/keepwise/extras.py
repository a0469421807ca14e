"""The optional extras of ``pip install keepwise``: which imports each one brings, and a clear
error when a feature's extra is not installed.

``pip install keepwise`` is the core (store, import, analytics, CLV, accounts, the command
line). ``[web]`` adds the web app and API, ``[ml]`` the churn model, survival analysis and
sentiment, ``[postgres]`` the PostgreSQL driver and ``[spark]`` PySpark; ``[all]`` is the
whole product. Nothing here imports an optional package: :func:`require_extra` only looks
whether it can be found.
"""

from __future__ import annotations

import importlib.util

from keepwise.errors import MissingExtraError

#: The top-level modules each extra installs, with the distribution that provides each one.
EXTRAS: dict[str, dict[str, str]] = {
    "web": {
        "fastapi": "FastAPI",
        "starlette": "Starlette",
        "uvicorn": "uvicorn",
        "jinja2": "Jinja2",
        "itsdangerous": "itsdangerous",
        "python_multipart": "python-multipart",
        "multipart": "python-multipart",
    },
    "ml": {
        "sklearn": "scikit-learn",
        "lightgbm": "LightGBM",
        "joblib": "joblib",
        "lifelines": "lifelines",
        "snownlp": "SnowNLP",
        "vaderSentiment": "vaderSentiment",
    },
    "postgres": {"psycopg": "psycopg"},
    "spark": {"pyspark": "PySpark"},
}

#: Modules checked by :func:`require_extra` (the ones every feature of the extra imports;
#: ``multipart`` is one package under two names, either of which will do).
_REQUIRED = {
    "web": ("fastapi", "starlette", "uvicorn", "jinja2", "itsdangerous"),
    "ml": ("sklearn", "lightgbm", "joblib", "lifelines", "snownlp", "vaderSentiment"),
    "postgres": ("psycopg",),
    "spark": ("pyspark",),
}


def extra_for(module: str | None) -> str | None:
    """The extra that installs ``module`` (or its top-level package), else ``None``."""
    if not module:
        return None
    top = module.partition(".")[0]
    return next((extra for extra, modules in EXTRAS.items() if top in modules), None)


def missing_extra(feature: str, extra: str, module: str) -> MissingExtraError:
    """The error that says ``feature`` needs ``extra``, whose ``module`` is not installed."""
    package = EXTRAS[extra].get(module.partition(".")[0], module)
    return MissingExtraError(
        f"{feature} needs {package}, which is not installed: "
        f"install keepwise[{extra}] (pip install 'keepwise[{extra}]')"
    )


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (looked up, not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing, or a broken entry
        return False


def require_extra(extra: str, feature: str) -> None:
    """Raise :class:`~keepwise.errors.MissingExtraError` unless ``extra`` is installed.

    ``feature`` names what needs it in the message, e.g. ``"keepwise serve"``.
    """
    for module in _REQUIRED[extra]:
        if not installed(module):
            raise missing_extra(feature, extra, module)


def from_import_error(exc: ImportError, feature: str) -> MissingExtraError | None:
    """The :class:`MissingExtraError` for an import of a module an extra provides, else ``None``
    (an import error of anything else is a bug, not a missing extra)."""
    if not isinstance(exc, ModuleNotFoundError):
        return None
    extra = extra_for(exc.name)
    return None if extra is None or exc.name is None else missing_extra(feature, extra, exc.name)
