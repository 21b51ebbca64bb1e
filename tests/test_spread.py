"""Spread metrics on the invented five-region country, where every answer is computed by hand.

Timed cases: F1 R1 2001 open_data; F2 R2 2003 open_data+e_petition; F3 R5 2003 open_data;
F4 R4 2005 e_petition (F5 has no time). Population: 5 regions, 2 states (N: R1-R3, S: R4-R5).
"""

import numpy as np
import pandas as pd
import pytest

from diffusion import read_cases
from diffusion.data.distance import haversine_km
from diffusion.measures.bass import bass_cumulative, bass_new, fit_bass
from diffusion.measures.concentration import concentration_by_column, gini, hhi, normalised_entropy
from diffusion.measures.innovativeness import (
    coadoption_counts,
    rank_earliness,
    region_profiles,
    rogers_categories,
    walker_scores,
)
from diffusion.measures.spread import plural, spread_metrics


@pytest.fixture
def ds(five_regions, fiveland_cases, fiveland_practices):
    return read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)


def metric(m, name, practice="open_data", series="all"):
    rows = m[(m["metric"] == name) & (m["practice"] == practice) & (m["series"] == series)]
    return rows.set_index("batch")["value"].to_dict() if rows["batch"].notna().any() else rows["value"].iloc[0]


def test_adoption_curves_and_hazards(ds):
    m = spread_metrics(ds)
    assert metric(m, "new_regions") == {1: 1, 2: 2, 3: 0}
    assert metric(m, "regions_reached") == {1: 1, 2: 3, 3: 3}
    assert metric(m, "share_regions_reached") == {1: 0.2, 2: 0.6, 3: 0.6}
    assert metric(m, "hazard_regions") == {1: 1 / 5, 2: 2 / 4, 3: 0 / 2}
    assert metric(m, "states_reached") == {1: 1, 2: 2, 3: 2}
    hazard = metric(m, "hazard_states")
    assert hazard[1] == 0.5 and hazard[2] == 1.0 and np.isnan(hazard[3])  # nobody left at risk
    assert metric(m, "regions_reached", "e_petition") == {1: 0, 2: 1, 3: 2}


def test_milestones(ds):
    m = spread_metrics(ds, k=2, share=0.5)
    assert metric(m, "origin_period") == 1
    assert metric(m, "periods_to_2_states") == 1  # second state in period 2
    assert metric(m, "periods_to_50pct_states") == 0
    assert metric(m, "periods_to_all_macro_regions") == 1
    assert metric(m, "scale_up_ratio") == 1.0  # R5 outside North / R1
    assert np.isnan(metric(spread_metrics(ds, k=3), "periods_to_3_states"))


def test_concentration_and_dispersion(ds):
    m = spread_metrics(ds)
    # Period 2: North holds R1, R2; South holds R5.
    assert metric(m, "gini_states")[2] == pytest.approx(1 / 6)
    assert metric(m, "hhi_states")[2] == pytest.approx(5 / 9)
    assert metric(m, "entropy_states")[2] == pytest.approx(-(2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3)) / np.log(2))
    d12 = float(haversine_km(11, 19, 11, 21))
    d15 = float(haversine_km(11, 19, 5, 19))
    assert metric(m, "mean_distance_from_origin_km")[2] == pytest.approx((0 + d12 + d15) / 3)
    assert metric(m, "max_distance_from_origin_km")[2] == pytest.approx(d15)
    assert metric(m, "share_new_at_region")[2] == 1.0


def test_bass_is_not_identifiable_on_three_periods(ds):
    m = spread_metrics(ds)
    row = m[(m["metric"] == "bass_q") & (m["practice"] == "open_data") & (m["series"] == "all")].iloc[0]
    assert np.isnan(row["value"]) and row["note"] == "not identifiable: only 3 period(s); at least 4 are needed"


