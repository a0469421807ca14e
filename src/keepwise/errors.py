"""Every exception and warning keepwise raises.

Classes also inherit the matching builtin, so ``except ValueError`` keeps working
for callers who do not know keepwise (the scikit-learn and Ibis convention).
The CLI prints ``str(error)`` and exits non-zero; the web layer maps them to HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class KeepwiseError(Exception):
    """Base class of every error keepwise raises on purpose."""

    exit_code: int = 1


class ConfigError(KeepwiseError, ValueError):
    """A setting, option or configuration file is invalid."""


class StoreError(KeepwiseError, RuntimeError):
    """The store cannot be opened, migrated or written."""


class NotFoundError(KeepwiseError, LookupError):
    """A requested record, file or table does not exist."""


class AuthenticationError(KeepwiseError, PermissionError):
    """No valid credentials were given (bad password, unknown or revoked token, disabled user)."""


class PermissionDeniedError(KeepwiseError, PermissionError):
    """The signed-in user's role does not allow this action."""


class ConflictError(KeepwiseError, ValueError):
    """The change would clash with an existing record (a duplicate ``external_id`` or username)."""


class MissingExtraError(KeepwiseError, ImportError):
    """A feature needs an optional extra (``pip install 'keepwise[web]'``, ...) that is not
    installed; the message names the extra. See :mod:`keepwise.extras`."""


