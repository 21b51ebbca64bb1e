"""NetInf on datasets: cascades, moving windows, senders and receivers, overlap with the map, CLI, report."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from diffusion import load_dataset, read_cases
from diffusion.cli import main
from diffusion.data.periods import period_times
from diffusion.measures.innovativeness import first_adoptions
from diffusion.network.cascades import Cascades, dataset_cascades
from diffusion.network.inferred import adjacency_overlap, netinf_windows, senders_receivers
from diffusion.network.netinf_search import netinf
from diffusion.report.render import render_report


@pytest.fixture
def fiveland(five_regions, fiveland_cases, fiveland_practices):
    return read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)


def test_dataset_cascades_are_first_adoptions_in_calendar_years():
    ds = load_dataset("leading-cases")
    c = dataset_cascades(ds)
    first = first_adoptions(ds, "province")
    assert len(c.units) == 31 and int(c.sizes.sum()) == len(first)
    when = period_times(ds)
    for r in first.itertuples(index=False):
        assert c.times[c.names.get_loc(r.practice), c.units.get_loc(r.region)] == when[r.period]
    assert c.end == pytest.approx(when.iloc[-1])
    back = c.to_frame()  # one row per adoption, and the same cascades again
    assert len(back) == len(first)
    again = Cascades.from_frame(back, units=c.units, end=c.end)
    np.testing.assert_array_equal(again.times, c.times)


def test_fiveland_by_hand(fiveland):
    """open_data: R1 (2001), then R2 and R5 (2003); e_petition: R2 (2003), then R4 (2005); R3's
    case has no time. Every possible edge has one source in one cascade, so each improves the fit by
    log(0.5 / 1e-9); ties go to the last (source, target): R2->R4, then R1->R5, then R1->R2."""
    c = dataset_cascades(fiveland)
    assert c.sizes.tolist() == [2, 3]
    net = netinf(c, n_edges=3, progress=False)
    assert list(zip(net.edges["source"], net.edges["target"])) == [("R2", "R4"), ("R1", "R5"), ("R1", "R2")]
    np.testing.assert_allclose(net.edges["improvement"], math.log(0.5 / 1e-9), rtol=1e-12)
    t = period_times(fiveland).to_numpy()  # 2001, 2003, 2005 in calendar years: 730 and 731 days apart
    delays = [t[1] - t[0], t[1] - t[0], t[2] - t[1]]  # chain and fan alike
    assert net.param == pytest.approx(1 / np.mean(delays), rel=1e-12)
    # first step: score changes 0 (open_data) and log(0.5/1e-9) (e_petition), each less 1/2
    d = np.array([-0.5, math.log(0.5 / 1e-9) - 0.5])
    z = d.sum() / (np.array([0.0, math.log(0.5 / 1e-9)]).std(ddof=1) * math.sqrt(2))
    assert net.edges["p_value"].iloc[0] == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)), rel=1e-12)
    # not significant at 0.05: the test's rule keeps no edge
    assert netinf(c, calibrate=0, progress=False).edges.empty
    o = adjacency_overlap(net, fiveland)  # the ring R1-R2-R3-R4-R5-R1
    assert (o.edges, o.between_neighbours, o.possible, o.possible_between_neighbours) == (3, 2, 3, 2)
    assert o.p_value == pytest.approx(1.0)
    units = senders_receivers(net).set_index("unit")
    assert units.loc["R1", "sent"] == 2 and units.loc["R4", "received"] == 1


@pytest.fixture(scope="module")
def random_provinces(tmp_path_factory):
    """Eight practices adopted by random provinces in random years, 2001-2008."""
    from diffusion import load_geography

    rng = np.random.default_rng(8)
    codes = load_geography().level_units("province").index
    rows = [
        (f"S{j}-{c}", c, int(2001 + rng.integers(8)), f"p{j}")
        for j in range(8)
        for c in codes[rng.random(len(codes)) < rng.uniform(0.3, 0.9)]
    ]
    folder = tmp_path_factory.mktemp("random")
    pd.DataFrame(rows, columns=["case_id", "province_code", "year", "practices"]).to_csv(folder / "c.csv", index=False)
    tags = [f"p{j}" for j in range(8)]
    pd.DataFrame({"tag_id": tags, "label_en": tags, "label_zh": tags}).to_csv(folder / "v.csv", index=False)
    return read_cases(folder / "c.csv", vocabulary=folder / "v.csv", time="year")


def test_overlap_by_brute_force(random_provinces):
    """Counts pair by pair; the null distribution as an explicit sum over every way the neighbour
    edges can fall into the strata (pairs that could transmit in equally many cascades)."""
    ds = random_provinces
    net = netinf(dataset_cascades(ds), n_edges=25, progress=False)
    o = adjacency_overlap(net, ds)
    geo = ds.geography
    _, pairs = geo.neighbour_pairs(geo.neighbour_level)
    codes = geo.level_units(geo.neighbour_level).index
    ties = {(codes[a], codes[b]) for a, b in pairs} | {(codes[b], codes[a]) for a, b in pairs}
    t = pd.DataFrame(net.cascades.times, columns=net.cascades.units)
    count = {(u, v): int(((t[u] < t[v]) & np.isfinite(t[v])).sum()) for u in t for v in t if u != v}
    possible = {e for e, n in count.items() if n > 0}
    edges = set(zip(net.edges["source"], net.edges["target"]))
    assert o.possible == len(possible) == net.possible_edges
    assert o.possible_between_neighbours == len(possible & ties)
    assert o.between_neighbours == len(edges & ties)
    strata = []
    for c in sorted({count[e] for e in edges}):
        here = {e for e in possible if count[e] == c}
        strata.append((len(here), len(here & ties), len(here & edges)))
    assert len(strata) >= 2
    assert o.expected == pytest.approx(sum(k * n / m for m, n, k in strata), rel=1e-12)
    at_least = exactly = 0.0
    for split in itertools.product(*(range(min(n, k) + 1) for _, n, k in strata)):
        prob = math.prod(
            math.comb(n, x) * math.comb(m - n, k - x) / math.comb(m, k) for (m, n, k), x in zip(strata, split)
        )
        at_least += prob * (sum(split) >= o.between_neighbours)
        exactly += prob * (sum(split) == o.between_neighbours)
    assert o.p_value == pytest.approx(at_least, rel=1e-9)
    assert o.p_value_mid == pytest.approx(at_least - exactly / 2, rel=1e-9)


def test_windows_by_hand():
    df = pd.DataFrame(
        {
            "unit": list("abcabcabab"),
            "cascade": ["x"] * 3 + ["y"] * 3 + ["z"] * 2 + ["w"] * 2,
            "time": [0, 1, 2, 10, 11, 12, 11, 12, 12, 13],
        }
    )
    w = netinf_windows(Cascades.from_frame(df), width=5, step=5, n_edges=1)
    # ends 3, 8, 13: (-2, 3] holds x; (3, 8] nothing; (8, 13] holds y, z, w
    assert w.summary["window_end"].tolist() == [3.0, 8.0, 13.0]
    assert w.summary["cascades"].tolist() == [1, 0, 3]
    assert (w.summary["edges"] == [0, 0, 1]).all() and "at least two cascades" in w.summary["note"].iloc[0]
    one = netinf(Cascades.from_frame(df[df["time"] > 8]), n_edges=1, progress=False).edges
    pd.testing.assert_frame_equal(w.edges.drop(columns="window_end"), one)


def test_windows_keep_track_of_persisting_edges():
    rng = np.random.default_rng(2)
    rows = [(u, f"c{c}", c + i + rng.random() * 0.1) for c in range(30) for i, u in enumerate("abcd")]
    cascades = Cascades.from_frame(pd.DataFrame(rows, columns=["unit", "cascade", "time"]))
    w = netinf_windows(cascades, width=10, step=5, n_edges=3)
    later = w.summary.iloc[1:]
    assert (later["kept"] <= later["edges"]).all()
    previous = None
    for end, g in w.edges.groupby("window_end"):
        pairs = set(zip(g["source"], g["target"]))
        row = w.summary.set_index("window_end").loc[end]
        if previous is not None:
            assert row["kept"] == len(pairs & previous)
            assert row["jaccard"] == pytest.approx(len(pairs & previous) / len(pairs | previous))
        previous = pairs


def test_infer_command(five_regions, fiveland_cases, fiveland_practices, tmp_path, capsys):
    argv = ["infer", "--data", str(fiveland_cases), "--geography", str(five_regions)]
    argv += ["--practices", str(fiveland_practices), "--edges", "3"]
    out, units, trees, graph = (tmp_path / n for n in ("e.csv", "u.csv", "t.csv", "g.graphml"))
    code = main([*argv, "--out", str(out), "--units", str(units), "--trees", str(trees), "--graph", str(graph)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "3 edges among 5 units" in printed and "2 of the 3 inferred edges" in printed
    edges = pd.read_csv(out, encoding="utf-8-sig")
    assert edges["source_name"].tolist() == ["Brookvale", "Ashford", "Ashford"]
    assert nx.read_graphml(graph).number_of_edges() == 3
    assert set(pd.read_csv(trees, encoding="utf-8-sig")["unit"]) == {"R1", "R2", "R4", "R5"}
    assert len(pd.read_csv(units, encoding="utf-8-sig")) == 4


def test_infer_command_bad_input_writes_nothing(five_regions, fiveland_cases, fiveland_practices, tmp_path, capsys):
    argv = ["infer", "--data", str(fiveland_cases), "--geography", str(five_regions)]
    argv += ["--practices", str(fiveland_practices), "--out", str(tmp_path / "e.csv")]
    assert main([*argv, "--param", "-1"]) == 2
    assert "param" in capsys.readouterr().err
    assert main([*argv, "--window", "3", "--graph", str(tmp_path / "g.gexf")]) == 2
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--model", "weibull"])
    assert stop.value.code == 2
    one = tmp_path / "one.csv"
    one.write_text(
        fiveland_cases.read_text(encoding="utf-8").replace(";e_petition", "").replace("e_petition", "open_data")
    )
    assert main(["infer", "--data", str(one), *argv[3:]]) == 2
    assert "at least two cascades with two or more adopters" in capsys.readouterr().err
    assert not list(tmp_path.glob("e.csv")) and not list(tmp_path.glob("g.gexf"))


def test_infer_command_windows(tmp_path, capsys):
    out = tmp_path / "w.csv"
    assert main(["infer", "--dataset", "leading-cases", "--window", "2", "--calibrate", "0", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert "window_end" in table.columns
    assert "window_end" in capsys.readouterr().out


def test_report_section(fiveland):
    html = render_report(fiveland)
    section = html[html.index('id="inferred"') : html.index('id="tests"')]
    assert "Inferred diffusion network (NetInf)" in section
    assert "0 edges among 5 units" in " ".join(section.split())
    assert "permutations): p = " in section and "Null model" in section
    leading = render_report(load_dataset("leading-cases"))
    part = leading[leading.index('id="inferred"') : leading.index('id="tests"')]
    assert "Top senders and receivers" in part or "0 edges among" in part
