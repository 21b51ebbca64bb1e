"""The temporal multi-mode network of cases, practices and regions, its projections and diffusion ties.

Nodes are cases (``case:<id>``), practices (``practice:<tag>``) and regions (``region:<code>``):
every unit of the chosen level, and the units above it (their parents, and case units above the
level). Edges are stamped with the period in which they appear:

- case–practice and case–region: the case's period;
- region–parent (hierarchy): the period in which the child region first appears;
- region–region (adjacency): the period in which the later of the two regions first appears.

So the snapshot of a period holds the edges stamped with it, and the cumulative snapshot up to a
period is exactly the union of the snapshots up to it. Cases without a known time are left out
(and counted in :attr:`TemporalNetwork.excluded_events`).

Diffusion ties are directed edges from earlier to later adopters of a practice, among the regions
of the chosen level. A unit with no parent at that level (a district of a municipality, a county
administered by its province, at prefecture level) and a case above the level stand for
themselves. Which earlier adopters are
candidates is the *candidate rule*; whether adopters in the same period tie to each other is the
*same-batch policy*. Each adoption gives one unit of weight, shared equally among its candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from diffusion.dataset import Dataset
from diffusion.distance import haversine_km
from diffusion.errors import DiffusionError
from diffusion.summary import period_labels

__all__ = ["CANDIDATE_RULES", "SAME_BATCH_POLICIES", "TemporalNetwork", "TiePolicy", "build_network"]

CANDIDATE_RULES = ("all", "adjacent", "same-province", "nearest-k")
SAME_BATCH_POLICIES = ("none", "both")
GRAPHS = ("multimode", "regions", "practices", "cases", "ties")


@dataclass(frozen=True)
class TiePolicy:
    """How diffusion ties are drawn.

    Attributes
    ----------
    candidates : str
        ``"all"`` earlier adopters; ``"adjacent"`` earlier adopters that are neighbours;
        ``"same-province"`` earlier adopters in the same top-level unit (China: province; another
        geography: its top level); ``"nearest-k"`` the ``k`` earlier adopters nearest by
        great-circle distance (needs coordinates).
    same_batch : str
        ``"none"``: adopters in the same period are not tied; ``"both"``: they are tied both ways.
    k : int
        Neighbours for ``"nearest-k"``.
    """

    candidates: str = "all"
    same_batch: str = "none"
    k: int = 3

    def __post_init__(self) -> None:
        if self.candidates not in CANDIDATE_RULES:
            raise DiffusionError(
                f"The value for `candidates` must be one of {list(CANDIDATE_RULES)}, "
                f"but {self.candidates!r} was passed."
            )
        if self.same_batch not in SAME_BATCH_POLICIES:
            raise DiffusionError(
                f"The value for `same_batch` must be one of {list(SAME_BATCH_POLICIES)}, "
                f"but {self.same_batch!r} was passed."
            )
        if not isinstance(self.k, int) or self.k < 1:
            raise DiffusionError(f"The 'k' parameter must be an int in the range [1, inf). Got {self.k!r} instead.")

    def describe(self) -> str:
        """One sentence for reports."""
        rule = {
            "all": "every earlier adopter",
            "adjacent": "earlier adopters that are neighbours",
            "same-province": "earlier adopters in the same top-level unit (province)",
            "nearest-k": f"the {self.k} nearest earlier adopters (great-circle distance)",
        }[self.candidates]
        same = (
            "adopters in the same period are not tied"
            if self.same_batch == "none"
            else "adopters in the same period are tied both ways"
        )
        return (
            f"A later adopter of a practice is tied to {rule}; {same}; each adoption's weight of 1 is shared equally."
        )


@dataclass(frozen=True, eq=False)
class TemporalNetwork:
    """Cases, practices and regions over time. Build it with :func:`build_network`.

    Attributes
    ----------
    nodes : DataFrame
        ``node, node_type, code, label_en, label_zh, level, macro_region, lat, lon, first_period``.
        Regions that never adopt have no ``first_period`` and appear in no snapshot.
    edges : DataFrame
        ``source, target, edge_type, period`` of the multi-mode network.
    adoptions : DataFrame
        First adoption of each practice by each region of the chosen level: ``region, practice, period``.
    ties : DataFrame
        Diffusion ties ``source, target, practice, period, weight`` (``period`` of the later adoption).
    periods : DataFrame
        ``period, date, label``.
    """

    dataset: Dataset
    level: str
    policy: TiePolicy
    nodes: pd.DataFrame
    edges: pd.DataFrame
    adoptions: pd.DataFrame
    ties: pd.DataFrame
    periods: pd.DataFrame
    excluded_events: int

    @property
    def period_numbers(self) -> list[int]:
        return [int(p) for p in self.periods["period"]]

    # -- edge lists of each graph -------------------------------------------------------------
    def edge_list(
        self,
        graph: str = "multimode",
        period: int | None = None,
        *,
        cumulative: bool = True,
        normalise: str | None = None,
    ) -> pd.DataFrame:
        """Weighted edges ``source, target, weight`` of one graph at one period.

        Parameters
        ----------
        graph : {"multimode", "regions", "practices", "cases", "ties"}
            The multi-mode network, one of its projections (regions weighted by shared practices,
            practices by co-adopting cases, cases by shared practices), or the diffusion ties.
        period : int, optional
            Default: the last period.
        cumulative : bool
            Everything up to ``period`` (default), or only what is stamped with ``period``.
        normalise : {None, "jaccard"}
            For the projections: raw counts of shared keys (default), or Jaccard similarity
            (shared / union of the two members' keys).
        """
        if normalise not in (None, "jaccard"):
            raise DiffusionError(f"The value for `normalise` must be None or 'jaccard', but {normalise!r} was passed.")
        if graph not in GRAPHS:
            raise DiffusionError(f"The value for `graph` must be one of {list(GRAPHS)}, but {graph!r} was passed.")
        period = self._check_period(period)

        def keep(frame: pd.DataFrame, column: str = "period") -> pd.DataFrame:
            return frame[frame[column] <= period] if cumulative else frame[frame[column] == period]

        if graph == "multimode":
            e = keep(self.edges)
            return e.assign(weight=1.0)[["source", "target", "weight", "edge_type"]].reset_index(drop=True)
        if graph == "ties":
            t = keep(self.ties)
            agg = t.groupby(["source", "target"], sort=True).agg(
                weight=("weight", "sum"), practices=("practice", "nunique")
            )
            return agg.reset_index()
        if graph == "regions":
            members = keep(self.adoptions)[["region", "practice"]].rename(
                columns={"region": "member", "practice": "key"}
            )
        else:
            cases = keep(self._case_practices)
            if graph == "practices":
                members = cases.rename(columns={"practice": "member", "case": "key"})
            else:
                members = cases.rename(columns={"case": "member", "practice": "key"})
        edges = _co_membership(members[["member", "key"]])
        return jaccard(edges, members[["member", "key"]]) if normalise == "jaccard" else edges

    def node_list(
        self,
        graph: str = "multimode",
        period: int | None = None,
        *,
        cumulative: bool = True,
        edges: pd.DataFrame | None = None,
    ) -> list[str]:
        """Nodes of a graph at a period, sorted: everything active then, isolated or not.

        In a snapshot of the ties, the earlier adopters that later ones tie to are included.
        ``edges``: the same graph's :meth:`edge_list`, when the caller has it already.
        """
        period = self._check_period(period)

        def keep(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["period"] <= period] if cumulative else frame[frame["period"] == period]

        e = self.edge_list(graph, period, cumulative=cumulative) if edges is None else edges
        parts = [e["source"], e["target"]]
        if graph in ("regions", "ties"):
            parts.append(keep(self.adoptions)["region"])
        elif graph in ("practices", "cases"):
            parts.append(keep(self._case_practices)["practice" if graph == "practices" else "case"])
        # Object arrays: iterating pandas string arrays element by element is ~10x slower.
        return sorted(set(np.concatenate([x.to_numpy(dtype=object) for x in parts]).tolist()))

    @cached_property
    def _case_practices(self) -> pd.DataFrame:
        e = self.edges[self.edges["edge_type"] == "case-practice"]
        return e.rename(columns={"source": "case", "target": "practice"})[["case", "practice", "period"]]

    def _check_period(self, period: int | None) -> int:
        if not self.period_numbers:
            raise DiffusionError("the dataset has no adoption with a known time, so there is no temporal network.")
        if period is None:
            return self.period_numbers[-1]
        if period not in self.period_numbers:
            raise DiffusionError(f"period {period} does not exist; periods are {self.period_numbers}.")
        return period

    # -- networkx and files ---------------------------------------------------------------------
    def to_networkx(
        self,
        graph: str = "multimode",
        period: int | None = None,
        *,
        cumulative: bool = True,
        normalise: str | None = None,
    ) -> nx.Graph:
        """The graph as a networkx ``Graph`` (``DiGraph`` for ties), nodes in sorted order with attributes.

        Examples
        --------
        >>> from diffusion import load_dataset
        >>> net = build_network(load_dataset("broadband-china"))
        >>> g = net.to_networkx("ties")
        >>> g.is_directed(), g.graph["tie_policy"]["candidates"]
        (True, 'all')
        """
        edges = self.edge_list(graph, period, cumulative=cumulative, normalise=normalise)
        g = nx.DiGraph() if graph == "ties" else nx.Graph()
        g.graph.update(
            graph=graph,
            level=self.level,
            period=self._check_period(period),
            cumulative=cumulative,
            tie_policy={"candidates": self.policy.candidates, "same_batch": self.policy.same_batch, "k": self.policy.k},
        )
        attrs = self.nodes.set_index("node")
        for node in self.node_list(graph, period, cumulative=cumulative):
            g.add_node(node, **_clean_attrs(attrs.loc[node].to_dict()))
        for row in edges.to_dict("records"):
            s, t = row.pop("source"), row.pop("target")
            g.add_edge(s, t, **_clean_attrs(row))
        return g


def _clean_attrs(d: dict) -> dict:
    """Attributes that GraphML, GEXF and JSON all accept: no missing values, plain Python types."""
    out = {}
    for k, v in d.items():
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            continue
        out[k] = v.item() if isinstance(v, np.generic) else v
    return out


def _co_membership(members: pd.DataFrame) -> pd.DataFrame:
    """Pairs of members sharing keys, weighted by the number of shared keys (a bipartite projection)."""
    m = members.drop_duplicates()
    pairs = m.merge(m, on="key")
    pairs = pairs[pairs["member_x"] < pairs["member_y"]]
    out = pairs.groupby(["member_x", "member_y"], sort=True).size().rename("weight").reset_index()
    out = out.rename(columns={"member_x": "source", "member_y": "target"})
    out["weight"] = out["weight"].astype(float)
    return out


def jaccard(edges: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Jaccard-normalised co-membership: shared / (|A| + |B| - shared).

    ``members`` lists ``member, key`` pairs; ``edges`` holds ``source, target, weight`` with the
    shared counts.

    Examples
    --------
    >>> m = pd.DataFrame({"member": ["a", "a", "a", "b", "b"], "key": [1, 2, 3, 2, 4]})
    >>> jaccard(_co_membership(m), m)["weight"].tolist()  # 1 shared of 4 keys in all
    [0.25]
    """
    size = members.drop_duplicates().groupby("member").size()
    union = edges["source"].map(size) + edges["target"].map(size) - edges["weight"]
    return edges.assign(weight=edges["weight"] / union)


def build_network(
    ds: Dataset,
    level: str | None = None,
    *,
    candidates: str = "all",
    same_batch: str = "none",
    k: int = 3,
) -> TemporalNetwork:
    """Build the temporal network of a dataset at one level of its geography.

    Parameters
    ----------
    ds : Dataset
    level : str, optional
        Level of the region nodes (default: the top level, e.g. province).
    candidates, same_batch, k
        The tie policy; see :class:`TiePolicy`.

    Returns
    -------
    TemporalNetwork

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> net = build_network(load_dataset("broadband-china"), "prefecture")
    >>> sorted(net.edges["edge_type"].unique())
    ['case-practice', 'case-region', 'region-parent', 'region-region']
    """
    geo = ds.geography
    level = level or geo.levels[0]
    if level not in geo.levels:
        raise DiffusionError(f"The value for `level` must be one of {list(geo.levels)}, but {level!r} was passed.")
    policy = TiePolicy(candidates, same_batch, k)
    ev = ds.events[ds.events["time_known"]].copy()
    ev["period"] = ev["period"].astype(int)
    ev["region"] = ev["geo_code"].map({code: _region_at(geo, code, level) for code in ev["geo_code"].unique()})
    cases = ev.groupby("case_id", sort=True).agg(period=("period", "min"), region=("region", "first"))
    case_practice = ev[["case_ids", "practice", "period"]].assign(case=ev["case_ids"].str.split(";")).explode("case")
    case_practice = case_practice.drop_duplicates(["case", "practice"])

    first_region = _first_periods(geo, ev, level)
    nodes = _nodes(ds, level, cases, ev, first_region)
    edges = _edges(geo, level, cases, case_practice, first_region)
    adoptions = ev.groupby(["region", "practice"], sort=True)["period"].min().reset_index()
    adoptions["region"] = "region:" + adoptions["region"]
    adoptions["practice"] = "practice:" + adoptions["practice"]
    ties = _ties(geo, level, adoptions, policy)
    periods = period_labels(ds)
    return TemporalNetwork(
        dataset=ds,
        level=level,
        policy=policy,
        nodes=nodes,
        edges=edges,
        adoptions=adoptions,
        ties=ties,
        periods=periods,
        excluded_events=int((~ds.events["time_known"]).sum()),
    )


def _region_at(geo, code: str, level: str) -> str:
    """The region of the chosen level holding ``code``; a unit with none stands for itself."""
    return geo.ancestor_at(code, level) or code


def _first_periods(geo, ev: pd.DataFrame, level: str) -> dict[str, int]:
    """First period of each region node: its own cases or any case below it."""
    first: dict[str, int] = {}
    for region, period in ev.groupby("region")["period"].min().items():
        for code in (region, *geo.ancestors(region)):
            first[code] = min(first.get(code, period), period)
    return first


def _nodes(ds: Dataset, level: str, cases: pd.DataFrame, ev: pd.DataFrame, first_region: dict) -> pd.DataFrame:
    geo = ds.geography
    order = list(geo.levels)
    above = set(order[: order.index(level) + 1])
    units = geo.units[geo.units["level"].isin(above) | geo.units.index.isin(list(first_region))]
    region_rows = pd.DataFrame(
        {
            "node": "region:" + units.index,
            "node_type": "region",
            "code": units.index,
            "label_en": [geo.label(c, "en") for c in units.index],
            "label_zh": units["name_zh"].to_numpy(),
            "level": units["level"].to_numpy(),
            "macro_region": units["macro_region"].to_numpy(),
            "lat": units["lat"].to_numpy(),
            "lon": units["lon"].to_numpy(),
            "first_period": [first_region.get(c, np.nan) for c in units.index],
        }
    )
    titles = ds.cases.drop_duplicates("case_id").set_index("case_id").reindex(cases.index)
    title_en = titles["title_en"].where(titles["title_en"] != "", titles["title"])
    case_rows = pd.DataFrame(
        {
            "node": "case:" + cases.index,
            "node_type": "case",
            "code": cases.index,
            "label_en": title_en.where(title_en != "", cases.index).to_numpy(),
            "label_zh": titles["title"].to_numpy(),
            "level": cases["region"].map({r: geo.level_of(r) for r in cases["region"].unique()}).to_numpy(),
            "first_period": cases["period"].to_numpy(),
        }
    )
    first_practice = ev.groupby("practice")["period"].min()
    practice_rows = pd.DataFrame(
        {
            "node": "practice:" + first_practice.index,
            "node_type": "practice",
            "code": first_practice.index,
            "label_en": [ds.vocabulary.label(t, "en") for t in first_practice.index],
            "label_zh": [ds.vocabulary.label(t, "zh") for t in first_practice.index],
            "first_period": first_practice.to_numpy(),
        }
    )
    nodes = pd.concat([case_rows, practice_rows, region_rows], ignore_index=True)
    nodes["first_period"] = nodes["first_period"].astype("Int64")
    for col in ("level", "macro_region", "label_zh"):
        nodes[col] = nodes[col].fillna("")
    return nodes.sort_values("node", kind="stable").reset_index(drop=True)


def _edges(geo, level: str, cases: pd.DataFrame, case_practice: pd.DataFrame, first: dict) -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {
                "source": "case:" + case_practice["case"],
                "target": "practice:" + case_practice["practice"],
                "edge_type": "case-practice",
                "period": case_practice["period"].to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "source": "case:" + cases.index,
                "target": "region:" + cases["region"],
                "edge_type": "case-region",
                "period": cases["period"].to_numpy(),
            }
        ),
    ]
    hierarchy = [(f"region:{c}", f"region:{geo.ancestors(c)[0]}", p) for c, p in first.items() if geo.ancestors(c)]
    parts.append(pd.DataFrame(hierarchy, columns=["source", "target", "period"]).assign(edge_type="region-parent"))
    adjacency = [
        (f"region:{a}", f"region:{b}", max(first[a], first[b]))
        for a, b in geo.adjacency[["a", "b"]].itertuples(index=False)
        if a in first and b in first
    ]
    parts.append(pd.DataFrame(adjacency, columns=["source", "target", "period"]).assign(edge_type="region-region"))
    edges = pd.concat(parts, ignore_index=True)
    edges["period"] = edges["period"].astype(int)
    return edges.sort_values(["period", "edge_type", "source", "target"]).reset_index(drop=True)


