"""Influence networks of the user's own: reading, and every analysis that used adjacency, by hand.

The invented country (conftest): regions R1-R5 on a ring; periods 2001 (1), 2003 (2), 2005 (3).
First adoptions: open_data R1 (1), R2 and R5 (2); e_petition R2 (2), R4 (3).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from diffusion import ValidationError, read_cases
from diffusion.cli import main
from diffusion.data.geography import load_geography
from diffusion.data.influence import read_network
from diffusion.network.build import build_network
from diffusion.simulate import SimulationParameters, simulate
from diffusion.stats.event_history import person_period
from diffusion.stats.neighbour import neighbour_test
from diffusion.stats.spatial import join_count_test

FAST = {"n_permutations": 99, "progress": False}


@pytest.fixture
def ds(five_regions, fiveland_cases, fiveland_practices):
    return read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)


def _net(tmp_path, text: str, name: str = "ties.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_neighbour_statistic_follows_the_direction_and_the_dates_of_the_ties(ds, tmp_path):
    # R2 -> R4: R4 (e_petition, 2005) learns from R2 (2003); R1 -> R5: R5 (open_data, 2003) from R1 (2001).
    both = _net(tmp_path, "source,target\nBrookvale,Dunmore\nR1,R5\n")
    assert neighbour_test(ds.with_network(both, directed=True), level="region", **FAST).statistic == 0.4
    # Reversed, the ties point at earlier adopters: nobody learns.
    back = _net(tmp_path, "source,target\nR4,R2\nR5,R1\n", "back.csv")
    assert neighbour_test(ds.with_network(back, directed=True), level="region", **FAST).statistic == 0.0
    # Undirected, the same ties work both ways: 2 of 5 adoptions again.
    r = neighbour_test(ds.with_network(back), level="region", **FAST)
    assert r.statistic == 0.4 and r.details["graph"].startswith("network ") and "undirected" in r.details["graph"]
    # The R2 -> R4 tie ends in 2004, before R4 adopts in 2005: only R5 learns.
    ended = _net(tmp_path, "source,target,end\nR2,R4,2004\nR1,R5,\n", "ended.csv")
    timed = ds.with_network(ended, directed=True)
    assert neighbour_test(timed, level="region", **FAST).statistic == 0.2
    for null in ("strata", "adopters"):  # every null model takes the dates into account
        assert neighbour_test(timed, level="region", null=null, **FAST).statistic == 0.2
    started = _net(tmp_path, "source,target,start\nR2,R4,2005\nR1,R5,2002\n", "started.csv")
    # R1 -> R5 starts in 2002, R5 adopts in 2003: active; R2 -> R4 starts in 2005, R4 adopts then: active.
    assert neighbour_test(ds.with_network(started, directed=True), level="region", **FAST).statistic == 0.4


def test_event_history_exposure_uses_the_active_ties(ds, tmp_path):
    def share(path):
        pp = person_period(ds.with_network(path, directed=True), level="region", practice="e_petition")
        return pp.set_index(["region", "period"])["neighbour_share"].to_dict()

    open_tie = share(_net(tmp_path, "source,target\nR2,R4\n"))
    assert open_tie[("R4", 2)] == 0.0 and open_tie[("R4", 3)] == 1.0  # R2 adopted in period 2, before 3
    assert open_tie[("R1", 3)] == 0.0  # no tie into R1
    ended = share(_net(tmp_path, "source,target,end\nR2,R4,2004\n", "e.csv"))
    assert ended[("R4", 3)] == 0.0  # the tie is over by 2005: no exposure, and no degree


def test_adjacent_diffusion_ties_and_join_counts_follow_the_network(ds, tmp_path):
    path = _net(tmp_path, "source,target\nR2,R4\nR1,R5\n")
    net = build_network(ds.with_network(path, directed=True), "region", candidates="adjacent")
    got = sorted(zip(net.ties["source"], net.ties["target"], net.ties["practice"]))
    assert got == [("region:R1", "region:R5", "practice:open_data"), ("region:R2", "region:R4", "practice:e_petition")]
    assert set(net.edges.loc[net.edges["edge_type"] == "region-network", "target"]) == {"region:R4", "region:R5"}
    # Join counts on the network (both ways): adopters of open_data R1, R2, R5; BB joins: R1-R5 only.
    r = join_count_test(ds.with_network(path, directed=True), level="region", practice="open_data", **FAST)
    assert r.details["bb"] == 1.0 and r.details["graph"].startswith("network ")
    assert join_count_test(ds, level="region", practice="open_data", **FAST).details["bb"] == 2.0  # ring: R1-R2, R1-R5


def test_a_network_file_with_problems_is_refused_in_one_table(tmp_path, five_regions):
    geo = load_geography(five_regions)
    text = (
        "source,target,weight,start,end\n"
        "R1,R1,,,\nR1,Nowhere,,,\nR1,N,,,\nR1,R2,-1,,\nR1,R3,,2005,2003\nR1,R2,,,\nR2,R1,,,\n"
    )
    with pytest.raises(ValidationError) as err:
        read_network(_net(tmp_path, text), geo)
    f = err.value.failures
    assert list(zip(f["row"], f["problem"])) == [
        (2, "a tie from a unit to itself"),
        (3, "unknown place"),
        (4, "a unit of another level (state)"),
        (5, "unreadable weight"),
        (6, "the tie ends before it starts (2005)"),
        (7, "tie listed twice (first on row 5)"),
        (8, "tie listed twice (first on row 5)"),  # undirected: R2-R1 is R1-R2 again
    ]
    assert len(read_network(_net(tmp_path, "source,target\nR1,R2\nR2,R1\n", "ok.csv"), geo, directed=True).edges) == 2
    with pytest.raises(ValidationError, match="missing required column"):
        read_network(_net(tmp_path, "from_unit,to_unit\nR1,R2\n", "cols.csv"), geo)


def test_chinese_headers_and_names_and_counterpart_support_at_province_level(tmp_path):
    path = _net(tmp_path, "支援方,受援方,开始年份\n北京市,新疆\n上海,云南省,2010\n", "对口支援.csv")
    net = read_network(path, load_geography(), directed=True)
    assert net.level == "province" and net.edges[["source", "target", "start"]].values.tolist() == [
        ["11", "65", ""],
        ["31", "53", "2010"],
    ]
    assert net.timed


def test_simulated_contagion_runs_along_the_network(five_regions, tmp_path):
    geo = load_geography(five_regions)
    net = read_network(_net(tmp_path, "source,target\nR1,R3\n"), geo, directed=True)  # R3 is no ring neighbour of R1
    params = SimulationParameters(
        level="region",
        practices=40,
        periods=3,
        pilots=1,
        p=0.0,
        q=1.0,
        q_within=0.0,
        east_bias=1.0,
        promotion_period=None,
        seed=3,
    )
    cases, truth = simulate(geo, params, network=net, progress=False)
    assert truth["neighbours"].startswith("network ")
    first = cases.groupby(["practices", "unit_code"])["batch"].min().unstack()
    assert (first.get("R1", np.inf) == 1).any()  # R1 was a pilot of some practices
    # With no external adoption, only R3 can follow, and only after R1: in period 2, with certainty.
    later = first.where(first > 1).stack().dropna()
    assert set(later.index.get_level_values(1)) <= {"R3"}
    piloted = first.index[first.get("R1") == 1]
    assert (first.loc[piloted, "R3"] == 2).all()


def test_the_command_line_takes_a_network_and_the_report_names_it(
    tmp_path, fiveland_cases, five_regions, fiveland_practices
):
    path = _net(tmp_path, "source,target\nR2,R4\nR1,R5\n")
    common = [
        "--data",
        str(fiveland_cases),
        "--geography",
        str(five_regions),
        "--practices",
        str(fiveland_practices),
        "--network",
        str(path),
        "--directed",
    ]
    out = tmp_path / "r.json"
    assert main(["test", "neighbour", *common, "--level", "region", "--permutations", "99", "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["statistic"] == 0.4 and "directed" in doc["details"]["graph"]
    assert main(["report", *common, "--out", str(tmp_path / "rep")]) == 0
    html = next((tmp_path / "rep").glob("*.html")).read_text(encoding="utf-8")
    assert "2 directed ties between units at level region: used at that level." in html


def test_dated_ties_on_undated_batches_say_why_in_the_report_s_language(five_regions, fiveland_practices, tmp_path):
    from diffusion.i18n import translate

    cases = _net(
        tmp_path,
        "case_id,batch,state,region,practices\nF1,1,North,Ashford,open_data\nF2,2,North,Brookvale,open_data\n"
        "F3,2,South,Elmstead,open_data\nF4,3,South,Dunmore,open_data\n",
        "undated.csv",
    )
    undated = read_cases(cases, geography=five_regions, vocabulary=fiveland_practices)
    timed = undated.with_network(_net(tmp_path, "source,target,end\nR2,R4,2004\nR1,R5,\n", "ended.csv"))
    r = neighbour_test(timed, level="region", **FAST)
    assert not r.supported and "periods are batches without dates" in r.interpretation
    assert "没有日期的批次" in translate(r.interpretation, "zh")
