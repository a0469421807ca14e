"""The UI's side of the catalogs: Jinja2 hooks, locale-aware filters, the API's language.

The catalogs themselves (complete, up to date, placeholders kept) are tested in
tests/unit/test_i18n.py."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from jinja2 import Environment

from keepwise.web import i18n


def _render(source: str, locale: str, **context: object) -> str:
    env = i18n.install(Environment(autoescape=True))
    return env.from_string(source).render(locale=locale, **context)


def test_same_word_in_two_contexts() -> None:
    assert i18n.gettext("Customers", "zh_CN") == "客户数"  # a count
    assert i18n.pgettext("navigation", "Customers", "zh_CN") == "客户"  # the list
    assert _render('{{ pgettext("navigation", "Customers") }}', "zh_CN") == "客户"
    assert _render('{{ pgettext("navigation", "Customers") }}', "en") == "Customers"


def test_templates_translate_and_escape() -> None:
    assert _render('{{ _("Sign in") }}', "zh_CN") == "登录"
    assert _render('{{ _("Sign in") }}', "en") == "Sign in"
    html = _render('{{ _("Data as of %(date)s", date=d) }}', "en", d="<b>")
    assert html == "Data as of &lt;b&gt;"
    assert _render("{{ s|t }}", "zh_CN", s="high") == "高"
    assert _render("{{ s|t }}", "zh_CN", s=None) == ""


def test_locale_aware_formatting() -> None:
    template = "{{ n|number }} | {{ p|percent }} | {{ m|money('CNY') }} | {{ d|date }} | {{ t|datetime('short') }}"
    values = {
        "n": 1234567.5,
        "p": 0.1234,
        "m": 1234.5,
        "d": date(2026, 6, 30),
        "t": datetime(2026, 6, 30, 14, 5),
    }
    zh = _render(template, "zh_CN", **values)
    en = _render(template, "en", **values)
    assert zh == "1,234,567.5 | 12.3% | ¥1,234.50 | 2026年6月30日 | 2026/6/30 14:05"
    assert en.startswith("1,234,567.5 | 12.3% | CN¥1,234.50 | Jun 30, 2026 | 6/30/26")
    assert _render("{{ m|money('CNY', compact=True) }}", "zh_CN", m=4_370_000) == "¥437万"
    assert _render("{{ x|number }}|{{ x|percent }}|{{ x|date }}", "en", x=None) == "—|—|—"


def test_next_step_follows_the_strongest_reason() -> None:
    from keepwise.web.pages._format import next_step

    ticket = {"feature": "open_tickets", "impact": 0.5}
    quiet = {"feature": "days_since_interaction", "impact": 0.4}
    assert next_step({"reasons": [ticket, quiet]}, "high", "en").startswith("Have support resolve")
    assert next_step({"reasons": [{**ticket, "impact": -0.5}, quiet]}, "high", "en").startswith(
        "Get back in touch"
    )
    assert next_step({"reasons": []}, "high", "zh_CN") == "本周致电决策人，商定挽留方案"
    assert (
        next_step({"action": "call the customer", "reasons": [ticket]}, "low", "zh_CN")
        == "致电客户"
    )


def test_stored_messages_render_in_the_page_language() -> None:
    from keepwise.errors import Message, plural_message

    gap = plural_message("%(n)s day", "%(n)s days", 95)
    stored = Message(
        "no interaction for %(days)s (usual gap %(gap)s; last on %(at)s)",
        {"days": gap, "gap": plural_message("%(n)s day", "%(n)s days", 10), "at": "2026-01-02"},
    ).to_dict()
    assert (
        _render("{{ m|message }}", "zh_CN", m=stored)
        == "已 95 天无互动（通常间隔 10 天，最近一次 2026-01-02）"
    )
    assert _render("{{ m|message }}", "en", m=stored).startswith("no interaction for 95 days")
    old = {"texts": {"en": "<b>quiet</b>", "zh_CN": "已 95 天无互动"}}
    assert _render("{{ m|message }}", "en", m=old) == "&lt;b&gt;quiet&lt;/b&gt;"  # escaped
    assert _render("{{ m|message }}", "zh_CN", m=None) == ""


@pytest.mark.parametrize(
    ("lang", "accept", "expected"),
    [
        ("en", "zh-CN,zh;q=0.9", "en"),  # ?lang= wins
        (None, "fr-FR, en;q=0.8, zh;q=0.5", "en"),  # the best supported one of the header
        (None, "zh-TW;q=0.9, en;q=0.2", "zh_CN"),
        (None, "en;q=0, zh;q=0.1", "zh_CN"),  # q=0: not acceptable
        (None, "fr, de", "zh_CN"),  # nothing supported: the default
        (None, None, "zh_CN"),
    ],
)
def test_api_language(lang: str | None, accept: str | None, expected: str) -> None:
    assert i18n.api_locale(lang, accept) == expected
