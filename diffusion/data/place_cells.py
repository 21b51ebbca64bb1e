"""The place cells of a case row, resolved top-down to one unit of the geography and checked for agreement."""

from __future__ import annotations

from dataclasses import dataclass, field

from diffusion.data.geography import Geography
from diffusion.data.places import PlaceResolver
from diffusion.data.problems import Closest, Problems
from diffusion.i18n import level_name, t

__all__ = ["PlaceParser", "place_record"]


@dataclass
class PlaceParser:
    """Resolves the place columns of one row top-down and checks that they agree."""

    geo: Geography
    resolver: PlaceResolver
    allow_unresolved: bool
    problems: Problems = field(init=False)
    closest: Closest = field(init=False, default_factory=Closest)

    @property
    def columns(self) -> set[str]:
        """The columns a row's place is read from."""
        levels = self.geo.levels
        return {"unit", "unit_code", "unit_level", *levels, *(lvl + "_code" for lvl in levels), *self.geo.sub_levels}

    def parse(self, row: dict, problems: Problems) -> dict:
        """The place record of a row (or of one distinct combination of place cells)."""
        self.problems, i = problems, 0  # problems of this row only: its first (and only) row
        geo = self.geo
        start = len(self.problems.failures)
        current: str | None = None  # deepest unit resolved so far
        named: list[str] = []  # levels the row names
        unresolved = ""
        for level in geo.levels:
            code_cell, name = row.get(level + "_code", ""), row.get(level, "")
            if not code_cell and not name:
                continue
            named.append(level)
            code = self._code(i, level + "_code", code_cell, level, current) if code_cell else None
            if name and code is not None:
                self._check_name_matches_code(i, level, name, code, code_cell, current)
            elif name:
                code, outcome = self._name(i, level, name, current)
                if outcome == "stop":
                    return place_record(geo, None, named, row)
                if outcome == "unresolved":
                    unresolved = name
                    break
            current = code or current
        current = self._unit(i, row, current, named)
        subs = [s for s in geo.sub_levels if row.get(s)]
        if current is None:
            if len(self.problems.failures) == start:
                self.problems.add(
                    i,
                    "place",
                    "",
                    t("no place given"),
                    t("a name or code in a place column"),
                    t("fill in the province, county or other place of the case"),
                )
            return place_record(geo, None, named, row)
        rec = place_record(geo, current, named + subs, row, unresolved)
        self._check_level(i, row.get("unit_level", ""), rec["unit_level"])
        return rec

    def _describe(self, codes) -> str:
        return "; ".join(self.resolver.describe(c) for c in codes)

    def _code(self, i: int, column: str, value: str, level: str | None, within: str | None) -> str | None:
        res = self.resolver.resolve(value, level=level)
        if res.status != "ok":
            self.problems.add(
                i,
                column,
                value,
                t("unknown code"),
                t("a {level} code of {geography}", level=level_name(level or "unit"), geography=self.geo.title),
                t("correct the code"),
            )
            return None
        assert res.code is not None  # status "ok" sets it
        if within is not None and not self.geo.is_within(res.code, within):
            self.problems.add(
                i,
                column,
                value,
                t("hierarchy contradiction: not in {parent}", parent=self.resolver.describe(within)),
                t(
                    "a unit inside the one named before it; {value} is {place}",
                    value=value,
                    place=self.resolver.describe(res.code),
                ),
                t("correct the code or its parent columns"),
            )
            return None
        return res.code

    def _check_name_matches_code(self, i, level, name, code, code_cell, within) -> None:
        res = self.resolver.resolve(name, level=level, within=within)
        if res.status == "unknown" or (res.status == "ok" and res.code != code):
            self.problems.add(
                i,
                level,
                name,
                t("name does not match {column} {code}", column=level + "_code", code=code_cell),
                t("the name of {place}", place=self.resolver.describe(code)),
                t("correct the name or the code"),
            )

    def _name(self, i: int, level: str, name: str, within: str | None) -> tuple[str | None, str]:
        """Resolve a level's name: (code, "ok"), (None, "stop") on an error, or (None, "unresolved")."""
        res = self.resolver.resolve(name, level=level, within=within)
        if res.status == "ok":
            return res.code, "ok"
        if res.status == "ambiguous":
            self.problems.add(
                i,
                level,
                name,
                t("ambiguous place name"),
                t("one unit; candidates: {places}", places=self._describe(res.candidates)),
                t(
                    "add the parent ({top} etc.) or give the code in {column}",
                    top=level_name(self.geo.levels[0]),
                    column=level + "_code",
                ),
            )
            return None, "stop"
        elsewhere = self.resolver.resolve(name, level=level) if within else res
        if within and elsewhere.status != "unknown":
            where = self._describe(elsewhere.candidates or (elsewhere.code,))
            self.problems.add(
                i,
                level,
                name,
                t("hierarchy contradiction: not in {parent}", parent=self.resolver.describe(within)),
                t(
                    "a {level} inside the unit named before it; {name} is {place}",
                    level=level_name(level),
                    name=name,
                    place=where,
                ),
                t("correct the name or its parent columns"),
            )
            return None, "stop"
        if self.allow_unresolved and within is not None:
            self.problems.add(
                i,
                level,
                name,
                t(
                    "{level} not in the geography; kept, attached to {parent}",
                    level=level_name(level),
                    parent=self.resolver.describe(within),
                ),
                t("a {level} of {geography}", level=level_name(level), geography=self.geo.title),
                t("check the name (renamed or merged units do not resolve)"),
                warning=True,
            )
            return None, "unresolved"
        self.problems.add(
            i,
            level,
            name,
            t("unknown {level}", level=level_name(level)),
            t(
                "a {level} name of the geography; closest: {names}",
                level=level_name(level),
                names=self.closest(self.resolver.suggest, res),
            ),
            t("correct the spelling, add the parent columns, or give the code"),
        )
        return None, "stop"

    def _unit(self, i: int, row: dict, current: str | None, named: list[str]) -> str | None:
        """The free-text ``unit`` and ``unit_code`` columns, inside what the level columns gave."""
        unit, unit_code = row.get("unit", ""), row.get("unit_code", "")
        if unit_code:
            code = self._code(i, "unit_code", unit_code, None, current)
            if code is not None:
                current = code
                named.append(self.geo.level_of(code))
        if not unit:
            return current
        res = self.resolver.resolve(unit, within=current)
        if res.status == "ok":
            assert res.code is not None
            named.append(self.geo.level_of(res.code))
            return res.code
        if res.status == "ambiguous":
            self.problems.add(
                i,
                "unit",
                unit,
                t("ambiguous place name"),
                t("one unit; candidates: {places}", places=self._describe(res.candidates)),
                t("write the place with its province (湖南省新化县) or give unit_code"),
            )
        else:
            self.problems.add(
                i,
                "unit",
                unit,
                t("unknown place"),
                t("a place of the geography; closest: {names}", names=self.closest(self.resolver.suggest, res)),
                t("correct the spelling or write the place with its province"),
            )
        return None

    def _check_level(self, i: int, given: str, deepest: str) -> None:
        if not given:
            return
        level = given.strip().lower()
        allowed = [*self.geo.levels, *self.geo.sub_levels]
        if level not in allowed:
            self.problems.add(
                i,
                "unit_level",
                given,
                t("unknown unit level"),
                t("one of {levels}", levels=allowed),
                t("write one of the levels, or leave it empty to take the deepest place named"),
            )
        elif level != deepest:
            self.problems.add(
                i,
                "unit_level",
                given,
                t("unit level inconsistent with the names given"),
                t("'{level}' (the deepest place named on the row)", level=deepest),
                t("fill in the {level} name, or correct unit_level", level=level_name(level)),
            )


def place_record(geo: Geography, code: str | None, named: list[str], row: dict, unresolved: str = "") -> dict:
    rec: dict = {"geo_code": code or ""}
    for level in geo.levels:
        rec[level + "_code"] = (geo.ancestor_at(code, level) or "") if code else ""
    for s in geo.sub_levels:
        rec[s] = row.get(s, "")
    order = [*geo.levels, *geo.sub_levels]
    deepest = max(named, key=order.index) if named else ""
    rec["unit_level"] = deepest
    parts = [code or ""] + ([unresolved] if unresolved else []) + [row.get(s, "") for s in geo.sub_levels if row.get(s)]
    rec["unit_id"] = "/".join(parts) if code else ""
    names = [geo.label(code, "zh")] if code else []
    rec["unit_name"] = " ".join(
        names + ([unresolved] if unresolved else []) + [row.get(s, "") for s in geo.sub_levels if row.get(s)]
    )
    return rec
