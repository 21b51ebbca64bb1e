"""Centrality of the temporal network, per snapshot and cumulative, computed with igraph.

Results are tidy: one row per ``node, node_type, batch, scope, graph, metric, value``, where
``batch`` is the period number and ``scope`` is "snapshot" (that period only) or "cumulative" (up
to it). Definitions (all reproduced by networkx in the test suite to 1e-9):

- ``degree``; ``strength`` (sum of edge weights) on weighted graphs;
- ``betweenness``: shortest-path betweenness, unweighted, normalised by (n-1)(n-2)/2 pairs
  (directed ties: (n-1)(n-2)); exact up to 5,000 nodes by default. On larger graphs
  ``betweenness_estimate`` instead: the Brandes & Pich (2007) estimate from 500 randomly
  drawn (seeded) source nodes, scaled by n / sources, as networkx's ``k`` option does;
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
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import igraph as ig
import joblib
import numpy as np
import pandas as pd
from scipy import sparse
from tqdm.auto import tqdm

from diffusion.checks import Seed, resolve_seed
from diffusion.network.build import TemporalNetwork
from diffusion.stats.inference import joblib_workers

__all__ = [
    "CENTRALITY_COLUMNS",
    "HitsWarning",
    "LocalisationWarning",
    "centrality",
    "igraph_graph",
    "seeded_igraph",
    "time_respecting_reachability",
]

CENTRALITY_COLUMNS = ["node", "node_type", "batch", "scope", "graph", "metric", "value"]
UNDIRECTED = ("multimode", "regions")


class LocalisationWarning(UserWarning):
    """Eigenvector centrality concentrates on a few nodes and says little about the rest."""


class HitsWarning(UserWarning):
    """HITS scores are not unique (the leading eigenvalue is degenerate)."""


@contextlib.contextmanager
def seeded_igraph(seed: int = 0):
    """igraph draws ARPACK start vectors from a global generator: fix it, then restore the default."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def igraph_graph(nodes: list[str], edges: pd.DataFrame, *, directed: bool) -> ig.Graph:
    """An igraph graph whose vertex i is ``nodes[i]``, with edge attribute ``weight``."""
    index = pd.Index(nodes)
    return _graph(
        len(nodes),
        index.get_indexer(edges["source"]),
        index.get_indexer(edges["target"]),
        edges["weight"].to_numpy(dtype=float),
        directed=directed,
    )


def _graph(n: int, source: np.ndarray, target: np.ndarray, weight: np.ndarray, *, directed: bool) -> ig.Graph:
    """An igraph graph of ``n`` vertices from edge endpoints by position, with edge attribute ``weight``."""
    g = ig.Graph(n=n, edges=np.column_stack([source, target]).tolist(), directed=directed)
    g.es["weight"] = weight.tolist()
    return g


def _undirected_metrics(
    g: ig.Graph, *, weighted: bool, eigenvector: bool, sources: Sources = "exact"
) -> dict[str, Any]:
    n = g.vcount()
    w = "weight" if weighted else None
    out = {"degree": np.array(g.degree(), dtype=float)}
    if weighted:
        out["strength"] = np.array(g.strength(weights="weight"), dtype=float)
    out.update(_betweenness(g, directed=False, sources=sources))
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


Sources = Literal["exact", "none"] | np.ndarray
EXACT_BETWEENNESS_MAX = 5_000  # nodes: above, "auto" estimates betweenness from sampled sources
SAMPLED_SOURCES = 500


def _betweenness(g: ig.Graph, *, directed: bool, sources: Sources) -> dict[str, Any]:
    """Normalised betweenness: exact, or estimated from the shortest paths of some source nodes.

    The estimate (Brandes & Pich 2007) sums the dependencies of the sampled sources and scales
    them by n / sources; it is unbiased for the exact value.
    """
    n = g.vcount()
    if isinstance(sources, str) and sources == "none":
        return {}
    pairs = (n - 1) * (n - 2) / (1 if directed else 2)
    if isinstance(sources, str):
        raw = np.array(g.betweenness(directed=directed), dtype=float) if pairs else np.zeros(n)
        return {"betweenness": raw / pairs if pairs else raw}
    raw = np.array(g.betweenness(directed=directed, sources=sources.tolist()), dtype=float) * n / len(sources)
    return {"betweenness_estimate": raw / pairs if pairs else np.zeros(n)}


