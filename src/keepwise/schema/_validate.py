"""Per-chunk coercion and validation: raw cells -> typed columns plus a problem log."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from keepwise.errors import N_, Message, Problem
from keepwise.schema import coerce
from keepwise.schema.fields import CURRENCY_ALIASES, FEEDBACK_SCORE_RANGES, Field, TableContract
from keepwise.schema.mapping import ColumnPlan

NOT_A_DATE = N_("not a date: use a form like 2024-03-05, 2024/3/5, 20240305 or 2024年3月5日")


class ProblemLog:
    """Counts every problem, keeps the ``limit`` first by row (the report lists those)."""

    def __init__(self, file: str, limit: int = 50) -> None:
        self.file = file
        self.limit = limit
        self.items: list[Problem] = []
        self.total = 0

    @property
    def failed(self) -> bool:
        return self.total > 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        self.items.append(problem)
        self._trim()

    def add_mask(
        self,
        mask: pd.Series,
        rows: np.ndarray,
        column: str | None,
        values: pd.Series | None,
        message: str | Message | Callable[[int], str | Message],
    ) -> None:
        """Log one problem per ``True`` in ``mask`` (only the first few are materialised).

        ``message`` is a :class:`Message` (translatable on the web), plain English text, or a
        function of the row's position giving either.
        """
        flags = mask.to_numpy(dtype=bool, na_value=False)
        count = int(flags.sum())
        if not count:
            return
        for i in np.flatnonzero(flags)[: self.limit]:
            value = None if values is None else _display(values.iloc[i])
            text = message(int(i)) if callable(message) else message
            row = int(rows[i])
            self.items.append(
                Problem.of(self.file, row, column, value, text)
                if isinstance(text, Message)
                else Problem(self.file, row, column, value, text)
            )
        self.total += count
        self._trim()

    def _trim(self) -> None:
        """Keep the ``limit`` problems nearest the top of the file (file-level ones first)."""
        if len(self.items) > self.limit:
            self.items = self.sorted()[: self.limit]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (p.row if p.row is not None else 0, p.column or ""))


def _display(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value


def coerce_chunk(
    contract: TableContract,
    plan: ColumnPlan,
    frame: pd.DataFrame,
    rows: np.ndarray,
    log: ProblemLog,
    *,
    now: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.Series]:
    """Parse every mapped column of ``frame``; log each bad cell with its row and raw value.

    Returns
    -------
    (typed, symbol_currency)
        ``typed`` has one column per mapped field (missing values as NaN/NaT/None);
        ``symbol_currency`` is the currency implied by symbols in the amount cells (orders).
    """
    typed: dict[str, pd.Series] = {}
    symbol_currency = pd.Series(None, index=frame.index, dtype=object)
    for name, pos in plan.fields.items():
        f = contract.by_name[name]
        raw = frame[pos]
        header = plan.headers[pos]
        values, bad, found = _coerce(f, raw, header, rows, log, now)
        if found is not None:
            symbol_currency = found
        if f.required:
            log.add_mask(
                values.isna() & ~bad,
                rows,
                header,
                raw,
                Message(N_("empty, but %(field)s is required"), {"field": name}),
            )
        typed[name] = values
    out = pd.DataFrame(typed, index=frame.index)
    _cross_checks(contract, plan, out, raw_frame=frame, rows=rows, log=log)
    return out, symbol_currency


def _coerce(
    f: Field, raw: pd.Series, header: str, rows: np.ndarray, log: ProblemLog, now: pd.Timestamp
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """Parse one column: (values, bad cells, currency implied by symbols for money or None)."""
    no_bad = pd.Series(False, index=raw.index)
    if f.type in ("id", "ref"):
        values = coerce.parse_ids(raw)
        _check_length(f, values, raw, header, rows, log)
        return values, no_bad, None
    if f.type == "text":
        values = coerce.parse_text(raw)
        _check_length(f, values, raw, header, rows, log)
        return values, no_bad, None
    if f.type == "tags":
        return coerce.parse_tags(raw), no_bad, None
    if f.type in ("date", "datetime"):
        parsed, bad = coerce.parse_datetimes(raw)
        log.add_mask(bad, rows, header, raw, Message(NOT_A_DATE))
        if f.not_in_future:
            limit = now + pd.Timedelta(days=1)
            log.add_mask(
                parsed > limit,
                rows,
                header,
                raw,
                Message(
                    N_("date in the future (after %(today)s): check the year and the date format"),
                    {"today": f"{now:%Y-%m-%d}"},
                ),
            )
        if f.type == "date":
            parsed = coerce.to_dates(parsed)
        return parsed, bad, None
    if f.type == "money":
        amounts, found, bad = coerce.parse_amounts(raw)
        log.add_mask(
            bad,
            rows,
            header,
            raw,
            Message(N_("not an amount: use a number like 1234.50, ¥1,234.50 or 1 234,50")),
        )
        negative = amounts < 0
        if f.name == "amount":
            message = Message(
                N_(
                    "negative amount: record a refund as status 'refunded' with a positive "
                    "amount, not as a negative order"
                )
            )
        else:
            message = Message(N_("negative amount: %(field)s must be 0 or more"), {"field": f.name})
        log.add_mask(negative, rows, header, raw, message)
        return amounts.round(2), bad | negative, found
    if f.type == "number":
        numbers, bad = coerce.parse_numbers(raw, percent=f.maximum == 1)
        log.add_mask(bad, rows, header, raw, Message(N_("not a number")))
        low = f.minimum if f.minimum is not None else -np.inf
        high = f.maximum if f.maximum is not None else np.inf
        out_of_range = (numbers < low) | (numbers > high)
        bounds = {"field": f.name, "low": f"{low:g}", "high": f"{high:g}"}
        if f.minimum is not None and f.maximum is not None:
            template = N_("out of range: %(field)s must be between %(low)s and %(high)s")
        elif f.minimum is not None:
            template = N_("out of range: %(field)s must be %(low)s or more")
        elif f.maximum is not None:
            template = N_("out of range: %(field)s must be %(high)s or less")
        else:
            template = N_("out of range")
        log.add_mask(out_of_range, rows, header, raw, Message(template, bounds))
        return numbers, bad | out_of_range, None
    if f.type == "enum":
        values, bad = coerce.parse_enum(raw, f.choices, f.value_aliases)
        examples = [k for k in f.value_aliases if not k.isascii()][:3]
        choices = {"choices": ", ".join(f.choices), "examples": ", ".join(examples)}
        template = (
            N_("unknown value: use one of %(choices)s (or e.g. %(examples)s)")
            if examples
            else N_("unknown value: use one of %(choices)s")
        )
        log.add_mask(bad, rows, header, raw, Message(template, choices))
        return values, bad, None
    if f.type == "currency":
        values, bad = coerce.parse_currency(raw, CURRENCY_ALIASES)
        log.add_mask(
            bad,
            rows,
            header,
            raw,
            Message(N_("not a currency: use a 3-letter code such as CNY or USD")),
        )
        return values, bad, None
    raise AssertionError(f"unhandled field type {f.type}")  # pragma: no cover


def _check_length(
    f: Field, values: pd.Series, raw: pd.Series, header: str, rows: np.ndarray, log: ProblemLog
) -> None:
    if f.max_length is not None:
        too_long = values.str.len() > f.max_length
        log.add_mask(
            too_long,
            rows,
            header,
            raw,
            Message(N_("too long: at most %(n)s characters"), {"n": f.max_length}),
        )


def _cross_checks(
    contract: TableContract,
    plan: ColumnPlan,
    out: pd.DataFrame,
    *,
    raw_frame: pd.DataFrame,
    rows: np.ndarray,
    log: ProblemLog,
) -> None:
    """Rules between columns: feedback score range by kind, times in order."""
    if contract.name == "feedback" and {"kind", "score"} <= set(out):
        header = plan.header_of("score")
        for kind, (low, high) in FEEDBACK_SCORE_RANGES.items():
            wrong = (out["kind"] == kind) & ((out["score"] < low) | (out["score"] > high))
            log.add_mask(
                wrong,
                rows,
                header,
                raw_frame[plan.fields["score"]],
                Message(
                    N_("out of range: a %(kind)s score must be between %(low)s and %(high)s"),
                    {"kind": kind, "low": low, "high": high},
                ),
            )
    for end, start in ((f.name, f.not_before) for f in contract.fields if f.not_before):
        if start in out and end in out:
            wrong = out[end] < out[start]
            log.add_mask(
                wrong,
                rows,
                plan.header_of(end),
                raw_frame[plan.fields[end]],
                Message(N_("%(end)s is before %(start)s"), {"end": end, "start": start}),
            )
