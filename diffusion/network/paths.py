"""Shortest-path centralities (betweenness, closeness), exact or from sampled sources, and their cost.

Betweenness and closeness need a breadth-first search from every node: O(nodes x edges) per
graph, which on the cumulative graphs of a long history is most of the work. Two rules keep it
bounded:

- **Sampled sources** above 5,000 nodes (by default): betweenness is estimated from 500 source
  nodes (Brandes & Pich 2007, scaled by n / sources, as networkx's ``k`` option does); closeness
  from the distances of the same sources to every node (Eppstein & Wang 2004): the harmonic
  closeness of v is the mean of 1/d(s, v) over the sampled sources s other than v (unbiased), the
  closeness of a connected graph the number of those sources over the sum of their distances (a
  ratio estimate). Estimated values are named ``*_estimate``; with every node as a source they
  equal the exact ones.
- **A budget over periods** (:func:`path_periods`): each kind of graph (graph x scope) gets the
  measures at every period while the cost fits; otherwise at every s-th period counting back from
  the last (the last always), s the smallest step that fits its share of the budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import igraph as ig
import numpy as np

from diffusion.checks import check_choice

__all__ = ["EXACT_PATHS_MAX", "PATHS", "PATH_BUDGET", "PATH_RATE", "SAMPLED_SOURCES", "path_cost", "path_periods"]

Sources = Literal["exact", "none"] | np.ndarray
EXACT_PATHS_MAX = 5_000  # nodes: above, "auto" samples the sources of shortest paths
SAMPLED_SOURCES = 500
PATHS = ("auto", "all", "last", "none")
#: Cost units (see path_cost) per second on one core of this machine (benchmarks/state_policy_shape.py).
PATH_RATE = 4e7
#: Cost units of all path measures of one call: about 5 s of work.
PATH_BUDGET = 5 * PATH_RATE
#: igraph returns sampled distances as Python lists: converting a node's distance costs about as
#: much as visiting eight edges in the exact searches.
DISTANCE_COST = 8
DISTANCE_CHUNK = 64  # sources whose distances are held at once (64 x nodes floats)


def betweenness_sources(spec: str | int, n: int, rng: np.random.Generator) -> Sources:
    """Which sources the shortest paths on ``n`` nodes start from: "exact", "none", or sampled nodes.

    ``spec`` is "auto" (exact up to EXACT_PATHS_MAX nodes, else SAMPLED_SOURCES sources), "exact",
    "none", or a number of sources (exact when it is at least n).

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
        k = n if n <= EXACT_PATHS_MAX else SAMPLED_SOURCES
    elif isinstance(spec, int | np.integer) and not isinstance(spec, bool) and spec >= 1:
        k = int(spec)
    else:
        raise ValueError(f"betweenness must be 'auto', 'exact', 'none' or a number of sources >= 1; got {spec!r}.")
    return "exact" if k >= n else np.sort(rng.choice(n, size=k, replace=False))


def path_metrics(g: ig.Graph, *, directed: bool, betweenness: Sources, closeness: Sources) -> dict[str, Any]:
    """Betweenness and, on undirected graphs, closeness, from the given sources ("none": left out)."""
    out = _betweenness(g, directed=directed, sources=betweenness)
    if not directed and not (isinstance(closeness, str) and closeness == "none"):
        out.update(_closeness(g, closeness))
    return out


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


def _closeness(g: ig.Graph, sources: Sources) -> dict[str, np.ndarray]:
    """Closeness ((n-1) / sum of distances) on a connected graph, else harmonic closeness; exact or sampled."""
    n = g.vcount()
    if n <= 1:
        return {"harmonic_closeness": np.zeros(n)}
    connected = g.is_connected()
    if isinstance(sources, str):
        if connected:
            return {"closeness": np.array(g.closeness(normalized=True), dtype=float)}
        return {"harmonic_closeness": np.array(g.harmonic_centrality(normalized=True), dtype=float)}
    distance_sum, inverse_sum = np.zeros(n), np.zeros(n)
    for chunk in np.array_split(sources, math.ceil(len(sources) / DISTANCE_CHUNK)):
        d = np.array(g.distances(source=chunk.tolist()), dtype=float)  # 0 to itself, inf if unreachable
        distance_sum += d.sum(axis=0)
        with np.errstate(divide="ignore"):
            inverse_sum += np.where(d > 0, 1 / d, 0.0).sum(axis=0)
    others = len(sources) - np.isin(np.arange(n), sources)  # sampled sources other than the node itself
    if connected:
        return {"closeness_estimate": others / distance_sum}
    return {"harmonic_closeness_estimate": inverse_sum / others}


def path_cost(n: int, m: int, sources: Sources) -> float:
    """Cost units of the path measures of a graph of ``n`` nodes and ``m`` edges: searches x (edges + nodes).

    Examples
    --------
    >>> path_cost(10, 20, "exact")
    300
    >>> path_cost(10, 20, np.arange(2))  # sampled: the distances are converted too
    220
    """
    if isinstance(sources, str):
        return n * (m + n)
    return len(sources) * (m + n * (1 + DISTANCE_COST))


def path_periods(
    costs: Mapping[Any, Mapping[int, float]], paths: str = "auto", budget: float | None = None
) -> dict[Any, list[int]]:
    """For each kind of graph, the periods whose graphs get the path measures.

    Parameters
    ----------
    costs : mapping
        For each kind of graph (e.g. ``("multimode", "cumulative")``), the path cost at each period.
    paths : {"auto", "all", "last", "none"}
        "all": every period; "last": the last period only; "none": no period. "auto": every period of
        the kinds whose cost fits; the budget is shared among kinds, cheapest first (what a cheap
        kind leaves goes to the others), and a kind over its share gets every s-th period counting
        back from its last, s the smallest step that fits (its last period always).
    budget : float, optional
        Cost units for all kinds together (default PATH_BUDGET).

    Examples
    --------
    >>> costs = {"small": {1: 1, 2: 1}, "large": {1: 10, 2: 10, 3: 10, 4: 10}}
    >>> path_periods(costs, budget=25)
    {'small': [1, 2], 'large': [2, 4]}
    """
    check_choice("paths", paths, PATHS)
    chosen: dict[Any, list[int]] = {}
    left = PATH_BUDGET if budget is None else budget
    by_total = sorted(costs, key=lambda kind: sum(costs[kind].values()))
    for i, kind in enumerate(by_total):
        periods = sorted(costs[kind])
        if paths == "auto":
            chosen[kind] = _spaced(periods, costs[kind], left / (len(by_total) - i))
        else:
            chosen[kind] = {"all": periods, "last": periods[-1:], "none": []}[paths]
        left -= sum(costs[kind][p] for p in chosen[kind])
    return chosen


def _spaced(periods: list[int], cost: Mapping[int, float], share: float) -> list[int]:
    """Every s-th of ``periods`` counting back from the last, for the smallest s whose cost fits ``share``."""
    if not periods:
        return []
    backwards = np.array([cost[p] for p in periods[::-1]], dtype=float)
    step = next((s for s in range(1, len(periods) + 1) if backwards[::s].sum() <= share), len(periods))
    return periods[::-1][::step][::-1]