def betweenness_sources(spec: str | int, n: int, rng: np.random.Generator) -> Sources:
    """What betweenness to compute on ``n`` nodes: "exact", "none", or the sampled source nodes.

    ``spec`` is "auto" (exact up to EXACT_BETWEENNESS_MAX nodes, else SAMPLED_SOURCES sources),
    "exact", "none", or a number of sources (exact when it is at least n).

    Examples
    --------
    >>> betweenness_sources("auto", 100, np.random.default_rng(0))
    'exact'
    >>> len(betweenness_sources(10, 100, np.random.default_rng(0)))
    10
    """
    if spec == "exact" or spec == "none":
        return "exact" if spec == "exact" else "none"
    if spec == "auto":
        k = n if n <= EXACT_BETWEENNESS_MAX else SAMPLED_SOURCES
    elif isinstance(spec, int | np.integer) and not isinstance(spec, bool) and spec >= 1:
        k = int(spec)
    else:
        raise ValueError(f"betweenness must be 'auto', 'exact', 'none' or a number of sources >= 1; got {spec!r}.")
    return "exact" if k >= n else np.sort(rng.choice(n, size=k, replace=False))


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


def _directed_metrics(g: ig.Graph, *, sources: Sources = "exact") -> dict[str, Any]:
    n = g.vcount()
    out: dict[str, Any] = {
        "in_degree": np.array(g.indegree(), dtype=float),
        "out_degree": np.array(g.outdegree(), dtype=float),
        "in_strength": np.array(g.strength(mode="in", weights="weight"), dtype=float),
        "out_strength": np.array(g.strength(mode="out", weights="weight"), dtype=float),
        "pagerank": np.array(g.pagerank(directed=True, weights="weight"), dtype=float),
    }
    out.update(_betweenness(g, directed=True, sources=sources))
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


def time_respecting_reachability(
    ties: pd.DataFrame, nodes: list[str], *, strict: bool, chunk: int = 4096
) -> np.ndarray:
    """For each node, how many other nodes it reaches by chains of ties with non-decreasing periods.

    A tie ``u -> v`` stamped ``t`` (the period of v's adoption) extends a chain that reached u at
    period s when s < t (``strict``, same-batch policy "none") or s <= t ("both"). The source
    itself starts before every period.

    Examples
    --------
    >>> ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "period": [2, 1]})
    >>> time_respecting_reachability(ties, ["a", "b", "c"], strict=True).tolist()  # b->c came first
    [1, 1, 0]
    """
    periods, counts = reachability_by_period(ties, nodes, strict=strict, chunk=chunk)
    return counts[-1] if len(periods) else np.zeros(len(nodes), dtype=int)


def reachability_by_period(
    ties: pd.DataFrame, nodes: list[str], *, strict: bool, chunk: int = 4096
) -> tuple[list[int], np.ndarray]:
    """Time-respecting reachability of every node using the ties up to each period, in one sweep.

    Returns the periods that have ties and a len(periods) x len(nodes) array: row k counts, for
    each node, the others it reaches through ties stamped up to ``periods[k]``. Sweeping periods
    in order gives every cumulative snapshot at the cost of the last one.

    Notes
    -----
    The reached sets of ``chunk`` sources are a sparse boolean matrix; each period multiplies only
    its frontier (what the last step added) by that period's sparse adjacency. Memory follows the
    number of (source, reached) pairs: no n x n matrix.

    Examples
    --------
    >>> ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "period": [1, 2]})
    >>> periods, counts = reachability_by_period(ties, ["a", "b", "c"], strict=True)
    >>> periods, counts.tolist()
    ([1, 2], [[1, 0, 0], [2, 1, 0]])
    """
    n = len(nodes)
    index = pd.Index(nodes)
    t = ties.drop_duplicates(["source", "target", "period"])
    periods, steps = [], []
    for period, g in t.groupby("period", sort=True):
        src, dst = index.get_indexer(g["source"]), index.get_indexer(g["target"])
        steps.append(sparse.csr_matrix((np.ones(len(g), dtype=bool), (src, dst)), shape=(n, n)))
        periods.append(int(period))
    counts = np.zeros((len(steps), n), dtype=np.int64)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        reached = sparse.csr_matrix(
            (np.ones(len(rows), dtype=bool), (np.arange(len(rows)), rows)), shape=(len(rows), n)
        )
        for k, step in enumerate(steps):
            frontier = reached  # strict: one hop from what was reached before the period
            while frontier.nnz:
                new = frontier @ step
                new = new - new.multiply(reached)  # only what was not reached yet
                new.eliminate_zeros()
                reached = reached + new
                frontier = new if not strict else sparse.csr_matrix(new.shape, dtype=bool)
            counts[k, rows] = reached.getnnz(axis=1) - 1
    return periods, counts


