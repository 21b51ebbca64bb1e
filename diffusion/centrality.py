"""Centrality of the temporal network, per snapshot and cumulative, computed with igraph.

Results are tidy: one row per ``node, node_type, batch, scope, graph, metric, value``, where
``batch`` is the period number and ``scope`` is "snapshot" (that period only) or "cumulative" (up
to it). Definitions (all reproduced by networkx in the test suite to 1e-9):

- ``degree``; ``strength`` (sum of edge weights) on weighted graphs;
- ``betweenness``: shortest-path betweenness, unweighted, normalised by (n-1)(n-2)/2 pairs
  (directed ties: (n-1)(n-2));
- ``closeness``: (n-1) / sum of distances where the graph is connected; on a disconnected graph
  ``harmonic_closeness`` instead: sum of 1/distance over other nodes, divided by n-1;
- ``pagerank``: damping 0.85, weighted, uniform teleport (dangling nodes jump uniformly);
- ``hub`` and ``authority`` (HITS) on the directed diffusion ties, weighted, scaled to sum 1;
- ``in_degree``, ``out_degree``, ``in_strength``, ``out_strength`` on the ties;
- ``coreness``: the k-core number (largest k of a k-core holding the node);
- ``reachability``: on the ties, how many other regions a region could have reached through
  time-respecting chains of later adopters;
- ``eigenvector`` (only when asked): scaled to sum 1, with a warning where it localises.
"""

from __future__ import annotations

import contextlib
import random
import warnings

import igraph as ig
import numpy as np
import pandas as pd
from scipy import sparse

from diffusion.network import TemporalNetwork

__all__ = [
    "CENTRALITY_COLUMNS",
    "HitsWarning",
    "LocalisationWarning",
    "centrality",
    "igraph_graph",
    "time_respecting_reachability",
]

CENTRALITY_COLUMNS = ["node", "node_type", "batch", "scope", "graph", "metric", "value"]
UNDIRECTED = ("multimode", "regions")


class LocalisationWarning(UserWarning):
    """Eigenvector centrality concentrates on a few nodes and says little about the rest."""


class HitsWarning(UserWarning):
    """HITS scores are not unique (the leading eigenvalue is degenerate)."""


