"""The one set of catalogs: complete in both languages, and messages that render in either."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from keepwise import i18n
from keepwise.errors import N_, Message, plural_message

CORE = Path(i18n.__file__).parent
SRC = CORE.parent  # src/keepwise
#: Every placeholder with its conversion: %(n)s, %(pct).0f, %(tone)+.2f ...
PLACEHOLDER = re.compile(r"%\((\w+)\)([-#0 +]?\d*(?:\.\d+)?[a-zA-Z])")
#: The extraction command of docs/i18n.md (without the header options).
EXTRACT = ["-F", str(CORE / "babel.cfg"), "-k", "N_", "-k", "plural_message:1,2", "--no-location"]


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (CORE / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(catalog) -> set[object]:  # type: ignore[no-untyped-def]
    return {m.id for m in catalog if m.id}


def test_catalog_template_is_up_to_date(tmp_path: Path) -> None:
    """Every string marked in the analytics, the CLI, the pages, the templates and the importer
    is in messages.pot (run pybabel extract, see docs/i18n.md)."""
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", *EXTRACT, "-o", str(out)]
        + [str(SRC)],
        check=True,
        capture_output=True,
    )
    with out.open("rb") as fresh, (CORE / "messages.pot").open("rb") as committed:
        fresh_ids, committed_ids = _ids(read_po(fresh)), _ids(read_po(committed))
    # Only this direction: an id that an older extractor found and a newer one does not (Babel
    # 2.19 stopped reading "freq" out of gettext(FREQS[f["freq"]])) is harmless, a missing one is not.
    missing = fresh_ids - committed_ids
    assert not missing, f"not in messages.pot (run pybabel extract and update): {sorted(missing)}"
    # the analytics' sentences are in it, plural forms as plural entries
    assert ("%(n)s day", "%(n)s days") in fresh_ids
    assert "no orders in the last %(days)s days" in fresh_ids
    assert "Champions" in fresh_ids and "strategic customer" in fresh_ids


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_string_is_translated(locale: str) -> None:
    with (CORE / "messages.pot").open("rb") as handle:
        wanted = _ids(read_po(handle))
    catalog = _catalog(locale)
    assert wanted <= _ids(catalog), "run pybabel update (see docs/i18n.md)"
    untranslated = [
        m.id
        for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert untranslated == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    # babel's own checks: python-format placeholders agree in kind, plural forms are complete
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert problems == []


def test_translations_keep_their_placeholders() -> None:
    for message in _catalog("zh_CN"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == expected, message.id


def test_gettext_per_locale() -> None:
    assert i18n.gettext("Dashboard", "zh_CN") == "仪表盘"
    assert i18n.gettext("Dashboard", "en") == "Dashboard"
    assert i18n.ngettext("%(num)s problem", "%(num)s problems", 3, "en") == "%(num)s problems"
    assert i18n.ngettext("%(num)s problem", "%(num)s problems", 3, "zh_CN") == "%(num)s 个问题"
    assert i18n.gettext("Champions", "zh_CN") == "冠军客户"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("zh_CN", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("en_US", "en"),
        ("EN", "en"),
        ("fr", "zh_CN"),
        (None, "zh_CN"),
    ],
)
def test_normalize_locale(given: str | None, expected: str) -> None:
    assert i18n.normalize_locale(given) == expected


def test_plural_forms_in_both_languages() -> None:
    days = [plural_message("no order for %(n)s day", "no order for %(n)s days", n) for n in (1, 5)]
    assert [d.render("en") for d in days] == ["no order for 1 day", "no order for 5 days"]
    assert [d.render("zh") for d in days] == ["已 1 天未下单", "已 5 天未下单"]
    half = plural_message(
        "a ticket waited %(n)s hour for a first response",
        "a ticket waited %(n)s hours for a first response",
        0.5,
    )
    assert half.render() == "a ticket waited 0.5 hours for a first response"


def test_numbers_are_written_the_readers_way() -> None:
    spend = Message(N_("total spend %(amount)s"), {"amount": 1234567})
    assert spend.render("en") == "total spend 1,234,567"
    assert spend.render("zh_CN") == "累计消费 1,234,567"
    assert i18n.format_number(0.5) == "0.5"
    assert i18n.format_number(2.0) == "2"
    assert i18n.format_number(Decimal("12345.50"), "zh_CN") == "12,345.50"
    assert i18n.format_number(-0.0000001) == "0"
    # %(x).1f placeholders format the number as Python does
    tone = Message(N_("tone of recent notes and comments %(tone)+.2f (-1 to +1)"), {"tone": -0.4})
    assert tone.render("zh") == "近期沟通与评价情绪 -0.40（-1 至 +1）"


def test_nested_messages_render_in_the_same_language() -> None:
    usual = Message(
        N_("no order for %(days)s, usual interval %(usual)s"),
        {
            "days": plural_message("%(n)s day", "%(n)s days", 23),
            "usual": plural_message("%(n)s day", "%(n)s days", 1),
        },
    )
    assert usual.render() == "no order for 23 days, usual interval 1 day"
    assert usual.render("zh_CN") == "已 23 天未下单，通常间隔 1 天"
    assert str(usual) == usual.render("en")


def test_json_round_trip_keeps_key_and_parameters() -> None:
    message = Message(
        N_("%(reason)s (lowers risk)"),
        {"reason": plural_message("last order %(n)s day ago", "last order %(n)s days ago", 3)},
    )
    data = json.loads(json.dumps(message.to_dict()))
    assert data == {
        "msgid": "%(reason)s (lowers risk)",
        "params": {
            "reason": {
                "msgid": "last order %(n)s day ago",
                "msgid_plural": "last order %(n)s days ago",
                "params": {"n": 3},
            }
        },
    }
    back = Message.from_dict(data)
    assert back == message
    assert back.render("zh") == "最近一次下单在 3 天前（降低风险）"
    amount = Message.from_dict(Message("%(a)s", {"a": Decimal("5.50")}).to_dict())
    assert amount.render() == "5.50"
    with pytest.raises(ValueError, match="neither 'msgid' nor 'texts'"):
        Message.from_dict({"en": "x"})


def test_texts_of_old_stores_render_in_either_language() -> None:
    legacy = Message.fixed({"en": "no order for 95 days", "zh": "已 95 天没有下单"})
    assert legacy.render("en") == "no order for 95 days"
    assert legacy.render("zh_CN") == "已 95 天没有下单"
    assert Message.from_dict(legacy.to_dict()) == legacy
    assert i18n.render({"en": "only English", "zh": None}, "zh_CN") == "only English"
    assert i18n.render({"texts": {"en": "a", "zh_CN": "甲"}}, "zh") == "甲"
    assert i18n.render("plain text", "zh_CN") == "plain text"
    assert i18n.render(None, "zh_CN") == ""


def test_lists_join_the_languages_way() -> None:
    parts = [Message(N_("blank")), Message(N_("unknown"))]
    assert i18n.join(parts, "en") == "blank; unknown"
    assert i18n.join(parts, "zh") == "空白；未知"


def test_core_catalogs_need_no_web_stack() -> None:
    """The CLI renders messages without FastAPI or Jinja2 (the [web] extra)."""
    code = (
        "import sys; sys.modules['jinja2'] = None; sys.modules['fastapi'] = None\n"
        "from keepwise.i18n import gettext\n"
        "assert gettext('Champions', 'zh_CN') == '冠军客户'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
