"""Rendering in the language of ``--lang en|zh`` (:class:`~keepwise.cli._options.Lang`; English by default).

The analytics return messages (catalog keys with parameters) and English names; the commands
render them here, in the chosen language, before printing a table or writing CSV/JSON. Keys
(``segment``, ``tier``, ``risk_tier``, ``rule``, ``severity``) stay as they are, so files
written in Chinese filter and join like files written in English.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from keepwise.cli._options import Lang

if TYPE_CHECKING:
    import pandas as pd


def localized(
    frame: pd.DataFrame,
    lang: Lang,
    *,
    messages: Iterable[str] = (),
    names: Iterable[str] = (),
) -> pd.DataFrame:
    """``frame`` with its message columns rendered and its name columns translated into ``lang``.

    ``messages`` hold :class:`~keepwise.errors.Message` objects (or their JSON form); ``names``
    hold English catalog keys such as a segment's or a tier's name (unknown names stay).
    """
    from keepwise.i18n import render

    locale = lang.locale
    changed: dict[str, Any] = {}
    for column in messages:
        if column in frame.columns:
            changed[column] = [render(m, locale) for m in frame[column]]
    for column in names:
        if column in frame.columns:
            changed[column] = [_name(v, locale) for v in frame[column]]
    return frame.assign(**changed) if changed else frame


def localized_records(
    records: list[dict[str, Any]], lang: Lang, *, names: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """JSON records with their name fields translated into ``lang``."""
    keys = list(names)
    return [{**r, **{k: _name(r[k], lang.locale) for k in keys if k in r}} for r in records]


def _name(value: Any, locale: str) -> Any:
    from keepwise.i18n import gettext

    return gettext(value, locale) if isinstance(value, str) and value else value
