"""Resolving place names to unit codes: "湖南省新化县" → 431322.

Names are matched exactly, never fuzzily: a full name ("新化县"), a short name with its
administrative suffix dropped ("新化", "恩施州"), an English name or alias, a code, or a
concatenation of these from the top down ("湖南新化", "湖南省娄底市新化县"). A name that fits
several units is *ambiguous* and reported with its candidates; a name that fits none is
*unknown* and reported with the closest names, which are suggestions only.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from diffusion.data.geography import Geography
from diffusion.data.traditional import fold_traditional, has_traditional

__all__ = ["PlaceResolver", "Resolution", "normalise_name", "resolver_for"]

# Longest first, so that 自治区 is stripped before 区.
_SUFFIXES = sorted(
    [
        "特别行政区",
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "自治州",
        "自治县",
        "自治旗",
        "省",
        "市",
        "县",
        "区",
        "盟",
        "旗",
        "地区",
        "林区",
        "特区",
        "新区",
    ],
    key=len,
    reverse=True,
)
# 恩施土家族苗族自治州 → 恩施; 关岭布依族苗族自治县 → 关岭.
_ETHNIC = re.compile(r"^(.{2,}?)(?:[^族]{1,4}族)+自治(州|县|旗|区)$")
_SEPARATORS = re.compile(r"[\s,，、/·\-–—>＞|]+")


def normalise_name(text: str) -> str:
    """NFKC-normalise, lower-case and remove spaces and separators from a place name."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text))).lower()