def _ties(geo, level: str, adoptions: pd.DataFrame, policy: TiePolicy) -> pd.DataFrame:
    """Directed ties from earlier to later adopters of each practice, per the policy."""
    codes = sorted({r.removeprefix("region:") for r in adoptions["region"]})
    if policy.candidates == "nearest-k":
        return _nearest_ties(geo, level, adoptions, policy, codes)
    pair_ok = _pair_rule(geo, level, codes, policy)
    index = {c: i for i, c in enumerate(codes)}
    parts = []
    for practice, group in adoptions.groupby("practice", sort=True):
        regions = group["region"].str.removeprefix("region:").to_numpy()
        idx = np.array([index[r] for r in regions])
        t = group["period"].to_numpy()
        # Candidate pairs (target i, source j): the rule's pairs, then the timing policy.
        ti, sj = pair_ok(idx)
        keep = (t[sj] < t[ti]) if policy.same_batch == "none" else (t[sj] <= t[ti]) & (ti != sj)
        ti, sj = ti[keep], sj[keep]
        if not len(ti):
            continue
        counts = np.bincount(ti, minlength=len(idx))
        parts.append(
            pd.DataFrame(
                {
                    "source": "region:" + regions[sj],
                    "target": "region:" + regions[ti],
                    "practice": practice,
                    "period": t[ti].astype(int),
                    "weight": 1.0 / counts[ti],
                }
            )
        )
    columns = ["source", "target", "practice", "period", "weight"]
    ties = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return ties[columns].sort_values(["period", "practice", "source", "target"]).reset_index(drop=True)


