"""Column contracts of the importable tables: names, types, aliases and allowed values.

Every column name keepwise reads from a user's file is fixed here once. Each table is a
:class:`TableContract` of :class:`Field`\\ s; a field knows its English name (the store's
column name), its type, whether it is required, the headers it is recognised under
(Chinese and English spellings) and, for categorical fields, the values it accepts and
their other spellings (``电话`` -> ``call``, ``退款`` -> ``refunded``).

``docs/data-model.md`` documents the same contracts for people; a test keeps the two in step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from keepwise.models import (
    CUSTOMER_KINDS,
    CUSTOMER_STATUSES,
    DIRECTIONS,
    FEEDBACK_KINDS,
    INTERACTION_CHANNELS,
    ORDER_STATUSES,
    TICKET_PRIORITIES,
)

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


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
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
    default:
        Value stored when the cell is empty (the store's own default for the column).
    """

    name: str
    type: str
    required: bool = False
    description: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] = field(default_factory=_frozen)
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    not_in_future: bool = False
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

_CUSTOMER_REF_ALIASES = (
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


def _customer_ref() -> Field:
    return Field(
        "customer_id",
        "ref",
        required=True,
        description="External id of the customer the record belongs to (as in the customers file).",
        aliases=_CUSTOMER_REF_ALIASES,
        max_length=128,
    )


def _record_id(*aliases: str) -> Field:
    return Field(
        "external_id",
        "id",
        description="The record's own id in your systems; re-imports update the record with the "
        "same id. Optional: without it an id is derived from the row's content.",
        aliases=("id", "external id", "编号", "编码", "id号", *aliases),
        max_length=128,
    )


# --------------------------------------------------------------------------- customers

CUSTOMERS = TableContract(
    "customers",
    "The people and companies you want to keep. Optional: orders alone are enough to analyse.",
    (
        Field(
            "external_id",
            "id",
            required=True,
            description="The customer's id in your systems; every other file refers to it as customer_id.",
            aliases=_CUSTOMER_REF_ALIASES + ("id", "external id", "编号"),
            max_length=128,
        ),
        Field(
            "name",
            "text",
            description="Customer or company name.",
            aliases=(
                "customer name",
                "client name",
                "company",
                "company name",
                "account name",
                "客户名称",
                "客户名",
                "客户姓名",
                "姓名",
                "名称",
                "公司名称",
                "公司",
                "企业名称",
                "会员名称",
            ),
            max_length=255,
        ),
        Field(
            "kind",
            "enum",
            description="B2C (a person) or B2B (a company). Default B2C.",
            default="B2C",
            aliases=("type", "customer type", "segment type", "客户类型", "类型", "客户类别"),
            choices=CUSTOMER_KINDS,
            value_aliases=_frozen(
                {
                    "b2c": "B2C",
                    "toc": "B2C",
                    "c": "B2C",
                    "个人": "B2C",
                    "消费者": "B2C",
                    "个人客户": "B2C",
                    "consumer": "B2C",
                    "person": "B2C",
                    "individual": "B2C",
                    "b2b": "B2B",
                    "tob": "B2B",
                    "b": "B2B",
                    "企业": "B2B",
                    "公司": "B2B",
                    "企业客户": "B2B",
                    "business": "B2B",
                    "company": "B2B",
                    "organisation": "B2B",
                    "organization": "B2B",
                }
            ),
        ),
        Field(
            "industry",
            "text",
            description="Industry (行业).",
            aliases=("sector", "vertical", "行业", "所属行业", "行业类别"),
            max_length=128,
        ),
        Field(
            "region",
            "text",
            description="Region, province or city (地区).",
            aliases=(
                "area",
                "province",
                "city",
                "territory",
                "地区",
                "区域",
                "省份",
                "城市",
                "所在地区",
                "大区",
            ),
            max_length=128,
        ),
        Field(
            "group_name",
            "text",
            description="Customer group or segment (客户分组).",
            aliases=(
                "group",
                "segment",
                "customer group",
                "tier",
                "level",
                "分组",
                "客户分组",
                "客户分类",
                "分类",
                "客户等级",
                "等级",
                "会员等级",
            ),
            max_length=128,
        ),
        Field(
            "tags",
            "tags",
            description="Free labels, separated by ';' (also ；、| or ,).",
            aliases=("tag", "labels", "label", "标签", "客户标签"),
        ),
        Field(
            "owner",
            "text",
            description="Username of the sales rep who owns the customer (负责人).",
            aliases=(
                "sales rep",
                "salesperson",
                "account manager",
                "负责人",
                "销售",
                "客户经理",
                "归属销售",
                "销售代表",
                "跟进人",
            ),
            max_length=128,
        ),
        Field(
            "acquired_at",
            "date",
            description="Date the customer was won (first became a customer).",
            aliases=(
                "acquired",
                "acquisition date",
                "signup date",
                "signed up",
                "created",
                "first order date",
                "注册日期",
                "注册时间",
                "获客日期",
                "成为客户日期",
                "开户日期",
                "签约日期",
                "创建日期",
            ),
            not_in_future=True,
        ),
        Field(
            "acquisition_channel",
            "text",
            description="Channel the customer came through (来源渠道).",
            aliases=(
                "channel",
                "source",
                "acquisition source",
                "来源",
                "渠道",
                "来源渠道",
                "获客渠道",
            ),
            max_length=128,
        ),
        Field(
            "acquisition_cost",
            "money",
            description="What winning the customer cost (获客成本), >= 0.",
            aliases=("cac", "acquisition cost", "获客成本", "获取成本"),
            minimum=0,
        ),
        Field(
            "status",
            "enum",
            description="active, churned, prospect or paused. Default active.",
            default="active",
            aliases=("customer status", "状态", "客户状态"),
            choices=CUSTOMER_STATUSES,
            value_aliases=_frozen(
                {
                    "活跃": "active",
                    "正常": "active",
                    "有效": "active",
                    "在约": "active",
                    "合作中": "active",
                    "流失": "churned",
                    "已流失": "churned",
                    "churn": "churned",
                    "lost": "churned",
                    "inactive": "churned",
                    "潜在": "prospect",
                    "潜在客户": "prospect",
                    "lead": "prospect",
                    "意向": "prospect",
                    "暂停": "paused",
                    "已暂停": "paused",
                    "pause": "paused",
                    "suspended": "paused",
                    "冻结": "paused",
                }
            ),
        ),
        Field(
            "contract_start",
            "date",
            description="Start of the current contract (B2B).",
            aliases=(
                "contract start date",
                "合同开始日期",
                "合同开始",
                "签约开始日期",
                "合同起始日期",
            ),
        ),
        Field(
            "contract_end",
            "date",
            description="End of the current contract (B2B); may be in the future.",
            aliases=(
                "contract end date",
                "renewal date",
                "合同结束日期",
                "合同到期日",
                "合同结束",
                "到期日期",
                "续约日期",
            ),
        ),
        Field(
            "budget",
            "money",
            description="The customer's budget for what you sell (预算), >= 0.",
            aliases=("预算", "客户预算"),
            minimum=0,
        ),
        Field(
            "budget_required",
            "money",
            description="Budget your offer needs (所需预算), >= 0.",
            aliases=("required budget", "所需预算", "需求预算"),
            minimum=0,
        ),
        Field(
            "technical_match",
            "number",
            description="How well your product fits the customer's needs, 0-1 "
            "(80% is read as 0.8).",
            aliases=("tech match", "技术匹配度", "技术匹配"),
            minimum=0,
            maximum=1,
        ),
        Field(
            "industry_fit",
            "number",
            description="How well the customer's industry fits your offer (score).",
            aliases=("行业匹配度", "行业契合度"),
        ),
        Field(
            "supply_chain_risk",
            "number",
            description="Supply-chain risk of the customer (score).",
            aliases=("供应链风险",),
        ),
    ),
)

# --------------------------------------------------------------------------- orders

ORDERS = TableContract(
    "orders",
    "What customers bought. The only table required to analyse.",
    (
        _record_id(
            "order id",
            "order no",
            "order number",
            "订单编号",
            "订单号",
            "订单id",
            "单号",
            "交易编号",
            "交易号",
            "流水号",
        ),
        _customer_ref(),
        Field(
            "ordered_at",
            "datetime",
            required=True,
            description="When the order was placed (订单日期).",
            aliases=(
                "order date",
                "order time",
                "date",
                "purchase date",
                "transaction date",
                "created at",
                "订单日期",
                "下单日期",
                "下单时间",
                "订单时间",
                "交易日期",
                "交易时间",
                "购买日期",
                "日期",
                "成交日期",
                "支付时间",
            ),
            not_in_future=True,
        ),
        Field(
            "amount",
            "money",
            required=True,
            description="Order value, >= 0. Refunds keep a positive amount with status refunded.",
            aliases=(
                "total",
                "order amount",
                "value",
                "revenue",
                "price",
                "sales",
                "金额",
                "订单金额",
                "实付金额",
                "支付金额",
                "成交金额",
                "销售额",
                "总金额",
                "交易金额",
                "付款金额",
                "消费金额",
                "应付金额",
            ),
            minimum=0,
        ),
        Field(
            "currency",
            "currency",
            description="ISO 4217 code (CNY, USD, ...). Default from the settings "
            "(CNY), or the symbol in the amount (¥ -> CNY, $ -> USD).",
            aliases=("币种", "货币", "币别"),
        ),
        Field(
            "quantity",
            "number",
            description="Units bought.",
            aliases=("qty", "units", "count", "数量", "购买数量", "件数"),
            minimum=0,
        ),
        Field(
            "product",
            "text",
            description="Product or SKU name (商品).",
            aliases=("item", "sku", "product name", "商品", "商品名称", "产品", "产品名称", "品名"),
            max_length=255,
        ),
        Field(
            "category",
            "text",
            description="Product category (品类).",
            aliases=("product category", "品类", "类目", "商品类别", "产品类别", "分类"),
            max_length=128,
        ),
        Field(
            "status",
            "enum",
            description="completed, pending, refunded or cancelled. Default completed. Analyses count "
            "completed orders.",
            default="completed",
            aliases=("order status", "状态", "订单状态", "交易状态"),
            choices=ORDER_STATUSES,
            value_aliases=_frozen(
                {
                    "完成": "completed",
                    "已完成": "completed",
                    "成交": "completed",
                    "已成交": "completed",
                    "已支付": "completed",
                    "已付款": "completed",
                    "交易成功": "completed",
                    "已签收": "completed",
                    "complete": "completed",
                    "done": "completed",
                    "paid": "completed",
                    "success": "completed",
                    "shipped": "completed",
                    "delivered": "completed",
                    "closed": "completed",
                    "待付款": "pending",
                    "待支付": "pending",
                    "待处理": "pending",
                    "处理中": "pending",
                    "待发货": "pending",
                    "未完成": "pending",
                    "open": "pending",
                    "processing": "pending",
                    "退款": "refunded",
                    "已退款": "refunded",
                    "退货": "refunded",
                    "退货退款": "refunded",
                    "refund": "refunded",
                    "returned": "refunded",
                    "取消": "cancelled",
                    "已取消": "cancelled",
                    "作废": "cancelled",
                    "交易关闭": "cancelled",
                    "cancel": "cancelled",
                    "canceled": "cancelled",
                    "void": "cancelled",
                }
            ),
        ),
    ),
)

# --------------------------------------------------------------------------- interactions

INTERACTIONS = TableContract(
    "interactions",
    "Calls, emails, visits, meetings, chats and WeChat messages with customers.",
    (
        _record_id("interaction id", "activity id", "记录编号", "跟进编号", "互动编号"),
        _customer_ref(),
        Field(
            "occurred_at",
            "datetime",
            required=True,
            description="When it happened (时间).",
            aliases=(
                "date",
                "time",
                "timestamp",
                "occurred",
                "contact date",
                "activity date",
                "时间",
                "日期",
                "跟进时间",
                "跟进日期",
                "联系时间",
                "联系日期",
                "互动时间",
                "拜访日期",
            ),
            not_in_future=True,
        ),
        Field(
            "channel",
            "enum",
            required=True,
            description="call, email, visit, meeting, chat or wechat.",
            aliases=(
                "type",
                "activity type",
                "medium",
                "渠道",
                "方式",
                "跟进方式",
                "联系方式",
                "互动方式",
                "类型",
            ),
            choices=INTERACTION_CHANNELS,
            value_aliases=_frozen(
                {
                    "电话": "call",
                    "打电话": "call",
                    "通话": "call",
                    "来电": "call",
                    "去电": "call",
                    "phone": "call",
                    "phone call": "call",
                    "telephone": "call",
                    "tel": "call",
                    "邮件": "email",
                    "电子邮件": "email",
                    "邮箱": "email",
                    "e-mail": "email",
                    "mail": "email",
                    "拜访": "visit",
                    "上门": "visit",
                    "上门拜访": "visit",
                    "走访": "visit",
                    "到访": "visit",
                    "onsite": "visit",
                    "site visit": "visit",
                    "会议": "meeting",
                    "开会": "meeting",
                    "视频会议": "meeting",
                    "线上会议": "meeting",
                    "meet": "meeting",
                    "video call": "meeting",
                    "聊天": "chat",
                    "在线": "chat",
                    "在线聊天": "chat",
                    "在线客服": "chat",
                    "im": "chat",
                    "短信": "chat",
                    "sms": "chat",
                    "live chat": "chat",
                    "qq": "chat",
                    "钉钉": "chat",
                    "dingtalk": "chat",
                    "微信": "wechat",
                    "企业微信": "wechat",
                    "企微": "wechat",
                    "weixin": "wechat",
                    "wx": "wechat",
                    "we chat": "wechat",
                }
            ),
        ),
        Field(
            "direction",
            "enum",
            description="inbound (the customer reached out) or outbound (you did).",
            aliases=("in out", "方向", "呼叫方向", "发起方"),
            choices=DIRECTIONS,
            value_aliases=_frozen(
                {
                    "呼入": "inbound",
                    "来电": "inbound",
                    "客户发起": "inbound",
                    "in": "inbound",
                    "incoming": "inbound",
                    "接入": "inbound",
                    "入": "inbound",
                    "呼出": "outbound",
                    "去电": "outbound",
                    "我方发起": "outbound",
                    "out": "outbound",
                    "outgoing": "outbound",
                    "主动": "outbound",
                    "出": "outbound",
                }
            ),
        ),
        Field(
            "duration_minutes",
            "number",
            description="Length in minutes, >= 0.",
            aliases=("duration", "minutes", "duration min", "时长", "通话时长", "时长分钟", "分钟"),
            minimum=0,
        ),
        Field(
            "note",
            "text",
            description="Free text: what was said.",
            aliases=(
                "notes",
                "summary",
                "content",
                "comment",
                "备注",
                "内容",
                "记录",
                "跟进内容",
                "沟通内容",
                "摘要",
            ),
        ),
        Field(
            "handled_by",
            "text",
            description="Who handled it (username or name).",
            aliases=(
                "agent",
                "rep",
                "handler",
                "staff",
                "负责人",
                "跟进人",
                "处理人",
                "客服",
                "销售",
                "经办人",
            ),
            max_length=128,
        ),
    ),
)

# --------------------------------------------------------------------------- tickets

TICKETS = TableContract(
    "tickets",
    "Support tickets, with response and resolution times and satisfaction.",
    (
        _record_id("ticket id", "ticket no", "case id", "工单编号", "工单号", "工单id"),
        _customer_ref(),
        Field(
            "opened_at",
            "datetime",
            required=True,
            description="When the ticket was opened (创建时间).",
            aliases=(
                "created at",
                "created",
                "opened",
                "open date",
                "date",
                "创建时间",
                "提交时间",
                "开单时间",
                "报修时间",
                "日期",
            ),
            not_in_future=True,
        ),
        Field(
            "first_response_at",
            "datetime",
            description="First reply to the customer (首次响应时间).",
            aliases=("first response", "responded at", "首次响应时间", "响应时间", "首次回复时间"),
            not_in_future=True,
        ),
        Field(
            "resolved_at",
            "datetime",
            description="When it was resolved (解决时间); empty while open.",
            aliases=(
                "resolved",
                "closed at",
                "solved at",
                "解决时间",
                "关闭时间",
                "完成时间",
                "结案时间",
            ),
            not_in_future=True,
        ),
        Field(
            "category",
            "text",
            description="Topic of the ticket (问题类型).",
            aliases=("type", "topic", "issue type", "问题类型", "工单类型", "类别", "分类"),
            max_length=128,
        ),
        Field(
            "priority",
            "enum",
            description="low, normal, high or urgent. Default normal.",
            default="normal",
            aliases=("severity", "优先级", "紧急程度", "级别"),
            choices=TICKET_PRIORITIES,
            value_aliases=_frozen(
                {
                    "低": "low",
                    "p3": "low",
                    "p4": "low",
                    "minor": "low",
                    "普通": "normal",
                    "中": "normal",
                    "一般": "normal",
                    "正常": "normal",
                    "medium": "normal",
                    "p2": "normal",
                    "moderate": "normal",
                    "高": "high",
                    "重要": "high",
                    "p1": "high",
                    "major": "high",
                    "紧急": "urgent",
                    "特急": "urgent",
                    "非常紧急": "urgent",
                    "p0": "urgent",
                    "critical": "urgent",
                    "blocker": "urgent",
                }
            ),
        ),
        Field(
            "satisfaction",
            "number",
            description="Customer's rating of the support, 1-5 (满意度).",
            aliases=("rating", "csat", "satisfaction score", "满意度", "评分", "满意度评分"),
            minimum=1,
            maximum=5,
        ),
        Field(
            "subject",
            "text",
            description="Ticket title (标题).",
            aliases=("title", "summary", "标题", "主题", "问题描述"),
            max_length=255,
        ),
    ),
)

# --------------------------------------------------------------------------- feedback

FEEDBACK = TableContract(
    "feedback",
    "Satisfaction feedback: NPS (0-10), CSAT (1-5) and surveys (0-100), with comments.",
    (
        _record_id("feedback id", "response id", "survey id", "反馈编号", "问卷编号"),
        _customer_ref(),
        Field(
            "occurred_at",
            "datetime",
            required=True,
            description="When the feedback was given (反馈时间).",
            aliases=(
                "date",
                "time",
                "submitted at",
                "response date",
                "反馈时间",
                "反馈日期",
                "提交时间",
                "日期",
                "时间",
            ),
            not_in_future=True,
        ),
        Field(
            "kind",
            "enum",
            required=True,
            description="nps (score 0-10), csat (1-5) or survey (0-100).",
            aliases=("type", "survey type", "类型", "反馈类型", "问卷类型"),
            choices=FEEDBACK_KINDS,
            value_aliases=_frozen(
                {
                    "净推荐值": "nps",
                    "推荐值": "nps",
                    "net promoter score": "nps",
                    "满意度": "csat",
                    "客户满意度": "csat",
                    "satisfaction": "csat",
                    "问卷": "survey",
                    "调查": "survey",
                    "问卷调查": "survey",
                    "调研": "survey",
                }
            ),
        ),
        Field(
            "score",
            "number",
            required=True,
            description="The score, in the range of its kind.",
            aliases=("rating", "value", "分数", "评分", "得分", "打分"),
        ),
        Field(
            "comment",
            "text",
            description="Free-text comment (评论).",
            aliases=(
                "comments",
                "text",
                "feedback",
                "verbatim",
                "评论",
                "评价",
                "意见",
                "备注",
                "反馈内容",
                "反馈",
            ),
        ),
    ),
)

# --------------------------------------------------------------------------- contacts

CONTACTS = TableContract(
    "contacts",
    "People at B2B customers: the decision chain.",
    (
        _record_id("contact id", "联系人编号", "联系人id"),
        _customer_ref(),
        Field(
            "name",
            "text",
            required=True,
            description="The contact's name (联系人).",
            aliases=(
                "contact",
                "contact name",
                "full name",
                "联系人",
                "联系人姓名",
                "姓名",
                "名字",
            ),
            max_length=255,
        ),
        Field(
            "role",
            "text",
            description="Job title or role in the decision (职位).",
            aliases=("title", "job title", "position", "职位", "职务", "角色", "岗位"),
            max_length=128,
        ),
        Field(
            "decision_weight",
            "number",
            description="Weight in the buying decision, 0-1 (80% reads as 0.8).",
            aliases=("weight", "influence", "决策权重", "权重", "影响力"),
            minimum=0,
            maximum=1,
        ),
        Field(
            "last_contacted_at",
            "datetime",
            description="Last time you were in touch (最近联系时间).",
            aliases=(
                "last contact",
                "last contacted",
                "最近联系时间",
                "最后联系时间",
                "上次联系时间",
            ),
            not_in_future=True,
        ),
        Field(
            "email",
            "text",
            description="E-mail address.",
            aliases=("e-mail", "mail", "邮箱", "电子邮件", "邮件"),
            max_length=255,
        ),
        Field(
            "phone",
            "text",
            description="Phone number.",
            aliases=(
                "mobile",
                "tel",
                "telephone",
                "电话",
                "手机",
                "手机号",
                "联系电话",
                "手机号码",
            ),
            max_length=64,
        ),
    ),
)

#: Importable tables in load order.
CONTRACTS: dict[str, TableContract] = {
    c.name: c for c in (CUSTOMERS, ORDERS, INTERACTIONS, TICKETS, FEEDBACK, CONTACTS)
}

#: Feedback score range per kind (inclusive), as the store's check constraint has it.
FEEDBACK_SCORE_RANGES: dict[str, tuple[float, float]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "survey": (0, 100),
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