def test_walker_profiles_and_rogers(ds):
    # open_data R1 2001, R2 and R5 2003; e_petition R2 2003, R4 2005 (periods start 2001, 2003, 2005).
    # Elapsed shares: open_data R1 0, R2 1, R5 1, others 1; e_petition R2 0, R4 1, others 1.
    w = walker_scores(ds, "region")
    assert w.to_dict() == pytest.approx({"R1": 0.5, "R2": 0.5, "R3": 0.0, "R4": 0.0, "R5": 0.0})
    # Ranks: open_data R1 0, R2 and R5 1/2 (one of two others earlier); e_petition R2 0, R4 1.
    r = rank_earliness(ds, "region")
    assert r.to_dict() == pytest.approx({"R1": 0.5, "R2": 0.75, "R3": 0.0, "R4": 0.0, "R5": 0.25})
    p = region_profiles(ds, "region").set_index("region")
    assert p["breadth"].to_dict() == {"R1": 1, "R2": 2, "R3": 0, "R4": 1, "R5": 1}
    assert p["walker_score"].to_dict() == pytest.approx(w.to_dict()) and p["rank_earliness"].to_dict() == pytest.approx(
        r.to_dict()
    )
    assert p["earliness"].drop("R3").to_dict() == pytest.approx({"R1": 1.0, "R2": 0.75, "R4": 0.0, "R5": 0.5})
    assert np.isnan(p.at["R3", "earliness"])
    assert p.at["R2", "portfolio"] == "e_petition;open_data"
    cats = rogers_categories(ds, "region").set_index(["region", "practice"])["category"]
    # open_data periods 1, 2, 2: mean 5/3, sd 0.577 -> R1 z = -1.15 (early adopter), others late majority.
    assert cats[("R1", "open_data")] == "early adopter" and cats[("R2", "open_data")] == "late majority"
    assert coadoption_counts(ds, "region").values.tolist() == [["e_petition", "open_data", 1]]


def test_walker_three_unit_example_in_elapsed_time_and_in_ranks(tmp_path):
    geo = tmp_path / "three"
    geo.mkdir()
    (geo / "units.csv").write_text("code,name,level\nA,A,unit\nB,B,unit\nC,C,unit\n", encoding="utf-8")
    cases = tmp_path / "c.csv"
    # x: A 2001, B 2002, C never; y: B 2001, A 2002, C 2011 (a long wait for the last adopter).
    cases.write_text(
        "case_id,year,unit,practices\n1,2001,A,x\n2,2002,B,x\n3,2001,B,y\n4,2002,A,y\n5,2011,C,y\n", encoding="utf-8"
    )
    ds = read_cases(cases, geography=geo, extend_vocabulary=True)
    # Walker (1969), elapsed time: x: A 0, B 1, C 1 (never); y: B 0, A 365/3652 days, C 1 -> 1 - mean.
    assert walker_scores(ds).to_dict() == pytest.approx({"A": 1 - 365 / 3652 / 2, "B": 0.5, "C": 0.0})
    # Ranks: x: A 0, B 1, C 1; y: B 0, A 1/2, C 2/2.
    assert rank_earliness(ds).to_dict() == pytest.approx({"A": 0.75, "B": 0.5, "C": 0.0})
    # A programme needs min_adopters adopters: with 3, only y counts.
    assert walker_scores(ds, min_adopters=3).to_dict() == pytest.approx({"A": 1 - 365 / 3652, "B": 1.0, "C": 0.0})
    # Walker's time is the calendar, not the period number: yearly periods give the same scores.
    yearly = read_cases(cases, geography=geo, extend_vocabulary=True, time="year")
    assert walker_scores(yearly).to_dict() == pytest.approx(walker_scores(ds).to_dict())


def test_results_do_not_depend_on_row_order(tmp_path, five_regions, fiveland_cases, fiveland_practices):
    lines = fiveland_cases.read_text(encoding="utf-8").splitlines()
    other = tmp_path / "s" / "fiveland_cases.csv"
    other.parent.mkdir()
    other.write_text("\n".join([lines[0], *lines[1:][::-1]]) + "\n", encoding="utf-8")
    a = spread_metrics(read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices))
    b = spread_metrics(read_cases(other, geography=five_regions, vocabulary=fiveland_practices))
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("values", "g", "h", "e"),
    [
        ([1, 1, 1, 1], 0.0, 0.25, 1.0),
        ([0, 0, 0, 4], 0.75, 1.0, 0.0),
        ([1, 2, 3, 4], 0.25, 0.3, None),
    ],
)
def test_concentration_on_known_vectors(values, g, h, e):
    assert gini(values) == pytest.approx(g)
    assert hhi(values) == pytest.approx(h)
    x = np.array(values) / sum(values)
    expected = e if e is not None else -(x * np.log(x)).sum() / np.log(4)
    assert normalised_entropy(values) == pytest.approx(expected)
    # Gini from its definition: mean absolute difference over twice the mean.
    v = np.array(values, dtype=float)
    assert gini(values) == pytest.approx(np.abs(v[:, None] - v[None, :]).sum() / (2 * len(v) ** 2 * v.mean()))


def test_concentration_by_column_equals_each_column_on_its_own():
    rng = np.random.default_rng(3)
    table = rng.integers(0, 4, size=(7, 40)) * (rng.random((7, 40)) < 0.5)
    table[:, 0] = 0  # an empty column: NaN throughout
    for column, values in zip(table.T, zip(*concentration_by_column(table))):
        expected = (gini(column), hhi(column), normalised_entropy(column))
        np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-15)


