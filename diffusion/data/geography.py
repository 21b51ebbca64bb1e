"""Geographies: a hierarchy of units (code, names, level, parent) and a neighbour graph.

China's provinces, prefectures and counties are bundled. Any other geography is a folder with
``units.csv`` (required) and ``adjacency.csv`` (optional), described in the README, so that the
states of another country work exactly as China's provinces do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from diffusion.data.io import read_table
from diffusion.data.resources import data_dir
from diffusion.errors import InputFileError, ValidationError, problem

__all__ = ["Geography", "bundled_geographies", "load_geography"]

UNIT_COLUMNS = ["code", "name_zh", "name_en", "level", "parent", "macro_region", "lat", "lon", "aliases"]


@dataclass(frozen=True, eq=False)
class Geography:
    """A hierarchy of units with a neighbour graph.

    Attributes
    ----------
    name : str
        Short name ("china", or the user's folder name).
    units : pandas.DataFrame
        One row per unit, indexed by ``code`` (a string), with ``name_zh``, ``name_en``,
        ``level``, ``parent`` ("" at the top), ``macro_region``, ``lat``, ``lon`` (NaN where
        unknown) and ``aliases`` (";"-separated other names and codes).
    adjacency : pandas.DataFrame
        Undirected neighbour pairs ``a < b`` with a ``kind`` ("land", "sea", ...).
    levels : tuple of str
        Levels from the top down, e.g. ``("province", "prefecture", "county")``.
    sub_levels : tuple of str
        Levels below the geography that cases may name but the geography does not list
        (China: township, village).

    Examples
    --------
    >>> geo = load_geography()
    >>> geo.population("province")
    31
    >>> geo.ancestor_at("431322", "province")
    '43'
    """

    name: str
    units: pd.DataFrame
    adjacency: pd.DataFrame
    levels: tuple[str, ...]
    sub_levels: tuple[str, ...] = ()
    title: str = ""
    notes: str = ""
    source: str = ""
    meta: dict = field(default_factory=dict)
    tiles: pd.DataFrame | None = None

    def population(self, level: str) -> int:
        """Number of units at ``level``: the population at risk of adoption."""
        self._check_level(level)
        return int((self.units["level"] == level).sum())

    def level_units(self, level: str) -> pd.DataFrame:
        """Units of one level, in code order."""
        self._check_level(level)
        return self.units[self.units["level"] == level].sort_index()

    @cached_property
    def _ancestors(self) -> dict[str, tuple[str, ...]]:
        parent = self.units["parent"].to_dict()
        out: dict[str, tuple[str, ...]] = {}
        for code in self.units.index:
            chain, cur = [], parent[code]
            while cur:
                chain.append(cur)
                cur = parent[cur]
            out[code] = tuple(chain)
        return out

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Codes of the parents of ``code``, nearest first."""
        return self._ancestors[code]

    @cached_property
    def _columns(self) -> dict[str, dict[str, object]]:
        # Plain dicts: per-row lookups through pandas indexing cost ~10 µs each.
        return {col: self.units[col].to_dict() for col in ("level", "name_zh", "name_en", "macro_region")}

    def level_of(self, code: str) -> str:
        """The level of a unit."""
        return self._columns["level"][code]

    def ancestor_at(self, code: str, level: str) -> str | None:
        """The unit at ``level`` that contains ``code`` (itself if it is at that level)."""
        levels = self._columns["level"]
        for c in (code, *self._ancestors[code]):
            if levels[c] == level:
                return c
        return None

    def is_within(self, code: str, container: str) -> bool:
        """Whether ``container`` is ``code`` or one of its ancestors."""
        return code == container or container in self._ancestors[code]

    def label(self, code: str, lang: str = "en") -> str:
        """Display name: English where known (else Chinese) for ``lang="en"``, Chinese for "zh"."""
        first, second = ("name_en", "name_zh") if lang == "en" else ("name_zh", "name_en")
        return self._columns[first][code] or self._columns[second][code] or code

    def macro_region(self, code: str) -> str:
        """The macro-region of a unit ("" where the geography has none)."""
        return self._columns["macro_region"][code]

    def neighbour_graph(self, level: str | None = None, kinds: tuple[str, ...] | None = None) -> nx.Graph:
        """The neighbour graph of one level: every unit of the level is a node, isolated or not.

        Parameters
        ----------
        level : str, optional
            Defaults to the level the adjacency is given at.
        kinds : tuple of str, optional
            Keep only these adjacency kinds (e.g. ``("land",)`` for strict contiguity).
        """
        level = level or self.neighbour_level
        g = nx.Graph(level=level)
        units = self.level_units(level)[["name_zh", "name_en", "macro_region"]]
        g.add_nodes_from(zip(units.index, units.to_dict("records")))
        adj = self.adjacency
        if kinds is not None:
            adj = adj[adj["kind"].isin(kinds)]
        adj = adj[adj["a"].isin(units.index) & adj["b"].isin(units.index)]
        g.add_edges_from((a, b, {"kind": kind}) for a, b, kind in zip(adj["a"], adj["b"], adj["kind"]))
        return g

    def neighbour_pairs(self, level: str | None = None) -> tuple[list[str], np.ndarray]:
        """Units of one level in code order, and each adjacent pair once as positions ``(i, j)``, i < j.

        The array form of :meth:`neighbour_graph` for vectorised statistics.

        Examples
        --------
        >>> units, pairs = load_geography().neighbour_pairs("province")
        >>> len(units), pairs.shape[1], bool((pairs[:, 0] < pairs[:, 1]).all())
        (31, 2, True)
        """
        level = level or self.neighbour_level
        units = self.level_units(level).index
        a, b = units.get_indexer(self.adjacency["a"]), units.get_indexer(self.adjacency["b"])
        keep = (a >= 0) & (b >= 0) & (a != b)
        pairs = np.unique(np.sort(np.column_stack([a[keep], b[keep]]), axis=1), axis=0).reshape(-1, 2)
        return list(units), pairs

    @property
    def neighbour_level(self) -> str:
        """The level at which the adjacency pairs are given."""
        if self.adjacency.empty:
            return self.levels[0]
        return str(self.units.at[self.adjacency["a"].iloc[0], "level"])

    def _check_level(self, level: str) -> None:
        if level not in self.levels:
            raise ValueError(f"The value for `level` must be one of {list(self.levels)}, but {level!r} was passed.")


def bundled_geographies() -> list[str]:
    """Names of the geographies that ship with the package."""
    return sorted(p.name for p in (data_dir() / "geography").iterdir() if (p / "units.csv").is_file())


_GEO_CACHE: dict[str, Geography] = {}


def load_geography(source: str | Path | None = None) -> Geography:
    """Load a bundled geography by name, or a user's geography from a folder.

    Parameters
    ----------
    source : str or Path, optional
        ``None`` or ``"china"`` for the bundled China geography; otherwise a folder with
        ``units.csv`` and optionally ``adjacency.csv`` and ``geography.json``.

    Returns
    -------
    Geography

    Raises
    ------
    ValidationError
        With one row per problem in the units or adjacency file.

    Examples
    --------
    >>> geo = load_geography("china")
    >>> geo.levels
    ('province', 'prefecture', 'county')
    """
    if source is None or (isinstance(source, str) and source in bundled_geographies()):
        name = source or "china"
        if name not in _GEO_CACHE:
            _GEO_CACHE[name] = _read_geography(data_dir() / "geography" / name)
        return _GEO_CACHE[name]
    folder = Path(source)
    if not folder.is_dir():
        raise InputFileError(
            f"{folder}: geography folder not found. Give a folder with units.csv (and "
            f"adjacency.csv), or one of the bundled names {bundled_geographies()}."
        )
    return _read_geography(folder)


def _read_geography(folder: Path) -> Geography:
    units_path = folder / "units.csv"
    if not units_path.is_file():
        raise InputFileError(f"{folder}: no units.csv in the geography folder.")
    meta_path = folder / "geography.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    table = read_table(units_path)
    units, failures = _units_from(table)
    if failures:
        raise ValidationError(pd.DataFrame(failures), source=str(folder))
    adj_path = folder / "adjacency.csv"
    adjacency = pd.DataFrame(columns=["a", "b", "kind"])
    if adj_path.is_file():
        adjacency, adj_fail = _adjacency_from(read_table(adj_path), units)
        failures += adj_fail
    if failures:
        raise ValidationError(pd.DataFrame(failures), source=str(folder))
    tiles = _tiles(folder / "tiles.csv", units)
    levels = tuple(meta.get("levels") or _infer_levels(units))
    unknown = sorted(set(units["level"]) - set(levels))
    if unknown:
        raise ValidationError(
            pd.DataFrame(
                [
                    {
                        "file": str(meta_path),
                        "row": "",
                        "column": "levels",
                        "value": ", ".join(unknown),
                        "problem": "levels used in units.csv are missing from geography.json",
                        "expected": f"levels {list(levels)}",
                        "fix": 'add them to "levels" in geography.json',
                    }
                ]
            ),
            source=str(folder),
        )
    return Geography(
        name=meta.get("name", folder.name),
        units=units,
        adjacency=adjacency,
        levels=levels,
        sub_levels=tuple(meta.get("sub_levels", ())),
        title=meta.get("title_en", folder.name),
        notes=meta.get("notes", ""),
        source=str(folder),
        meta=meta,
        tiles=tiles,
    )


def _tiles(path: Path, units: pd.DataFrame) -> pd.DataFrame | None:
    """Optional tile-grid layout (code, row, col) of the top-level units, for tile maps."""
    if not path.is_file():
        return None
    table = read_table(path)
    df = table.frame
    failures = []
    if not {"code", "row", "col"} <= set(df.columns):
        failures.append(
            problem(
                table.path,
                1,
                "code, row, col",
                "",
                "missing required column",
                f"columns code, row, col; found {list(df.columns)}",
                "add the columns",
            )
        )
    else:
        for row, (code, r, c) in zip(table.rows, df[["code", "row", "col"]].itertuples(index=False)):
            if code not in units.index:
                failures.append(
                    problem(table.path, row, "code", code, "code not in units.csv", "a unit code", "correct the code")
                )
            if not (str(r).isdigit() and str(c).isdigit()):
                failures.append(
                    problem(
                        table.path,
                        row,
                        "row/col",
                        f"{r}/{c}",
                        "not a grid position",
                        "whole numbers from 0",
                        "correct the position",
                    )
                )
        if df.duplicated(["row", "col"]).any():
            failures.append(
                problem(
                    table.path, "", "row, col", "", "two units on one tile", "one unit per tile", "move one of them"
                )
            )
    if failures:
        raise ValidationError(pd.DataFrame(failures), source=table.path)
    out = df.assign(row=df["row"].astype(int), col=df["col"].astype(int))
    for col in ("label_en", "label_zh"):  # short tile labels; default: the start of the name
        if col not in out.columns:
            out[col] = out["code"].map(units[col.replace("label", "name")].fillna("")).str[:4]
    return out[["code", "row", "col", "label_en", "label_zh"]]


def _units_from(table) -> tuple[pd.DataFrame, list[dict]]:
    df = table.frame.copy()
    path = table.path
    if "name" in df.columns and "name_en" not in df.columns:
        df = df.rename(columns={"name": "name_en"})
    failures = []
    missing = [c for c in ("code", "level") if c not in df.columns]
    if not ({"name_zh", "name_en"} & set(df.columns)):
        missing.append("name_zh or name_en (or name)")
    if missing:
        failures.append(
            problem(
                path,
                1,
                ", ".join(missing),
                "",
                "missing required column",
                f"columns code, level, name; found {list(df.columns)}",
                "add the column(s) to the header row",
            )
        )
        return pd.DataFrame(), failures
    for col in UNIT_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    rows = dict(zip(df.index, table.rows))
    dup = df["code"].duplicated(keep=False) & (df["code"] != "")
    for i in df.index[dup]:
        failures.append(
            problem(
                path,
                rows[i],
                "code",
                df.at[i, "code"],
                "duplicate unit code",
                "one row per code",
                "remove or renumber the duplicate",
            )
        )
    for col in ("code", "level"):
        for i in df.index[df[col] == ""]:
            failures.append(
                problem(path, rows[i], col, "", f"empty {col}", f"a {col} for every unit", f"fill in the {col}")
            )
    for i in df.index[(df["name_zh"] == "") & (df["name_en"] == "")]:
        failures.append(
            problem(
                path,
                rows[i],
                "name_zh/name_en",
                "",
                "unit without a name",
                "a Chinese or English name",
                "fill in name_en or name_zh",
            )
        )
    codes = set(df["code"])
    for i in df.index[(df["parent"] != "") & ~df["parent"].isin(codes)]:
        failures.append(
            problem(
                path,
                rows[i],
                "parent",
                df.at[i, "parent"],
                "parent code not in units.csv",
                "the code of another unit, or empty at the top level",
                "correct the parent code or add the parent unit",
            )
        )
    coords = {}
    for col, lim in (("lat", 90), ("lon", 180)):
        vals = pd.to_numeric(df[col].replace("", np.nan), errors="coerce")
        bad = (df[col] != "") & (vals.isna() | (vals.abs() > lim))
        for i in df.index[bad]:
            failures.append(
                problem(
                    path,
                    rows[i],
                    col,
                    df.at[i, col],
                    f"invalid {col}",
                    f"decimal degrees within ±{lim}",
                    "correct or leave empty",
                )
            )
        coords[col] = vals
    if failures:
        return pd.DataFrame(), failures
    df["lat"], df["lon"] = coords["lat"], coords["lon"]
    units = df[UNIT_COLUMNS].set_index("code")
    units = units.sort_index(kind="stable")
    cycle = _parent_cycle(units["parent"].to_dict())
    if cycle:
        failures.append(
            problem(
                path,
                "",
                "parent",
                " > ".join(cycle),
                "the parent chain loops",
                "a tree: every chain ends at a unit with no parent",
                "correct the parent codes",
            )
        )
    return units, failures


def _parent_cycle(parent: dict[str, str]) -> list[str]:
    done: set[str] = set()
    for start in parent:
        path, cur = [], start
        while cur and cur not in done:
            if cur in path:
                return [*path[path.index(cur) :], cur]
            path.append(cur)
            cur = parent.get(cur, "")
        done.update(path)
    return []


def _adjacency_from(table, units: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    df = table.frame.copy()
    path = table.path
    if "code_a" in df.columns:
        df = df.rename(columns={"code_a": "a", "code_b": "b"})
    if not {"a", "b"} <= set(df.columns):
        return pd.DataFrame(), [
            problem(
                path,
                1,
                "a, b",
                "",
                "missing required column",
                f"columns a, b (unit codes); found {list(df.columns)}",
                "name the two code columns a and b",
            )
        ]
    if "kind" not in df.columns:
        df["kind"] = "land"
    df["kind"] = df["kind"].replace("", "land")
    failures = []
    rows = dict(zip(df.index, table.rows))
    known = set(units.index)
    for col in ("a", "b"):
        for i in df.index[~df[col].isin(known)]:
            failures.append(
                problem(
                    path,
                    rows[i],
                    col,
                    df.at[i, col],
                    "code not in units.csv",
                    "a unit code",
                    "correct the code or add the unit",
                )
            )
    for i in df.index[df["a"] == df["b"]]:
        failures.append(
            problem(
                path, rows[i], "b", df.at[i, "b"], "a unit paired with itself", "two different units", "remove the row"
            )
        )
    a, b = df["a"].where(df["a"] < df["b"], df["b"]), df["b"].where(df["a"] < df["b"], df["a"])
    df["a"], df["b"] = a, b
    dup = df.duplicated(["a", "b"], keep="first")
    for i in df.index[dup]:
        failures.append(
            problem(
                path,
                rows[i],
                "a, b",
                f"{df.at[i, 'a']}-{df.at[i, 'b']}",
                "pair listed twice",
                "each undirected pair once",
                "remove the repeat",
            )
        )
    keep = [c for c in df.columns if c not in ("a", "b", "kind")]
    out = df[["a", "b", "kind", *keep]].sort_values(["a", "b"]).reset_index(drop=True)
    return out, failures


def _infer_levels(units: pd.DataFrame) -> list[str]:
    """Order levels from the top down by the parent-level relation (a topological sort)."""
    level = units["level"].to_dict()
    g = nx.DiGraph()
    g.add_nodes_from(sorted(set(level.values())))
    for code, parent in units["parent"].items():
        if parent:
            g.add_edge(level[parent], level[code])
    g.remove_edges_from(nx.selfloop_edges(g))
    try:
        return list(nx.lexicographical_topological_sort(g))
    except nx.NetworkXUnfeasible:
        raise ValidationError(
            pd.DataFrame(
                [
                    problem(
                        "units.csv",
                        "",
                        "level",
                        "",
                        "levels contain each other in a loop",
                        "a parent's level above its child's level",
                        'give a geography.json with "levels"',
                    )
                ]
            )
        ) from None
