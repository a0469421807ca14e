"""The machinery of column contracts: :class:`Field`, :class:`TableContract`, header folding.

A contract says, once, what one importable table holds: each field's English name (the
store's column name), its type, whether it is required, the headers it is recognised under
(Chinese and English spellings) and, for categorical fields, the values it accepts and their
other spellings (``电话`` -> ``call``, ``退款`` -> ``refunded``). The contracts themselves live
in :mod:`keepwise.schema.tables`, one module per table; everything that reads a user's file
(the importer, ``load_dataset`` for folders) and the store's models are checked against them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Field types understood by the coercion step.
FIELD_TYPES = (
    "id",  # the record's own external id (string)
    "ref",  # a customer's external id (string), resolved to customers.id
    "text",
    "date",
    "datetime",
    "money",  # non-negative decimal with two places, currency symbols allowed
    "number",
    "enum",
    "currency",  # ISO 4217 code
    "tags",  # list of strings written as a;b;c
)


def frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """A read-only copy of ``mapping`` (contracts are immutable)."""
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Field:
    """One column of an importable table.

    Attributes
    ----------
    name:
        English field name, equal to the store's column name (``customer_id`` is the
        customer's external id in files).
    type:
        One of :data:`FIELD_TYPES`.
    required:
        Whether the column must be present and every row must have a value.
    description:
        What the field means (shown in ``docs/data-model.md``).
    aliases:
        Other headers the column is recognised under (matched after :func:`normalize_header`).
    choices:
        Allowed values of an ``enum`` field, as stored.
    value_aliases:
        Other spellings of the allowed values (lower-cased key -> stored value).
    max_length:
        Longest text the store accepts.
    minimum, maximum:
        Inclusive bounds of a numeric field.
    not_in_future:
        An event time that cannot lie after now (plus one day of clock slack).
    not_before:
        The name of another time field of the table this one may not precede (a ticket is
        not resolved before it was opened).
    default:
        Value stored when the cell is empty (the store's own default for the column).
    """

    name: str
    type: str
    required: bool = False
    description: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] = field(default_factory=frozen)
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    not_in_future: bool = False
    not_before: str | None = None
    default: str | None = None

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r}")


@dataclass(frozen=True)
class TableContract:
    """The columns of one importable table."""

    name: str
    description: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        for f in self.fields:
            if f.not_before is not None and f.not_before not in names:
                raise ValueError(f"{self.name}.{f.name}: not_before names no field")

    @property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def header_index(self) -> dict[str, str]:
        """Normalised header -> field name, for every field name and alias."""
        index: dict[str, str] = {}
        for f in self.fields:
            for header in (f.name, *f.aliases):
                index.setdefault(normalize_header(header), f.name)
        return index


_SEPARATORS = re.compile(r"[\s_\-./()（）:：]+")


def normalize_header(header: object) -> str:
    """Fold a header for matching: NFKC (full-width -> ASCII), lower case, no spaces/_/-.

    >>> normalize_header(" Customer_ID ")
    'customerid'
    >>> normalize_header("客户 编号（ID）")
    '客户编号id'
    """
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").strip().lower()
    return _SEPARATORS.sub("", text)


# --------------------------------------------------------------------------- shared fields

#: Headers of a customer's external id, in the customers file and in every file that refers
#: to customers.
CUSTOMER_REF_ALIASES = (
    "customer",
    "customer id",
    "customer no",
    "customer number",
    "customer code",
    "customer external id",
    "client id",
    "client",
    "account id",
    "member id",
    "buyer id",
    "user id",
    "客户编号",
    "客户编码",
    "客户代码",
    "客户号",
    "客户id",
    "客户",
    "会员编号",
    "会员号",
    "会员id",
    "用户id",
    "用户编号",
    "买家id",
    "账户编号",
)


def customer_ref() -> Field:
    """The ``customer_id`` field of every table that belongs to a customer."""
    return Field(
        "customer_id",
        "ref",
        required=True,
        description="External id of the customer the record belongs to (as in the customers file).",
        aliases=CUSTOMER_REF_ALIASES,
        max_length=128,
    )


def record_id(*aliases: str) -> Field:
    """The optional ``external_id`` of a record that belongs to a customer."""
    return Field(
        "external_id",
        "id",
        description="The record's own id in your systems; re-imports update the record with the "
        "same id. Optional: without it an id is derived from the row's content.",
        aliases=("id", "external id", "编号", "编码", "id号", *aliases),
        max_length=128,
    )
