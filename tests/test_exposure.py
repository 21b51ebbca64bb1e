"""Exposure, thresholds, infectiousness, susceptibility (netdiffuseR's definitions) and the structural test."""

import numpy as np
import pytest

from diffusion import load_dataset, read_cases
from diffusion.stats.exposure_measures import exposure, infection_susceptibility, thresholds
from diffusion.stats.structure import structure_test


@pytest.fixture
def fiveland(five_regions, fiveland_cases, fiveland_practices):
    return read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)


def test_exposure_by_hand_on_the_ring(fiveland):
    # open_data: R1 period 1, R2 and R5 period 2 (ring R1-R2-R3-R4-R5-R1).
    e = exposure(fiveland, practice="open_data").set_index(["unit", "period"])["exposure"]
    assert (e[("R2", 2)], e[("R5", 2)], e[("R3", 2)], e[("R3", 3)]) == (0.5, 0.5, 0.0, 0.5)
    same_period = exposure(fiveland, practice="open_data", lag=0).set_index(["unit", "period"])["exposure"]
    assert same_period[("R3", 2)] == 0.5  # netdiffuseR's default counts the same period: R2 adopted in 2
    count = exposure(fiveland, practice="open_data", kind="count").set_index(["unit", "period"])["exposure"]
    assert count[("R1", 3)] == 2.0  # both neighbours R2 and R5 had adopted by period 2
    t = thresholds(fiveland).set_index(["practice", "unit"])
    assert t.loc[("open_data", "R2"), "threshold"] == 0.5 and t.loc[("open_data", "R1"), "first_period"]


def test_exposure_equals_a_dense_computation_on_chinas_adjacency():
    from diffusion.measures.innovativeness import first_adoptions

    ds = load_dataset("broadband-china")
    units = ds.geography.level_units("province").index
    _, pairs = ds.geography.neighbour_pairs("province")
    adj = np.zeros((len(units), len(units)))
    adj[pairs[:, 0], pairs[:, 1]] = adj[pairs[:, 1], pairs[:, 0]] = 1
    first = first_adoptions(ds).query("practice == 'broadband_china'").set_index("region")["period"]
    when = first.reindex(units).fillna(np.inf).to_numpy()
    got = exposure(ds, practice="broadband_china", lag=0).pivot(index="unit", columns="period", values="exposure")
    for period in got.columns:  # netdiffuseR's exposure: (A a_t) / (A 1), a_t adopted by t
        expected = adj @ (when <= period) / adj.sum(axis=1)
        assert np.allclose(got[period].reindex(units).to_numpy(), expected)


@pytest.fixture
def star(five_regions, tmp_path):
    """netdiffuseR's own test: unit 5 learns from units 1-4; adoption times 1, 4, 1, 2, 3."""
    cases = tmp_path / "star.csv"
    years = {"R1": 2001, "R2": 2004, "R3": 2001, "R4": 2002, "R5": 2003}
    cases.write_text(
        "case_id,year,region,practices\n" + "".join(f"{u},{y},{u},x\n" for u, y in years.items()), encoding="utf-8"
    )
    ties = tmp_path / "ties.csv"
    ties.write_text("source,target\nR1,R5\nR2,R5\nR3,R5\nR4,R5\n", encoding="utf-8")
    ds = read_cases(cases, geography=five_regions, extend_vocabulary=True, time="year")
    return ds.with_network(ties, directed=True)


def test_susceptibility_and_infectiousness_equal_netdiffusers_published_values(star):
    def r5(**options):
        return infection_susceptibility(star, **options).set_index("unit")

    # netdiffuseR tests/testthat/test-infect_suscept.R: 1/3, 2/4, 1/3, (1 + 2/1.1) / (3 + 2/1.1).
    assert r5()["susceptibility"]["R5"] == pytest.approx(1 / 3)
    assert r5(K=2)["susceptibility"]["R5"] == pytest.approx(2 / 4)
    assert r5(expdiscount=True, r=0.1)["susceptibility"]["R5"] == pytest.approx(1 / 3)
    assert r5(K=2, expdiscount=True, r=0.1)["susceptibility"]["R5"] == pytest.approx((1 + 2 / 1.1) / (3 + 2 / 1.1))
    # Infectiousness by hand: R4 (period 2) is followed by R5 in period 3, the next: 1; R1 (1) by R5 later: 0.
    out = r5()
    assert out.loc["R4", "infectiousness"] == 1.0 and out.loc["R1", "infectiousness"] == 0.0
    assert np.isnan(out.loc["R5", "infectiousness"])  # nobody learns from R5
    # Normalised: divided by the number of all units adopting in period 2 (R4 alone).
    assert r5(normalize=True)["susceptibility"]["R5"] == pytest.approx(1 / 3)


