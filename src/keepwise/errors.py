"""Every exception and warning keepwise raises.

Classes also inherit the matching builtin, so ``except ValueError`` keeps working
for callers who do not know keepwise (the scikit-learn and Ibis convention).
The CLI prints ``str(error)`` and exits non-zero; the web layer maps them to HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class Problem:
    """One problem found in one cell (or row) of an input file.

    ``row`` is the 1-based line number in the file as a spreadsheet shows it
    (the header is row 1, the first data row is row 2). ``None`` means the
    problem concerns the whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    value: object
    message: str

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
