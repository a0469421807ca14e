"""CRM records (SQLAlchemy ORM). Statistical models live in :mod:`keepwise.analytics`."""

from keepwise.models.base import Base
from keepwise.models.contact import Contact
from keepwise.models.customer import CUSTOMER_KINDS, CUSTOMER_STATUSES, Customer
from keepwise.models.feedback import FEEDBACK_KINDS, Feedback
from keepwise.models.interaction import DIRECTIONS, INTERACTION_CHANNELS, Interaction
from keepwise.models.order import ORDER_STATUSES, Order
from keepwise.models.ticket import TICKET_PRIORITIES, Ticket

#: Tables a user can import, in the order they must be loaded (customers first).
TABLES: dict[str, type[Base]] = {
    "customers": Customer,
    "orders": Order,
    "interactions": Interaction,
    "tickets": Ticket,
    "feedback": Feedback,
    "contacts": Contact,
}

__all__ = [
    "Base",
    "Contact",
    "Customer",
    "Feedback",
    "Interaction",
    "Order",
    "TABLES",
    "Ticket",
    "CUSTOMER_KINDS",
    "CUSTOMER_STATUSES",
    "DIRECTIONS",
    "FEEDBACK_KINDS",
    "INTERACTION_CHANNELS",
    "ORDER_STATUSES",
    "TICKET_PRIORITIES",
]
