"""Shortest-path measures from sampled sources, and which periods get them: hand cases and networkx."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from diffusion.network import paths
from diffusion.network.centrality import PathsWarning, centrality, igraph_graph
from diffusion.network.paths import _closeness, betweenness_sources, path_periods


def _igraph(g: nx.Graph):
    nodes = sorted(g.nodes)
    edges = pd.DataFrame([(u, v, 1.0) for u, v in g.edges], columns=["source", "target", "weight"])
    return nodes, igraph_graph(nodes, edges, directed=False)


@pytest.mark.parametrize("connected", [True, False])
def test_sampled_closeness_is_exact_with_every_node_as_a_source(connected):
    g = nx.connected_watts_strogatz_graph(40, 4, 0.2, seed=1)
    if not connected:
        g.remove_edges_from(list(g.edges(range(5))))  # nodes 0-4 cut off
    nodes, ig_g = _igraph(g)
    exact = _closeness(ig_g, "exact")
    every = _closeness(ig_g, np.arange(len(nodes)))
    name = "closeness" if connected else "harmonic_closeness"
    assert list(exact) == [name] and list(every) == [f"{name}_estimate"]
    assert np.allclose(every[f"{name}_estimate"], exact[name], rtol=0, atol=1e-12)
    reference = nx.closeness_centrality(g) if connected else nx.harmonic_centrality(g)
    scale = 1 if connected else 1 / (len(nodes) - 1)
    assert np.allclose(exact[name], [reference[v] * scale for v in nodes], atol=1e-12)


def test_sampled_harmonic_closeness_by_hand_and_unbiased():
    g = nx.path_graph(6)
    g.add_node(6)  # isolated: disconnected, so harmonic closeness
    _nodes, ig_g = _igraph(g)
    sources = np.array([0, 3])
    est = _closeness(ig_g, sources)["harmonic_closeness_estimate"]
    # Node 1: distances 1 (from 0) and 2 (from 3) -> mean of 1/d = 0.75; node 3 is itself a source,
    # so only node 0 counts: 1/3; the isolated node reaches nothing: 0.
    assert est[1] == pytest.approx(0.75) and est[3] == pytest.approx(1 / 3) and est[6] == 0
    exact = _closeness(ig_g, "exact")["harmonic_closeness"]
    rng = np.random.default_rng(0)
    draws = [_closeness(ig_g, betweenness_sources(3, 7, rng))["harmonic_closeness_estimate"] for _ in range(3000)]
    assert np.abs(np.mean(draws, axis=0) - exact).max() < 0.02  # Monte Carlo error about 0.005


def test_path_periods_by_hand():
    costs = {"a": {1: 1.0, 2: 1.0}, "b": {1: 10.0, 2: 10.0, 3: 10.0, 4: 10.0, 5: 10.0}}
    assert path_periods(costs, budget=1000) == {"a": [1, 2], "b": [1, 2, 3, 4, 5]}
    # "a" costs 2 of 32; "b" gets 30: every second period back from the last (5, 3, 1).
    assert path_periods(costs, budget=32) == {"a": [1, 2], "b": [1, 3, 5]}
    assert path_periods(costs, budget=0) == {"a": [2], "b": [5]}  # the last period always
    assert path_periods(costs, "last") == {"a": [2], "b": [5]}
    assert path_periods(costs, "none") == {"a": [], "b": []}
    assert path_periods(costs, "all", budget=0) == {"a": [1, 2], "b": [1, 2, 3, 4, 5]}
    with pytest.raises(ValueError, match="paths"):
        path_periods(costs, "some")


@pytest.fixture(scope="module")
def net():
    from diffusion import load_dataset
    from diffusion.network.build import build_network

    return build_network(load_dataset("broadband-china"), "prefecture")


def test_budget_leaves_out_only_path_measures_and_says_where(net, monkeypatch):
    kw = {"n_jobs": 1, "progress": False}
    with pytest.warns(UserWarning):
        full = centrality(net, paths="all", **kw)
    monkeypatch.setattr(paths, "PATH_BUDGET", 1e6)
    with pytest.warns(PathsWarning, match=r"cumulative regions graphs at \d+ of 5 periods"):
        bounded = centrality(net, **kw)
    on = ["node", "graph", "scope", "batch", "metric"]
    merged = full.merge(bounded, on=on, how="left", suffixes=("", "_bounded"))
    missing = merged[merged["value_bounded"].isna()]
    assert set(missing["metric"]) <= {"betweenness", "closeness", "harmonic_closeness"} and len(missing)
    assert (missing.groupby(["graph", "scope"])["batch"].max() < 5).all()  # the last period is always there
    kept = merged.dropna(subset=["value_bounded"])
    assert (kept["value"] == kept["value_bounded"]).all()


def test_wide_layout_holds_the_long_table(net):
    with pytest.warns(UserWarning):
        long = centrality(net, n_jobs=1, graphs=("regions", "ties"))
        wide = centrality(net, n_jobs=1, graphs=("regions", "ties"), layout="wide")
    keys = ["node", "node_type", "batch", "scope", "graph"]
    assert list(wide.columns[:5]) == keys and len(wide) == len(long.drop_duplicates(keys))
    melted = wide.melt(id_vars=keys, var_name="metric").dropna(subset=["value"])
    on = [*keys, "metric"]
    pd.testing.assert_frame_equal(
        long.astype({c: str for c in on if c != "batch"}).sort_values(on).reset_index(drop=True),
        melted.astype({c: str for c in on if c != "batch"}).sort_values(on).reset_index(drop=True)[long.columns],
    )
    assert all(
        isinstance(long[c].dtype, pd.CategoricalDtype) for c in ["node", "node_type", "scope", "graph", "metric"]
    )


def test_small_networks_do_not_start_worker_processes(net, monkeypatch):
    from diffusion.network import centrality as module

    asked = []
    real = module.joblib_workers
    monkeypatch.setattr(
        module, "joblib_workers", lambda n_jobs, tasks, **kw: asked.append(tasks) or real(n_jobs, tasks, **kw)
    )
    with pytest.warns(UserWarning):
        centrality(net, graphs=("ties",), progress=False)
    assert asked == [1]  # under WORKER_START seconds of work: one worker, in this process