def _short_forms(name: str) -> set[str]:
    forms = set()
    m = _ETHNIC.match(name)
    if m:
        forms |= {m.group(1), m.group(1) + m.group(2)}
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            forms.add(name[: -len(suffix)])
            break
    return forms - {name}


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one name.

    ``status`` is "ok" (``code`` set), "ambiguous" (``candidates`` lists the codes) or
    "unknown" (:meth:`PlaceResolver.suggest` gives close names, for the error message only).
    """

    text: str
    status: str
    code: str | None = None
    candidates: tuple[str, ...] = ()
    level: str | None = None
    within: str | None = None


class PlaceResolver:
    """Resolve place names and codes against a :class:`Geography`.

    Examples
    --------
    >>> from diffusion import load_geography
    >>> r = PlaceResolver(load_geography())
    >>> r.resolve("湖南省新化县").code
    '431322'
    >>> r.resolve("朝阳区").status
    'ambiguous'
    """

    def __init__(self, geography: Geography) -> None:
        self.geography = geography
        self._cache: dict[tuple[str, str | None, str | None], Resolution] = {}

    @cached_property
    def _index(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        full: dict[str, set[str]] = defaultdict(set)
        short: dict[str, set[str]] = defaultdict(set)
        units = self.geography.units
        # Plain columns, not DataFrame.iterrows: the index of China's 3,210 units is built in every process.
        for code, zh, en, aliases in zip(units.index, units["name_zh"], units["name_en"], units["aliases"]):
            full[normalise_name(code)].add(code)
            for name in filter(None, (n.strip() for n in [zh, en, *str(aliases).split(";")])):
                full[normalise_name(name)].add(code)
            if zh:
                for form in _short_forms(unicodedata.normalize("NFKC", zh)):
                    short[normalise_name(form)].add(code)
        return ({k: sorted(v) for k, v in full.items()}, {k: sorted(v) for k, v in short.items()})

    @cached_property
    def _names(self) -> list[tuple[str, str, str]]:
        """(normalised name, code, level) of every Chinese and English name: what suggestions search."""
        units = self.geography.units
        return [
            (normalise_name(name), code, level)
            for code, level, zh, en in zip(units.index, units["level"], units["name_zh"], units["name_en"])
            for name in (zh, en)
            if name
        ]

    @cached_property
    def _longest(self) -> int:
        """Length of the longest known name: no longer prefix can name a unit."""
        return max(map(len, (*self._index[0], *self._index[1])), default=0)

    def _lookup(self, key: str) -> list[str]:
        full, short = self._index
        return full.get(key) or short.get(key, [])

    def resolve(self, text: str, *, level: str | None = None, within: str | None = None) -> Resolution:
        """Resolve ``text`` to one unit.

        Parameters
        ----------
        text : str
            A name, short name, code, or names of nested units from the top down.
        level : str, optional
            Keep only candidates at this level (e.g. the column the name came from).
        within : str, optional
            Keep only candidates inside this unit (e.g. the province given on the same row).
        """
        cached = self._cache.get((text, level, within))
        if cached is None:
            cached = self._cache[(text, level, within)] = self._resolve(text, level, within)
        return cached

    def needs_folding(self, text: str) -> bool:
        """Whether ``text`` names a unit only once its traditional characters are folded (廣東省)."""
        return has_traditional(text) and not self._candidates(normalise_name(text), depth=0)

    def _resolve(self, text: str, level: str | None, within: str | None) -> Resolution:
        key = normalise_name(text)
        found = self._candidates(key, depth=0)
        if not found and has_traditional(text):  # exact names first: 乾县 is a simplified name too
            key = normalise_name(fold_traditional(text))
            found = self._candidates(key, depth=0)
        geo = self.geography
        if level is not None:
            found = [c for c in found if geo.level_of(c) == level]
        if within is not None:
            found = [c for c in found if geo.is_within(c, within)]
        found = sorted(set(found))
        if len(found) == 1:
            return Resolution(text, "ok", found[0])
        if found:
            return Resolution(text, "ambiguous", candidates=tuple(found))
        return Resolution(text, "unknown", level=level, within=within)

    def _candidates(self, key: str, depth: int) -> list[str]:
        direct = self._lookup(key)
        if direct or depth >= 3 or len(key) < 2:
            return direct
        # Split "湖南新化" into a head that names a unit and a tail inside that unit. Heads are never longer
        # than the longest name, which keeps a 100,000-character cell linear, not quadratic.
        out: list[str] = []
        for i in range(2, min(len(key) - 1, self._longest + 1)):
            heads = self._lookup(key[:i])
            if not heads:
                continue
            tails = self._candidates(key[i:], depth + 1)
            out.extend(t for t in tails for h in heads if t != h and self.geography.is_within(t, h))
        return out

    def suggest(self, res: Resolution) -> tuple[str, ...]:
        """Closest names to an unknown name among the units its row allows (none for a text far longer than any).

        Examples
        --------
        >>> from diffusion import load_geography
        >>> r = PlaceResolver(load_geography())
        >>> r.suggest(r.resolve("长冶市", level="prefecture"))[0]
        '长治市 (140400, 山西省)'
        """
        key = normalise_name(res.text)
        if has_traditional(res.text):
            key = normalise_name(fold_traditional(res.text))
        if len(key) > 2 * self._longest:
            return ()
        return self._suggest(key, res.level, res.within)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 -- resolvers live as long as their geography
    def _suggest(self, key: str, level: str | None, within: str | None) -> tuple[str, ...]:
        """Closest names among the units that the row's other columns allow."""
        names: dict[str, list[str]] = defaultdict(list)
        for name, code, unit_level in self._names:
            if (level and unit_level != level) or (within and not self.geography.is_within(code, within)):
                continue
            names[name].append(code)
        close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.4)
        return tuple(dict.fromkeys(self.describe(c) for name in close for c in names[name]))[:5]

    def describe(self, code: str) -> str:
        """``name (code, parent names)`` for messages, e.g. ``朝阳区 (110105, 北京市)``."""
        geo = self.geography
        parents = [geo.label(c, "zh") for c in reversed(geo.ancestors(code))]
        where = ", ".join([code, *parents])
        return f"{geo.label(code, 'zh')} ({where})"


@functools.cache
def resolver_for(geography: Geography) -> PlaceResolver:
    """One shared resolver per geography object, so its name index is built once."""
    return PlaceResolver(geography)
