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
from dataclasses import dataclass, replace
from typing import Any

import igraph as ig
import joblib
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from diffusion.checks import Seed, check_choice, resolve_seed
from diffusion.network.build import TemporalNetwork
from diffusion.network.paths import (
    PATH_RATE,
    Sources,
    betweenness_sources,
    path_cost,
    path_metrics,
    path_periods,
)
from diffusion.network.reachability import reachability_by_period, time_respecting_reachability
from diffusion.network.snapshots import CodedGraph, node_names
from diffusion.stats.inference import WORKER_START, joblib_workers

__all__ = [
    "CENTRALITY_COLUMNS",
    "HitsWarning",
    "LocalisationWarning",
    "PathsWarning",
    "centrality",
    "igraph_graph",
    "seeded_igraph",
    "time_respecting_reachability",
]

CENTRALITY_COLUMNS = ["node", "node_type", "batch", "scope", "graph", "metric", "value"]
UNDIRECTED = ("multimode", "regions")


class LocalisationWarning(UserWarning):
    """Eigenvector centrality concentrates on a few nodes and says little about the rest."""


class PathsWarning(UserWarning):
    """Betweenness and closeness were left out of some periods' graphs, to keep the cost bounded."""


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
    # Pairs of Python ints convert about twice as fast as a numpy array of pairs.
    g = ig.Graph(n=n, edges=list(zip(source.tolist(), target.tolist())), directed=directed)
    g.es["weight"] = weight.tolist()
    return g


def _undirected_metrics(
    g: ig.Graph, *, weighted: bool, eigenvector: bool, sources: Sources = "exact", closeness: Sources = "exact"
) -> dict[str, Any]:
    """Every metric of an undirected graph; ``sources`` of betweenness and ``closeness`` ("none": left out)."""
    w = "weight" if weighted else None
    out = {"degree": np.array(g.degree(), dtype=float)}
    if weighted:
        out["strength"] = np.array(g.strength(weights="weight"), dtype=float)
    out.update(path_metrics(g, directed=False, betweenness=sources, closeness=closeness))
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


def _directed_metrics(g: ig.Graph, *, sources: Sources = "exact") -> dict[str, Any]:
    n = g.vcount()
    out: dict[str, Any] = {
        "in_degree": np.array(g.indegree(), dtype=float),
        "out_degree": np.array(g.outdegree(), dtype=float),
        "in_strength": np.array(g.strength(mode="in", weights="weight"), dtype=float),
        "out_strength": np.array(g.strength(mode="out", weights="weight"), dtype=float),
        "pagerank": np.array(g.pagerank(directed=True, weights="weight"), dtype=float),
    }
    out.update(path_metrics(g, directed=True, betweenness=sources, closeness="none"))
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


