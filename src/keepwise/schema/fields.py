"""The column contracts of the importable tables, declared once: names, types, aliases, values.

Every column name keepwise reads from a user's file is fixed here. Each table is a
:class:`~keepwise.schema.contract.TableContract` of :class:`~keepwise.schema.contract.Field`\\ s
(the machinery is in :mod:`keepwise.schema.contract`, each table's contract in
:mod:`keepwise.schema.tables`). The importer, ``load_dataset`` for folders of files and the
store's models all follow them; tests keep the models, the migrated databases and
``docs/data-model.md`` in step.
"""

from __future__ import annotations

from keepwise.schema.contract import FIELD_TYPES, Field, TableContract, normalize_header
from keepwise.schema.tables import (
    CONTACTS,
    CUSTOMERS,
    FEEDBACK,
    FEEDBACK_SCORE_RANGES,
    INTERACTIONS,
    ORDERS,
    TICKETS,
)

__all__ = [
    "CONTACTS",
    "CONTRACTS",
    "CURRENCY_ALIASES",
    "CUSTOMERS",
    "FEEDBACK",
    "FEEDBACK_SCORE_RANGES",
    "FIELD_TYPES",
    "INTERACTIONS",
    "ORDERS",
    "TABLE_ALIASES",
    "TICKETS",
    "Field",
    "TableContract",
    "get_contract",
    "normalize_header",
]

#: Importable tables in load order.
CONTRACTS: dict[str, TableContract] = {
    c.name: c for c in (CUSTOMERS, ORDERS, INTERACTIONS, TICKETS, FEEDBACK, CONTACTS)
}

#: Spellings of currencies in currency columns.
CURRENCY_ALIASES: dict[str, str] = {
    "人民币": "CNY",
    "元": "CNY",
    "rmb": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "cny": "CNY",
    "美元": "USD",
    "美金": "USD",
    "$": "USD",
    "us$": "USD",
    "欧元": "EUR",
    "€": "EUR",
    "英镑": "GBP",
    "£": "GBP",
    "港币": "HKD",
    "港元": "HKD",
    "hk$": "HKD",
    "日元": "JPY",
    "台币": "TWD",
    "新台币": "TWD",
}


#: Other names of the tables (singular, Chinese), for the CLI and the API.
TABLE_ALIASES: dict[str, str] = {
    "customer": "customers", "客户": "customers",
    "order": "orders", "订单": "orders",
    "interaction": "interactions", "互动": "interactions", "跟进记录": "interactions", "沟通记录": "interactions",
    "ticket": "tickets", "工单": "tickets",
    "反馈": "feedback", "问卷": "feedback",
    "contact": "contacts", "联系人": "contacts",
}  # fmt: skip


def get_contract(table: str) -> TableContract:
    """The contract of ``table`` (or of one of its :data:`TABLE_ALIASES`).

    Raises a :class:`~keepwise.errors.ConfigError` naming the valid tables.
    """
    from keepwise.errors import ConfigError

    name = str(table).strip().lower()
    try:
        return CONTRACTS[TABLE_ALIASES.get(name, name)]
    except KeyError:
        raise ConfigError(
            f"unknown table {table!r}; choose one of: {', '.join(CONTRACTS)}"
        ) from None
