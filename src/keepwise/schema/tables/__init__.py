"""The contract of each importable table, one module per table (see :mod:`keepwise.schema.contract`)."""

from keepwise.schema.tables.contacts import CONTACTS
from keepwise.schema.tables.customers import CUSTOMERS
from keepwise.schema.tables.feedback import FEEDBACK, FEEDBACK_SCORE_RANGES
from keepwise.schema.tables.interactions import INTERACTIONS
from keepwise.schema.tables.orders import ORDERS
from keepwise.schema.tables.tickets import TICKETS

__all__ = [
    "CONTACTS",
    "CUSTOMERS",
    "FEEDBACK",
    "FEEDBACK_SCORE_RANGES",
    "INTERACTIONS",
    "ORDERS",
    "TICKETS",
]
