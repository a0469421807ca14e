"""The contacts table: the people of a B2B customer's decision chain."""

from __future__ import annotations

from keepwise.schema.contract import Field, TableContract, customer_ref, record_id

CONTACTS = TableContract(
    "contacts",
    "People at B2B customers: the decision chain.",
    (
        record_id("contact id", "联系人编号", "联系人id"),
        customer_ref(),
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
