"""Revision 0005 on rows written by the old schema: reasons and warnings that carried finished
English and Chinese texts still render in both languages; the downgrade gives the texts back."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from keepwise import store
from keepwise.analytics.churn.reasons import Reason
from keepwise.analytics.warnings import SilenceRule
from keepwise.i18n import render
from keepwise.store.db import _alembic_config

pytestmark = pytest.mark.integration

OLD_REASONS = [
    {
        "feature": "recency_days",
        "value": 95,
        "impact": 0.81,
        "en": "no order for 95 days",
        "zh": "已 95 天未下单",
    },
    {
        "feature": "region",
        "value": "华东",
        "impact": 0.2,
        "en": "region: 华东",
        "zh": "地区：华东",
    },
    {"feature": "contacts", "value": None, "impact": -0.1, "en": "no contacts on file", "zh": None},
]


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = store.get_engine(url)
    with engine.begin() as connection:
        config = _alembic_config(url)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _json_param(engine: sa.Engine) -> str:
    return "CAST(:r AS json)" if engine.dialect.name == "postgresql" else ":r"


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def _load(value: object) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _reasons_by_customer(conn: sa.Connection) -> dict[str, Any]:
    rows = conn.execute(
        sa.text(
            "SELECT c.external_id, s.reasons FROM churn_scores s "
            "JOIN customers c ON c.id = s.customer_id"
        )
    ).all()
    return {ext: _load(reasons) for ext, reasons in rows}


def test_old_rows_render_in_both_languages_and_survive_a_round_trip(db_url: str) -> None:
    _migrate(db_url, "0004", down=True)  # the downgrade of an empty store works too
    engine = store.get_engine(db_url)
    assert {"message", "message_zh"} <= _columns(engine, "warnings")
    now = datetime(2026, 5, 1)
    with engine.begin() as conn:
        for ext in ("C1", "C2", "C3"):
            conn.execute(
                sa.text(
                    "INSERT INTO customers (external_id, name, kind, status, created_at, "
                    "updated_at) VALUES (:e, :e, 'B2B', 'active', :t, :t)"
                ),
                {"e": ext, "t": now},
            )
        ids = dict(conn.execute(sa.text("SELECT external_id, id FROM customers")).all())
        insert_score = sa.text(
            "INSERT INTO churn_scores (customer_id, scored_at, cutoff, horizon_days, probability,"
            f" risk_tier, reasons, model_version) VALUES (:c, :t, :d, 90, :p, 'high', "
            f"{_json_param(engine)}, 'old')"
        )
        # escaped (json.dumps, the ORM path) and raw UTF-8 (orjson, the old SQLite path)
        conn.execute(
            insert_score,
            {
                "c": ids["C1"],
                "t": now,
                "d": date(2026, 4, 30),
                "p": 0.9,
                "r": json.dumps(OLD_REASONS),
            },
        )
        conn.execute(
            insert_score,
            {
                "c": ids["C2"],
                "t": now,
                "d": date(2026, 4, 30),
                "p": 0.6,
                "r": json.dumps(OLD_REASONS[:1], ensure_ascii=False),
            },
        )
        conn.execute(
            insert_score, {"c": ids["C3"], "t": now, "d": date(2026, 4, 30), "p": 0.5, "r": "[]"}
        )
        conn.execute(
            sa.text(
                "INSERT INTO warnings (customer_id, rule, observed, threshold, at, severity, "
                "message, message_zh, status, created_at) VALUES "
                "(:c, 'silence', 95, 40, :t, 'medium', :m, :z, 'open', :t)"
            ),
            [
                {
                    "c": ids["C1"],
                    "t": now,
                    "m": "no interaction for 95 days",
                    "z": "已 95 天无互动",
                },
                {"c": ids["C2"], "t": now, "m": "written before 0004", "z": None},
                {"c": ids["C3"], "t": now, "m": None, "z": None},
            ],
        )

    _migrate(db_url, "head")
    assert store.current_revision(db_url) == store.head_revision()
    assert "message_zh" not in _columns(engine, "warnings")
    with engine.connect() as conn:
        scores = _reasons_by_customer(conn)
        messages = [
            _load(m)
            for (m,) in conn.execute(sa.text("SELECT message FROM warnings ORDER BY id")).all()
        ]
    first = scores["C1"]
    assert [r["feature"] for r in first] == ["recency_days", "region", "contacts"]  # order kept
    assert first[0] == {
        "feature": "recency_days",
        "value": 95,
        "impact": 0.81,
        "message": {"texts": {"en": "no order for 95 days", "zh_CN": "已 95 天未下单"}},
    }
    assert first[1]["value"] == "华东"
    reasons = [Reason.from_dict(r) for r in first]
    assert [r.text("en") for r in reasons] == [
        "no order for 95 days",
        "region: 华东",
        "no contacts on file",
    ]
    assert [r.text("zh_CN") for r in reasons] == [
        "已 95 天未下单",
        "地区：华东",
        "no contacts on file",  # it had no Chinese text: the English one stands in
    ]
    assert Reason.from_dict(scores["C2"][0]).text("zh") == "已 95 天未下单"
    assert scores["C3"] == []
    assert [render(m, "zh_CN") for m in messages] == ["已 95 天无互动", "written before 0004", ""]
    assert render(messages[0], "en") == "no interaction for 95 days"
    assert messages[2] is None

    # New rows are keys with parameters; the downgrade writes them out in both languages.
    said = SilenceRule(name="silence").describe(
        {"observed": 30.0, "median_gap": 7.0, "at": "2026-04-01"}
    )
    keyed = [
        Reason.from_dict(
            {"feature": "recency_days", "value": 30, "impact": 0.5, "message": said.to_dict()}
        ).to_dict()
    ]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO warnings (customer_id, rule, at, severity, message, status, created_at)"
                f" VALUES (:c, 'silence', :t, 'low', {_json_param(engine)}, 'open', :t)"
            ),
            {"c": ids["C3"], "t": now, "r": json.dumps(said.to_dict())},
        )
        conn.execute(
            sa.text(
                f"UPDATE churn_scores SET reasons = {_json_param(engine)} WHERE customer_id = :c"
            ),
            {"c": ids["C3"], "r": json.dumps(keyed)},
        )
    _migrate(db_url, "0004", down=True)
    with engine.connect() as conn:
        old_warnings = conn.execute(
            sa.text("SELECT message, message_zh FROM warnings ORDER BY id")
        ).all()
        old_scores = _reasons_by_customer(conn)
    assert [tuple(w) for w in old_warnings] == [
        ("no interaction for 95 days", "已 95 天无互动"),
        ("written before 0004", None),
        (None, None),
        (
            "no interaction for 30 days (usual gap 7 days; last on 2026-04-01)",
            "已 30 天无互动（通常间隔 7 天，最近一次 2026-04-01）",
        ),
    ]
    assert old_scores["C1"] == OLD_REASONS  # the old texts, as they were
    assert old_scores["C3"][0]["en"].startswith("no interaction for 30 days")
    assert old_scores["C3"][0]["zh"].startswith("已 30 天无互动")
    assert "message" not in old_scores["C3"][0]

    _migrate(db_url, "head")  # and up again
    assert store.current_revision(db_url) == store.head_revision()