def _pair_rule(geo, level: str, codes: list[str], policy: TiePolicy):
    """A function giving, for adopters at positions ``idx`` of ``codes``, the (target, source) pairs the rule allows."""
    if policy.candidates == "all":

        def pairs(idx):
            ti, sj = np.nonzero(~np.eye(len(idx), dtype=bool))
            return ti, sj

        return pairs
    if policy.candidates == "adjacent":
        _check_rule(geo, level, codes, policy)
        units, pairs = geo.neighbour_pairs(level)
        a, b = pd.Index(codes).get_indexer(units)[pairs].T  # adopters' positions (-1: not an adopter)
        keep = (a >= 0) & (b >= 0)
        a, b = a[keep], b[keep]
        adj = sparse.csr_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(len(codes), len(codes)))

        def pairs(idx):
            sub = adj[idx][:, idx].tocoo()  # sparse: no adopters x adopters matrix
            return sub.row, sub.col

        return pairs
    _check_rule(geo, level, codes, policy)
    top = geo.levels[0]
    group = np.array([geo.ancestor_at(c, top) or c for c in codes])

    def pairs(idx):
        ti, sj = [], []
        for members in pd.Series(np.arange(len(idx))).groupby(group[idx]).groups.values():
            m = np.asarray(members)
            ii, jj = np.nonzero(~np.eye(len(m), dtype=bool))
            ti.append(m[ii])
            sj.append(m[jj])
        return np.concatenate(ti), np.concatenate(sj)

    return pairs


