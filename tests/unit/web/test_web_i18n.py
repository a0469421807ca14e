"""The UI's message catalogs and locale-aware formatting."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from keepwise.web import i18n

I18N = Path(i18n.__file__).parent
WEB = I18N.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (I18N / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(catalog) -> set[object]:  # type: ignore[no-untyped-def]
    return {m.id for m in catalog if m.id}


def test_catalog_template_is_up_to_date(tmp_path: Path) -> None:
    """Every string marked in the pages, the templates and the importer's messages is in
    messages.pot (run pybabel extract, see docs/web-pages.md)."""
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(I18N / "babel.cfg"),
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(out),
            str(WEB.parent),  # src/keepwise: babel.cfg picks the web and schema files
        ],
        check=True,
        capture_output=True,
    )
    with out.open("rb") as fresh, (I18N / "messages.pot").open("rb") as committed:
        missing = _ids(read_po(fresh)) - _ids(read_po(committed))
    # Only this direction: an id that an older extractor found and a newer one does not (Babel
    # 2.19 stopped reading "freq" out of gettext(FREQS[f["freq"]])) is harmless, a missing one is not.
    assert not missing, f"not in messages.pot (run pybabel extract and update): {sorted(missing)}"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_string_is_translated(locale: str) -> None:
    with (I18N / "messages.pot").open("rb") as handle:
        wanted = _ids(read_po(handle))
    catalog = _catalog(locale)
    assert wanted <= _ids(catalog), "run pybabel update (see docs/web-pages.md)"
    untranslated = [
        m.id
        for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert untranslated == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]


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
