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

from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_labels
from diffusion.display import Card, Summarised
from diffusion.errors import DiffusionError
from diffusion.network.ties import CANDIDATE_RULES, SAME_BATCH_POLICIES, TiePolicy, diffusion_ties

__all__ = ["CANDIDATE_RULES", "SAME_BATCH_POLICIES", "TemporalNetwork", "TiePolicy", "build_network"]

GRAPHS = ("multimode", "regions", "practices", "cases", "ties")


@dataclass(frozen=True, eq=False, repr=False)
class TemporalNetwork(Summarised):
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

    def card(self) -> Card:
        """Its summary (``repr`` and a notebook's display): nodes, edges and ties, and the tie rule."""
        facts: tuple[tuple[str, object], ...] = (("level", self.level), ("nodes", len(self.nodes)))
        facts += (("edges", len(self.edges)), ("diffusion ties", len(self.ties)), ("periods", len(self.periods)))
        return Card(f"TemporalNetwork of {self.dataset.name!r}", facts, (self.policy.describe(),))

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
        nodes = self.node_list(graph, period, cumulative=cumulative, edges=edges)
        attrs = self.nodes.set_index("node").reindex(nodes).to_dict("records")
        g.add_nodes_from((node, _clean_attrs(a)) for node, a in zip(nodes, attrs))
        rows = edges.drop(columns=["source", "target"]).to_dict("records")
        g.add_edges_from((s, t, _clean_attrs(a)) for s, t, a in zip(edges["source"], edges["target"], rows))
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
    """Pairs of members sharing keys, weighted by the number of shared keys (a bipartite projection).

    Examples
    --------
    >>> m = pd.DataFrame({"member": ["b", "a", "a", "c"], "key": [1, 1, 2, 2]})
    >>> _co_membership(m).values.tolist()
    [['a', 'b', 1.0], ['a', 'c', 1.0]]
    """
    member, names = pd.factorize(members["member"], sort=True)
    source, target, weight = co_membership_codes(member, pd.factorize(members["key"])[0], len(names))
    names = np.asarray(names, dtype=object)
    return pd.DataFrame({"source": names[source], "target": names[target], "weight": weight})


def co_membership_codes(member: np.ndarray, key: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """The projection on integer codes: pairs ``source < target`` of ``size`` members, their shared keys.

    The members x keys incidence matrix times its transpose, sorted by the pair: a merge of the
    pairs on each key would hold every pair once per shared key (630,000 rows for 50 regions
    sharing 700 practices).
    """
    keys = int(key.max()) + 1 if len(key) else 0
    incidence = sparse.csr_matrix((np.ones(len(member)), (member, key)), shape=(size, keys))
    incidence.data[:] = 1.0  # a member listed twice with a key shares it once
    shared = sparse.triu(incidence @ incidence.T, k=1).tocoo()
    order = np.lexsort((shared.col, shared.row))
    return shared.row[order], shared.col[order], shared.data[order].astype(float)


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
    # case_ids is not carried through the explode: an event of 10,000 cases would repeat its list 10,000 times.
    case_practice = ev[["practice", "period"]].assign(case=ev["case_ids"].str.split(";")).explode("case")
    case_practice = case_practice.drop_duplicates(["case", "practice"])

    first_region = _first_periods(geo, ev, level)
    nodes = _nodes(ds, level, cases, ev, first_region)
    edges = _edges(geo, level, cases, case_practice, first_region, ds.network)
    adoptions = ev.groupby(["region", "practice"], sort=True)["period"].min().reset_index()
    adoptions["region"] = "region:" + adoptions["region"]
    adoptions["practice"] = "practice:" + adoptions["practice"]
    periods = period_labels(ds)
    ties = diffusion_ties(
        geo, level, adoptions, policy, ties=ds.influence_ties(level), dates=periods["date"].astype(str).tolist()
    )
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


def _edges(geo, level: str, cases: pd.DataFrame, case_practice: pd.DataFrame, first: dict, network) -> pd.DataFrame:
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
    if network is not None:  # the user's ties, as given (source to target), once both ends have appeared
        links = network.edges[["source", "target"]].drop_duplicates()
        linked = [
            (f"region:{a}", f"region:{b}", max(first[a], first[b]))
            for a, b in links.itertuples(index=False)
            if a in first and b in first
        ]
        parts.append(pd.DataFrame(linked, columns=["source", "target", "period"]).assign(edge_type="region-network"))
    edges = pd.concat(parts, ignore_index=True)
    edges["period"] = edges["period"].astype(int)
    return edges.sort_values(["period", "edge_type", "source", "target"]).reset_index(drop=True)
