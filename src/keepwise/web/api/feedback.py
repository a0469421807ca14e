"""``/api/v1/feedback``: NPS, CSAT and survey scores with comments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from keepwise.web.api._records import record_router
from keepwise.web.api.schemas import FeedbackCreate, FeedbackPublic, FeedbackUpdate


def feedback_filters(
    kind: Annotated[str | None, Query(description="nps, csat or survey")] = None,
) -> dict[str, Any]:
    return {"kind": kind}


router = record_router(
    "feedback",
    create_model=FeedbackCreate,
    update_model=FeedbackUpdate,
    public_model=FeedbackPublic,
    filters=feedback_filters,
)
