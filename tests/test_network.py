"""The temporal network on the invented five-region country, where every answer is known by hand.

Cases (conftest): F1 Ashford(R1) 2001 open_data; F2 Brookvale(R2) 2003 open_data+e_petition;
F3 Elmstead(R5) 2003 open_data; F4 Dunmore(R4) 2005 e_petition; F5 Cedarton(R3) no time.
States: North = R1..R3, South = R4, R5. Neighbours: ring R1-R2-R3-R4-R5-R1.
"""

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from diffusion import read_cases
from diffusion.errors import DiffusionError
from diffusion.network.build import build_network
from diffusion.network.centrality import centrality
from diffusion.network.export import write_graph


@pytest.fixture
def ds(five_regions, fiveland_cases, fiveland_practices):
    return read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)


def ties_of(net) -> set[tuple[str, str, float]]:
    return {
        (s[-2:], t[-2:], round(w, 6)) for s, t, w in net.ties[["source", "target", "weight"]].itertuples(index=False)
    }


def test_nodes_edges_and_stamps(ds):
    net = build_network(ds, "region")
    assert net.excluded_events == 1  # F5 has no time
    e = net.edges
    assert e["edge_type"].value_counts().to_dict() == {
        "case-practice": 5,
        "case-region": 4,
        "region-parent": 4,
        "region-region": 3,
    }
    hier = e[e["edge_type"] == "region-parent"].set_index("source")["period"].to_dict()
    assert hier == {"region:R1": 1, "region:R2": 2, "region:R5": 2, "region:R4": 3}
    adj = {(s, t): p for s, t, p in e.loc[e["edge_type"] == "region-region", ["source", "target", "period"]].values}
    assert adj == {("region:R1", "region:R2"): 2, ("region:R1", "region:R5"): 2, ("region:R4", "region:R5"): 3}
    first = net.nodes.set_index("node")["first_period"]
    assert first["region:N"] == 1 and first["region:S"] == 2 and pd.isna(first["region:R3"])
    assert net.periods["date"].tolist() == ["2001", "2003", "2005"]


@pytest.mark.parametrize(
    ("candidates", "same_batch", "expected"),
    [
        ("all", "none", {("R1", "R2", 1.0), ("R1", "R5", 1.0), ("R2", "R4", 1.0)}),
        (
            "all",
            "both",
            {("R1", "R2", 0.5), ("R5", "R2", 0.5), ("R1", "R5", 0.5), ("R2", "R5", 0.5), ("R2", "R4", 1.0)},
        ),
        ("adjacent", "none", {("R1", "R2", 1.0), ("R1", "R5", 1.0)}),
        ("same-province", "none", {("R1", "R2", 1.0)}),
        ("nearest-k", "both", {("R1", "R2", 1.0), ("R1", "R5", 1.0), ("R2", "R4", 1.0)}),
    ],
)
def test_tie_policies(ds, candidates, same_batch, expected):
    net = build_network(ds, "region", candidates=candidates, same_batch=same_batch, k=1)
    assert ties_of(net) == expected
    assert net.to_networkx("ties").graph["tie_policy"] == {"candidates": candidates, "same_batch": same_batch, "k": 1}


def test_rules_that_do_not_fit_the_data_say_why(ds, five_regions):
    with pytest.raises(DiffusionError, match="'same-province' ties units within the same state"):
        build_network(ds, "state", candidates="same-province")
    with pytest.raises(DiffusionError, match="needs neighbours at level 'state'"):
        build_network(ds, "state", candidates="adjacent")
    with pytest.raises(DiffusionError, match="must be one of"):
        build_network(ds, "region", candidates="gossip")
    from dataclasses import replace

    pointless = replace(ds.geography, units=ds.geography.units.assign(lat=np.nan, lon=np.nan))
    with pytest.raises(DiffusionError, match=r"'nearest-k' needs coordinates .* lack them"):
        build_network(replace(ds, geography=pointless), "region", candidates="nearest-k")


def test_nearest_ties_say_when_a_parents_point_stands_in(ds):
    from dataclasses import replace

    units = ds.geography.units.copy()
    units.loc["R1", ["lat", "lon"]] = np.nan  # Ashford has no point: North's (10, 20) stands in
    geo = replace(ds.geography, units=units)
    points = geo.points(["R1", "R2"])
    assert points.loc["R1"].tolist() == [10.0, 20.0, "N"] and points.loc["R2"].tolist() == [11.0, 21.0, "R2"]
    with pytest.warns(UserWarning, match="1 of 4 adopting units have no point of their own and take their parent's"):
        build_network(replace(ds, geography=geo), "region", candidates="nearest-k", k=1)


