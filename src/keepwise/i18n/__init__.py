"""keepwise's languages: one set of message catalogs for the library, the CLI, the web pages and the API.

Every text keepwise shows is English in the source and translated from the gettext catalogs
next to this module (``locales/<locale>/LC_MESSAGES/messages.po``, compiled in memory the first
time a locale is used, so a fresh clone works without a build step). The analytics return
:class:`~keepwise.errors.Message` objects (the English msgid plus parameters) instead of
finished sentences; whoever shows them renders them in the reader's language with
:func:`render` (``keepwise churn score --lang zh``, the signed-in user's locale on the pages,
``?lang=`` or ``Accept-Language`` on the API). See ``docs/i18n.md`` for adding a message.

Only Babel is needed (a core dependency); the web's Jinja hooks live in :mod:`keepwise.web.i18n`.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from keepwise.errors import N_, Message, plural_message

CATALOG_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
SUPPORTED_LOCALES: tuple[str, ...] = ("zh_CN", "en")
#: The web's language before anyone chose one (the users are mostly Chinese teams).
DEFAULT_LOCALE = "zh_CN"
#: The language of the source texts: what the library and the CLI speak unless told otherwise.
SOURCE_LOCALE = "en"
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}

__all__ = [
    "CATALOG_DIR",
    "DEFAULT_LOCALE",
    "DOMAIN",
    "LOCALE_NAMES",
    "SOURCE_LOCALE",
    "SUPPORTED_LOCALES",
    "Message",
    "N_",
    "babel_locale",
    "format_number",
    "get_translations",
    "gettext",
    "join",
    "ngettext",
    "normalize_locale",
    "pgettext",
    "plural_message",
    "render",
    "to_message",
]


def normalize_locale(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    """A supported locale for ``value`` (``zh``, ``zh-CN``, ``en_US`` ...), else ``default``."""
    if not value:
        return default
    value = value.strip().replace("-", "_")
    if value in SUPPORTED_LOCALES:
        return value
    language = value.split("_", 1)[0].lower()
    for supported in SUPPORTED_LOCALES:
        if supported.split("_", 1)[0].lower() == language:
            return supported
    return default


@cache
def get_translations(locale: str) -> NullTranslations:
    """The compiled catalog of ``locale`` (compiled from its ``.po`` once, in memory)."""
    locale = normalize_locale(locale)
    po_path = CATALOG_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext(message: str, locale: str | None = None) -> str:
    """``message`` in ``locale`` (``None``: the default locale)."""
    return str(get_translations(normalize_locale(locale)).gettext(message))


def pgettext(context: str, message: str, locale: str | None = None) -> str:
    """``message`` in a context (the same English word, different translations)."""
    return str(get_translations(normalize_locale(locale)).pgettext(context, message))


def ngettext(singular: str, plural: str, n: int, locale: str | None = None) -> str:
    """The form of a message with plural forms for the count ``n``, in ``locale``."""
    return str(get_translations(normalize_locale(locale)).ngettext(singular, plural, n))


@cache
def babel_locale(locale: str | None) -> Locale:
    """The Babel ``Locale`` for ``locale``, cached: pass it (never the string) to babel's
    format functions, which otherwise parse the name and scan babel's locale list every call."""
    return Locale.parse(normalize_locale(locale))


@cache
def _number_symbols(locale: str) -> dict[str, str] | None:
    """How ``locale`` writes ``,`` ``.`` and ``-``, or ``None`` when it writes them that way."""
    where = babel_locale(locale)
    symbols = {
        ",": numbers.get_group_symbol(where),
        ".": numbers.get_decimal_symbol(where),
        "-": numbers.get_minus_sign_symbol(where),
    }
    return None if all(k == v for k, v in symbols.items()) else symbols


def format_number(value: float | Decimal, locale: str | None = None) -> str:
    """A number as ``locale`` writes it: digits grouped, no trailing zeros (a ``Decimal`` keeps
    its own decimals: ``Decimal("1234.50")`` is ``1,234.50``), at most 6 decimals.

    Round the value to the precision it should be read at before: ``format_number(0.5)`` is
    ``0.5``, ``format_number(12345.0)`` is ``12,345``.
    """
    return _format_number(value, normalize_locale(locale, SOURCE_LOCALE))


