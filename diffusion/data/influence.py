"""Influence networks of the user's own: ties between units along which practices may travel.

Counterpart-support pairs (对口支援), cadre transfers, sister cities, trade ties: an edge list
``source, target[, weight][, start][, end]`` between units of one level. Influence flows from
``source`` to ``target``; an undirected network has it both ways. An edge with ``start``/``end``
(a year or a date; empty: open) is active only then. Wherever geographic adjacency is used — ties
between adopters, the neighbour test, join counts and Moran's I, event-history exposure,
simulation — a network given with the dataset is used instead, and results name it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from diffusion.data.geography import Geography
from diffusion.data.io import read_table
from diffusion.data.places import resolver_for
from diffusion.data.problems import Closest, Problems
from diffusion.data.schema import header_key, parse_date
from diffusion.errors import ValidationError
from diffusion.i18n import level_name, t

__all__ = ["InfluenceNetwork", "Ties", "influence_ties", "read_network"]

_COLUMNS = {
    "source": ("source", "from", "sender", "origin", "来源", "来源单位", "源", "支援方", "派出地"),
    "target": ("target", "to", "receiver", "destination", "目标", "目标单位", "受援方", "接收地"),
    "weight": ("weight", "权重", "强度"),
    "start": ("start", "start_year", "start_date", "from_year", "开始", "开始年份", "起始", "起始年份"),
    "end": ("end", "end_year", "end_date", "to_year", "结束", "结束年份", "终止", "终止年份"),
}


@dataclass(frozen=True, eq=False)
class InfluenceNetwork:
    """Ties between units of one level, directed or not, static or time-stamped.

    Parameters
    ----------
    edges : DataFrame
        ``source``, ``target`` (unit codes), ``weight`` (float, 1 by default), ``start``, ``end``
        (ISO dates or years as text; "" = open).
    level : str
        The level of every unit of the network.
    directed : bool
        Influence from ``source`` to ``target`` only; otherwise both ways.
    origin : str
        The file it was read from.

    Examples
    --------
    >>> edges = pd.DataFrame({"source": ["R1"], "target": ["R2"], "weight": [1.0], "start": [""], "end": ["2002"]})
    >>> net = InfluenceNetwork(edges, "region", directed=True, origin="ties.csv")
    >>> net.influence_arrays(["R1", "R2", "R3"])  # who looks at whom: R2 (1) looks at R1 (0)
    (array([1]), array([0]))
    >>> net.active(["2001", "2003"]).tolist()  # the tie has ended by 2003
    [[True, False]]
    """

    edges: pd.DataFrame
    level: str
    directed: bool
    origin: str

    @property
    def timed(self) -> bool:
        """Whether any edge has a start or an end."""
        return bool((self.edges["start"] != "").any() or (self.edges["end"] != "").any())

    def influence_arrays(self, units: list[str] | pd.Index) -> tuple[np.ndarray, np.ndarray]:
        """(looker, influencer) unit indices of every edge, both ways when undirected.

        A looker is a unit that may learn from the influencer: the target of a directed edge.
        """
        index = {u: i for i, u in enumerate(units)}
        source = self.edges["source"].map(index).to_numpy(dtype=int)
        target = self.edges["target"].map(index).to_numpy(dtype=int)
        if self.directed:
            return target, source
        return np.r_[target, source], np.r_[source, target]

    def active(self, dates: list[str]) -> np.ndarray:
        """Edges x dates: whether each edge (each direction, as in :meth:`influence_arrays`) is active.

        Dates compare as ISO text at the precision they share ("2019" is within "2019-05"'s year).
        """
        start, end = self.edges["start"].to_numpy(dtype=object), self.edges["end"].to_numpy(dtype=object)
        out = np.array([[_within(d, s, e) for d in dates] for s, e in zip(start, end)], dtype=bool).reshape(
            len(start), len(dates)
        )
        return out if self.directed else np.vstack([out, out])

    def describe(self) -> str:
        """One line for reports: the file, the number of ties, the level, direction and time."""
        kind = t("directed") if self.directed else t("undirected")
        line = t(
            "network {origin}: {n} {kind} ties between units at level {level}",
            origin=self.origin,
            n=len(self.edges),
            kind=kind,
            level=level_name(self.level),
        )
        return t("{line}, time-stamped", line=line) if self.timed else line


@dataclass(frozen=True, eq=False)
class Ties:
    """The graph an analysis uses at one level: who may learn from whom, and when.

    ``looker[e]`` may learn from ``influencer[e]`` (indices into ``units``, the level's units in
    code order); ``graph`` names the graph for results and reports.
    """

    units: list[str]
    looker: np.ndarray
    influencer: np.ndarray
    graph: str
    network: InfluenceNetwork | None = None

    @property
    def timed(self) -> bool:
        return self.network is not None and self.network.timed

    def active(self, dates: list[str]) -> np.ndarray:
        """Ties x dates: whether each tie is active at each date (always, for a static graph)."""
        if self.network is None:
            return np.ones((len(self.looker), len(dates)), dtype=bool)
        return self.network.active(dates)


def influence_ties(geography: Geography, network: InfluenceNetwork | None, level: str) -> Ties | None:
    """The user's network if it is at ``level``, else the geography's adjacency there, else None.

    Examples
    --------
    >>> from diffusion.data.geography import load_geography
    >>> ties = influence_ties(load_geography(), None, "province")
    >>> ties.graph, len(ties.units), len(ties.looker)  # 69 pairs, both ways
    ('geographic adjacency', 31, 138)
    """
    units = geography.level_units(level).index.tolist()
    if network is not None and network.level == level:
        looker, influencer = network.influence_arrays(units)
        return Ties(units, looker, influencer, network.describe(), network)
    if geography.adjacency.empty or geography.neighbour_level != level:
        return None
    _, pairs = geography.neighbour_pairs(level)
    looker, influencer = np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]]
    return Ties(units, looker, influencer, t("geographic adjacency"))


def _within(date: str, start: str, end: str) -> bool:
    n = len(date)
    return (not start or start[:n] <= date[: len(start)]) and (not end or date[: len(end)] <= end[:n])


def read_network(
    path: str | Path,
    geography: Geography,
    *,
    directed: bool = False,
    sheet: str | int | None = None,
    delimiter: str | None = None,
) -> InfluenceNetwork:
    """Read and validate an edge list ``source, target[, weight][, start][, end]``.

    Units are names or codes resolved against ``geography``, all at one level. Self-ties,
    unreadable weights or times, an end before the start, and a tie listed twice are refused,
    every one in one table.

    Examples
    --------
    >>> net = read_network("counterpart_support.csv", load_geography(), directed=True)  # doctest: +SKIP
    """
    table = read_table(path, sheet=sheet, delimiter=delimiter)
    problems = Problems(table.path, table.rows)
    frame = table.frame.rename(columns=_canonical(list(table.frame.columns)))
    for col in ("source", "target"):
        if col not in frame.columns:
            problems.add(
                None,
                col,
                "",
                t("missing required column"),
                t("columns source and target (unit names or codes); found {found}", found=list(table.frame.columns)),
                t("name the two unit columns source and target"),
            )
    if problems.failures:
        raise ValidationError(problems.failures, source=table.path)
    resolver, closest = resolver_for(geography), Closest()
    codes = {}
    for col in ("source", "target"):
        codes[col] = [_unit(i, col, v, resolver, problems, closest) for i, v in enumerate(frame[col])]
    level = _level(codes, frame, geography, problems)
    for i, (s, g) in enumerate(zip(codes["source"], codes["target"])):
        if s and s == g:
            problems.add(
                i,
                "target",
                frame["target"].iloc[i],
                t("a tie from a unit to itself"),
                t("two different units"),
                t("remove the row"),
            )
    edges = pd.DataFrame({"source": codes["source"], "target": codes["target"]})
    edges["weight"] = [
        _weight(i, v, problems) for i, v in enumerate(frame.get("weight", pd.Series("", index=frame.index)))
    ]
    for col in ("start", "end"):
        edges[col] = [
            _time(i, col, v, problems) for i, v in enumerate(frame.get(col, pd.Series("", index=frame.index)))
        ]
    for i, (s, e) in enumerate(zip(edges["start"], edges["end"])):
        if s and e and e < s[: len(e)]:
            problems.add(
                i,
                "end",
                e,
                t("the tie ends before it starts ({start})", start=s),
                t("an end on or after the start"),
                t("correct the start or the end"),
            )
    _check_repeats(edges, directed, problems)
    problems.sort_by_row()
    if problems.failures:
        raise ValidationError(problems.failures, source=table.path)
    return InfluenceNetwork(edges, level, directed, table.path)


def _level(codes: dict[str, list[str]], frame: pd.DataFrame, geography: Geography, problems: Problems) -> str:
    """The network's level: that of most of its units (ties: the higher); units of other levels are reported."""
    found = pd.Series([geography.level_of(c) for col in codes for c in codes[col] if c], dtype=object)
    if found.empty:
        return ""
    counts = found.value_counts()
    level = min(counts.index[counts == counts.max()], key=list(geography.levels).index)
    for col in ("source", "target"):
        for i, c in enumerate(codes[col]):
            if c and geography.level_of(c) != level:
                problems.add(
                    i,
                    col,
                    frame[col].iloc[i],
                    t("a unit of another level ({level})", level=level_name(geography.level_of(c))),
                    t("units of one level: most are at level {level}", level=level_name(level)),
                    t("give a unit of that level, or split the network by level"),
                )
    return level


def _canonical(headers: list[str]) -> dict[str, str]:
    keys = {header_key(a): canon for canon, names in _COLUMNS.items() for a in names}
    return {h: keys[header_key(h)] for h in headers if header_key(h) in keys}


def _unit(i: int, column: str, value: str, resolver, problems: Problems, closest: Closest) -> str:
    res = resolver.resolve(value) if value else None
    if res is not None and res.status == "ok":
        return str(res.code)
    if res is None:
        problems.add(i, column, "", t("no unit given"), t("a unit name or code"), t("fill in the unit"))
    elif res.status == "ambiguous":
        places = "; ".join(resolver.describe(c) for c in res.candidates)
        problems.add(
            i,
            column,
            value,
            t("ambiguous place name"),
            t("one unit; candidates: {places}", places=places),
            t("write the unit with its parent (湖南省新化县), or its code"),
        )
    else:
        names = closest(resolver.suggest, res)
        problems.add(
            i,
            column,
            value,
            t("unknown place"),
            t("a place of the geography; closest: {names}", names=names),
            t("correct the spelling or give the code"),
        )
    return ""


def _weight(i: int, cell: str, problems: Problems) -> float:
    if not cell:
        return 1.0
    try:
        weight = float(unicodedata.normalize("NFKC", cell).replace(",", ""))
    except ValueError:
        weight = np.nan
    if not np.isfinite(weight) or weight <= 0:
        problems.add(
            i, "weight", cell, t("unreadable weight"), t("a positive number, or empty for 1"), t("correct the weight")
        )
        return np.nan
    return weight


def _time(i: int, column: str, cell: str, problems: Problems) -> str:
    if not cell:
        return ""
    date = parse_date(cell)
    if date is None:
        problems.add(
            i,
            column,
            cell,
            t("unreadable {field}", field=column),
            t("a year or a date: 2019, 2019-05 or 2019-05-12; empty if open"),
            t("correct the cell"),
        )
        return ""
    return date


def _check_repeats(edges: pd.DataFrame, directed: bool, problems: Problems) -> None:
    a, b = edges["source"], edges["target"]
    key = pd.DataFrame(
        {
            "a": a if directed else np.where(a < b, a, b),
            "b": b if directed else np.where(a < b, b, a),
            "start": edges["start"],
            "end": edges["end"],
        }
    )
    seen = key[(edges["source"] != "") & (edges["target"] != "")]
    first: dict[tuple, int] = {}
    for i, k in zip(seen.index, map(tuple, seen.to_numpy())):
        if k in first:
            problems.add(
                int(i),
                "source, target",
                f"{edges.at[i, 'source']}-{edges.at[i, 'target']}",
                t("tie listed twice (first on row {row})", row=problems.rows[first[k]]),
                t("each tie once (an undirected one in either direction)"),
                t("remove the repeat, or give it other dates"),
            )
        else:
            first[k] = int(i)