class TooManyAttemptsError(KeepwiseError, PermissionError):
    """Too many failed sign-ins for an account or from an address: wait ``retry_after_seconds``.

    The web answers 429 with a ``Retry-After`` header.
    """

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, int(retry_after_seconds))


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` as a message template for the catalogs (``pybabel extract``); returns it
    unchanged. Templates are English (the msgid) with ``%(name)s`` placeholders."""
    return message


@dataclass(frozen=True)
class Message:
    """A message as a catalog key (its English text, the msgid) plus parameters.

    What the library returns instead of finished sentences: :meth:`render` translates it from
    the catalogs of :mod:`keepwise.i18n` into a locale (``"en"``, ``"zh_CN"``) and fills in the
    ``%(name)s`` placeholders; ``str(message)`` is the English text. A parameter that is itself
    a :class:`Message` (or a list of them, joined by "; ") is rendered in the same locale, and a
    number is written the locale's way (grouped, no trailing zeros; a :class:`decimal.Decimal`
    keeps its decimals), so ``Message(N_("total spend %(amount)s"), {"amount": 12345})`` reads
    "total spend 12,345". ``%(x).1f``-style placeholders format as Python does.

    ``plural`` makes it a plural message (gettext's ``ngettext``): the parameter ``n`` picks the
    form, see :func:`plural_message`. ``texts`` holds finished texts per locale instead of a
    template (what old stores kept; see :meth:`fixed`).

    :meth:`to_dict` / :meth:`from_dict` give the JSON form kept in the store:
    ``{"msgid": ..., "msgid_plural": ..., "params": {...}}`` or ``{"texts": {"en": ..., ...}}``.
    """

    template: str
    params: Mapping[str, object] = field(default_factory=dict)
    plural: str | None = None
    texts: Mapping[str, str] | None = None

    def __hash__(self) -> int:  # params may hold lists: hash on the template only
        return hash((self.template, self.plural))

    @classmethod
    def fixed(cls, texts: Mapping[str, str | None]) -> Message:
        """A message that is already written out per locale (``{"en": ..., "zh_CN": ...}``).

        For texts kept from before the catalogs (old stores): it renders the locale's text, else
        the English one. Locale names are normalised (``zh`` is ``zh_CN``).
        """
        from keepwise.i18n import normalize_locale

        clean = {normalize_locale(k): str(v) for k, v in texts.items() if v}
        english = clean.get("en") or next(iter(clean.values()), "")
        return cls(english, texts=clean)

    def render(self, locale: str | None = None) -> str:
        """The message in ``locale`` (``None``: English), from the catalogs of :mod:`keepwise.i18n`."""
        from keepwise.i18n import render

        return render(self, locale)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``msgid`` (and ``msgid_plural``) with ``params``, or ``texts``."""
        if self.texts is not None:
            return {"texts": dict(self.texts)}
        out: dict[str, Any] = {"msgid": self.template}
        if self.plural is not None:
            out["msgid_plural"] = self.plural
        if self.params:
            scalars = _JSON_SCALARS
            out["params"] = {
                k: v if type(v) in scalars else _param_to_json(v) for k, v in self.params.items()
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """The message of a :meth:`to_dict` form.

        Raises
        ------
        ValueError
            ``data`` has neither ``msgid`` nor ``texts``.
        """
        if "texts" in data:
            return cls.fixed(data["texts"] or {})
        if "msgid" not in data:
            raise ValueError(f"not a message: {dict(data)!r} has neither 'msgid' nor 'texts'")
        params = {k: _param_from_json(v) for k, v in (data.get("params") or {}).items()}
        return cls(str(data["msgid"]), params, plural=data.get("msgid_plural"))

    def __str__(self) -> str:
        return self.render()


class PasswordPolicyError(ConfigError):
    """A new password breaks the password policy (too short, too common, the username...).

    ``message`` is translatable (the web shows it in the user's language); ``str()`` is English.
    """

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def plural_message(singular: str, plural: str, n: float, **params: object) -> Message:
    """A message with plural forms (``ngettext``); ``n`` picks the form and fills ``%(n)s``.

    ``plural_message("%(n)s day", "%(n)s days", 5)`` reads "5 days" (5 天). Both English forms
    are extracted into the catalogs (keyword ``plural_message:1,2``). A count that is not whole
    (0.5 hours) takes the plural form.
    """
    return Message(singular, {"n": n, **params}, plural=plural)


def _param_to_json(value: object) -> object:
    if type(value) in _JSON_SCALARS:
        return value
    if isinstance(value, Message):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_param_to_json(v) for v in value]
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    item = getattr(value, "item", None)  # numpy scalars
    if item is not None and callable(item) and not isinstance(value, str | bytes):
        return item()
    return value


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _param_from_json(value: object) -> object:
    if isinstance(value, Mapping):
        if "msgid" in value or "texts" in value:
            return Message.from_dict(value)
        if "decimal" in value:
            return Decimal(str(value["decimal"]))
        return dict(value)
    if isinstance(value, list):
        return [_param_from_json(v) for v in value]
    return value


@dataclass(frozen=True)
class Problem:
    """One problem found in one cell (or row) of an input file.

    ``row`` is the 1-based line number in the file as a spreadsheet shows it
    (the header is row 1, the first data row is row 2). ``None`` means the
    problem concerns the whole file or column. ``message`` is English (the CLI's);
    ``detail``, when given, is the same message as a :class:`Message`, so other
    languages can render it (the web's import page, :meth:`text`): see :meth:`of`.
    """

    file: str
    row: int | None
    column: str | None
    value: object
    message: str
    detail: Message | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(
        cls, file: str, row: int | None, column: str | None, value: object, message: Message
    ) -> Problem:
        """A problem whose text is ``message`` (English in ``message``, translatable in ``detail``)."""
        return cls(file, row, column, value, str(message), message)

    def text(self, locale: str | None = None) -> str:
        """The problem's message in ``locale`` when it has a ``detail`` (else as it came)."""
        return self.detail.render(locale) if self.detail is not None else self.message

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{value}"


class ValidationError(KeepwiseError, ValueError):
    """Input data failed validation; nothing was written.

    Carries the first problems found (``problems``) and how many there were in
    all (``total``), so reports can say "first 50 of 1,234".
    """

    exit_code = 2
    max_listed = 50

    def __init__(
        self, problems: list[Problem], total: int | None = None, *, summary: str = ""
    ) -> None:
        self.problems = problems[: self.max_listed]
        self.total = total if total is not None else len(problems)
        self.summary = summary
        super().__init__(self.__str__())

    def __str__(self) -> str:
        head = self.summary or "validation failed"
        lines = [f"{head}: {self.total} problem(s); nothing was written."]
        lines += [f"  - {p}" for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"  ... and {self.total - len(self.problems)} more")
        return "\n".join(lines)


class SchemaError(KeepwiseError, ValueError):
    """A data frame handed to the library lacks a column or has wrong values."""

    def __init__(self, column: str, rows: list[int] | None, problem: str) -> None:
        super().__init__(column, rows, problem)
        self.column, self.rows, self.problem = column, list(rows or []), problem

    def __str__(self) -> str:
        at = f" at rows {self.rows[:5]}" if self.rows else ""
        return f"column {self.column!r}: {self.problem}{at}"


class NotFittedError(KeepwiseError, ValueError, AttributeError):
    """An estimator was used before ``fit``.

    When scikit-learn has been imported, the error raised is also an instance of
    ``sklearn.exceptions.NotFittedError``, so code written for scikit-learn catches it too
    (keepwise itself never imports scikit-learn for this).
    """

    def __new__(cls, *args: object, **kwargs: object) -> NotFittedError:
        if cls is NotFittedError:
            cls = _sklearn_not_fitted() or cls
        return super().__new__(cls, *args, **kwargs)

    def __reduce__(self) -> tuple[type[NotFittedError], tuple[object, ...]]:
        return NotFittedError, self.args


_SKLEARN_NOT_FITTED: list[type[NotFittedError]] = []


def _sklearn_not_fitted() -> type[NotFittedError] | None:
    """:class:`NotFittedError` that is also scikit-learn's, once scikit-learn is imported."""
    if _SKLEARN_NOT_FITTED:
        return _SKLEARN_NOT_FITTED[0]
    import sys

    exceptions = sys.modules.get("sklearn.exceptions")
    if exceptions is None:
        return None
    both = type(
        "NotFittedError",
        (NotFittedError, exceptions.NotFittedError),
        {"__module__": __name__, "__doc__": NotFittedError.__doc__},
    )
    _SKLEARN_NOT_FITTED.append(both)
    return both


class ConvergenceError(KeepwiseError, RuntimeError):
    """An optimiser did not converge."""


class ModelVersionError(KeepwiseError, ValueError):
    """A saved model cannot be loaded by this keepwise version."""


class StatisticalWarning(UserWarning):
    """A result is valid but doubtful (small samples, weak fits)."""
