"""Matching a file's headers to a table's fields, and user mapping files.

A mapping file says which of the file's columns holds which field, for headers keepwise
does not recognise on its own. JSON or TOML, by extension (``.json``, ``.toml``)::

    {"单据号": "external_id", "会员卡号": "customer_id", "实收": "amount", "备用列": null}

    # mapping.toml
    单据号 = "external_id"
    会员卡号 = "customer_id"

A ``null``/empty field ignores the column. One file can serve several tables with a section
per table (``{"orders": {...}, "customers": {...}}`` or ``[orders]`` in TOML); a
``columns`` section is read the same way. Entries naming columns a file lacks are ignored.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keepwise.errors import N_, ConfigError, Message, NotFoundError, Problem, ValidationError
from keepwise.schema.fields import CONTRACTS, TableContract, normalize_header

#: Customer fields that other files may carry along (``客户名称``, ``行业``, ``地区`` in an
#: orders export); they fill in the customers an import creates.
CUSTOMER_TEXT_FIELDS = ("name", "industry", "region", "group_name", "owner")

#: Headers that, in files other than customers, hold the customer's name.
CUSTOMER_NAME_HEADERS = frozenset(
    normalize_header(h)
    for h in (
        "customer_name",
        "customer name",
        "client name",
        "客户名称",
        "客户名",
        "客户姓名",
        "会员名称",
    )
)


#: Vague headers: they match their field only when no more specific header does
#: (``id`` loses to ``order_id``, ``日期`` to ``订单日期``, ``客户`` to ``客户编号``).
GENERIC_HEADERS = frozenset(
    normalize_header(h)
    for h in (
        "id",
        "编号",
        "编码",
        "id号",
        "date",
        "time",
        "日期",
        "时间",
        "type",
        "类型",
        "customer",
        "client",
        "客户",
        "value",
        "total",
        "price",
        "channel",
        "source",
        "分类",
        "状态",
        "备注",
        "title",
        "rating",
        "text",
        "count",
        "level",
        "tier",
        "group",
        "area",
        "city",
        "summary",
        "content",
        "comment",
    )
)

_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")


def strip_units(header: object) -> str:
    """The normalised header without bracketed units: ``金额（元）`` -> ``金额``, ``时长(分钟)`` -> ``时长``."""
    text = _BRACKETED.sub("", str(header))
    return normalize_header(text) if text.strip() else normalize_header(header)


def load_mapping(path: str | Path, table: str) -> dict[str, str | None]:
    """Read a JSON or TOML mapping file: ``{source header: field or None}`` for ``table``.

    Raises
    ------
    NotFoundError
        The file does not exist.
    ConfigError
        The file is not JSON/TOML, is not a flat mapping of strings, or names unknown fields.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"mapping file not found: {path}")
    text = path.read_text(encoding="utf-8-sig")
    data: object
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                data = tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"mapping file {path}: not valid JSON or TOML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"mapping file {path}: expected an object of 'column': 'field' pairs")
    return check_mapping(data, table, source=f"mapping file {path}")


def check_mapping(
    data: dict[Any, Any], table: str, *, source: str = "mapping"
) -> dict[str, str | None]:
    """Validate a mapping (``{header: field or None}``, maybe with per-table sections) for ``table``.

    Raises
    ------
    ConfigError
        A target is not a field of ``table`` (with the closest field name as a hint).
    """
    if isinstance(data.get(table), dict):
        data = data[table]
    elif isinstance(data.get("columns"), dict):
        data = data["columns"]
    # Sections for the other tables are not ours.
    data = {k: v for k, v in data.items() if not (k in CONTRACTS and isinstance(v, dict))}
    fields = CONTRACTS[table].by_name
    mapping: dict[str, str | None] = {}
    for header, target in data.items():
        if target in (None, ""):
            mapping[str(header)] = None
            continue
        if not isinstance(target, str):
            raise ConfigError(f"{source}: {header!r} must map to a field name, not {target!r}")
        if target not in fields:
            close = difflib.get_close_matches(target, list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{source}: {target!r} is not a field of {table}{hint}; fields: {', '.join(fields)}"
            )
        mapping[str(header)] = target
    return mapping


def header_score(
    contract: TableContract, mapping: dict[str, str | None] | None = None
) -> Callable[[list[str]], int]:
    """A function rating a candidate header row: how many of its cells name a field."""
    index = contract.header_index()
    mapped = {normalize_header(k) for k in (mapping or {})}

    def score(cells: list[str]) -> int:
        return sum(
            1
            for cell in cells
            if cell
            and (
                normalize_header(cell) in index
                or strip_units(cell) in index
                or normalize_header(cell) in mapped
            )
        )

    return score


