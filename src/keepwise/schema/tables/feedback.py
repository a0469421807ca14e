"""The feedback table: NPS, CSAT and survey answers."""

from __future__ import annotations

from keepwise.schema.contract import Field, TableContract, customer_ref, frozen, record_id

#: Allowed values, as stored (tests/integration/importer/test_contract_agrees.py checks the store).
FEEDBACK_KINDS = ("nps", "csat", "survey")

FEEDBACK = TableContract(
    "feedback",
    "Satisfaction feedback: NPS (0-10), CSAT (1-5) and surveys (0-100), with comments.",
    (
        record_id("feedback id", "response id", "survey id", "反馈编号", "问卷编号"),
        customer_ref(),
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
            value_aliases=frozen(
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

#: Score range per kind (inclusive), as the store's check constraint has it.
FEEDBACK_SCORE_RANGES: dict[str, tuple[float, float]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "survey": (0, 100),
}
