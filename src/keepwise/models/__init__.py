"""CRM records (SQLAlchemy ORM). Statistical models live in :mod:`keepwise.analytics`."""

from keepwise.models.base import Base
from keepwise.models.contact import Contact
from keepwise.models.customer import CUSTOMER_KINDS, CUSTOMER_STATUSES, Customer
from keepwise.models.feedback import FEEDBACK_KINDS, Feedback
from keepwise.models.interaction import DIRECTIONS, INTERACTION_CHANNELS, Interaction
from keepwise.models.meta import StoreMeta
from keepwise.models.order import ORDER_STATUSES, Order
from keepwise.models.score import RISK_TIERS, ChurnScore, Warning
from keepwise.models.task import TASK_STATUSES, Task
from keepwise.models.ticket import TICKET_PRIORITIES, Ticket
from keepwise.models.user import (
    LOCALES,
    USER_ROLES,
    ApiToken,
    AuditLog,
    LoginSession,
    LoginThrottle,
    User,
)

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
