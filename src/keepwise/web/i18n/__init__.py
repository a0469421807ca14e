"""Languages of the web UI: message catalogs (Babel) and locale-aware formatting.

Every string of the UI is English in the source and goes through gettext
(``{{ _("...") }}`` in templates). Catalogs live next to this module as
``locales/<locale>/LC_MESSAGES/messages.po`` and are compiled in memory the
first time a locale is used, so a fresh clone works without a build step
(``pybabel compile`` is not needed; see ``docs/web-pages.md`` for updating
catalogs).

The locale of a request is, in order: the ``locale`` in the template context
(the signed-in user's :attr:`keepwise.models.User.locale`), the ``kw_locale``
cookie (anonymous visitors) and :data:`DEFAULT_LOCALE`.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

CATALOG_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
SUPPORTED_LOCALES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_COOKIE = "kw_locale"
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for extraction without translating it now."""
    return message


def normalize_locale(value: str | None) -> str:
    """Return a supported locale for ``value`` (``zh``, ``zh-CN``, ``en_US`` ...), else the default."""
    if not value:
        return DEFAULT_LOCALE
    value = value.strip().replace("-", "_")
    if value in SUPPORTED_LOCALES:
        return value
    language = value.split("_", 1)[0].lower()
    for supported in SUPPORTED_LOCALES:
        if supported.split("_", 1)[0].lower() == language:
            return supported
    return DEFAULT_LOCALE


@cache
def get_translations(locale: str) -> NullTranslations:
    """Return the compiled catalog for ``locale`` (compiled from its ``.po`` once, in memory)."""
    po_path = CATALOG_DIR / normalize_locale(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=normalize_locale(locale), domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext(message: str, locale: str | None = None) -> str:
    """Translate ``message`` into ``locale`` (Python side: flash messages, chart labels)."""
    return str(get_translations(normalize_locale(locale)).gettext(message))


def pgettext(context: str, message: str, locale: str | None = None) -> str:
    """Translate ``message`` in a context (the same English word, different translations)."""
    return str(get_translations(normalize_locale(locale)).pgettext(context, message))


def ngettext(singular: str, plural: str, n: int, locale: str | None = None) -> str:
    """Translate a message with a plural form into ``locale``."""
    return get_translations(normalize_locale(locale)).ngettext(singular, plural, n)


def context_locale(context: Context | dict[str, Any]) -> str:
    """The locale a template renders in (context ``locale``, then the request's cookie)."""
    locale = context.get("locale")
    if locale:
        return normalize_locale(str(locale))
    request = context.get("request")
    if request is not None:
        state_locale = getattr(getattr(request, "state", None), "locale", None)
        if state_locale:
            return normalize_locale(state_locale)
        cookie = request.cookies.get(LOCALE_COOKIE)
        if cookie:
            return normalize_locale(cookie)
    return DEFAULT_LOCALE


# --- Jinja2 hooks -----------------------------------------------------------------------------


@pass_context
def _jinja_gettext(context: Context, message: str) -> str:
    return get_translations(context_locale(context)).gettext(message)


@pass_context
def _jinja_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return str(get_translations(context_locale(context)).ngettext(singular, plural, n))


@pass_context
def _jinja_pgettext(context: Context, msgctxt: str, message: str) -> str:
    return str(get_translations(context_locale(context)).pgettext(msgctxt, message))


@cache
def babel_locale(locale: str | None) -> Locale:
    """The Babel ``Locale`` for ``locale``, cached: pass it (never the string) to babel's
    format functions, which otherwise parse the name and scan babel's locale list every call."""
    return Locale.parse(normalize_locale(locale))


_babel_locale = babel_locale


@pass_context
def format_number_filter(context: Context, value: Any, digits: int | None = None) -> str:
    """``{{ n|number }}``: grouped for the locale; ``{{ x|number(1) }}`` with fixed decimals."""
    if value is None or value == "":
        return "—"
    locale = _babel_locale(context_locale(context))
    if digits is None:
        return numbers.format_decimal(value, locale=locale)
    fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return numbers.format_decimal(value, format=fmt, locale=locale)


@pass_context
def format_percent_filter(context: Context, value: Any, digits: int = 1) -> str:
    """``{{ 0.123|percent }}`` → ``12.3%`` (``value`` is a fraction)."""
    if value is None or value == "":
        return "—"
    fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return numbers.format_percent(value, format=fmt, locale=_babel_locale(context_locale(context)))


@pass_context
def format_money_filter(
    context: Context, value: Any, currency: str | None = None, compact: bool = False
) -> str:
    """``{{ amount|money }}`` in the store's default currency (``KEEPWISE_DEFAULT_CURRENCY``)."""
    if value is None or value == "":
        return "—"
    if currency is None:
        from keepwise.settings import get_settings

        currency = get_settings().default_currency
    locale = _babel_locale(context_locale(context))
    if isinstance(value, Decimal):
        value = float(value)
    if compact:
        return numbers.format_compact_currency(value, currency, locale=locale, fraction_digits=1)
    return numbers.format_currency(value, currency, locale=locale)


@pass_context
def format_date_filter(context: Context, value: Any, fmt: str = "medium") -> str:
    """``{{ d|date }}`` in the locale's medium date format."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.date()
    return dates.format_date(value, format=fmt, locale=_babel_locale(context_locale(context)))


@pass_context
def format_datetime_filter(context: Context, value: Any, fmt: str = "medium") -> str:
    """``{{ t|datetime }}`` in the locale's medium date-time format."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date_filter(context, value, fmt)
    return dates.format_datetime(value, format=fmt, locale=_babel_locale(context_locale(context)))


@pass_context
def translate_filter(context: Context, value: Any) -> str:
    """``{{ status|t }}``: translate a value that was marked with ``N_`` in Python."""
    if value is None or not str(value):
        return ""  # gettext("") would return the catalog header
    return get_translations(context_locale(context)).gettext(str(value))


@pass_context
def page_locale(context: Context) -> str:
    """``{{ page_locale() }}``: the locale the page renders in (for ``<html lang>``)."""
    return context_locale(context)


def install(env: Environment) -> Environment:
    """Install gettext (newstyle) and the locale-aware filters on ``env`` (idempotent)."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _jinja_gettext, _jinja_ngettext, newstyle=True, pgettext=_jinja_pgettext
    )
    env.filters.update(
        number=format_number_filter,
        percent=format_percent_filter,
        money=format_money_filter,
        date=format_date_filter,
        datetime=format_datetime_filter,
        t=translate_filter,
    )
    env.globals["page_locale"] = page_locale
    env.globals.setdefault("SUPPORTED_LOCALES", SUPPORTED_LOCALES)
    env.globals.setdefault("LOCALE_NAMES", LOCALE_NAMES)
    return env


__all__ = [
    "DEFAULT_LOCALE",
    "LOCALE_COOKIE",
    "LOCALE_NAMES",
    "N_",
    "SUPPORTED_LOCALES",
    "babel_locale",
    "context_locale",
    "get_translations",
    "gettext",
    "install",
    "ngettext",
    "normalize_locale",
    "pgettext",
]