@contextlib.contextmanager
def _seeded_igraph(seed: int = 0):
    """igraph draws ARPACK start vectors from a global generator: fix it, then restore the default."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def igraph_graph(nodes: list[str], edges: pd.DataFrame, *, directed: bool) -> ig.Graph:
    """An igraph graph whose vertex i is ``nodes[i]``, with edge attribute ``weight``."""
    index = {n: i for i, n in enumerate(nodes)}
    pairs = list(zip(edges["source"].map(index), edges["target"].map(index)))
    g = ig.Graph(n=len(nodes), edges=pairs, directed=directed)
    g.es["weight"] = edges["weight"].astype(float).tolist()
    return g


def _undirected_metrics(g: ig.Graph, *, weighted: bool, eigenvector: bool) -> dict[str, np.ndarray]:
    n = g.vcount()
    w = "weight" if weighted else None
    out = {"degree": np.array(g.degree(), dtype=float)}
    if weighted:
        out["strength"] = np.array(g.strength(weights="weight"), dtype=float)
    pairs = (n - 1) * (n - 2) / 2
    out["betweenness"] = np.array(g.betweenness(directed=False), dtype=float) / pairs if pairs else np.zeros(n)
    if n > 1 and g.is_connected():
        out["closeness"] = np.array(g.closeness(normalized=True), dtype=float)
    else:
        out["harmonic_closeness"] = (
            np.array(g.harmonic_centrality(normalized=True), dtype=float) if n > 1 else np.zeros(n)
        )
    out["pagerank"] = np.array(g.pagerank(directed=False, weights=w), dtype=float)
    out["coreness"] = np.array(g.coreness(), dtype=float)
    if eigenvector:
        out["eigenvector"] = _eigenvector(g, w)
    return out


def _eigenvector(g: ig.Graph, weights: str | None) -> np.ndarray:
    if g.ecount() == 0:
        return np.zeros(g.vcount())
    if not g.is_connected():
        warnings.warn(
            "eigenvector centrality on a disconnected graph concentrates on one component; "
            "read it within components only.",
            LocalisationWarning,
            stacklevel=3,
        )
    x = np.abs(np.array(g.eigenvector_centrality(weights=weights), dtype=float))
    x = x / x.sum()
    # Inverse participation ratio: about 1/n when spread out, O(1) when localised on few nodes.
    ipr = float((x**4).sum() / (x**2).sum() ** 2)
    if ipr * g.vcount() > 10:
        warnings.warn(
            f"eigenvector centrality is localised (inverse participation ratio {ipr:.3f} on {g.vcount()} nodes): "
            "a few nodes hold most of it, as is usual on near-planar contiguity graphs; prefer PageRank or "
            "harmonic closeness.",
            LocalisationWarning,
            stacklevel=3,
        )
    return x


def _directed_metrics(g: ig.Graph) -> dict[str, np.ndarray]:
    n = g.vcount()
    out = {
        "in_degree": np.array(g.indegree(), dtype=float),
        "out_degree": np.array(g.outdegree(), dtype=float),
        "in_strength": np.array(g.strength(mode="in", weights="weight"), dtype=float),
        "out_strength": np.array(g.strength(mode="out", weights="weight"), dtype=float),
        "pagerank": np.array(g.pagerank(directed=True, weights="weight"), dtype=float),
    }
    pairs = (n - 1) * (n - 2)
    out["betweenness"] = np.array(g.betweenness(directed=True), dtype=float) / pairs if pairs else np.zeros(n)
    if g.ecount():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hub = np.array(g.hub_score(weights="weight"), dtype=float)
            auth = np.array(g.authority_score(weights="weight"), dtype=float)
        out["hub"] = np.abs(hub) / np.abs(hub).sum()
        out["authority"] = np.abs(auth) / np.abs(auth).sum()
        out["_hits_unique"] = not any("not unique" in str(w.message) for w in caught)
    else:
        out["hub"] = out["authority"] = np.zeros(n)
    return out


def time_respecting_reachability(ties: pd.DataFrame, nodes: list[str], *, strict: bool, chunk: int = 512) -> np.ndarray:
    """For each node, how many other nodes it reaches by chains of ties with non-decreasing periods.

    A tie ``u -> v`` stamped ``t`` (the period of v's adoption) extends a chain that reached u at
    period s when s < t (``strict``, same-batch policy "none") or s <= t ("both"). The source
    itself starts before every period.

    Notes
    -----
    Periods are swept in order with a sparse adjacency matrix per period; sources are handled in
    chunks so memory stays at ``chunk`` x n booleans (no n x n matrix).

    Examples
    --------
    >>> ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "period": [2, 1]})
    >>> time_respecting_reachability(ties, ["a", "b", "c"], strict=True).tolist()  # b->c came first
    [1, 1, 0]
    """
    n = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    t = ties.drop_duplicates(["source", "target", "period"])
    steps = []
    for _, g in t.groupby("period", sort=True):
        src, dst = g["source"].map(index).to_numpy(), g["target"].map(index).to_numpy()
        steps.append(sparse.csr_matrix((np.ones(len(g), dtype=np.int8), (src, dst)), shape=(n, n), dtype=np.int8))
    out = np.zeros(n, dtype=int)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        reached = np.zeros((len(rows), n), dtype=bool)
        reached[np.arange(len(rows)), rows] = True
        for step in steps:
            before = reached.copy()
            while True:  # strict: one hop per period; otherwise chains within the period too
                frontier = (before if strict else reached).astype(np.int8) @ step
                new = (np.asarray(frontier) > 0) & ~reached
                if not new.any():
                    break
                reached |= new
                if strict:
                    break
        out[rows] = reached.sum(axis=1) - 1
    return out


def centrality(
    net: TemporalNetwork,
    *,
    graphs: tuple[str, ...] = ("multimode", "regions", "ties"),
    scopes: tuple[str, ...] = ("snapshot", "cumulative"),
    eigenvector: bool = False,
) -> pd.DataFrame:
    """Centrality of every node of each graph, for each period, per snapshot and cumulative.

    Parameters
    ----------
    net : TemporalNetwork
    graphs : tuple of str
        Any of "multimode" (the case–practice–region network, unweighted), "regions" (regions
        weighted by shared practices), "ties" (the directed diffusion ties).
    scopes : tuple of str
        "snapshot" and/or "cumulative".
    eigenvector : bool
        Also compute eigenvector centrality on the undirected graphs (warns where it localises).

    Returns
    -------
    DataFrame with columns ``node, node_type, batch, scope, graph, metric, value``.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.network import build_network
    >>> c = centrality(build_network(load_dataset("broadband-china")), graphs=("ties",), scopes=("cumulative",))
    >>> sorted(c["metric"].unique())[:3]
    ['authority', 'betweenness', 'hub']
    """
    types = net.nodes.set_index("node")["node_type"].to_dict()
    frames, not_unique = [], 0
    with _seeded_igraph():
        for period in net.period_numbers:
            for scope in scopes:
                for graph in graphs:
                    frame, unique = _snapshot_metrics(net, graph, period, scope == "cumulative", eigenvector)
                    if frame is not None:
                        frames.append(frame.assign(scope=scope))
                    not_unique += not unique
    if not_unique:
        warnings.warn(
            f"HITS hub and authority scores are not unique in {not_unique} diffusion-tie graph(s): ties run from "
            "earlier to later adopters, so many scores are zero and another solution fits as well. "
            "Read hub/authority with care; out-strength and reachability do not have this problem.",
            HitsWarning,
            stacklevel=2,
        )
    if not frames:
        return pd.DataFrame(columns=CENTRALITY_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["node_type"] = out["node"].map(types)
    return out[CENTRALITY_COLUMNS]


def _snapshot_metrics(
    net: TemporalNetwork, graph: str, period: int, cumulative: bool, eigenvector: bool
) -> tuple[pd.DataFrame | None, bool]:
    """Long table of every metric of one graph at one period; and whether HITS was unique."""
    nodes = net.node_list(graph, period, cumulative=cumulative)
    if not nodes:
        return None, True
    edges = net.edge_list(graph, period, cumulative=cumulative)
    g = igraph_graph(nodes, edges, directed=graph == "ties")
    unique = True
    if graph == "ties":
        metrics = _directed_metrics(g)
        unique = metrics.pop("_hits_unique", True)
        ties = net.ties[net.ties["period"] <= period] if cumulative else net.ties[net.ties["period"] == period]
        strict = net.policy.same_batch == "none"
        metrics["reachability"] = time_respecting_reachability(ties, nodes, strict=strict).astype(float)
    else:
        metrics = _undirected_metrics(g, weighted=graph == "regions", eigenvector=eigenvector)
    frame = pd.DataFrame(
        {
            "node": np.tile(nodes, len(metrics)),
            "batch": period,
            "graph": graph,
            "metric": np.repeat(list(metrics), len(nodes)),
            "value": np.concatenate([np.asarray(v, dtype=float) for v in metrics.values()]),
        }
    )
    return frame, unique
