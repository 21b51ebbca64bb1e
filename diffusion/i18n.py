"""Messages in the user's language: English text that remembers its template, and the catalogues.

A message is made with :func:`t` from an English template and its values. It *is* the English
string (so it prints, compares and goes into tables as before) and it also keeps the template
and the values, so that :func:`translate` can show it in another language at display time. The
translations live in gettext catalogues (``diffusion/locale/<lang>.po``) keyed by the English
template; ``scripts/update_catalogue.py`` adds new templates to them, and a test fails when a
template has no translation.

Examples
--------
>>> message = t("unknown {level}", level=level_name("county"))
>>> message
'unknown county'
>>> translate(message, "zh")
'未知的区县'
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LANGUAGES",
    "PROBLEM_HEADERS_ZH",
    "Text",
    "catalogue",
    "level_name",
    "placeholders",
    "problems_text",
    "t",
    "translate",
    "translate_problems",
]

#: Languages a user can choose; English is the source language of every template.
LANGUAGES = ("en", "zh")
_LOCALE = Path(__file__).with_name("locale")


class Text(str):
    """An English message that keeps its ``template`` and ``values`` for translation."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: dict[str, Any]) -> Text:
        self = super().__new__(cls, template.format(**values))
        self.template, self.values = template, values
        return self

    def __reduce__(self) -> tuple:  # pickled across worker processes: keep the template
        return (Text, (self.template, self.values))


def t(template: str, /, **values: Any) -> Text:
    """The message ``template.format(**values)``, translatable later.

    ``template`` must be a literal string (the catalogue is built from the source code); values
    that are themselves messages are translated with it.

    Examples
    --------
    >>> t("empty {field}", field=t("batch"))
    'empty batch'
    """
    return Text(template, values)


def translate(value: Any, lang: str) -> Any:
    """``value`` in ``lang`` if it is a message with a translation; anything else unchanged.

    A template without a translation is shown in English (the test suite makes sure there is none).
    """
    if not isinstance(value, Text):
        return value
    values = {k: translate(v, lang) for k, v in value.values.items()}
    template = catalogue(lang).get(value.template, value.template) if lang != "en" else value.template
    return template.format(**values)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """English template -> translation in ``lang`` (empty for English or a language without a file)."""
    path = _LOCALE / f"{lang}.po"
    if lang == "en" or not path.is_file():
        return {}
    import polib  # only when a translation is asked for

    return {e.msgid: e.msgstr for e in polib.pofile(str(path)) if e.msgstr and not e.obsolete and not e.fuzzy}


#: Headings of a failure or warning table in Chinese.
PROBLEM_HEADERS_ZH = {
    "file": "文件",
    "row": "行",
    "column": "列",
    "value": "值",
    "problem": "问题",
    "expected": "应为",
    "fix": "修改方法",
}


def translate_problems(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A failure or warning table (``file, row, column, value, problem, expected, fix``) in ``lang``.

    The messages and their headings are translated; the values from the user's file are not.
    """
    if lang == "en":
        return table
    out = table.map(lambda v: translate(v, lang))
    return out.rename(columns=PROBLEM_HEADERS_ZH) if lang == "zh" else out


def problems_text(table: pd.DataFrame, lang: str) -> str:
    """A failure or warning table as plain text in ``lang``, columns aligned, our texts whole.

    Chinese characters take two columns of a terminal; pandas aligns them when told so. A value from the
    data longer than 200 characters (a 100,000-character name) is cut, saying how much was left out, so
    one cell cannot flood the terminal.
    """
    import pandas as pd

    if "value" in table:
        table = table.assign(value=[_shorten(v, lang) for v in table["value"]])
    with pd.option_context("display.unicode.east_asian_width", lang == "zh"):
        return translate_problems(table, lang).to_string(index=False)


def _shorten(cell: Any, lang: str, limit: int = 200) -> Any:
    """``cell`` cut to ``limit`` characters with the length of the rest, e.g. ``某某…(+99,820 characters)``."""
    if not isinstance(cell, str) or len(cell) <= limit:
        return cell
    return cell[:limit] + "…" + translate(t("(+{n:,} characters)", n=len(cell) - limit), lang)


def placeholders(template: str) -> set[str]:
    """The names of the fields of a template, e.g. ``{'value'}`` for ``"bad {value!r}"``."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def level_name(level: str) -> str:
    """A level of a geography as a message (``province`` is 省份 in Chinese); other levels as given.

    Examples
    --------
    >>> translate(level_name("county"), "zh"), level_name("canton")
    ('区县', 'canton')
    """
    return _LEVELS.get(level, level)


_LEVELS = {
    "country": t("country"),
    "province": t("province"),
    "prefecture": t("prefecture"),
    "county": t("county"),
    "township": t("township"),
    "village": t("village"),
    "state": t("state"),
    "region": t("region"),
    "unit": t("unit"),
}
