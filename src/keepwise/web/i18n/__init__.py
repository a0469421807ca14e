"""Languages of the web UI: the core catalogs (:mod:`keepwise.i18n`) in Jinja2, and the locale
of a request.

Every string of the UI is English in the source and goes through gettext
(``{{ _("...") }}`` in templates). The catalogs are those of :mod:`keepwise.i18n`, shared with
the CLI and the API (see ``docs/i18n.md`` for updating them); this module installs them in a
Jinja environment with locale-aware filters, and re-exports the core functions the pages use.

The locale of a page is, in order: the ``locale`` in the template context (the signed-in user's
:attr:`keepwise.models.User.locale`), the ``kw_locale`` cookie (anonymous visitors) and
:data:`DEFAULT_LOCALE`. The API's is :func:`api_locale`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import dates, numbers
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from keepwise.i18n import (
    CATALOG_DIR,
    DEFAULT_LOCALE,
    DOMAIN,
    LOCALE_NAMES,
    N_,
    SUPPORTED_LOCALES,
    babel_locale,
    get_translations,
    gettext,
    ngettext,
    normalize_locale,
    pgettext,
    render,
)

LOCALE_COOKIE = "kw_locale"


def api_locale(lang: str | None, accept_language: str | None) -> str:
    """The language of an API response: ``?lang=`` when given, else the best match of the
    ``Accept-Language`` header, else :data:`DEFAULT_LOCALE` (the same for every account, so one
    request reads the same whoever makes it)."""
    if lang:
        return normalize_locale(lang)
    if accept_language:
        wanted: list[tuple[float, int, str]] = []
        for part in accept_language.split(","):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            if tag and tag != "*" and weight > 0:
                wanted.append((-weight, len(wanted), tag))
        for _, _, tag in sorted(wanted):
            found = normalize_locale(tag, default="")
            if found:
                return found
    return DEFAULT_LOCALE


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


@pass_context
def format_number_filter(context: Context, value: Any, digits: int | None = None) -> str:
    """``{{ n|number }}``: grouped for the locale; ``{{ x|number(1) }}`` with fixed decimals."""
    if value is None or value == "":
        return "—"
    locale = babel_locale(context_locale(context))
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
    return numbers.format_percent(value, format=fmt, locale=babel_locale(context_locale(context)))


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
    locale = babel_locale(context_locale(context))
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
    return dates.format_date(value, format=fmt, locale=babel_locale(context_locale(context)))


@pass_context
def format_datetime_filter(context: Context, value: Any, fmt: str = "medium") -> str:
    """``{{ t|datetime }}`` in the locale's medium date-time format."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date_filter(context, value, fmt)
    return dates.format_datetime(value, format=fmt, locale=babel_locale(context_locale(context)))


@pass_context
def translate_filter(context: Context, value: Any) -> str:
    """``{{ status|t }}``: translate a value that was marked with ``N_`` in Python."""
    if value is None or not str(value):
        return ""  # gettext("") would return the catalog header
    return get_translations(context_locale(context)).gettext(str(value))


@pass_context
def message_filter(context: Context, value: Any) -> str:
    """``{{ warning.message|message }}``: a stored message (key and parameters, or an old
    store's texts) in the page's language."""
    return render(value, context_locale(context))


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
        message=message_filter,
    )
    env.globals["page_locale"] = page_locale
    env.globals.setdefault("SUPPORTED_LOCALES", SUPPORTED_LOCALES)
    env.globals.setdefault("LOCALE_NAMES", LOCALE_NAMES)
    return env


__all__ = [
    "CATALOG_DIR",
    "DEFAULT_LOCALE",
    "DOMAIN",
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
    "render",
    "api_locale",
]