@dataclass
class ColumnPlan:
    """Which file column feeds which field.

    Attributes
    ----------
    fields:
        field name -> column position in the file.
    headers:
        The file's headers, by position.
    extras:
        Positions of columns that feed no field (customers keep them in ``attributes``).
    customer_fields:
        In non-customer files, customer fields (name, industry, region, group_name, owner) ->
        position of a column holding them; they fill in customers the import creates.
    """

    fields: dict[str, int]
    headers: list[str]
    extras: list[int] = field(default_factory=list)
    customer_fields: dict[str, int] = field(default_factory=dict)

    def header_of(self, name: str) -> str:
        """The file's header for ``name`` (what users see in problem reports)."""
        return self.headers[self.fields[name]]


def match_columns(
    headers: list[str], contract: TableContract, mapping: dict[str, str | None] | None, file: str
) -> ColumnPlan:
    """Match ``headers`` to ``contract``'s fields: mapping file first, then names and aliases.

    Raises
    ------
    ValidationError
        Required fields have no column (the message lists the headers found and close
        matches), or two columns claim the same field.
    """
    mapping = mapping or {}
    by_norm = {normalize_header(k): v for k, v in mapping.items()}
    index = contract.header_index()
    claims: dict[str, list[tuple[int, int]]] = {}  # field -> [(priority, position)]
    ignored: set[int] = set()
    for pos, header in enumerate(headers):
        norm = normalize_header(header)
        if header in mapping or norm in by_norm:
            target = mapping[header] if header in mapping else by_norm[norm]
            if target is None:
                ignored.add(pos)
            else:
                claims.setdefault(target, []).append((0, pos))
        else:
            unitless = strip_units(header)
            key = norm if norm in index else unitless if unitless in index else None
            if key is not None:
                name = index[key]
                if key == normalize_header(name):
                    priority = 1
                elif key in GENERIC_HEADERS:
                    priority = 3
                else:
                    priority = 2
                claims.setdefault(name, []).append((priority, pos))
    problems: list[Problem] = []
    chosen: dict[str, int] = {}
    for name, options in claims.items():
        options.sort()
        best = [pos for prio, pos in options if prio == options[0][0]]
        if len(best) > 1:
            first, *others = (repr(headers[p]) for p in best)
            problems.append(
                Problem.of(
                    file,
                    1,
                    headers[best[1]],
                    None,
                    Message(
                        N_(
                            "columns %(first)s and %(others)s both look like %(field)s: rename "
                            "one, or name the right one in a mapping file (--mapping)"
                        ),
                        {"first": first, "others": ", ".join(others), "field": repr(name)},
                    ),
                )
            )
        chosen[name] = best[0]
    used = set(chosen.values())
    extras = [p for p in range(len(headers)) if p not in used and p not in ignored]
    missing = [name for name in contract.required if name not in chosen]
    if missing:
        problems.append(
            Problem.of(file, 1, None, None, _missing_message(missing, headers, extras, contract))
        )
    if problems:
        raise ValidationError(problems, summary=f"cannot import {file} into {contract.name}")
    customer_fields: dict[str, int] = {}
    if contract.name != "customers":
        customers = CONTRACTS["customers"].header_index()
        for pos in extras:
            norm = normalize_header(headers[pos])
            key = norm if norm in customers else strip_units(headers[pos])
            if norm in CUSTOMER_NAME_HEADERS:
                customer_fields.setdefault("name", pos)
            elif customers.get(key) in CUSTOMER_TEXT_FIELDS:
                customer_fields.setdefault(customers[key], pos)
    return ColumnPlan(chosen, list(headers), extras, customer_fields)


def _missing_message(
    missing: list[str], headers: list[str], extras: list[int], contract: TableContract
) -> Message:
    fields = contract.by_name
    parts = []
    for name in missing:
        known = [a for a in fields[name].aliases if not a.isascii()][:2] + [name]
        candidates = {normalize_header(headers[p]): headers[p] for p in extras}
        spellings = [normalize_header(a) for a in (name, *fields[name].aliases)]
        close = {
            candidates[c]
            for s in spellings
            for c in difflib.get_close_matches(s, list(candidates), n=2, cutoff=0.75)
        }
        part = {"field": name, "examples": ", ".join(known)}
        if close:
            part["close"] = ", ".join(repr(c) for c in sorted(close))
            parts.append(Message(N_("%(field)s (e.g. %(examples)s; close: %(close)s)"), part))
        else:
            parts.append(Message(N_("%(field)s (e.g. %(examples)s)"), part))
    found: object = ", ".join(repr(h) for h in headers) or Message(N_("none"))
    return Message(
        N_(
            "missing required column(s): %(missing)s. Headers found: %(found)s. "
            "Rename the columns or map them with --mapping FILE (see docs/data-model.md)"
        ),
        {"missing": parts, "found": found},
    )