def test_dispersion_by_period_equals_its_definition(tmp_path):
    """Standard distance: root mean squared distance from the spherical mean centre of the adopters so far."""
    from diffusion.simulate import SimulationParameters, planar_geography, write_simulation

    geo = planar_geography(60, 4, seed=2)
    path = write_simulation(tmp_path, geo, SimulationParameters(practices=2, periods=6, seed=2), progress=False)
    ds = read_cases(path, geography=geo, vocabulary=tmp_path / "practices.csv")
    m = spread_metrics(ds)
    points, checked = geo.points(list(geo.units.index)), 0
    for practice, group in ds.events.groupby("practice"):
        first = group.groupby("unit_id")["period"].min()
        lat, lon = points.loc[first.index, "lat"].to_numpy(), points.loc[first.index, "lon"].to_numpy()
        rows = m[(m["practice"] == practice) & (m["metric"] == "standard_distance_km")]
        for period, value in zip(rows["batch"], rows["value"]):
            upto = (first <= period).to_numpy()
            phi, lam = np.radians(lat[upto]), np.radians(lon[upto])
            xyz = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]).mean(axis=0)
            centre = np.degrees(np.arctan2(xyz[2], np.hypot(xyz[0], xyz[1]))), np.degrees(np.arctan2(xyz[1], xyz[0]))
            d = haversine_km(lat[upto], lon[upto], *centre)
            assert value == pytest.approx(np.sqrt((d**2).mean()), rel=1e-10)
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize("name", ["leading-cases", "broadband-china"])
def test_the_period_table_holds_every_period_of_the_tidy_table(name):
    """Rows only where a practice gained adopters: the rest is zero (new) or the row before (cumulative)."""
    from diffusion import load_dataset
    from diffusion.measures.spread_tables import history_table, period_table

    tidy = spread_metrics(load_dataset(name))
    compact = period_table(tidy)
    assert len(compact) < tidy["batch"].notna().sum()
    for metric, carried in (("adopters", True), ("new_adopters", False), ("provinces_reached", True)):
        full = tidy[tidy["metric"] == metric].pivot(index="batch", columns=["series", "practice"], values="value")
        rows = compact.pivot(index="period", columns=["series", "practice"], values=metric).reindex(full.index)
        rebuilt = rows.ffill().fillna(0) if carried else rows.fillna(0)
        pd.testing.assert_frame_equal(rebuilt, full[rebuilt.columns], check_names=False, check_index_type=False)
    assert len(history_table(tidy)) == tidy["batch"].isna().sum()


def test_bass_jacobian_in_closed_form_equals_finite_differences():
    from scipy.optimize._numdiff import approx_derivative

    from diffusion.measures.bass import _expected, _jacobian

    times = np.array([1.0, 2.0, 3.5, 4.0, 6.0, 7.0])
    for theta in ([0.01, 0.4, 30.0], [0.2, 0.05, 10.0], [0.003, 1.2, 500.0]):
        numeric = approx_derivative(lambda x: _expected(x, times), np.array(theta), method="3-point")
        assert np.abs(_jacobian(theta, times) - numeric).max() < 1e-5 * np.abs(numeric).max()


def test_haversine_known_pairs():
    assert float(haversine_km(39.9075, 116.39723, 31.22222, 121.45806)) == pytest.approx(
        1067, abs=5
    )  # Beijing–Shanghai
    assert float(haversine_km(0, 0, 0, 180)) == pytest.approx(np.pi * 6371.0088)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize(("p", "q"), [(0.03, 0.38), (0.01, 0.6), (0.05, 0.2)])
def test_bass_recovers_known_parameters(seed, p, q):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(bass_new(15, p, q, 50_000))
    fit = fit_bass(counts)
    assert fit.identifiable
    assert fit.p == pytest.approx(p, rel=0.10) and fit.q == pytest.approx(q, rel=0.10)
    assert fit.m == pytest.approx(50_000, rel=0.10)
    assert fit.p_ci[0] < fit.p < fit.p_ci[1]


