"""Directed-dyad event history: dyads by hand on an invented country, the fit against statsmodels,
bad terms, and the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from diffusion import load_dataset, read_cases
from diffusion.cli import main
from diffusion.errors import ParameterError
from diffusion.stats.dyadic import dyad_periods, fit_dyadic_event_history


@pytest.fixture
def ring(five_regions, tmp_path):
    """One practice: Ashford (R1) in 2001, Brookvale (R2) in 2002, Dunmore (R4) in 2003."""
    path = tmp_path / "cases.csv"
    path.write_text("case_id,year,region,practices\nA,2001,Ashford,p\nB,2002,Brookvale,p\nC,2003,Dunmore,p\n")
    return read_cases(path, geography=five_regions, time="year", extend_vocabulary=True)


def test_dyads_by_hand(ring):
    dyads, notes = dyad_periods(ring, "region")
    dyads = dyads.astype({"follower": str, "leader": str}).set_index(["period", "follower", "leader"])
    # Period 2: R2-R5 at risk, R1 the only leader; period 3: R3-R5 at risk, leaders R1 and R2.
    assert sorted(dyads.loc[2].index) == [("R2", "R1"), ("R3", "R1"), ("R4", "R1"), ("R5", "R1")]
    assert sorted(dyads.loc[3].index) == [(f, lead) for f in ("R3", "R4", "R5") for lead in ("R1", "R2")]
    assert dyads.loc[2, "adopted"].to_dict() == {("R2", "R1"): 1, ("R3", "R1"): 0, ("R4", "R1"): 0, ("R5", "R1"): 0}
    assert dyads.loc[(3, "R4", "R1"), "adopted"] == 1 == dyads.loc[(3, "R4", "R2"), "adopted"]
    # The ring R1-R2-R3-R4-R5-R1; states North (R1-R3) and South (R4, R5).
    assert dyads.loc[2, "neighbour"].to_dict() == {("R2", "R1"): 1, ("R3", "R1"): 0, ("R4", "R1"): 0, ("R5", "R1"): 1}
    assert dyads.loc[(3, "R3", "R2"), "same_parent"] == 1 and dyads.loc[(3, "R5", "R2"), "same_parent"] == 0
    # Ashford (11 N, 19 E) to Brookvale (11 N, 21 E): 2 degrees of longitude at 11 N, in 100 km (mean radius).
    expected = 2 * 6371.0088 * np.arcsin(np.cos(np.radians(11)) * np.sin(np.radians(1))) / 100
    assert dyads.loc[(2, "R2", "R1"), "distance"] == pytest.approx(expected, rel=1e-9)
    assert notes["graph"] == "geographic adjacency" and len(dyads) == 4 + 6  # the data end in period 3


def test_dyadic_fit_equals_statsmodels_with_a_dummy_per_practice_period():
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from diffusion.stats.model_design import strata
    from tests.test_hypotheses import contagion_dataset

    ds = contagion_dataset(load_dataset("leading-cases").geography, np.random.default_rng(3), contagion=True,
                           practices=4)  # fmt: skip
    model = fit_dyadic_event_history(ds, "neighbour + distance", inference="sandwich")
    dyads, _ = dyad_periods(ds, terms=("neighbour", "distance"))
    table = strata(dyads, "practice-period").astype({"stratum": str})
    groups = pd.factorize(table["cluster"])[0]
    full = smf.glm("adopted ~ neighbour + distance + C(stratum)", data=table, family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False}
    )
    ours = model.coefficients.set_index("term")
    n, k, g = len(table), len(full.params), groups.max() + 1
    assert model.region_periods == n and model.rows_are == "dyad-periods"
    assert np.allclose(ours["estimate"], full.params[ours.index], atol=1e-6)
    assert np.allclose(ours["se"], full.bse[ours.index] * np.sqrt(g / (g - 1) * (n - 1) / (n - k)), rtol=1e-5)
    assert ours.loc["neighbour", "estimate"] > 0  # planted: adoption follows adopting neighbours


def test_follower_channel_terms_by_hand(ring):
    """The follower's own exposure on each of its dyads: the ring, each region with two neighbours."""
    dyads, _ = dyad_periods(ring, "region", terms=("neighbour",), follower_channels=("neighbour_share", "peer_share"))
    by_follower = dyads.astype({"follower": str}).groupby(["period", "follower"])[["neighbour_share", "peer_share"]]
    assert (by_follower.nunique() == 1).all().all()  # the same on every dyad of a follower
    first = by_follower.first()
    # Period 2 (R1 adopted): R2 and R5 have R1 as one of two neighbours; R2, R3 share the state North with it.
    assert first.loc[2, "neighbour_share"].to_dict() == {"R2": 0.5, "R3": 0.0, "R4": 0.0, "R5": 0.5}
    assert first.loc[2, "peer_share"].to_dict() == {"R2": 0.5, "R3": 0.5, "R4": 0.0, "R5": 0.0}
    # Period 3 (R1, R2 adopted): R3 has R2 of R2, R4; R5 has R1 of R4, R1; R3's peers R1, R2 both adopted.
    assert first.loc[3, "neighbour_share"].to_dict() == {"R3": 0.5, "R4": 0.0, "R5": 0.5}
    assert first.loc[3, "peer_share"].to_dict() == {"R3": 1.0, "R4": 0.0, "R5": 0.0}


def test_unknown_dyad_terms_are_named(ring):
    with pytest.raises(ParameterError, match=r"unknown dyad term 'neighbor'.*neighbour_share.*gap_<covariate>"):
        fit_dyadic_event_history(ring, "~ neighbor", level="region")
    with pytest.raises(ParameterError, match=r"'inside_adopted' needs .*\(outcome 'own'\)"):
        fit_dyadic_event_history(ring, "~ neighbour + inside_adopted", level="region")


def test_model_command_dyadic(capsys):
    assert main(["model", "--dataset", "broadband-china", "--dyadic", "--draws", "199"]) == 0
    out = capsys.readouterr().out
    assert "dyad-periods at risk" in out and "neighbour:" in out and "adopting dyads" in out
