"""Request and response models of the REST API: Create / Update / Public per resource.

``customer_id`` is always the customer's *external* id. Amounts are JSON numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Fraction = Annotated[float, Field(ge=0, le=1)]
Key = Annotated[str, Field(min_length=1, max_length=128)]

T = TypeVar("T")


class Links(BaseModel):
    self: str
    first: str
    last: str
    next: str | None = None
    prev: str | None = None


class ListResponse(BaseModel, Generic[T]):
    """One page of a list, with the total count and links to the other pages."""

    ok: bool = True
    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int
    links: Links


class ErrorResponse(BaseModel):
    """The error format of every endpoint."""

    ok: Literal[False] = False
    error: str
    errors: list[Any] = []
    status: int


class Deleted(BaseModel):
    ok: bool = True
    deleted: str


# --- customers ----------------------------------------------------------------------------------


class CustomerFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=255)
    kind: Literal["B2C", "B2B"] | None = None
    industry: str | None = Field(None, max_length=128)
    region: str | None = Field(None, max_length=128)
    group_name: str | None = Field(None, max_length=128)
    tags: list[str] | None = None
    owner: str | None = Field(None, max_length=128, description="Username of the owning sales rep.")
    acquired_at: date | None = None
    acquisition_channel: str | None = Field(None, max_length=128)
    acquisition_cost: Money | None = Field(None, ge=0)
    status: Literal["active", "churned", "prospect", "paused"] | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    budget: Money | None = None
    budget_required: Money | None = None
    technical_match: Fraction | None = None
    industry_fit: Fraction | None = None
    supply_chain_risk: Fraction | None = None
    attributes: dict[str, Any] | None = None


class CustomerCreate(CustomerFields):
    external_id: Key


class CustomerUpdate(CustomerFields):
    """Only the fields sent are changed (PATCH)."""


class CustomerPublic(CustomerFields):
    model_config = ConfigDict(from_attributes=True)

    external_id: str
    kind: str | None = None  # type: ignore[assignment]
    status: str | None = None  # type: ignore[assignment]
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- child records ------------------------------------------------------------------------------


class RecordPublicBase(BaseModel):
    external_id: str
    customer_id: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


class OrderFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ordered_at: datetime | None = None
    amount: Money | None = Field(None, ge=0)
    currency: str | None = Field(None, min_length=3, max_length=3)
    quantity: float | None = None
    product: str | None = Field(None, max_length=255)
    category: str | None = Field(None, max_length=128)
    status: Literal["completed", "pending", "refunded", "cancelled"] | None = None


class OrderCreate(OrderFields):
    external_id: Key
    customer_id: Key
    ordered_at: datetime
    amount: Money = Field(ge=0)


class OrderUpdate(OrderFields):
    customer_id: Key | None = None


class OrderPublic(RecordPublicBase, OrderFields):
    model_config = ConfigDict(extra="ignore")


class InteractionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurred_at: datetime | None = None
    channel: Literal["call", "email", "visit", "meeting", "chat", "wechat"] | None = None
    direction: Literal["inbound", "outbound"] | None = None
    duration_minutes: float | None = Field(None, ge=0)
    note: str | None = None
    handled_by: str | None = Field(None, max_length=128)


class InteractionCreate(InteractionFields):
    external_id: Key
    customer_id: Key
    occurred_at: datetime
    channel: Literal["call", "email", "visit", "meeting", "chat", "wechat"]


class InteractionUpdate(InteractionFields):
    customer_id: Key | None = None


class InteractionPublic(RecordPublicBase, InteractionFields):
    model_config = ConfigDict(extra="ignore")


class TicketFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opened_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    category: str | None = Field(None, max_length=128)
    priority: Literal["low", "normal", "high", "urgent"] | None = None
    satisfaction: float | None = Field(None, ge=1, le=5)
    subject: str | None = Field(None, max_length=255)


class TicketCreate(TicketFields):
    external_id: Key
    customer_id: Key
    opened_at: datetime


class TicketUpdate(TicketFields):
    customer_id: Key | None = None


class TicketPublic(RecordPublicBase, TicketFields):
    model_config = ConfigDict(extra="ignore")


class FeedbackFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurred_at: datetime | None = None
    kind: Literal["nps", "csat", "survey"] | None = None
    score: float | None = Field(None, ge=0, le=100, description="NPS 0-10, CSAT 1-5, survey 0-100.")
    comment: str | None = None


class FeedbackCreate(FeedbackFields):
    external_id: Key
    customer_id: Key
    occurred_at: datetime
    kind: Literal["nps", "csat", "survey"]
    score: float = Field(ge=0, le=100)


class FeedbackUpdate(FeedbackFields):
    customer_id: Key | None = None


class FeedbackPublic(RecordPublicBase, FeedbackFields):
    model_config = ConfigDict(extra="ignore")


class ContactFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=255)
    role: str | None = Field(None, max_length=128)
    decision_weight: Fraction | None = None
    last_contacted_at: datetime | None = None
    email: str | None = Field(None, max_length=255)
    phone: str | None = Field(None, max_length=64)


class ContactCreate(ContactFields):
    external_id: Key
    customer_id: Key
    name: str = Field(min_length=1, max_length=255)


class ContactUpdate(ContactFields):
    customer_id: Key | None = None


class ContactPublic(RecordPublicBase, ContactFields):
    model_config = ConfigDict(extra="ignore")


# --- accounts, analytics ------------------------------------------------------------------------


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str | None = None
    email: str | None = None
    role: str
    locale: str
    is_active: bool


class MeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locale: Literal["zh_CN", "en"] | None = None
    display_name: str | None = Field(None, max_length=255)


class UserAdmin(UserPublic):
    """A user as administrators see them: when they were last seen and what they hold."""

    created_at: datetime | None = None
    last_login_at: datetime | None = None
    sessions: int = Field(0, description="Signed-in sessions that have not ended.")
    tokens: int = Field(0, description="API tokens in force (not revoked, not expired).")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128, pattern=r"^[^\s/\\]+$")
    password: str = Field(min_length=1, max_length=1024)
    role: Literal["admin", "manager", "sales_rep"] = "sales_rep"
    display_name: str | None = Field(None, max_length=255)
    email: str | None = Field(None, max_length=255)
    locale: Literal["zh_CN", "en"] = "zh_CN"


class UserUpdate(BaseModel):
    """Only the fields sent change; ``is_active: false`` ends the user's sessions and revokes
    their API tokens (``true`` brings neither back)."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["admin", "manager", "sales_rep"] | None = None
    display_name: str | None = Field(None, max_length=255)
    email: str | None = Field(None, max_length=255)
    locale: Literal["zh_CN", "en"] | None = None
    is_active: bool | None = None


class PasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=1024)
    keep_tokens: bool = Field(
        False, description="Keep the user's API tokens (by default a new password revokes them)."
    )


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)
    keep_tokens: bool = Field(False, description="Keep your API tokens in force.")


class PasswordChanged(BaseModel):
    ok: bool = True
    sessions_ended: int
    tokens_revoked: int


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None = None
    user_agent: str | None = None
    current: bool = Field(False, description="The session this request came with.")


class SessionsEnded(BaseModel):
    ok: bool = True
    sessions_ended: int


class TokenCreate(BaseModel):
    name: str = Field("api", min_length=1, max_length=128)
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days until the token stops working; none: until revoked."
    )


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class TokenCreated(TokenPublic):
    token: str = Field(description="The token itself: shown once, only its hash is stored.")


class ScorePublic(BaseModel):
    customer_id: str
    name: str | None = None
    owner: str | None = None
    region: str | None = None
    industry: str | None = None
    group_name: str | None = None
    kind: str | None = None
    status: str | None = None
    probability: float
    risk_tier: str
    reasons: list[Any] | None = None
    scored_at: datetime | None = None
    model_version: str | None = None
    value_12m: float = Field(
        description="Completed revenue in the 365 days before the data's newest order."
    )
    expected_loss: float = Field(description="probability × value_12m")


class ScoreHistoryItem(BaseModel):
    customer_id: str
    scored_at: datetime | None = None
    cutoff: date | None = None
    horizon_days: int | None = None
    probability: float
    risk_tier: str
    reasons: list[Any] = []
    model_version: str | None = None


class WarningPublic(BaseModel):
    id: int
    customer_id: str
    customer_name: str | None = None
    rule: str
    observed: float | None = None
    threshold: float | None = None
    at: datetime
    severity: str
    action: str | None = None
    message: str | None = Field(
        default=None,
        description="The rule's message with its evidence, in the response's language.",
    )
    message_key: dict[str, Any] | None = Field(
        default=None,
        description="What `message` was rendered from: catalog key and parameters "
        '(`{"msgid", "msgid_plural", "params"}`), or `{"texts": {"en", "zh_CN"}}` for old rows.',
    )
    status: str


class TaskPublic(BaseModel):
    id: int
    customer_id: str
    assigned_to: str | None = None
    title: str
    kind: str
    source: str
    note: str | None = None
    due_at: datetime | None = None
    status: str
    created_at: datetime | None = None


class FollowUpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_ids: list[Key] = Field(min_length=1, max_length=500)
    assignee: str | None = Field(None, description="Username; default: each customer's owner.")
    due_at: datetime | None = None
    title: str = Field("Follow up: churn risk", min_length=1, max_length=255)
    note: str | None = None


class AuditPublic(BaseModel):
    id: int
    at: datetime
    username: str | None = None
    action: str
    entity: str
    entity_id: str | None = None
    changes: dict[str, Any] | None = None
    ip: str | None = None
