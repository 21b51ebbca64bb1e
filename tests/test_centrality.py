"""Centrality: hand-computed values, and parity with networkx on random graphs to 1e-9."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from diffusion.network.centrality import (
    _directed_metrics,
    _undirected_metrics,
    igraph_graph,
    time_respecting_reachability,
)

SEEDS = [0, 1, 2, 3, 4]


def metrics_of(g: nx.Graph, *, weighted=True, eigenvector=False):
    nodes = sorted(g.nodes)
    edges = pd.DataFrame(
        [(u, v, d.get("weight", 1.0)) for u, v, d in g.edges(data=True)], columns=["source", "target", "weight"]
    )
    ig_g = igraph_graph(nodes, edges, directed=g.is_directed())
    m = (
        _directed_metrics(ig_g)
        if g.is_directed()
        else _undirected_metrics(ig_g, weighted=weighted, eigenvector=eigenvector)
    )
    return nodes, m


def test_path_betweenness_and_closeness_by_hand():
    _nodes, m = metrics_of(nx.path_graph(["a", "b", "c"]), weighted=False)
    assert m["betweenness"].tolist() == [0.0, 1.0, 0.0]  # b lies on the only a-c path; 1 pair
    # a: distances 1, 2 -> (n-1)/sum = 2/3; b: 2/2 = 1
    assert m["closeness"] == pytest.approx([2 / 3, 1.0, 2 / 3])
    assert m["coreness"].tolist() == [1.0, 1.0, 1.0]


def test_star_pagerank_from_the_formula():
    # Centre y and leaves x: y = (1-d)/4 + d*3x, x = (1-d)/4 + d*y/3, d = 0.85.
    d = 0.85
    y = ((1 - d) / 4 + 3 * d * (1 - d) / 4) / (1 - d * d)
    x = (1 - y) / 3
    _nodes, m = metrics_of(nx.star_graph(3), weighted=False)
    assert m["pagerank"] == pytest.approx([y, x, x, x], abs=1e-12)
    assert y == pytest.approx(0.479730, abs=1e-6)


def test_disconnected_graph_gets_harmonic_closeness():
    g = nx.Graph([("a", "b"), ("c", "d")])
    g.add_node("e")
    _nodes, m = metrics_of(g, weighted=False)
    assert "closeness" not in m
    assert m["harmonic_closeness"] == pytest.approx([0.25, 0.25, 0.25, 0.25, 0.0])


def _random_weighted(seed: int, directed: bool = False) -> nx.Graph:
    rng = np.random.default_rng(seed)
    if directed:
        g = nx.gnp_random_graph(40, 0.12, seed=seed, directed=True)
        g.add_edges_from((i, (i + 1) % 40) for i in range(40))  # a cycle: strongly connected
    else:
        g = nx.connected_watts_strogatz_graph(40, 4, 0.3, seed=seed)
    g = nx.relabel_nodes(g, {i: f"n{i:02d}" for i in g.nodes})
    for u, v in g.edges:
        g.edges[u, v]["weight"] = float(rng.integers(1, 5))
    return g


@pytest.mark.parametrize("seed", SEEDS)
def test_undirected_parity_with_networkx(seed):
    g = _random_weighted(seed)
    nodes, m = metrics_of(g, eigenvector=True)
    n = len(nodes)

    def nxv(d):
        return np.array([d[v] for v in nodes])

    assert np.allclose(m["degree"], nxv(dict(g.degree())), atol=1e-9)
    assert np.allclose(m["strength"], nxv(dict(g.degree(weight="weight"))), atol=1e-9)
    assert np.allclose(m["betweenness"], nxv(nx.betweenness_centrality(g, normalized=True)), atol=1e-9)
    assert np.allclose(m["closeness"], nxv(nx.closeness_centrality(g)), atol=1e-9)
    pr = nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-15, max_iter=10_000)
    assert np.allclose(m["pagerank"], nxv(pr), atol=1e-9)
    assert np.allclose(m["coreness"], nxv(nx.core_number(g)), atol=0)
    ev = nxv(nx.eigenvector_centrality_numpy(g, weight="weight"))
    assert np.allclose(m["eigenvector"], ev / ev.sum(), atol=1e-9)
    g.remove_edges_from(list(g.edges("n00")))  # now disconnected: harmonic closeness
    nodes, m = metrics_of(g, weighted=False)
    assert np.allclose(m["harmonic_closeness"], nxv(nx.harmonic_centrality(g)) / (n - 1), atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_directed_parity_with_networkx(seed):
    g = _random_weighted(seed, directed=True)
    nodes, m = metrics_of(g)
    n = len(nodes)

    def nxv(d):
        return np.array([d[v] for v in nodes])

    assert np.allclose(m["in_strength"], nxv(dict(g.in_degree(weight="weight"))), atol=1e-9)
    assert np.allclose(m["out_degree"], nxv(dict(g.out_degree())), atol=1e-9)
    pr = nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-15, max_iter=10_000)
    assert np.allclose(m["pagerank"], nxv(pr), atol=1e-9)
    hubs, auths = nx.hits(g, max_iter=100_000, tol=1e-14, normalized=True)
    assert np.allclose(m["hub"], nxv(hubs), atol=1e-9)
    assert np.allclose(m["authority"], nxv(auths), atol=1e-9)
    bc = nx.betweenness_centrality(g, normalized=True)
    assert np.allclose(m["betweenness"], nxv(bc), atol=1e-9)
    assert n == 40


def test_reachability_respects_time():
    ties = pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "d"], "period": [1, 2, 3]})
    assert time_respecting_reachability(ties, list("abcd"), strict=True).tolist() == [3, 2, 1, 0]
    # Reversed times: a->b at 3 cannot continue with b->c at 2.
    late = ties.assign(period=[3, 2, 1])
    assert time_respecting_reachability(late, list("abcd"), strict=True).tolist() == [1, 1, 1, 0]
    same = ties.assign(period=[1, 1, 1])
    assert time_respecting_reachability(same, list("abcd"), strict=True).tolist() == [1, 1, 1, 0]
    assert time_respecting_reachability(same, list("abcd"), strict=False).tolist() == [3, 2, 1, 0]


def random_ties(seed: int, n_nodes: int, n_ties: int) -> tuple[list[str], pd.DataFrame]:
    """Nodes and ties between random pairs (no loops) stamped with random periods 1-5."""
    rng = np.random.default_rng(seed)
    nodes = [f"r{i}" for i in range(n_nodes)]
    ties = pd.DataFrame(
        {"source": rng.choice(nodes, n_ties), "target": rng.choice(nodes, n_ties), "period": rng.integers(1, 6, n_ties)}
    )
    return nodes, ties[ties["source"] != ties["target"]]


@pytest.mark.parametrize("seed", SEEDS)
def test_reachability_equals_a_direct_search(seed):
    nodes, ties = random_ties(seed, 30, 80)
    for strict in (True, False):
        fast = time_respecting_reachability(ties, nodes, strict=strict, chunk=7)
        for s, expected in zip(nodes, fast):
            arrival = {s: -np.inf}
            changed = True
            while changed:  # relax until nothing improves (a plain Bellman-Ford on times)
                changed = False
                for u, v, p in ties.itertuples(index=False):
                    if u in arrival and (arrival[u] < p if strict else arrival[u] <= p) and p < arrival.get(v, np.inf):
                        arrival[v] = p
                        changed = True
            assert expected == len(arrival) - 1


@pytest.mark.parametrize("seed", SEEDS)
def test_one_sweep_gives_every_cumulative_reachability(seed):
    from diffusion.network.centrality import reachability_by_period

    nodes, ties = random_ties(seed, 25, 70)
    for strict in (True, False):
        periods, counts = reachability_by_period(ties, nodes, strict=strict, chunk=4)
        assert periods == sorted(ties["period"].unique())
        for p, row in zip(periods, counts):
            upto = ties[ties["period"] <= p]
            assert row.tolist() == time_respecting_reachability(upto, nodes, strict=strict, chunk=1000).tolist()


def test_sampled_betweenness_matches_networkx_on_the_same_sources():
    from diffusion.network.paths import _betweenness, betweenness_sources

    g = _random_weighted(3, directed=True)
    nodes = sorted(g.nodes)
    edges = pd.DataFrame([(u, v, 1.0) for u, v in g.edges], columns=["source", "target", "weight"])
    ig_g = igraph_graph(nodes, edges, directed=True)
    n = len(nodes)
    sources = betweenness_sources(8, n, np.random.default_rng(0))
    est = _betweenness(ig_g, directed=True, sources=sources)["betweenness_estimate"]
    subset = nx.betweenness_centrality_subset(g, [nodes[i] for i in sources], nodes, normalized=False)
    expected = np.array([subset[v] for v in nodes]) * n / 8 / ((n - 1) * (n - 2))
    assert np.allclose(est, expected, atol=1e-12)
    # Averaged over many draws of sources the estimate is unbiased for the exact value.
    exact = _betweenness(ig_g, directed=True, sources="exact")["betweenness"]
    draws = [
        _betweenness(ig_g, directed=True, sources=betweenness_sources(8, n, np.random.default_rng(s)))[
            "betweenness_estimate"
        ]
        for s in range(400)
    ]
    assert np.abs(np.mean(draws, axis=0) - exact).max() < 0.2 * exact.max()
    assert betweenness_sources(n, n, np.random.default_rng(0)) == "exact"
    with pytest.raises(ValueError, match="number of sources"):
        betweenness_sources(0, n, np.random.default_rng(0))


def test_centrality_betweenness_options_and_seed():
    from diffusion import load_dataset
    from diffusion.network.build import build_network
    from diffusion.network.centrality import centrality

    net = build_network(load_dataset("broadband-china"), "prefecture")
    kw = {"graphs": ("ties",), "scopes": ("cumulative",)}
    with pytest.warns(Warning):
        exact = centrality(net, **kw)
        none = centrality(net, betweenness="none", **kw)
        est = centrality(net, betweenness=20, seed=1, **kw)
        again = centrality(net, betweenness=20, seed=1, **kw)
    assert "betweenness" in set(exact["metric"]) and not {"betweenness", "betweenness_estimate"} & set(none["metric"])
    assert "betweenness_estimate" in set(est["metric"]) and est.equals(again)
    same = ["node", "batch", "metric"]
    rest = exact[~exact["metric"].str.startswith("betweenness")].merge(none, on=same, suffixes=("", "_none"))
    assert np.array_equal(rest["value"], rest["value_none"])


def test_worker_processes_give_the_same_centrality_and_its_warnings():
    from diffusion import load_dataset
    from diffusion.network.build import build_network
    from diffusion.network.centrality import LocalisationWarning, centrality

    net = build_network(load_dataset("broadband-china"), "prefecture")
    kw = {"graphs": ("multimode", "regions", "ties"), "eigenvector": True, "progress": False}
    with pytest.warns(LocalisationWarning) as serial_warnings:
        serial = centrality(net, n_jobs=1, **kw)
    with pytest.warns(LocalisationWarning) as parallel_warnings:
        parallel = centrality(net, n_jobs=2, **kw)  # worker processes: warnings come back to the caller
    pd.testing.assert_frame_equal(serial, parallel)
    loc = LocalisationWarning
    assert [str(w.message) for w in serial_warnings if w.category is loc] == [
        str(w.message) for w in parallel_warnings if w.category is loc
    ]