def _nearest_ties(geo, level: str, adoptions: pd.DataFrame, policy: TiePolicy, codes: list[str]) -> pd.DataFrame:
    """Ties from each adopter's ``k`` nearest earlier adopters (great-circle distance, ties by code).

    Chord distances between unit vectors (which rank like great-circle distances) pick each new
    adopter's k + 5 nearest earlier adopters in one array step; their haversine distances then
    order them exactly. Where those cannot settle the order (distances equal to rounding), every
    earlier adopter is ranked instead.
    """
    _check_rule(geo, level, codes, policy)
    coords = geo.units.loc[codes, ["lat", "lon"]].to_numpy(dtype=float)
    lat, lon = np.radians(coords).T
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    index = {c: i for i, c in enumerate(codes)}
    strict = policy.same_batch == "none"
    rows = []
    for practice, group in adoptions.groupby("practice", sort=True):
        regions = group["region"].str.removeprefix("region:").to_numpy()
        at = np.array([index[r] for r in regions])
        periods = group["period"].to_numpy()
        for t in np.unique(periods):
            pool = np.flatnonzero(periods < t if strict else periods <= t)
            for target in np.flatnonzero(periods == t):
                chosen = _nearest(target, pool[pool != target], at, coords, xyz, regions, policy.k)
                rows += [
                    (f"region:{regions[s]}", f"region:{regions[target]}", practice, int(t), 1.0 / len(chosen))
                    for s in chosen
                ]
    ties = pd.DataFrame(rows, columns=["source", "target", "practice", "period", "weight"])
    return ties.sort_values(["period", "practice", "source", "target"]).reset_index(drop=True)


