"""Benchmark: all centralities on a county-scale near-planar graph; our path vs raw igraph vs networkx.

Run on demand: ``python benchmarks/centrality.py [N_NODES] [REPEATS]``. The graph is the Delaunay
triangulation of N random points (seeded): near-planar like a county contiguity graph, with
random integer weights. "Ours" is the package's path from an edge table (building the igraph
graph included); "raw igraph" makes the same calls on a prebuilt edge list; "networkx" computes
the same measures with networkx's own functions.
"""

from __future__ import annotations

import sys

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import Delaunay
from timing import best_of

from diffusion.network.centrality import _undirected_metrics, igraph_graph


def delaunay_edges(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tri = Delaunay(rng.random((n, 2)))
    pairs = set()
    for a, b, c in tri.simplices:
        for u, v in ((a, b), (b, c), (a, c)):
            pairs.add((min(u, v), max(u, v)))
    e = np.array(sorted(pairs))
    return pd.DataFrame(
        {
            "source": [f"c{u:05d}" for u in e[:, 0]],
            "target": [f"c{v:05d}" for v in e[:, 1]],
            "weight": rng.integers(1, 5, len(e)).astype(float),
        }
    )


def ours(nodes, edges):
    return _undirected_metrics(igraph_graph(nodes, edges, directed=False), weighted=True, eigenvector=False)


def raw_igraph(n, pairs, weights):
    g = ig.Graph(n=n, edges=pairs, directed=False)
    return {
        "degree": g.degree(),
        "strength": g.strength(weights=weights),
        "betweenness": g.betweenness(directed=False),
        "closeness": g.closeness(normalized=True),
        "pagerank": g.pagerank(directed=False, weights=weights),
        "coreness": g.coreness(),
    }


def networkx_path(g):
    return {
        "degree": dict(g.degree()),
        "strength": dict(g.degree(weight="weight")),
        "betweenness": nx.betweenness_centrality(g),
        "closeness": nx.closeness_centrality(g),
        "pagerank": nx.pagerank(g, weight="weight"),
        "coreness": nx.core_number(g),
    }


def main(n: int = 2846, repeats: int = 3) -> None:
    edges = delaunay_edges(n)
    nodes = sorted(set(edges["source"]) | set(edges["target"]))
    index = {v: i for i, v in enumerate(nodes)}
    pairs = list(zip(edges["source"].map(index), edges["target"].map(index)))
    weights = edges["weight"].tolist()
    g = nx.Graph()
    g.add_weighted_edges_from(edges[["source", "target", "weight"]].itertuples(index=False))
    t_ours = best_of(lambda: ours(nodes, edges), repeats)
    t_raw = best_of(lambda: raw_igraph(len(nodes), pairs, weights), repeats)
    t_nx_all = best_of(lambda: networkx_path(g), 1)
    t_nx_btw = best_of(lambda: nx.betweenness_centrality(g), 1)
    t_nx_clo = best_of(lambda: nx.closeness_centrality(g), 1)
    ig_g = ig.Graph(n=len(nodes), edges=pairs)
    t_ig_btw = best_of(lambda: ig_g.betweenness(directed=False), repeats)
    t_ig_clo = best_of(lambda: ig_g.closeness(normalized=True), repeats)
    print(f"graph: {len(nodes)} nodes, {len(edges)} edges (Delaunay, near-planar)")
    print(f"{'step':<34}{'seconds':>10}{'ratio':>12}")
    print(f"{'ours (build + 6 measures)':<34}{t_ours:>10.3f}{t_ours / t_raw:>11.2f}x raw igraph")
    print(f"{'raw igraph (same 6 measures)':<34}{t_raw:>10.3f}")
    print(f"{'networkx (same 6 measures)':<34}{t_nx_all:>10.3f}{t_nx_all / t_ours:>11.1f}x slower than ours")
    print(f"{'betweenness: networkx / igraph':<34}{t_nx_btw:>10.3f}{t_nx_btw / t_ig_btw:>11.1f}x")
    print(f"{'closeness: networkx / igraph':<34}{t_nx_clo:>10.3f}{t_nx_clo / t_ig_clo:>11.1f}x")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
