"""Pilot representativeness: standardised differences by hand, the selection model against statsmodels, calibration."""

import numpy as np
import pandas as pd
import pytest

from diffusion import load_dataset, read_cases
from diffusion.stats.representativeness import _balance, pilot_balance


@pytest.fixture
def fiveland(five_regions, fiveland_cases, fiveland_practices, tmp_path):
    covariates = tmp_path / "x.csv"
    covariates.write_text("unit,x,y\nR1,1,10\nR2,2,30\nR3,3,20\nR4,4,50\nR5,5,40\n", encoding="utf-8")
    ds = read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)
    return ds.with_covariates(covariates)


def test_standardised_differences_by_hand(fiveland):
    # Pilots at region level: open_data's first period R1, e_petition's R2 -> {R1, R2}.
    b = pilot_balance(fiveland, level="region", log=False, n_permutations=1999, seed=1)
    row = b.balance[(b.balance["group"] == "all practices") & (b.balance["covariate"] == "x")].iloc[0]
    assert (row["n_pilots"], row["n_units"]) == (2, 5)
    assert row["smd"] == pytest.approx((1.5 - 3) / np.std([1, 2, 3, 4, 5], ddof=1))
    # Of the 10 pairs of 5 units, 2 have a mean as far from 3 as 1.5 is: exact two-sided p = 0.2.
    assert row["p_value"] == pytest.approx(0.2, abs=0.04)
    assert row["lower"] < row["smd"] < row["upper"]
    per_practice = b.balance[b.balance["group"] == "open_data"].set_index("covariate")
    assert per_practice.at["x", "n_pilots"] == 1 and per_practice.at["x", "mean_pilots"] == 1.0
    assert "look like a random draw of the 5 region units" in b.verdict and "little power" in b.verdict
    logged = pilot_balance(fiveland, level="region", n_permutations=99)
    assert set(logged.balance["covariate"]) == {"log x", "log y"}


def test_selection_model_equals_statsmodels_and_drops_collinear_covariates():
    import statsmodels.api as sm

    ds = load_dataset("broadband-china")
    b = pilot_balance(ds, level="prefecture", n_permutations=99)
    assert "left out as nearly collinear with the others: log census_urban_population" in b.model_note
    units = ds.geography.level_units("prefecture").index
    table = ds.covariates.table.query("level == 'prefecture' and year == 2020")  # the units' own values
    own = table.pivot_table(index="unit", columns="variable", values="value").reindex(units)
    # Kept in order (the urban population is nearly the population times the urban share): logs of positive ones.
    values = pd.DataFrame(
        {"p": np.log(own["census_population"]), "r": own["census_rural_population"], "u": np.log(own["urban_share"])}
    )
    first = b.balance[(b.balance["group"] == "all practices")].iloc[0]
    assert first["n_units"] == 333
    from diffusion.stats.representativeness import _pilot_sets

    pilot = pd.Series(_pilot_sets(ds, "prefecture", units, "first")["all practices"], index=units, dtype=float)
    data = values.assign(pilot=pilot).dropna()
    x = data.drop(columns="pilot")
    fit = sm.Logit(data["pilot"], sm.add_constant((x - x.mean()) / x.std(ddof=1))).fit(disp=0)
    assert b.model["estimate"].to_numpy() == pytest.approx(fit.params.to_numpy(), rel=1e-6)
    assert b.model["p_value"].to_numpy() == pytest.approx(fit.pvalues.to_numpy(), rel=1e-6)


def test_balance_p_values_are_calibrated_when_pilots_are_drawn_at_random():
    """Pilots drawn by independent coin flips (not fixed-size subsets, as the null draws them)."""
    ds = load_dataset("broadband-china")
    units = ds.geography.level_units("province").index
    values = pd.DataFrame(
        {v: np.log(ds.covariates.for_units(v, units, ds.geography)[0]) for v in ("census_population", "gdp_per_capita")}
    )
    rng = np.random.default_rng(8)
    p = []
    for _ in range(300):
        is_pilot = rng.random(len(units)) < rng.uniform(0.15, 0.6)
        if 2 <= is_pilot.sum() <= len(units) - 2:
            table, omnibus = _balance(values, is_pilot, rng, 199)
            p.append([*table["p_value"], omnibus["p_value"]])
    rates = (np.array(p) <= 0.05).mean(axis=0)
    assert ((rates >= 0.02) & (rates <= 0.09)).all(), rates


def test_bad_options_and_missing_covariates_are_clear_errors(fiveland, five_regions, fiveland_cases):
    from diffusion.errors import ParameterError

    with pytest.raises(ParameterError, match="no covariate 'gdp'"):
        pilot_balance(fiveland, level="region", variables=("gdp",), n_permutations=9)
    with pytest.raises(ParameterError, match="the dataset has no covariates"):
        pilot_balance(read_cases(fiveland_cases, geography=five_regions, extend_vocabulary=True), n_permutations=9)
    with pytest.raises(ParameterError, match="no covariate is known for 80% of the 2 units at level 'state'"):
        pilot_balance(fiveland, n_permutations=9)
    with pytest.raises(ValueError, match="pilots"):
        pilot_balance(fiveland, level="region", pilots="some", n_permutations=9)


def test_the_command_prints_the_verdict_and_writes_the_tables(tmp_path, capsys):
    from diffusion.cli import main

    out, model = tmp_path / "balance.csv", tmp_path / "model.csv"
    argv = ["pilots", "--dataset", "broadband-china", "--level", "prefecture", "--out", str(out), "--model", str(model)]
    assert main([*argv, "--permutations", "99"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("The 43 pilots (first-period adopters) are not a random draw of the 333 prefecture units")
    balance = pd.read_csv(out, encoding="utf-8-sig")
    assert {"covariate", "smd", "lower", "upper", "p_value", "group", "pilots"} <= set(balance.columns)
    assert pd.read_csv(model, encoding="utf-8-sig")["term"].iloc[0] == "const"
    assert main([*argv, "--variable", "gdp_pc"]) == 2
    assert "no covariate 'gdp_pc'" in capsys.readouterr().err