def _nearest(target, pool, at, coords, xyz, regions, k: int) -> np.ndarray:
    """The ``k`` adopters of ``pool`` nearest to ``target``: by haversine distance, then by code."""
    if len(pool) <= k + 4:
        looked = pool
    else:
        # Chord distance to every candidate; the k + 4 nearest are enough unless the next ones
        # tie with the k-th to rounding, in which case all are ranked exactly.
        chord = np.linalg.norm(xyz[at[pool]] - xyz[at[target]], axis=1)
        near = np.argpartition(chord, k + 4)[: k + 5]
        kth, last = np.sort(chord[near])[[k - 1, -1]]
        looked = pool if last <= kth * (1 + 1e-9) + 1e-12 else pool[near]
    d = haversine_km(coords[at[target], 0], coords[at[target], 1], coords[at[looked], 0], coords[at[looked], 1])
    return looked[np.lexsort((regions[looked], d))[:k]]


def _check_rule(geo, level: str, codes: list[str], policy: TiePolicy) -> None:
    """Raise, with what to do instead, where the candidate rule cannot apply at this level."""
    if policy.candidates == "adjacent" and (geo.adjacency.empty or geo.neighbour_level != level):
        raise DiffusionError(
            f"candidate rule 'adjacent' needs neighbours at level '{level}', but this geography gives them at "
            f"level '{geo.neighbour_level}'. Use --level {geo.neighbour_level} or another rule."
        )
    top = geo.levels[0]
    if policy.candidates == "same-province" and level == top:
        raise DiffusionError(
            f"candidate rule 'same-province' ties units within the same {top}, but the regions are {top}s "
            "themselves. Use a lower --level or another rule."
        )
    if policy.candidates == "nearest-k":
        coords = geo.units.loc[codes, ["lat", "lon"]]
        missing = coords.index[coords.isna().any(axis=1)].tolist()
        if missing:
            raise DiffusionError(
                f"candidate rule 'nearest-k' needs coordinates for every adopting unit; {len(missing)} lack them "
                f"(e.g. {', '.join(geo.label(c, 'zh') for c in missing[:5])}). Add lat/lon to the geography or use "
                "another rule or level."
            )
