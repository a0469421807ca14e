"""messages as catalog keys: warnings.message JSON, no message_zh; reasons without en/zh texts

Reasons and warnings are kept as catalog key plus parameters (``{"msgid", "msgid_plural",
"params"}``), rendered in the reader's language by ``keepwise.i18n``. Rows written before
carry only their finished English and Chinese texts; they become messages holding both texts
(``{"texts": {"en": ..., "zh_CN": ...}}``), which render in either language:

* ``warnings.message`` (English text) and ``warnings.message_zh`` become one JSON column
  ``message``;
* each reason ``{"feature", "value", "impact", "en", "zh"}`` in ``churn_scores.reasons``
  becomes ``{"feature", "value", "impact", "message"}``.

The upgrade converts in SQL (SQLite's JSON1, PostgreSQL's json functions), so a store with
millions of scores migrates in one statement per table. The downgrade writes the texts back,
rendering keyed messages with the catalogs of the installed keepwise.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CHUNK = 1000

# One statement per dialect and table. Reasons that are not objects with an "en" text (already
# converted, or of another shape) are kept as they are, in their order.
_REASONS_SQL = {
    "sqlite": """
        UPDATE churn_scores SET reasons = (
          SELECT json_group_array(
            CASE WHEN r.type = 'object' AND json_type(r.value, '$.en') IS NOT NULL THEN
              json_object(
                'feature', json_extract(r.value, '$.feature'),
                'value', json_extract(r.value, '$.value'),
                'impact', json_extract(r.value, '$.impact'),
                'message', json_object('texts', json_object(
                  'en', json_extract(r.value, '$.en'), 'zh_CN', json_extract(r.value, '$.zh'))))
            WHEN r.type IN ('object', 'array') THEN json(r.value)
            ELSE r.value END)
          FROM (SELECT value, type FROM json_each(churn_scores.reasons) ORDER BY key) AS r)
        WHERE reasons IS NOT NULL AND json_valid(reasons) AND json_type(reasons) = 'array'
          AND json_array_length(reasons) > 0 AND reasons LIKE '%"en"%'
    """,
    "postgresql": """
        UPDATE churn_scores SET reasons = (
          SELECT json_agg(
            CASE WHEN json_typeof(r.elem) = 'object' AND (r.elem -> 'en') IS NOT NULL THEN
              json_build_object(
                'feature', r.elem -> 'feature',
                'value', r.elem -> 'value',
                'impact', r.elem -> 'impact',
                'message', json_build_object('texts', json_build_object(
                  'en', r.elem -> 'en', 'zh_CN', r.elem -> 'zh')))
            ELSE r.elem END ORDER BY r.i)
          FROM json_array_elements(churn_scores.reasons) WITH ORDINALITY AS r(elem, i))
        WHERE reasons IS NOT NULL AND json_typeof(reasons) = 'array'
          AND json_array_length(reasons) > 0 AND reasons::text LIKE '%"en"%'
    """,
}
_WARNINGS_SQL = {
    "sqlite": """
        UPDATE warnings SET message_json = json_object('texts', json_object(
          'en', message, 'zh_CN', message_zh))
        WHERE message IS NOT NULL
    """,
    "postgresql": """
        UPDATE warnings SET message_json = json_build_object('texts', json_build_object(
          'en', message, 'zh_CN', message_zh))
        WHERE message IS NOT NULL
    """,
}


def _dialect() -> str:
    name = op.get_bind().dialect.name
    if name not in _REASONS_SQL:
        raise NotImplementedError(f"keepwise stores are SQLite or PostgreSQL, not {name}")
    return name


def upgrade() -> None:
    dialect = _dialect()
    op.execute(sa.text(_REASONS_SQL[dialect]))
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_json", sa.JSON(), nullable=True))
    op.execute(sa.text(_WARNINGS_SQL[dialect]))
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_column("message_zh")
        batch_op.drop_column("message")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.alter_column("message_json", new_column_name="message")


def downgrade() -> None:
    _dialect()
    bind = op.get_bind()
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("message_zh", sa.Text(), nullable=True))
    warnings = sa.table(
        "warnings",
        sa.column("id", sa.Integer),
        sa.column("message", sa.JSON),
        sa.column("message_text", sa.Text),
        sa.column("message_zh", sa.Text),
    )
    rows = bind.execute(
        sa.select(warnings.c.id, warnings.c.message).where(warnings.c.message.is_not(None))
    ).all()
    texts = [{"_id": i, **_texts(_loads(m))} for i, m in rows]
    for start in range(0, len(texts), _CHUNK):
        bind.execute(
            warnings.update()
            .where(warnings.c.id == sa.bindparam("_id"))
            .values(message_text=sa.bindparam("en"), message_zh=sa.bindparam("zh")),
            texts[start : start + _CHUNK],
        )
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_column("message")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.alter_column("message_text", new_column_name="message")

    scores = sa.table("churn_scores", sa.column("id", sa.Integer), sa.column("reasons", sa.JSON))
    last = 0
    while True:  # by id, a chunk at a time: the history may hold millions of rows
        chunk = bind.execute(
            sa.select(scores.c.id, scores.c.reasons)
            .where(scores.c.id > last, scores.c.reasons.is_not(None))
            .order_by(scores.c.id)
            .limit(_CHUNK)
        ).all()
        if not chunk:
            break
        last = chunk[-1][0]
        changed = []
        for score_id, raw in chunk:
            reasons = _loads(raw)
            if isinstance(reasons, list) and any(
                isinstance(r, dict) and "message" in r for r in reasons
            ):
                changed.append({"_id": score_id, "_reasons": [_old_reason(r) for r in reasons]})
        if changed:
            bind.execute(
                scores.update()
                .where(scores.c.id == sa.bindparam("_id"))
                .values(reasons=sa.bindparam("_reasons", type_=sa.JSON)),
                changed,
            )


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _texts(message: Any) -> dict[str, str | None]:
    """English and Chinese text of a stored message: its own texts when it kept them (what the
    upgrade made of old rows), else rendered from the catalogs."""
    from keepwise.i18n import render

    if isinstance(message, dict) and isinstance(message.get("texts"), dict):
        texts = message["texts"]
        return {"en": texts.get("en"), "zh": texts.get("zh_CN") or texts.get("zh")}
    if message is None:
        return {"en": None, "zh": None}
    return {"en": render(message, "en") or None, "zh": render(message, "zh_CN") or None}


def _old_reason(reason: Any) -> Any:
    if not isinstance(reason, dict) or "message" not in reason:
        return reason
    texts = _texts(reason["message"])
    return {
        **{k: v for k, v in reason.items() if k != "message"},
        "en": texts["en"],
        "zh": texts["zh"],
    }