def test_structural_statistic_is_the_mean_threshold_and_rewiring_keeps_degrees():
    from diffusion.stats.exposure_measures import unit_graph
    from diffusion.stats.structure import _igraph, _rewired

    ds = load_dataset("leading-cases")
    r = structure_test(ds, statistic="threshold", n_permutations=99, progress=False)
    t = thresholds(ds)
    later = t.loc[~t["first_period"], "threshold"]
    assert r.statistic == pytest.approx(later.mean())
    assert structure_test(ds, n_permutations=9, progress=False).statistic == pytest.approx((later > 0).mean())
    again = structure_test(ds, statistic="threshold", n_permutations=99, progress=False)
    assert np.array_equal(r.null_distribution, again.null_distribution)  # the same seed, the same rewirings
    g = unit_graph(ds)
    base = _igraph(g, directed=False)
    looker, influencer = _rewired(base, directed=False)
    assert np.array_equal(np.bincount(looker, minlength=31), np.bincount(g.looker, minlength=31))
    assert set(zip(looker, influencer)) != set(zip(g.looker, g.influencer))


def test_structural_test_is_calibrated_without_contagion_and_finds_it_when_planted():
    from tests.test_hypotheses import contagion_dataset

    geo = load_dataset("leading-cases").geography
    rng = np.random.default_rng(12)
    null = [
        structure_test(
            contagion_dataset(geo, rng, contagion=False, practices=8, periods=8),
            n_permutations=99,
            seed=i,
            progress=False,
        ).p_value
        <= 0.05
        for i in range(120)
    ]
    planted = [
        structure_test(contagion_dataset(geo, rng, contagion=True), n_permutations=99, seed=i, progress=False).p_value
        <= 0.05
        for i in range(40)
    ]
    assert 0.01 <= np.mean(null) <= 0.09 and np.mean(planted) >= 0.8


def test_dated_ties_hierarchy_and_bad_options(fiveland, tmp_path):
    from diffusion.errors import ParameterError

    dated = tmp_path / "dated.csv"
    dated.write_text("source,target,end\nR1,R2,2002\n", encoding="utf-8")
    r = structure_test(fiveland.with_network(dated), n_permutations=9, progress=False)
    assert not r.supported and "a rewired tie has no date" in r.reason
    peers = exposure(fiveland, level="region", graph="hierarchy", practice="open_data").set_index(["unit", "period"])
    assert peers.loc[("R3", 2), "exposure"] == 0.5  # R3's peers in North: R1 (adopted) and R2 (not yet)
    with pytest.raises(ParameterError, match="no graph: no ties between units at level 'state'"):
        exposure(fiveland, level="state")
    with pytest.raises(ValueError, match="kind"):
        exposure(fiveland, kind="mean")
    with pytest.raises(ValueError, match="lag"):
        thresholds(fiveland, lag=-1)


def test_the_command_writes_exposure_thresholds_and_infection(tmp_path, capsys):
    import pandas as pd

    from diffusion.cli import main

    out, limits, spread = tmp_path / "e.csv", tmp_path / "t.csv", tmp_path / "i.csv"
    argv = ["exposure", "--dataset", "broadband-china", "--out", str(out), "--thresholds", str(limits)]
    assert main([*argv, "--infection", str(spread), "--K", "2"]) == 0
    e = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit": str})
    assert len(e) == 2 * 31 * 5 and set(e.columns) == {"practice", "unit", "period", "exposure", "adopted"}
    assert pd.read_csv(limits, encoding="utf-8-sig")["threshold"].between(0, 1).all()
    assert list(pd.read_csv(spread, encoding="utf-8-sig").columns)[-2:] == ["infectiousness", "susceptibility"]
    assert main(["exposure", "--dataset", "leading-cases", "--level", "county", "--out", str(out)]) == 2
    assert "or take the units of the same parent (`graph` (--graph) hierarchy)" in capsys.readouterr().err


def test_structure_rewirings_in_worker_processes_give_the_same_null():
    ds = load_dataset("broadband-china")
    one = structure_test(ds, n_permutations=299, seed=4, n_jobs=1, progress=False)
    two = structure_test(ds, n_permutations=299, seed=4, n_jobs=2, progress=False)  # igraph's generator per process
    assert np.array_equal(one.null_distribution, two.null_distribution) and one.p_value == two.p_value