def centrality(
    net: TemporalNetwork,
    *,
    graphs: tuple[str, ...] = ("multimode", "regions", "ties"),
    scopes: tuple[str, ...] = ("snapshot", "cumulative"),
    eigenvector: bool = False,
    betweenness: str | int = "auto",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
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
    betweenness : "auto", "exact", "none" or int
        Exact betweenness costs O(nodes x edges): "auto" computes it exactly up to 5,000 nodes
        and above that estimates it (metric ``betweenness_estimate``) from 500 sampled sources;
        an int sets the number of sources; "none" leaves it out.
    seed : int, Generator or None
        Seeds the sampled sources and igraph's ARPACK start vectors (each graph gets its own stream).
    n_jobs : int, optional
        Worker processes for the graphs (igraph holds the GIL, so threads would not help). By
        default, an active ``joblib.parallel_config``, else one per core when the graphs hold
        over about 50,000 edges in all (largest graph x number of graphs), and none for smaller ones.
    progress : bool, optional
        Progress bar over the graphs; by default on terminals when the graphs hold over 50,000 edges.

    Returns
    -------
    DataFrame with columns ``node, node_type, batch, scope, graph, metric, value``.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.network.build import build_network
    >>> c = centrality(build_network(load_dataset("broadband-china")), graphs=("ties",), scopes=("cumulative",))
    >>> sorted(c["metric"].unique())[:3]
    ['authority', 'betweenness', 'hub']
    """
    seed = resolve_seed(seed)
    types = net.nodes.set_index("node")["node_type"]
    snapshots = [
        _Snapshot(net, graph, period, scope == "cumulative")
        for period in net.period_numbers
        for scope in scopes
        for graph in graphs
    ]
    # igraph holds the GIL, so large networks go to worker processes. Each graph seeds its own
    # random streams, so the results do not depend on where or in which order graphs run. The
    # latest (largest) graphs are prepared and sent first, so that no worker is left with a large
    # one at the end, and the workers start while the rest are prepared.
    ordered = sorted(range(len(snapshots)), key=lambda i: -snapshots[i].period)
    last = net.period_numbers[-1] if net.period_numbers else None
    prepared = {i: snapshots[i].prepare(betweenness, seed, eigenvector) for i in ordered if snapshots[i].period == last}
    largest = max((len(ready[1].source) for ready in prepared.values() if ready), default=0)
    big = largest * len(snapshots) > PROCESS_EDGES  # below, starting processes costs more than it saves
    workers = joblib_workers(n_jobs, len(snapshots) if big else 1, prefer="processes")
    order: list[int] = []  # the graphs in the order sent, which is the order of the results

    def tasks():
        for i in ordered:
            if i not in prepared:
                prepared[i] = snapshots[i].prepare(betweenness, seed, eigenvector)  # None: an empty graph
            if prepared[i] is not None:
                order.append(i)
                yield joblib.delayed(_graph_metrics)(prepared[i][1])

    results = joblib.Parallel(return_as="generator", **workers)(tasks())
    reach = _cumulative_reachability(net) if "ties" in graphs and "cumulative" in scopes else None
    show = (big and sys.stderr.isatty()) if progress is None else progress
    outputs = list(tqdm(results, disable=not show, desc="centrality", unit="graph"))
    done = dict(zip(order, outputs))  # order is complete once every result is in
    frames, not_unique = [], 0
    for i, snapshot in enumerate(snapshots):
        entry = prepared[i]
        if entry is None:
            continue
        nodes, metrics = entry[0], done.pop(i)
        not_unique += not metrics.pop("_hits_unique", True)
        for message in metrics.pop("_warnings"):
            warnings.warn(message, stacklevel=2)
        if snapshot.graph == "ties":
            metrics["reachability"] = snapshot.reachability(nodes, reach).astype(float)
        frames.append(snapshot.frame(nodes, types.reindex(nodes).to_numpy(), metrics))
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
    return out[CENTRALITY_COLUMNS]


GRAPHS = ("multimode", "regions", "ties")
PROCESS_EDGES = 50_000  # edges (largest graph x graphs) above which graphs go to worker processes


@dataclass(frozen=True)
class _GraphTask:
    """One graph's edges by node position, and how to compute its metrics (sent to workers)."""

    n: int
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    graph: str
    eigenvector: bool
    sources: Sources
    seed: int


def _graph_metrics(task: _GraphTask) -> dict:
    """Every igraph metric of one graph.

    Also ``_hits_unique`` (whether HITS was unique) and ``_warnings`` (raised here, perhaps in a
    worker process, to be raised again by the caller).
    """
    g = _graph(task.n, task.source, task.target, task.weight, directed=task.graph == "ties")
    with seeded_igraph(task.seed), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LocalisationWarning)
        if task.graph == "ties":
            out = _directed_metrics(g, sources=task.sources)
        else:
            out = _undirected_metrics(
                g, weighted=task.graph == "regions", eigenvector=task.eigenvector, sources=task.sources
            )
    out["_warnings"] = [w.message for w in caught if issubclass(w.category, LocalisationWarning)]
    return out


