"""The language of what the CLI writes: ``--lang en|zh`` (English by default).

The analytics return messages (catalog keys with parameters) and English names; the commands
render them here, in the chosen language, before printing a table or writing CSV/JSON. Keys
(``segment``, ``tier``, ``risk_tier``, ``rule``, ``severity``) stay as they are, so files
written in Chinese filter and join like files written in English.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import pandas as pd


class Lang(StrEnum):
    en = "en"
    zh = "zh"

    @property
    def locale(self) -> str:
        """The catalog locale (``en``, ``zh_CN``)."""
        return "zh_CN" if self is Lang.zh else "en"


LangOption = Annotated[
    Lang,
    typer.Option(
        "--lang",
        help="Language of reasons, messages and names in the output (table, CSV and JSON): "
        "en or zh.",
    ),
]


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