def test_cumulative_snapshot_is_the_union_of_snapshots(ds):
    net = build_network(ds, "region", same_batch="both")
    for graph in ("multimode", "ties"):
        for p in net.period_numbers:
            cum = net.to_networkx(graph, p, cumulative=True)
            union = nx.compose_all([net.to_networkx(graph, q, cumulative=False) for q in net.period_numbers if q <= p])
            assert set(cum.nodes) == set(union.nodes)
            assert set(map(frozenset, cum.edges)) == set(map(frozenset, union.edges))
    # Projections: regions weighted by shared practices, practices by co-adopting cases.
    regions = net.edge_list("regions")
    assert regions[["source", "target", "weight"]].values.tolist() == [
        ["region:R1", "region:R2", 1.0],
        ["region:R1", "region:R5", 1.0],
        ["region:R2", "region:R4", 1.0],
        ["region:R2", "region:R5", 1.0],
    ]
    assert net.edge_list("practices")[["source", "target", "weight"]].values.tolist() == [
        ["practice:e_petition", "practice:open_data", 1.0]
    ]


def test_centrality_table_and_reachability(ds):
    net = build_network(ds, "region")
    c = centrality(net)
    assert list(c.columns) == ["node", "node_type", "batch", "scope", "graph", "metric", "value"]
    final = c[(c["graph"] == "ties") & (c["scope"] == "cumulative") & (c["batch"] == 3)]
    reach = final[final["metric"] == "reachability"].set_index("node")["value"].to_dict()
    assert reach == {"region:R1": 3.0, "region:R2": 1.0, "region:R4": 0.0, "region:R5": 0.0}
    out = final[final["metric"] == "out_strength"].set_index("node")["value"].to_dict()
    assert out == {"region:R1": 2.0, "region:R2": 1.0, "region:R4": 0.0, "region:R5": 0.0}
    assert set(c["node_type"]) == {"case", "practice", "region"}
    assert c.equals(centrality(build_network(ds, "region")))  # deterministic


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".json"])
def test_exports_read_back_as_the_same_graph(ds, tmp_path, suffix):
    net = build_network(ds, "region")
    for graph in ("multimode", "ties"):
        g = net.to_networkx(graph)
        path = write_graph(g, tmp_path / f"{graph}{suffix}")
        if suffix == ".graphml":
            back = nx.read_graphml(path)
        elif suffix == ".gexf":
            back = nx.read_gexf(path)
        else:
            back = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="links")
        assert sorted(back.nodes) == sorted(g.nodes)
        assert sorted(map(tuple, map(sorted, back.edges))) == sorted(map(tuple, map(sorted, g.edges)))
        assert back.is_directed() == g.is_directed()
        assert back.nodes["region:R1"]["label_en"] == "Ashford"
        if graph == "ties":
            assert float(back.edges["region:R1", "region:R2"]["weight"]) == 1.0


def test_export_rejects_unknown_formats(ds, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(DiffusionError, match="unknown graph format"):
        write_graph(nx.Graph(), out / "g.pdf")
    assert not out.exists() or list(out.iterdir()) == []


def test_china_network_levels():
    from diffusion import load_dataset

    ds = load_dataset("leading-cases")
    net = build_network(ds, "county")
    # 2,846 counties, 333 prefectures, 31 provinces; cases at province/prefecture level are their own regions.
    regions = net.nodes[net.nodes["node_type"] == "region"]
    assert regions["level"].value_counts().to_dict() == {"county": 2846, "prefecture": 333, "province": 31}
    assert net.excluded_events == 12
    g = net.to_networkx()
    # Cases link to regions, regions to their parents, provinces to their neighbours: one component.
    assert nx.is_connected(g) and g.number_of_nodes() == len(net.node_list())


@pytest.mark.parametrize("seed", range(4))
def test_nearest_candidates_equal_a_full_ranking_even_with_equal_distances(seed):
    import numpy as np

    from diffusion.data.distance import haversine_km
    from diffusion.network.ties import _nearest

    rng = np.random.default_rng(seed)
    n = 60
    coords = np.column_stack([rng.uniform(20, 45, n), rng.uniform(90, 120, n)])
    coords[rng.choice(n, 20)] = coords[0]  # many units at one place: distances tie exactly
    lat, lon = np.radians(coords).T
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    regions = np.array([f"u{i:02d}" for i in rng.permutation(n)])
    at = np.arange(n)
    for target in range(10):
        pool = np.setdiff1d(np.arange(n), [target])
        for k in (1, 3, 8):
            d = haversine_km(coords[target, 0], coords[target, 1], coords[pool, 0], coords[pool, 1])
            expected = sorted(pool, key=lambda j: (d[list(pool).index(j)], regions[j]))[:k]
            assert _nearest(target, pool, at, coords, xyz, regions, k).tolist() == expected
