"""Column contracts and loaders: user files -> validated rows in the store.

>>> from keepwise.schema import import_file  # doctest: +SKIP
>>> import_file("sqlite:///crm.db", "orders", "orders.csv").summary()  # doctest: +SKIP
'orders.csv -> orders: 10,000 rows read, 10,000 inserted, 0 updated, 0 unchanged'

The names are imported on first use, so that reading a contract or a file (``load_dataset``
on a folder) does not load the importer and the store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keepwise.schema.fields import (
        CONTRACTS,
        Field,
        TableContract,
        get_contract,
        normalize_header,
    )
    from keepwise.schema.importer import ImportReport, import_file
    from keepwise.schema.mapping import load_mapping, match_columns
    from keepwise.schema.readers import open_table, sniff_encoding

_WHERE = {
    "CONTRACTS": "fields",
    "Field": "fields",
    "TableContract": "fields",
    "get_contract": "fields",
    "normalize_header": "fields",
    "ImportReport": "importer",
    "import_file": "importer",
    "load_mapping": "mapping",
    "match_columns": "mapping",
    "open_table": "readers",
    "sniff_encoding": "readers",
}

__all__ = [
    "CONTRACTS",
    "Field",
    "ImportReport",
    "TableContract",
    "get_contract",
    "import_file",
    "load_mapping",
    "match_columns",
    "normalize_header",
    "open_table",
    "sniff_encoding",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'keepwise.schema' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"keepwise.schema.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
