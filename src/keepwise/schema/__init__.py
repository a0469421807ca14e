"""Column contracts and loaders: user files -> validated rows in the store.

>>> from keepwise.schema import import_file  # doctest: +SKIP
>>> import_file("sqlite:///crm.db", "orders", "orders.csv").summary()  # doctest: +SKIP
'orders.csv -> orders: 10,000 rows read, 10,000 inserted, 0 updated, 0 unchanged'
"""

from keepwise.schema.fields import CONTRACTS, Field, TableContract, get_contract, normalize_header
from keepwise.schema.importer import ImportReport, import_file
from keepwise.schema.mapping import load_mapping, match_columns
from keepwise.schema.readers import open_table, sniff_encoding

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
