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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from diffusion.data.geography_tables import adjacency_from, infer_levels, tiles, units_from
from diffusion.data.io import read_table
from diffusion.data.resources import data_dir
from diffusion.display import Card, Summarised
from diffusion.errors import InputFileError, ValidationError, problem
from diffusion.i18n import t

if TYPE_CHECKING:
    import networkx as nx

    from diffusion.data.covariates import Covariates

__all__ = ["Geography", "bundled_geographies", "load_geography"]


@dataclass(frozen=True, eq=False, repr=False)
class Geography(Summarised):
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

    def card(self) -> Card:
        """Its summary (``repr`` and a notebook's display): units per level, neighbours, macro-regions."""
        counts = self.units["level"].value_counts()
        levels = [(lvl, int(counts.get(lvl, 0))) for lvl in (*self.levels, *self.sub_levels)]
        facts = (("title", self.title), *((lvl, n) for lvl, n in levels if n))
        facts += (("neighbour pairs", f"{len(self.adjacency)} at {self.neighbour_level} level"),)
        regions = sorted(set(self.units["macro_region"]) - {""})
        return Card(f"Geography {self.name!r}", (*facts, ("macro-regions", ", ".join(regions) or "none")))

    def population(self, level: str) -> int:
        """Number of units at ``level``: the population at risk of adoption."""
        self._check_level(level)
        return int((self.units["level"] == level).sum())

    def level_units(self, level: str) -> pd.DataFrame:
        """Units of one level, in code order."""
        self._check_level(level)
        return self.units[self.units["level"] == level].sort_index()

    def points(self, codes: list[str] | pd.Index) -> pd.DataFrame:
        """The point of each unit (``lat``, ``lon``) and whose point it is (``point_of``).

        A unit without coordinates takes those of its nearest ancestor that has them (China: 5
        counties created lately take their prefecture's); ``point_of`` then names that ancestor,
        and is "" where no ancestor has a point either (``lat``/``lon`` NaN).

        Examples
        --------
        >>> load_geography().points(["431322", "460303"])["point_of"].tolist()  # 三沙 南沙区: no point
        ['431322', '460300']
        """
        known = self.units["lat"].notna() & self.units["lon"].notna()
        owner = {}
        for code in codes:
            owner[code] = next((c for c in (code, *self.ancestors(code)) if known.get(c, False)), "")
        at = pd.Series(owner, dtype=object)
        coords = self.units.reindex(at.to_numpy())[["lat", "lon"]].to_numpy(dtype=float)
        return pd.DataFrame({"lat": coords[:, 0], "lon": coords[:, 1], "point_of": at.to_numpy()}, index=at.index)

    @cached_property
    def covariates(self) -> Covariates | None:
        """The covariates that come with the geography (``covariates.csv`` in its folder), or None.

        Same format as a user's covariate file (:func:`diffusion.data.covariate_file.read_covariates`);
        China's: provincial GDP 2014-2020 and the 2020 census population (see its SOURCES).
        """
        path = Path(self.source) / "covariates.csv" if self.source else None
        if path is None or not path.is_file():
            return None
        from diffusion.data.covariate_file import read_covariates  # it resolves units against this geography

        return read_covariates(path, self)

    @cached_property
    def _ancestors(self) -> dict[str, tuple[str, ...]]:
        parent = dict(zip(self.units.index.tolist(), self.units["parent"].tolist()))
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
    def _columns(self) -> dict[str, dict[str, str]]:
        # Plain dicts: per-row lookups through pandas indexing cost ~10 µs each. Built from lists:
        # Series.to_dict walks Arrow strings one at a time, ten times slower.
        codes = self.units.index.tolist()
        return {
            col: dict(zip(codes, self.units[col].tolist())) for col in ("level", "name_zh", "name_en", "macro_region")
        }

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

    def ancestors_at(self, codes: list[str], level: str) -> list[str]:
        """:meth:`ancestor_at` of many codes ("" where none is at ``level``), by arrays.

        Raises ``KeyError`` for a code the geography does not list, as :meth:`ancestor_at` does.

        Examples
        --------
        >>> load_geography().ancestors_at(["431322", "43"], "prefecture")
        ['431300', '']
        """
        if level not in self._at_level:  # every unit's, once per level: a geography is immutable
            self._at_level[level] = self._find_at_level(level)
        if not len(codes):
            return []
        where = self.units.index.get_indexer(codes)
        if (where < 0).any():  # as ancestor_at: a code the geography does not list has no ancestors
            raise KeyError(f"not units of geography {self.name!r}: {[c for c, w in zip(codes, where) if w < 0][:5]}")
        return self._at_level[level][where].tolist()

    @cached_property
    def _at_level(self) -> dict[str, np.ndarray]:
        return {}

    def _find_at_level(self, level: str) -> np.ndarray:
        """Each unit's ancestor-or-self at ``level`` (""), in the order of ``units``; a walk up all units at once."""
        self._check_level(level)
        code = self.units.index.to_numpy(dtype=object)
        parent = self.units.index.get_indexer(self.units["parent"].to_numpy(dtype=object))
        at_level = (self.units["level"] == level).to_numpy()
        found, current = np.full(len(code), -1), np.arange(len(code))
        while (live := current >= 0).any():
            hit = live & (found < 0)
            hit[hit] = at_level[current[hit]]
            found[hit] = current[hit]
            current[live] = parent[current[live]]
        return np.where(found >= 0, code[found], "").astype(object)

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
        import networkx as nx

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
        if level not in self._pairs:  # a geography is immutable: its pairs are found once per level
            self._pairs[level] = self._find_pairs(level)
        units, pairs = self._pairs[level]
        return list(units), pairs

    @cached_property
    def _pairs(self) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
        return {}

    def _find_pairs(self, level: str) -> tuple[tuple[str, ...], np.ndarray]:
        units = self.level_units(level).index
        a, b = units.get_indexer(self.adjacency["a"]), units.get_indexer(self.adjacency["b"])
        keep = (a >= 0) & (b >= 0) & (a != b)
        # One integer per pair (low * n + high): np.unique on rows sorts a structured view, 3x slower.
        n, low, high = len(units), np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
        key = np.unique(low.astype(np.int64) * n + high)
        pairs = np.column_stack([key // n, key % n]).astype(np.intp)
        pairs.flags.writeable = False  # shared by every caller
        return tuple(units.tolist()), pairs  # tolist: iterating Arrow strings is 20x slower

    @property
    def region_order(self) -> tuple[str, ...]:
        """Macro-regions in the order of a hypothesised gradient (``"gradient_order"`` in geography.json).

        Empty where the geography declares none. China's: East, Central, West (Northeast unplaced).
        """
        return tuple(str(r) for r in self.meta.get("gradient_order", ()))

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


#: The keys of geography.json and the type each must have.
_META_TYPES = {
    "name": str,
    "title_en": str,
    "notes": str,
    "levels": list,
    "sub_levels": list,
    "gradient_order": list,
}


def _read_meta(path: Path) -> dict:
    """geography.json, checked: an object whose known keys have their types (lists of names)."""
    try:
        if path.stat().st_size > 1_000_000:
            raise InputFileError(f"{path}: more than 1 MB; a geography.json holds a few names and lists.")
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot be read ({exc}).") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None
    except (RecursionError, ValueError):
        raise InputFileError(
            f"{path}: nested too deeply or holding an absurd number; see the README's format."
        ) from None
    if not isinstance(meta, dict):
        raise InputFileError(f'{path}: must be a JSON object such as {{"levels": ["state", "county"]}}.')
    for key, kind in _META_TYPES.items():
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or (kind is list and not all(isinstance(v, str) for v in value)):
            expected = "a list of names" if kind is list else "a text"
            raise InputFileError(f"{path}: {key!r} must be {expected}, not {json.dumps(value)[:60]}.")
    return meta


def _read_geography(folder: Path) -> Geography:
    units_path = folder / "units.csv"
    if not units_path.is_file():
        raise InputFileError(f"{folder}: no units.csv in the geography folder.")
    meta_path = folder / "geography.json"
    meta = _read_meta(meta_path) if meta_path.is_file() else {}
    table = read_table(units_path)
    units, failures = units_from(table)
    if failures:
        raise ValidationError(failures, source=str(folder))
    adj_path = folder / "adjacency.csv"
    adjacency = pd.DataFrame(columns=["a", "b", "kind"])
    if adj_path.is_file():
        adjacency, adj_fail = adjacency_from(read_table(adj_path), units)
        failures += adj_fail
    if failures:
        raise ValidationError(failures, source=str(folder))
    tile_table = tiles(folder / "tiles.csv", units)
    levels = tuple(meta.get("levels") or infer_levels(units))
    unknown = sorted(set(units["level"]) - set(levels))
    if unknown:
        raise ValidationError(
            [
                problem(
                    str(meta_path),
                    "",
                    "levels",
                    ", ".join(unknown),
                    t("levels used in units.csv are missing from geography.json"),
                    t("levels {levels}", levels=list(levels)),
                    t('add them to "levels" in geography.json'),
                )
            ],
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
        tiles=tile_table,
    )