def centrality(
    net: TemporalNetwork,
    *,
    graphs: tuple[str, ...] = ("multimode", "regions", "ties"),
    scopes: tuple[str, ...] = ("snapshot", "cumulative"),
    eigenvector: bool = False,
    betweenness: str | int = "auto",
    paths: str = "auto",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
    layout: str = "long",
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
        an int sets the number of sources; "none" leaves it out. Closeness takes the same sources
        (``closeness_estimate`` or ``harmonic_closeness_estimate`` when sampled; the "auto" rule
        when betweenness is "none").
    paths : {"auto", "all", "last", "none"}
        Which periods get betweenness and closeness, the measures that search shortest paths from
        every node (the others are cheap and computed everywhere). "auto": every period while the
        cost of all graphs stays within about 5 s of work; otherwise the cheapest kinds (graph x
        scope) keep every period and a kind over its share gets every s-th period counting back from
        its last, with a :class:`PathsWarning` that says which. "all", "last" or "none" periods.
    seed : int, Generator or None
        Seeds the sampled sources and igraph's ARPACK start vectors (each graph gets its own stream).
    n_jobs : int, optional
        Worker processes for the graphs (igraph holds the GIL, so threads would not help). By
        default, an active ``joblib.parallel_config``, else one per core when the estimated work
        (from the graphs' nodes and edges) exceeds WORKER_START seconds, what starting the workers
        costs; none below.
    progress : bool, optional
        Progress bar over the graphs; by default on terminals when the work exceeds WORKER_START.
    layout : {"long", "wide"}
        "long": one row per node, graph snapshot and metric. "wide": one row per node and graph
        snapshot, one column per metric (empty where a metric was not computed); a sixth of the rows.

    Returns
    -------
    DataFrame with columns ``node, node_type, batch, scope, graph, metric, value`` ("long"), or
    ``node, node_type, batch, scope, graph`` and the metrics ("wide"). The text columns are
    categorical (a long history has millions of rows).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.network.build import build_network
    >>> c = centrality(build_network(load_dataset("broadband-china")), graphs=("ties",), scopes=("cumulative",))
    >>> sorted(c["metric"].unique())[:3]
    ['authority', 'betweenness', 'hub']
    """
    seed = resolve_seed(seed)
    check_choice("layout", layout, ("long", "wide"))
    names = node_names(net)
    coded = {graph: CodedGraph(net, graph, names) for graph in graphs}
    kinds = [
        (period, graph, scope == "cumulative") for period in net.period_numbers for scope in scopes for graph in graphs
    ]
    tasks = {  # empty graphs are left out
        i: task
        for i, (period, graph, cumulative) in enumerate(kinds)
        if (task := _prepare(coded[graph], period, cumulative, betweenness, seed, eigenvector)) is not None
    }
    costs: dict[tuple[str, bool], dict[int, float]] = {}
    for i, task in tasks.items():
        period, graph, cumulative = kinds[i]
        costs.setdefault((graph, cumulative), {})[period] = task.path_cost
    chosen = path_periods(costs, paths)
    for i, task in tasks.items():
        period, graph, cumulative = kinds[i]
        if period not in chosen[graph, cumulative]:
            tasks[i] = task.without_paths()
    work = sum(task.seconds for task in tasks.values())
    # igraph holds the GIL, so large networks go to worker processes, when the work pays for
    # starting them. Each graph seeds its own random streams, so the results do not depend on where
    # or in which order graphs run. The largest graphs go first, so that no worker is left with a
    # large one at the end.
    workers = joblib_workers(n_jobs, len(tasks) if work > WORKER_START else 1, prefer="processes")
    order = sorted(tasks, key=lambda i: -tasks[i].seconds)
    results = joblib.Parallel(return_as="generator", **workers)(joblib.delayed(_graph_metrics)(tasks[i]) for i in order)
    reach = _cumulative_reachability(net) if "ties" in graphs and "cumulative" in scopes else None
    show = (work > WORKER_START and sys.stderr.isatty()) if progress is None else progress
    done = dict(zip(order, tqdm(results, disable=not show, desc="centrality", unit="graph", total=len(order))))
    blocks, not_unique = [], 0
    for i in sorted(tasks):  # the order of the kinds: period, scope, graph
        (period, graph, cumulative), nodes, metrics = kinds[i], tasks[i].nodes, done.pop(i)
        not_unique += not metrics.pop("_hits_unique", True)
        for message in metrics.pop("_warnings"):
            warnings.warn(message, stacklevel=2)
        if graph == "ties":
            metrics["reachability"] = _reachability(net, list(names[nodes]), period, cumulative, reach)
        blocks.append(_Block(period, graph, cumulative, nodes, metrics))
    if not_unique:
        warnings.warn(
            f"HITS hub and authority scores are not unique in {not_unique} diffusion-tie graph(s): ties run from "
            "earlier to later adopters, so many scores are zero and another solution fits as well. "
            "Read hub/authority with care; out-strength and reachability do not have this problem.",
            HitsWarning,
            stacklevel=2,
        )
    _warn_skipped(chosen, costs)
    types = net.nodes.set_index("node")["node_type"].reindex(names).to_numpy(dtype=object)
    return (_long if layout == "long" else _wide)(blocks, names, types)


GRAPHS = ("multimode", "regions", "ties")
#: Seconds per node or edge of the cheap metrics (degree, PageRank, k-core, HITS), and per graph.
EDGE_SECONDS, GRAPH_SECONDS = 2e-7, 5e-4


@dataclass(frozen=True)
class _GraphTask:
    """One graph's edges by node position, and how to compute its metrics (sent to workers)."""

    nodes: np.ndarray  # positions in the network's sorted node names
    source: np.ndarray  # positions in ``nodes``
    target: np.ndarray
    weight: np.ndarray
    graph: str
    eigenvector: bool
    betweenness: Sources
    closeness: Sources
    seed: int

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def path_cost(self) -> float:
        """Cost units of betweenness and closeness on this graph (see :func:`paths.path_cost`)."""
        sources = self.closeness if self.graph != "ties" else self.betweenness
        return 0.0 if isinstance(sources, str) and sources == "none" else path_cost(self.n, len(self.source), sources)

    @property
    def seconds(self) -> float:
        """Estimated seconds of work on one core."""
        return self.path_cost / PATH_RATE + (self.n + len(self.source)) * EDGE_SECONDS + GRAPH_SECONDS

    def without_paths(self) -> _GraphTask:
        """The same task without betweenness and closeness."""
        return replace(self, betweenness="none", closeness="none")


def _graph_metrics(task: _GraphTask) -> dict:
    """Every igraph metric of one graph.

    Also ``_hits_unique`` (whether HITS was unique) and ``_warnings`` (raised here, perhaps in a
    worker process, to be raised again by the caller).
    """
    g = _graph(task.n, task.source, task.target, task.weight, directed=task.graph == "ties")
    with seeded_igraph(task.seed), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LocalisationWarning)
        if task.graph == "ties":
            out = _directed_metrics(g, sources=task.betweenness)
        else:
            out = _undirected_metrics(
                g,
                weighted=task.graph == "regions",
                eigenvector=task.eigenvector,
                sources=task.betweenness,
                closeness=task.closeness,
            )
    out["_warnings"] = [w.message for w in caught if issubclass(w.category, LocalisationWarning)]
    return out


def _warn_skipped(chosen: dict[tuple[str, bool], list[int]], costs: dict[tuple[str, bool], dict[int, float]]) -> None:
    """Say which kinds of graph got betweenness and closeness at only some of their periods."""
    skipped = [
        f"{'cumulative' if cumulative else 'snapshot'} {graph} graphs at {len(chosen[graph, cumulative])} of "
        f"{len(costs[graph, cumulative])} periods"
        for graph, cumulative in costs
        if len(chosen[graph, cumulative]) < len(costs[graph, cumulative])
    ]
    if skipped:
        warnings.warn(
            f"betweenness and closeness were computed for the {'; '.join(skipped)} (evenly spaced back from the "
            "last, the last included), to bound the work; the other measures at every period. "
            "paths='all' (command line: --paths all) computes them at every period.",
            PathsWarning,
            stacklevel=3,
        )


def _cumulative_reachability(net: TemporalNetwork) -> tuple[pd.Index, list[int], np.ndarray]:
    """Reachability of every tie node up to each period, from one sweep over the periods."""
    nodes = pd.Index(np.unique(np.concatenate([net.ties[c].to_numpy(dtype=object) for c in ("source", "target")])))
    periods, counts = reachability_by_period(net.ties, list(nodes), strict=net.policy.same_batch == "none")
    return nodes, periods, counts


def _prepare(
    coded: CodedGraph, period: int, cumulative: bool, betweenness: str | int, seed: int, eigenvector: bool
) -> _GraphTask | None:
    """What computing the metrics of one graph at one period needs (None for an empty graph)."""
    snap = coded.at(period, cumulative=cumulative)
    n = len(snap.nodes)
    if not n:
        return None
    streams = np.random.SeedSequence([seed, period, GRAPHS.index(coded.graph), cumulative])
    rng = np.random.default_rng(streams)
    sources = betweenness_sources(betweenness, n, rng)
    # Closeness searches from the same sources; by the "auto" rule where betweenness is left out.
    closeness = betweenness_sources("auto", n, rng) if betweenness == "none" else sources
    return _GraphTask(
        nodes=snap.nodes,
        source=snap.source,
        target=snap.target,
        weight=snap.weight,
        graph=coded.graph,
        eigenvector=eigenvector,
        betweenness=sources,
        closeness=closeness,
        seed=int(streams.generate_state(1)[0]),
    )


def _reachability(net: TemporalNetwork, nodes: list[str], period: int, cumulative: bool, reach) -> np.ndarray:
    """Time-respecting reachability of the tie graph's ``nodes`` at ``period``."""
    if not cumulative:
        period_ties = net.ties[net.ties["period"] == period]
        reached = time_respecting_reachability(period_ties, nodes, strict=net.policy.same_batch == "none")
        return reached.astype(float)
    index, periods, counts = reach
    k = int(np.searchsorted(periods, period, side="right")) - 1
    at = index.get_indexer(nodes)
    return (np.where(at >= 0, counts[k][at], 0) if k >= 0 else np.zeros(len(nodes))).astype(float)


@dataclass(frozen=True)
class _Block:
    """The metrics of one graph at one period: node positions in the names, one array per metric."""

    period: int
    graph: str
    cumulative: bool
    nodes: np.ndarray
    metrics: dict[str, np.ndarray]


def _keys(blocks: list[_Block], names: np.ndarray, types: np.ndarray, repeat: list[int]) -> dict[str, Any]:
    """The key columns of the table: each block's nodes (``repeat`` times), period, scope and graph."""
    node = np.concatenate([np.tile(b.nodes, r) for b, r in zip(blocks, repeat)])
    used, codes = np.unique(node, return_inverse=True)
    type_codes, type_names = pd.factorize(types[used])
    sizes = [len(b.nodes) * r for b, r in zip(blocks, repeat)]
    scope = np.repeat([int(b.cumulative) for b in blocks], sizes)
    graph = np.repeat([GRAPHS.index(b.graph) for b in blocks], sizes)
    return {
        "node": pd.Categorical.from_codes(codes, names[used]),
        "node_type": pd.Categorical.from_codes(type_codes[codes], type_names),
        "batch": np.repeat([b.period for b in blocks], sizes),
        "scope": pd.Categorical.from_codes(scope, ["snapshot", "cumulative"]),
        "graph": pd.Categorical.from_codes(graph, list(GRAPHS)),
    }


def _long(blocks: list[_Block], names: np.ndarray, types: np.ndarray) -> pd.DataFrame:
    """One row per node, graph, period, scope and metric; text columns categorical."""
    if not blocks:
        return pd.DataFrame(columns=CENTRALITY_COLUMNS)
    metrics = list(dict.fromkeys(m for b in blocks for m in b.metrics))
    columns = _keys(blocks, names, types, [len(b.metrics) for b in blocks])
    metric = np.concatenate([np.repeat([metrics.index(m) for m in b.metrics], len(b.nodes)) for b in blocks])
    columns["metric"] = pd.Categorical.from_codes(metric, metrics)
    columns["value"] = np.concatenate([np.asarray(v, dtype=float) for b in blocks for v in b.metrics.values()])
    return pd.DataFrame(columns)[CENTRALITY_COLUMNS]


def _wide(blocks: list[_Block], names: np.ndarray, types: np.ndarray) -> pd.DataFrame:
    """One row per node, graph, period and scope; one column per metric (empty where not computed)."""
    keys = CENTRALITY_COLUMNS[:5]
    if not blocks:
        return pd.DataFrame(columns=keys)
    columns = _keys(blocks, names, types, [1] * len(blocks))
    ends = np.cumsum([len(b.nodes) for b in blocks])
    for metric in dict.fromkeys(m for b in blocks for m in b.metrics):
        values = np.full(ends[-1], np.nan)
        for b, end in zip(blocks, ends):
            if metric in b.metrics:
                values[end - len(b.nodes) : end] = b.metrics[metric]
        columns[metric] = values
    return pd.DataFrame(columns)