@pytest.mark.parametrize("seed", range(6))
def test_bass_one_solver_run_from_ols_finds_the_multistart_optimum(seed):
    from scipy.optimize import least_squares

    rng = np.random.default_rng(seed)
    p, q, m = rng.uniform(0.005, 0.05), rng.uniform(0.1, 0.8), rng.uniform(100, 10_000)
    counts = rng.poisson(bass_new(int(rng.integers(8, 20)), p, q, m)).astype(float)
    fit = fit_bass(counts)
    steps = np.arange(1.0, len(counts) + 1)

    def cost(theta):
        return theta[2] * np.diff(bass_cumulative(np.r_[0.0, steps], theta[0], theta[1])) - counts

    # The old search: a grid of starts at tight tolerances, keeping the best.
    best = min(
        (
            least_squares(
                cost,
                [p0, q0, 1.5 * counts.sum()],
                bounds=([1e-6, 0, counts.sum()], [1, 3, 50 * counts.sum()]),
                x_scale="jac",
                ftol=1e-14,
                xtol=1e-14,
                gtol=1e-14,
                max_nfev=20_000,
            )
            for p0 in (0.01, 0.05)
            for q0 in (0.1, 0.5)
        ),
        key=lambda r: r.cost,
    )
    assert [fit.p, fit.q, fit.m] == pytest.approx(best.x, rel=1e-4)


def test_bass_ols_and_density_forms_recover_their_own_curves():
    from diffusion.measures.bass import bass_density, bass_ols

    cum, new = 0.0, []
    for _ in range(12):  # Bass's (1969) difference equation, which OLS solves exactly
        new.append((0.02 + 0.5 * cum / 800) * (800 - cum))
        cum += new[-1]
    assert bass_ols(new) == pytest.approx((0.02, 0.5, 800), rel=1e-9)
    assert bass_ols([1, 1, 2, 4, 9, 20]) is None  # accelerating: N² enters with a positive sign, no market size
    density = 2_000 * bass_density(np.arange(1.0, 15), 0.01, 0.6)
    fit = fit_bass(density, form="density")
    assert (fit.p, fit.q, fit.m, fit.form) == (
        pytest.approx(0.01, rel=1e-6),
        pytest.approx(0.6, rel=1e-6),
        pytest.approx(2_000, rel=1e-6),
        "density",
    )
    # The same series read as per-period increments gives other estimates (the literature's forms differ).
    assert fit_bass(density).p != pytest.approx(0.01, rel=0.05)


def test_bass_market_size_is_bounded_by_the_units_at_risk(tmp_path):
    from diffusion import load_geography

    assert fit_bass([1, 2, 3, 5, 7, 6, 5]).m > 31  # unbounded: more adopters than there are provinces
    bounded = fit_bass([1, 2, 3, 5, 7, 6, 5], m_max=31)
    assert bounded.identifiable and bounded.m == pytest.approx(31) and bounded.m_at_bound
    assert "m = 31 (all units at risk)" in bounded.summary()
    provinces = load_geography().level_units("province").index[:29]
    years = np.repeat(np.arange(2001, 2008), [1, 2, 3, 5, 7, 6, 5])
    path = tmp_path / "provinces.csv"
    pd.DataFrame({"case_id": range(29), "year": years, "province_code": provinces, "practices": "x"}).to_csv(
        path, index=False
    )
    m = spread_metrics(read_cases(path, extend_vocabulary=True, time="year"))
    row = m[(m["metric"] == "bass_m") & (m["series"] == "all")].iloc[0]
    assert row["value"] == pytest.approx(31) and row["note"] == "m at its bound: every unit at risk adopts"


def test_bass_refuses_curves_without_inflection():
    assert not fit_bass([10, 8, 6, 4, 2]).identifiable
    assert "still rising" in fit_bass([1, 2, 4, 8, 16]).reason
    assert fit_bass(bass_new(10, 0.02, 0.5, 1000)).summary().startswith("Bass model over 10 periods: p = 0.020")


def test_plural():
    assert [plural(x) for x in ("province", "county", "state", "days")] == ["provinces", "counties", "states", "days"]


def test_adoptions_around_central_promotion():
    from diffusion import load_dataset

    m = spread_metrics(load_dataset("leading-cases"), by_series=False)
    pts = m[(m["practice"] == "points_system") & m["metric"].str.startswith("adoptions_")].set_index("metric")
    # First points-system promotion: 2018-06; the 9 timed adopters (Youxiqiao 2019-05, eight 2020-07 units) follow it.
    assert pts["value"].to_dict() == {"adoptions_before_promotion": 0.0, "adoptions_after_promotion": 9.0}
    assert pts["note"].iloc[0] == "first central promotion of the practice: 2018-06"
    lst = m[(m["practice"] == "list_system") & m["metric"].str.startswith("adoptions_")].set_index("metric")
    # List system first promoted by the batch-3 call of 2021-05-08: Ninghai (batch 1, 2019-05) came before it,
    # Jinshi (2021-10) after.
    assert lst["value"].to_dict() == {"adoptions_before_promotion": 1.0, "adoptions_after_promotion": 1.0}
