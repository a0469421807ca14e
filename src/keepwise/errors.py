"""Every exception and warning keepwise raises.

Classes also inherit the matching builtin, so ``except ValueError`` keeps working
for callers who do not know keepwise (the scikit-learn and Ibis convention).
The CLI prints ``str(error)`` and exits non-zero; the web layer maps them to HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


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


def N_(message: str) -> str:
    """Mark ``message`` as a message template for the web catalogs (``pybabel extract -k N_``);
    returns it unchanged."""
    return message


@dataclass(frozen=True)
class Message:
    """A message as a template (its English text, the catalogs' msgid) plus parameters.

    ``str(message)`` is the English text; ``message.render(gettext)`` translates the template,
    and any parameter that is itself a :class:`Message` (or a list of them, joined by "; "),
    before filling the ``%(name)s`` placeholders in.
    """

    template: str
    params: Mapping[str, object] = field(default_factory=dict, compare=False)

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        text = translate(self.template) if translate is not None else self.template
        if not self.params:
            return text
        return text % {k: _render_param(v, translate) for k, v in self.params.items()}

    def __str__(self) -> str:
        return self.render()


class PasswordPolicyError(ConfigError):
    """A new password breaks the password policy (too short, too common, the username...).

    ``message`` is translatable (the web shows it in the user's language); ``str()`` is English.
    """

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def _render_param(value: object, translate: Callable[[str], str] | None) -> object:
    if isinstance(value, Message):
        return value.render(translate)
    if isinstance(value, list | tuple) and value and all(isinstance(v, Message) for v in value):
        return "; ".join(v.render(translate) for v in value if isinstance(v, Message))
    return value


@dataclass(frozen=True)
class Problem:
    """One problem found in one cell (or row) of an input file.

    ``row`` is the 1-based line number in the file as a spreadsheet shows it
    (the header is row 1, the first data row is row 2). ``None`` means the
    problem concerns the whole file or column. ``message`` is English (the CLI's);
    ``detail``, when given, is the same message as a :class:`Message`, so other
    languages can render it (the web's import page): see :meth:`of`.
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

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The problem's message, translated by ``translate`` when it has a ``detail``."""
        return self.detail.render(translate) if self.detail is not None else self.message

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
    """An estimator was used before ``fit``."""


class ConvergenceError(KeepwiseError, RuntimeError):
    """An optimiser did not converge."""


class ModelVersionError(KeepwiseError, ValueError):
    """A saved model cannot be loaded by this keepwise version."""


class StatisticalWarning(UserWarning):
    """A result is valid but doubtful (small samples, weak fits)."""