def _cumulative_reachability(net: TemporalNetwork) -> tuple[pd.Index, list[int], np.ndarray]:
    """Reachability of every tie node up to each period, from one sweep over the periods."""
    nodes = pd.Index(np.unique(np.concatenate([net.ties[c].to_numpy(dtype=object) for c in ("source", "target")])))
    periods, counts = reachability_by_period(net.ties, list(nodes), strict=net.policy.same_batch == "none")
    return nodes, periods, counts


@dataclass(frozen=True)
class _Snapshot:
    """One graph of the network at one period (that period only, or everything up to it)."""

    net: TemporalNetwork
    graph: str
    period: int
    cumulative: bool

    def prepare(
        self, betweenness: str | int, seed: int, eigenvector: bool = False
    ) -> tuple[list[str], _GraphTask] | None:
        """The graph's nodes and what computing its metrics needs (None for an empty graph)."""
        net, graph = self.net, self.graph
        edges = net.edge_list(graph, self.period, cumulative=self.cumulative)
        nodes = net.node_list(graph, self.period, cumulative=self.cumulative, edges=edges)
        if not nodes:
            return None
        streams = np.random.SeedSequence([seed, self.period, GRAPHS.index(graph), self.cumulative])
        index = pd.Index(nodes)
        task = _GraphTask(
            n=len(nodes),
            source=index.get_indexer(edges["source"]),
            target=index.get_indexer(edges["target"]),
            weight=edges["weight"].to_numpy(dtype=float),
            graph=graph,
            eigenvector=eigenvector,
            sources=betweenness_sources(betweenness, len(nodes), np.random.default_rng(streams)),
            seed=int(streams.generate_state(1)[0]),
        )
        return nodes, task

    def frame(self, nodes: list[str], node_types: np.ndarray, metrics: dict[str, np.ndarray]) -> pd.DataFrame:
        """Long table of every metric of the graph."""
        return pd.DataFrame(
            {
                "node": np.tile(nodes, len(metrics)),
                "node_type": np.tile(node_types, len(metrics)),
                "batch": self.period,
                "graph": self.graph,
                "metric": np.repeat(list(metrics), len(nodes)),
                "value": np.concatenate([np.asarray(v, dtype=float) for v in metrics.values()]),
                "scope": "cumulative" if self.cumulative else "snapshot",
            }
        )

    def reachability(self, nodes: list[str], reach) -> np.ndarray:
        ties = self.net.ties
        if not self.cumulative:
            period_ties = ties[ties["period"] == self.period]
            return time_respecting_reachability(period_ties, nodes, strict=self.net.policy.same_batch == "none")
        index, periods, counts = reach
        k = int(np.searchsorted(periods, self.period, side="right")) - 1
        at = index.get_indexer(nodes)
        return np.where(at >= 0, counts[k][at], 0) if k >= 0 else np.zeros(len(nodes), dtype=int)
