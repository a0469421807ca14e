"""Early-warning score and rules: evidence rows, thresholds from data, pandas references."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from keepwise.analytics.dataset import load_dataset
from keepwise.analytics.warnings import (
    WARNING_COLUMNS,
    FirstResponseRule,
    OrderDropRule,
    RuleSet,
    SatisfactionDropRule,
    ScoreConfig,
    SilenceRule,
    evaluate_warnings,
    load_rules,
    warning_scores,
)
from keepwise.errors import ConfigError

AS_OF = dt.date(2024, 6, 30)
T = pd.Timestamp


def _frames() -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame({"customer_id": list("ABCDE"), "name": list("abcde")})
    tickets = pd.DataFrame(
        [
            # A: 30 h and 2 h; satisfaction 5 then 3 (a drop of 2)
            ("t1", "A", T("2024-06-01 09:00"), T("2024-06-02 15:00"), T("2024-06-03"), 5.0),
            ("t2", "A", T("2024-06-10 09:00"), T("2024-06-10 11:00"), T("2024-06-12"), 3.0),
            # B: 5 h
            ("t3", "B", T("2024-06-05 09:00"), T("2024-06-05 14:00"), T("2024-06-06"), 4.0),
            # C: unanswered since 2024-06-29 08:00 -> 40 h at the end of 2024-06-30
            ("t4", "C", T("2024-06-29 08:00"), None, None, None),
            # D: slow, but outside the 90-day window
            ("t5", "D", T("2024-01-01 08:00"), T("2024-01-05 12:00"), T("2024-01-06"), 1.0),
        ],
        columns=[
            "external_id",
            "customer_id",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "satisfaction",
        ],
    )
    feedback = pd.DataFrame(
        [
            ("f1", "B", T("2024-05-01"), "csat", 4.0),
            ("f2", "B", T("2024-06-20"), "csat", 3.5),
            ("f3", "C", T("2024-06-20"), "nps", 0.0),  # NPS: other scale, ignored
        ],
        columns=["external_id", "customer_id", "occurred_at", "kind", "score"],
    )
    orders = pd.DataFrame(
        [
            ("A", T("2024-02-10"), 1000.0),
            ("A", T("2024-05-10"), 700.0),
            ("B", T("2024-02-10"), 1000.0),
            ("B", T("2024-05-10"), 710.0),
            ("C", T("2024-05-10"), 500.0),
            ("D", T("2024-03-31 23:00"), 500.0),
            ("E", T("2023-11-10"), 100.0),
            ("E", T("2024-01-10"), 50.0),
        ],
        columns=["customer_id", "ordered_at", "amount"],
    )
    e_days = pd.date_range("2024-01-01", "2024-05-01", freq="7D")
    b_days = pd.date_range("2024-01-05", "2024-06-28", freq="7D")
    interactions = pd.DataFrame(
        {
            "customer_id": ["E"] * len(e_days) + ["B"] * len(b_days) + ["A", "A"],
            "occurred_at": list(e_days) + list(b_days) + [T("2024-06-01"), T("2024-06-02")],
        }
    )
    return {
        "customers": customers,
        "tickets": tickets,
        "feedback": feedback,
        "orders": orders,
        "interactions": interactions,
    }


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return load_dataset(_frames())


def test_first_response_rule(data) -> None:  # type: ignore[no-untyped-def]
    out = FirstResponseRule(name="slow", threshold_hours=24).evaluate(data, as_of=AS_OF)
    assert list(out.columns) == WARNING_COLUMNS
    assert out["customer_id"].tolist() == ["A", "C"]
    assert out["observed"].tolist() == pytest.approx([30.0, 40.0])
    assert out["threshold"].tolist() == [24.0, 24.0]
    assert out["at"].tolist() == [dt.date(2024, 6, 1), dt.date(2024, 6, 29)]
    said = out["message"].iloc[0]
    assert said.render("en") == "1 ticket waited over 24 h for a first response; slowest 30.0 h"
    assert said.render("zh") == "1 张工单首次响应超过 24 小时，最慢 30.0 小时"
    assert str(said) == said.render("en")  # the frame prints English
    # a longer window reaches D's January ticket (100 h)
    wide = FirstResponseRule(name="slow", lookback_days=400).evaluate(data, as_of=AS_OF)
    assert wide["customer_id"].tolist() == ["A", "C", "D"]
    assert wide["observed"].iloc[2] == pytest.approx(100.0)


def test_order_drop_rule_quarter_over_quarter(data) -> None:  # type: ignore[no-untyped-def]
    rule = OrderDropRule(name="drop", action="health diagnosis", severity="high")
    out = rule.evaluate(data, as_of=AS_OF)
    assert out["customer_id"].tolist() == ["A", "D", "E"]  # B: -29% is not enough
    assert out["observed"].tolist() == pytest.approx([-0.30, -1.0, -1.0])
    assert set(out["at"]) == {dt.date(2024, 6, 30)}
    assert set(out["action"]) == {"health diagnosis"}
    said = out["message"].iloc[0]
    assert "2024Q2" in said.render("en") and "健康诊断" in said.render("zh_CN")
    # mid-quarter: the last complete quarter is Q1 2024 vs Q4 2023 (E: 100 -> 50)
    mid = rule.evaluate(data, as_of=dt.date(2024, 6, 29))
    assert mid["customer_id"].tolist() == ["E"]
    assert mid["observed"].tolist() == pytest.approx([-0.5])
    assert mid["at"].tolist() == [dt.date(2024, 3, 31)]
    # the threshold is data: -50% leaves only D
    strict = OrderDropRule(name="drop", threshold=-0.5).evaluate(data, as_of=AS_OF)
    assert strict["customer_id"].tolist() == ["D", "E"]


def test_satisfaction_drop_rule(data) -> None:  # type: ignore[no-untyped-def]
    out = SatisfactionDropRule(name="sat", min_drop=1.0).evaluate(data, as_of=AS_OF)
    assert out["customer_id"].tolist() == ["A"]
    assert out["observed"].tolist() == [-2.0] and out["threshold"].tolist() == [-1.0]
    assert out["at"].tolist() == [dt.date(2024, 6, 12)]
    loose = SatisfactionDropRule(name="sat", min_drop=0.5).evaluate(data, as_of=AS_OF)
    assert loose["customer_id"].tolist() == ["A", "B"]
    slope = SatisfactionDropRule(name="sat", method="slope", last_k=3).evaluate(data, as_of=AS_OF)
    assert slope["customer_id"].tolist() == ["A", "B"]
    assert slope["observed"].tolist() == pytest.approx([-2.0, -0.25])  # B: 4, 4, 3.5


def test_silence_rule(data) -> None:  # type: ignore[no-untyped-def]
    out = SilenceRule(name="quiet", factor=2.0).evaluate(data, as_of=AS_OF)
    assert out["customer_id"].tolist() == ["E"]
    last = pd.date_range("2024-01-01", "2024-05-01", freq="7D")[-1].date()
    assert out["at"].tolist() == [last]
    assert out["observed"].tolist() == [float((AS_OF - last).days)]
    assert out["threshold"].tolist() == [14.0]


def test_score_matches_pandas_reference(data) -> None:  # type: ignore[no-untyped-def]
    cfg = ScoreConfig(
        frequency_weight=0.7, satisfaction_weight=0.3, period_days=30, lookback_periods=6
    )
    got = warning_scores(data, as_of=AS_OF, config=cfg).set_index("customer_id")
    assert sorted(got.index) == list("ABCDE")
    inter = _frames()["interactions"]
    end = pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    for cid in "ABCDE":
        ts = inter.loc[inter.customer_id == cid, "occurred_at"]
        ts = ts[(ts < end) & (ts >= end - pd.Timedelta(days=180))]
        blocks = ((end - ts).dt.total_seconds() // (86400 * 30)).astype(int)
        counts = np.bincount(blocks, minlength=6)[:6] if len(blocks) else np.zeros(6)
        assert got.loc[cid, "interaction_std"] == pytest.approx(np.std(counts, ddof=1)), cid
    assert got.loc["A", "satisfaction_std"] == pytest.approx(np.std([5.0, 3.0], ddof=1))
    assert got.loc["B", "satisfaction_std"] == pytest.approx(np.std([4.0, 4.0, 3.5], ddof=1))
    assert got.loc["C", "satisfaction_std"] == 0.0
    expected = got["interaction_std"] * 0.7 + got["satisfaction_std"] * 0.3
    assert np.allclose(got["score"], expected)
    assert got["score"].max() > 0


def test_default_rules_evaluate_with_evidence(data) -> None:  # type: ignore[no-untyped-def]
    out = evaluate_warnings(data, as_of=AS_OF)
    assert list(out.columns) == WARNING_COLUMNS
    pairs = set(zip(out["customer_id"], out["rule"], strict=True))
    assert {
        ("A", "slow_first_response"),
        ("C", "slow_first_response"),
        ("A", "order_drop"),
        ("D", "order_drop"),
        ("E", "order_drop"),
        ("A", "satisfaction_falling"),
        ("E", "silence"),
    } <= pairs
    assert out["severity"].iloc[0] == "high"  # sorted by severity
    for said in out["message"]:
        assert said.render("en") and said.render("zh_CN") != said.render("en")


def test_rules_are_data(tmp_path: Path, data) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.toml"
    path.write_text(
        "[score]\nfrequency_weight = 1.0\nsatisfaction_weight = 0.0\n\n"
        '[[rules]]\nname = "very_slow"\nkind = "first_response"\nthreshold_hours = 35\nseverity = "high"\n'
        'action = "call"\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules.score.frequency_weight == 1.0
    out = rules.evaluate(data, as_of=AS_OF)
    assert out["customer_id"].tolist() == ["C"] and out["rule"].tolist() == ["very_slow"]
    jpath = tmp_path / "rules.json"
    jpath.write_text(
        '{"rules": [{"name": "q", "kind": "silence", "factor": 100}]}', encoding="utf-8"
    )
    assert load_rules(jpath).evaluate(data, as_of=AS_OF).empty


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[[rules]]\nname = "x"\nkind = "nope"\n', "unknown kind 'nope'"),
        ('[[rules]]\nname = "x"\nkind = "silence"\nfactr = 2\n', "unknown key.*factr"),
        ('[[rules]]\nname = "x"\nkind = "silence"\nseverity = "huge"\n', "severity"),
        ('[[rules]]\nname = "x"\nkind = "order_drop"\nthreshold = "a lot"\n', "must be a number"),
        ("[scores]\n", "unknown section"),
        ('[[rules]]\nkind = "silence"\n', "'name' and a 'kind'"),
        ("not toml [", "cannot parse"),
    ],
)
def test_bad_rules_files(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        load_rules(path)


def test_default_rule_set_is_packaged() -> None:
    rules = load_rules()
    assert isinstance(rules, RuleSet)
    kinds = {r.kind for r in rules.rules}
    assert kinds == {
        "first_response",
        "order_drop",
        "satisfaction_drop",
        "silence",
        "negative_text",
        "score",
    }
    drop = next(r for r in rules.rules if r.kind == "order_drop")
    assert drop.threshold == -0.30 and drop.action == "health diagnosis"


def _write_folder(folder: Path) -> None:
    """The frames as a folder of files, which must be importable: interactions need a channel."""
    frames = _frames()
    frames["interactions"] = frames["interactions"].assign(channel="call")
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)


def test_cli_warnings_json(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from keepwise.cli import app

    _write_folder(tmp_path)
    runner = CliRunner()
    res = runner.invoke(
        app, ["warnings", "--data", str(tmp_path), "--as-of", "2024-06-30", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    assert records and all(list(r) == WARNING_COLUMNS for r in records)
    drop = next(r for r in records if r["customer_id"] == "A" and r["rule"] == "order_drop")
    assert drop["observed"] == pytest.approx(-0.3) and drop["threshold"] == -0.3
    assert drop["at"] == "2024-06-30" and drop["action"] == "health diagnosis"
    assert drop["message"] == (
        "order amount 700.00 in 2024Q2 vs 1,000.00 the quarter before (-30%); "
        "start a health diagnosis"
    )
    chinese = runner.invoke(
        app,
        ["warnings", "--data", str(tmp_path), "--as-of", "2024-06-30", "-f", "csv", "--lang", "zh"],
    )
    assert chinese.exit_code == 0, chinese.output
    rows = pd.read_csv(io.StringIO(chinese.stdout))
    said = rows.loc[(rows["customer_id"] == "A") & (rows["rule"] == "order_drop"), "message"]
    assert said.tolist() == ["2024Q2 订单金额 700.00，上季度 1,000.00（环比 -30%），启动健康诊断"]
    assert set(rows["rule"]) == {r["rule"] for r in records}  # keys stay keys
    res = runner.invoke(
        app,
        [
            "warnings",
            "--data",
            str(tmp_path),
            "--as-of",
            "2024-06-30",
            "--severity",
            "high",
            "-f",
            "json",
        ],
    )
    assert {r["severity"] for r in json.loads(res.stdout)} == {"high"}
    out = tmp_path / "scores.csv"
    res = runner.invoke(
        app,
        [
            "warnings",
            "--data",
            str(tmp_path),
            "--as-of",
            "2024-06-30",
            "--scores",
            "-f",
            "csv",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(out)
    assert list(scores.columns) == [
        "customer_id",
        "as_of",
        "interaction_std",
        "satisfaction_std",
        "score",
    ]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nname = "x"\nkind = "nope"\n', encoding="utf-8")
    res = runner.invoke(app, ["warnings", "--data", str(tmp_path), "--rules", str(bad)])
    assert res.exit_code != 0 and "unknown kind" in res.output and "Traceback" not in res.output


def test_cli_warnings_save_to_store(tmp_path: Path, sqlite_url: str) -> None:
    import json

    from sqlalchemy import select
    from typer.testing import CliRunner

    from keepwise.cli import app
    from keepwise.models import Customer, Warning
    from keepwise.schema.importer import import_file
    from keepwise.store import session_scope

    frames = _frames()
    frames["orders"] = frames["orders"].assign(
        external_id=[f"O{i}" for i in range(len(frames["orders"]))]
    )
    frames["interactions"] = frames["interactions"].assign(
        external_id=[f"I{i}" for i in range(len(frames["interactions"]))], channel="call"
    )
    for name in ("customers", "orders", "tickets", "feedback", "interactions"):
        path = tmp_path / f"{name}.csv"
        frames[name].to_csv(path, index=False)
        import_file(sqlite_url, name, path)
    runner = CliRunner()
    args = ["warnings", "--data", sqlite_url, "--as-of", "2024-06-30", "--save", "-f", "json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    assert ("A", "order_drop") in {(r["customer_id"], r["rule"]) for r in shown}
    with session_scope(sqlite_url) as session:
        rows = session.execute(
            select(
                Customer.external_id, Warning.rule, Warning.at, Warning.status, Warning.observed
            ).join(Customer, Customer.id == Warning.customer_id)
        ).all()
    assert len(rows) == len(shown)
    saved = {(e, r): (a, s, o) for e, r, a, s, o in rows}
    assert saved[("A", "order_drop")][0].date() == dt.date(2024, 6, 30)
    assert saved[("A", "order_drop")][1] == "open"
    assert saved[("A", "order_drop")][2] == pytest.approx(-0.3)
    # a second run records nothing new
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "saved 0 new warning(s)" in res.output
    with session_scope(sqlite_url) as session:
        assert len(session.execute(select(Warning.id)).all()) == len(shown)
    # warnings read from files are recorded in the --db store, like churn scores
    args = ["warnings", "--data", str(tmp_path), "--as-of", "2024-06-30", "--save"]
    res = runner.invoke(app, [*args, "--db", sqlite_url])
    assert res.exit_code == 0 and "saved 0 new warning(s)" in res.output, res.output
    res = runner.invoke(app, [*args, "--db", str(tmp_path / "none.db")])
    flat = " ".join(res.output.split())
    assert res.exit_code != 0 and "there is no store at" in flat and "give --db" in flat
    assert not (tmp_path / "none.db").exists()  # no empty store left behind


def test_saved_warnings_render_in_either_language(sqlite_url: str) -> None:
    """`keepwise warnings --save` stores the message as catalog key and parameters, so the
    pages and the API show it in their reader's language; a frame written with English and
    Chinese texts (an older producer) keeps both."""
    import pandas as pd
    from sqlalchemy import select

    from keepwise import store
    from keepwise.analytics.warnings import SilenceRule
    from keepwise.i18n import render
    from keepwise.models import Customer, Warning
    from keepwise.store.warnings import save_warnings

    with store.session_scope(sqlite_url) as session:
        session.add_all([Customer(external_id="C1", name="甲"), Customer(external_id="C2")])
    evidence = {"observed": 95.0, "median_gap": 10.0, "at": "2026-02-11"}
    frame = pd.DataFrame(
        [{"customer_id": "C1", "rule": "silence", "observed": 95.0, "threshold": 40.0,
          "at": pd.Timestamp("2026-05-17"), "severity": "medium", "action": "reach out",
          "message": SilenceRule(name="silence").describe(evidence)},
         {"customer_id": "C2", "rule": "silence", "observed": 95.0, "threshold": 40.0,
          "at": pd.Timestamp("2026-05-17"), "severity": "medium", "action": "reach out",
          "message": "no interaction for 95 days", "message_zh": "已 95 天无互动"}]
    )  # fmt: skip
    assert save_warnings(sqlite_url, frame).inserted == 2
    with store.session_scope(sqlite_url) as session:
        keyed, texts = session.execute(select(Warning.message).order_by(Warning.id)).scalars()
    assert keyed["msgid"] == "no interaction for %(days)s (usual gap %(gap)s; last on %(at)s)"
    assert (
        render(keyed, "en") == "no interaction for 95 days (usual gap 10 days; last on 2026-02-11)"
    )
    assert render(keyed, "zh_CN") == "已 95 天无互动（通常间隔 10 天，最近一次 2026-02-11）"
    assert texts == {"texts": {"en": "no interaction for 95 days", "zh_CN": "已 95 天无互动"}}
    assert render(texts, "zh_CN") == "已 95 天无互动"


def test_negative_text_rule_quotes_the_customers_words() -> None:
    from keepwise.analytics.warnings import NegativeTextRule

    frames = _frames()
    frames["interactions"] = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "C"],
            "occurred_at": [T("2024-06-01"), T("2024-06-10"), T("2024-06-20"), T("2024-06-05"),
                            T("2024-06-06"), T("2023-12-01")],
            "note": ["价格太高，客户考虑换供应商", "交货一直延迟，客户很不满意", "合作愉快",
                     "very happy with the service", "the last delivery was late again, terrible",
                     "价格太高，客户考虑换供应商"],  # C's is outside the 90 days
        }
    )  # fmt: skip
    frames["feedback"] = frames["feedback"].assign(
        comment=[None, "Awful support, we will cancel", None]
    )
    data = load_dataset(frames)
    out = NegativeTextRule(name="negative_words").evaluate(data, as_of=AS_OF)
    # A: two negative Chinese notes; B: one negative note + one negative comment; C: too old.
    assert out["customer_id"].tolist() == ["A", "B"]
    assert out["observed"].tolist() == [2.0, 2.0]
    assert out["at"].tolist() == [dt.date(2024, 6, 10), dt.date(2024, 6, 20)]
    a = out.iloc[0]
    en, zh = a["message"].render("en"), a["message"].render("zh")
    assert "2 negative notes" in en and ("价格太高" in en or "交货一直延迟" in en)
    assert zh.startswith("近 90 天有 2 条负面备注或评价")
    assert "negative_words" in set(evaluate_warnings(data, as_of=AS_OF)["rule"])
