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

import re
import string
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import pandas as pd
    from markupsafe import Markup

__all__ = [
    "LANGUAGES",
    "PROBLEM_HEADERS_ZH",
    "Text",
    "bilingual",
    "catalogue",
    "joined",
    "known_levels",
    "level_name",
    "level_plural",
    "messages",
    "placeholders",
    "problems_text",
    "region_name",
    "t",
    "template_text",
    "translate",
    "translate_all",
    "translate_problems",
]

#: Languages a user can choose; English is the source language of every template.
LANGUAGES = ("en", "zh")
_LOCALE = Path(__file__).with_name("locale")
_FULL_STOP = re.compile(r"[。；：！？，）」』]")  # after these, Chinese needs no separator
_ZH_SEPARATORS = {", ": "、", "; ": "；"}  # lists of names take the enumeration comma


class Text(str):
    """An English message that keeps its ``template`` and ``values`` for translation."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: dict[str, Any]) -> Self:
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


class Name(Text):
    """A name from the data, shown in Chinese where the data give a Chinese form (``label_zh``)."""

    zh: str

    def __new__(cls, en: str, zh: str = "") -> Self:
        self = super().__new__(cls, "{en}", {"en": en})
        self.zh = zh
        return self

    def __reduce__(self) -> tuple:
        return (Name, (self.values["en"], self.zh))


def bilingual(en: str, zh: str = "") -> Text:
    """A name with its English and Chinese forms, e.g. a series' ``label_en`` and ``label_zh``.

    Examples
    --------
    >>> series = bilingual("Broadband China", "宽带中国")
    >>> series, translate(series, "zh"), translate(bilingual("Ohio"), "zh")
    ('Broadband China', '宽带中国', 'Ohio')
    """
    return Name(en or zh, zh)


class Joined(Text):
    """Messages shown one after another: ``sep`` between them in English, nothing between Chinese ones."""

    sep: str

    def __new__(cls, parts: list[Any], sep: str = " ") -> Self:
        values = {f"p{i}": part for i, part in enumerate(parts)}
        self = super().__new__(cls, sep.join("{" + key + "}" for key in values), values)
        self.sep = sep
        return self

    def __reduce__(self) -> tuple:
        return (Joined, (list(self.values.values()), self.sep))


def joined(*parts: Any, sep: str = " ") -> Text:
    """The non-empty ``parts`` (messages or text) as one message, e.g. sentences of a paragraph.

    In Chinese, the separator after full-width punctuation is dropped; a list's comma is 、 and a
    semicolon is full-width.

    Examples
    --------
    >>> message = joined(t("unknown place"), "", t("fill it in"))
    >>> message, translate(message, "zh")
    ('unknown place fill it in', '未知地点 填写它')
    """
    return Joined([p for p in parts if p], sep)


def translate(value: Any, lang: str) -> Any:
    """``value`` in ``lang`` if it is a message with a translation; anything else unchanged.

    A template without a translation is shown in English (the test suite makes sure there is none).
    """
    if not isinstance(value, Text):
        return value
    if isinstance(value, Name):
        return value.zh if lang == "zh" and value.zh else str(value)
    if isinstance(value, Joined):
        parts = [str(translate(v, lang)) for v in value.values.values()]
        if lang != "zh":
            return value.sep.join(parts)
        sep = _ZH_SEPARATORS.get(value.sep, value.sep)
        return "".join(p if i == 0 or _FULL_STOP.match(parts[i - 1][-1:]) else sep + p for i, p in enumerate(parts))
    values = {k: translate(v, lang) for k, v in value.values.items()}
    template = catalogue(lang).get(value.template, value.template) if lang != "en" else value.template
    return template.format(**values)


def messages(values: Iterable[Any], index: pd.Index | None = None) -> pd.Series:
    """A column of messages kept as they are, to be translated later.

    pandas infers a column of text as plain strings, which drops a message's template; an object
    column keeps it.

    Examples
    --------
    >>> column = messages([t("county")])
    >>> translate(column.iloc[0], "zh"), column.dtype
    ('区县', dtype('O'))
    """
    import pandas as pd

    return pd.Series(list(values), index=index, dtype=object)


def translate_all(value: Any, lang: str) -> Any:
    """``value`` with every message inside it (in dicts, lists and tuples) shown in ``lang``.

    Examples
    --------
    >>> translate_all({"lines": [t("unknown {level}", level=level_name("county")), 3]}, "zh")
    {'lines': ['未知的区县', 3]}
    """
    if lang == "en" or isinstance(value, int | float | type(None)):
        return value
    if isinstance(value, Text):
        return translate(value, lang)
    if isinstance(value, dict):
        return {k: translate_all(v, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(translate_all(v, lang) for v in value)
    return value


def template_text(lang: str) -> Callable[..., Markup]:
    """The report template's ``_(template, **values)``: a fixed text of the template in ``lang``.

    The template may hold markup (it is ours); the values are escaped (they may come from the data).
    Line breaks and runs of spaces count as one space, so a long paragraph can be wrapped in the
    template; ``scripts/update_catalogue.py`` collects these texts into the catalogues.

    Examples
    --------
    >>> _ = template_text("en")
    >>> _("<em>{n}</em> of {total}", n="<b>", total=3)
    Markup('<em>&lt;b&gt;</em> of 3')
    """
    from markupsafe import Markup

    table = catalogue(lang)

    def text(template: str, /, **values: Any) -> Markup:
        key = " ".join(template.split())
        return Markup(table.get(key, key)).format(**{k: translate(v, lang) for k, v in values.items()})

    return text


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


#: Levels that have a name in the catalogue (others are shown as the geography names them).
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


def known_levels() -> tuple[str, ...]:
    """The levels with a name and a plural in the catalogue ("province", "county", ...)."""
    return tuple(_LEVELS)


def level_plural(level: str) -> str:
    """The plural of a level as a message (``counties``, 区县 in Chinese); other levels by the English rule.

    Examples
    --------
    >>> level_plural("county"), translate(level_plural("province"), "zh"), level_plural("canton")
    ('counties', '省份', 'cantons')
    """
    if level in _PLURALS:
        return _PLURALS[level]
    if level.endswith("y") and level[-2:-1] not in "aeiou":
        return level[:-1] + "ies"
    return level if level.endswith("s") else level + "s"


_PLURALS = {
    "country": t("countries"),
    "province": t("provinces"),
    "prefecture": t("prefectures"),
    "county": t("counties"),
    "township": t("townships"),
    "village": t("villages"),
    "state": t("states"),
    "region": t("regions"),
    "unit": t("units"),
}


def region_name(name: str) -> str:
    """A macro-region's name as a message where it is a compass name (``East`` is 东部); others as given.

    Examples
    --------
    >>> translate(region_name("West"), "zh"), region_name("Pacific")
    ('西部', 'Pacific')
    """
    return _REGIONS.get(name, name)


_REGIONS = {
    "East": t("East"),
    "Central": t("Central"),
    "West": t("West"),
    "Northeast": t("Northeast"),
    "North": t("North"),
    "South": t("South"),
    "Southwest": t("Southwest"),
    "Northwest": t("Northwest"),
    "Southeast": t("Southeast"),
    "Midwest": t("Midwest"),
}
