"""The tickets table: support tickets, with response and resolution times."""

from __future__ import annotations

from keepwise.schema.contract import Field, TableContract, customer_ref, frozen, record_id

#: Allowed values, as stored (tests/integration/importer/test_contract_agrees.py checks the store).
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")

TICKETS = TableContract(
    "tickets",
    "Support tickets, with response and resolution times and satisfaction.",
    (
        record_id("ticket id", "ticket no", "case id", "工单编号", "工单号", "工单id"),
        customer_ref(),
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
            not_before="opened_at",
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
            not_before="opened_at",
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
            value_aliases=frozen(
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
