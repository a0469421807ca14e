"""CRM records (SQLAlchemy ORM). Statistical models live in :mod:`keepwise.analytics`."""

from keepwise.models.base import Base
from keepwise.models.contact import Contact
from keepwise.models.customer import Customer
from keepwise.models.feedback import Feedback
from keepwise.models.interaction import Interaction
from keepwise.models.meta import StoreMeta
from keepwise.models.order import Order
from keepwise.models.score import RISK_TIERS, ChurnScore, Warning
from keepwise.models.task import TASK_STATUSES, Task
from keepwise.models.ticket import Ticket
from keepwise.models.user import (
    LOCALES,
    USER_ROLES,
    ApiToken,
    AuditLog,
    LoginSession,
    LoginThrottle,
    User,
)

# The allowed values of the imported tables' categorical columns are declared once, with
# their column contracts (keepwise.schema.tables); a test checks the CHECK constraints below
# and in the migrations allow exactly these.
from keepwise.schema.tables.customers import CUSTOMER_KINDS, CUSTOMER_STATUSES
from keepwise.schema.tables.feedback import FEEDBACK_KINDS
from keepwise.schema.tables.interactions import DIRECTIONS, INTERACTION_CHANNELS
from keepwise.schema.tables.orders import ORDER_STATUSES
from keepwise.schema.tables.tickets import TICKET_PRIORITIES

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
    "ApiToken",
    "AuditLog",
    "Base",
    "ChurnScore",
    "LoginSession",
    "LoginThrottle",
    "Task",
    "User",
    "Warning",
    "LOCALES",
    "RISK_TIERS",
    "TASK_STATUSES",
    "USER_ROLES",
    "Contact",
    "Customer",
    "Feedback",
    "Interaction",
    "Order",
    "StoreMeta",
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