def _format_number(value: float | Decimal, locale: str) -> str:
    if isinstance(value, Decimal):
        text = f"{value:,f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        f = float(value)
        if not math.isfinite(f):
            return str(f)
        if f.is_integer() and abs(f) < 1e15:
            text = f"{int(f):,}"
        else:
            text = f"{f:,.6f}".rstrip("0").rstrip(".")
            if text in ("-0", ""):
                text = "0"
    symbols = _number_symbols(locale)
    if symbols is not None:
        text = "".join(symbols.get(c, c) for c in text)
    return text


_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]?\d*(?:\.\d+)?([a-zA-Z])")


@lru_cache(maxsize=4096)
def _text_slots(text: str) -> frozenset[str]:
    """The parameters ``text`` writes with ``%(name)s``: numbers there are written the locale's
    way; elsewhere (``%(pct).0f``) the conversion formats the number itself."""
    return frozenset(name for name, conversion in _PLACEHOLDER.findall(text) if conversion == "s")


def _plural_count(n: object) -> int:
    """The whole count gettext picks the form with; a fraction (0.5 hours) takes the plural form."""
    try:
        f = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 2
    return abs(int(f)) if f.is_integer() else 2


def _separator(locale: str) -> str:
    return "；" if locale.startswith("zh") else "; "


def _param(value: object, locale: str, as_text: bool) -> object:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is int or kind is float or kind is Decimal:
        return _format_number(value, locale) if as_text else value  # type: ignore[arg-type]
    if isinstance(value, Message):
        return _render(value, locale)
    if isinstance(value, list | tuple) and value and all(isinstance(v, Message) for v in value):
        return _separator(locale).join(_render(v, locale) for v in value if isinstance(v, Message))
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and not isinstance(value, str | bytes):
        return _param(item(), locale, as_text)
    return value


def _render(message: Message, locale: str) -> str:
    if message.texts is not None:
        return message.texts.get(locale) or message.texts.get(SOURCE_LOCALE) or message.template
    translations = get_translations(locale)
    if message.plural is not None:
        n = _plural_count(message.params.get("n"))
        text: str = translations.ngettext(message.template, message.plural, n)
    else:
        text = translations.gettext(message.template) if message.template else ""
    if not message.params:
        return text
    slots = _text_slots(text)
    return text % {k: _param(v, locale, k in slots) for k, v in message.params.items()}


def to_message(value: object) -> Message | None:
    """The :class:`Message` of a stored value: a Message, its JSON form (``msgid``/``texts``),
    the ``{"en": ..., "zh": ...}`` pair of old stores or plain text; ``None`` for nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, Message):
        return value
    if isinstance(value, Mapping):
        if "msgid" in value or "texts" in value:
            return Message.from_dict(value)
        pair = {k: value.get(k) for k in ("en", "zh", "zh_CN") if value.get(k)}
        if pair:
            return Message.fixed(pair)
        return None
    return Message.fixed({SOURCE_LOCALE: str(value)})


def render(message: object, locale: str | None = None) -> str:
    """``message`` in ``locale`` (``None``: English, the source language).

    ``message`` is a :class:`Message`, its JSON form as the store keeps it, an old store's
    ``{"en", "zh"}`` pair, or plain text (returned as it is); ``None`` renders as ``""``.
    """
    found = message if isinstance(message, Message) else to_message(message)
    if found is None:
        return ""
    return _render(found, SOURCE_LOCALE if locale is None else normalize_locale(locale))


def join(messages: Iterable[object], locale: str | None = None) -> str:
    """Several messages in one line: ``"; "`` between them in English, ``"；"`` in Chinese."""
    loc = SOURCE_LOCALE if locale is None else normalize_locale(locale)
    return _separator(loc).join(t for t in (render(m, loc) for m in messages) if t)


def render_value(value: Any, locale: str | None = None) -> Any:
    """``value`` rendered when it is a message (for frames mixing messages and plain values)."""
    return render(value, locale) if isinstance(value, Message) else value
