"""The unified event-history model: channel terms by hand, fits and score tests against statsmodels,
the wild bootstrap by full enumeration, formula errors, and the `diffusion model` command."""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special

from diffusion import load_dataset, read_cases
from diffusion.cli import main
from diffusion.errors import ParameterError
from diffusion.stats.event_history import person_period
from diffusion.stats.event_model import ModelError, fit_event_history, ratio
from diffusion.stats.fe_glm import fit_fe_binomial
from diffusion.stats.model_design import strata as _strata
from diffusion.stats.wild_bootstrap import WEBB, score_interval, score_test, webb_draws
from tests.test_hypotheses import contagion_dataset

CHANNEL_CASES = """case_id,unit_code,unit_level,year,practices
A,33,province,2001,p
B,330102,county,2002,p
C,330100,prefecture,2003,p
D,330200,prefecture,2002,p
E,330300,prefecture,2004,p
"""


@pytest.fixture(scope="module")
def zhejiang(tmp_path_factory):
    """A province's own case (2001), a county's (2002) and three prefectures' (2002-2004)."""
    path = tmp_path_factory.mktemp("channels") / "cases.csv"
    path.write_text(CHANNEL_CASES, encoding="utf-8")
    return read_cases(path, time="year", extend_vocabulary=True)


def test_channel_terms_by_hand(zhejiang):
    channels = ("parent_adopted", "ancestor_adopted", "inside_adopted", "peer_share", "peer_any", "cases_published")
    pp = person_period(zhejiang, "prefecture", outcome="own", channels=channels).set_index(["region", "period"])
    # Own cases of prefectures start the risk in period 2 (2002); the province's case (period 1) is above them.
    assert sorted(pp.index.get_level_values("period").unique()) == [2, 3, 4]
    hangzhou = pp.loc["330100"]
    assert hangzhou["adopted"].tolist() == [0, 1]  # its own case in 2003
    assert hangzhou["inside_adopted"].tolist() == [0.0, 1.0]  # its county's case (2002) before 2003
    assert hangzhou["peer_share"].tolist() == [0.0, 0.1]  # Ningbo (2002) among 10 other prefectures
    assert hangzhou["parent_adopted"].tolist() == [1.0, 1.0] == hangzhou["ancestor_adopted"].tolist()
    assert pp.loc[("330300", 4), "peer_share"] == pytest.approx(0.2)
    assert pp.loc["330300"]["cases_published"].tolist() == [1.0, 3.0, 4.0]  # A; A, B, D; A-D
    outside = pp.loc["130100"]  # Shijiazhuang (Hebei): nothing above, beside or inside it adopted
    assert outside[["parent_adopted", "peer_share", "inside_adopted"]].to_numpy().sum() == 0
    # With the default outcome, a prefecture adopts with its county's case: Hangzhou in 2002.
    within = person_period(zhejiang, "prefecture", channels=("inside_adopted",)).set_index(["region", "period"])
    assert within.loc[("330100", 2), "adopted"] == 1 and within["inside_adopted"].sum() == 0


def test_unknown_channel_and_formula_terms_are_named():
    ds = load_dataset("broadband-china")
    with pytest.raises(ParameterError, match="no channel 'neighbours'"):
        person_period(ds, channels=("neighbours",))
    with pytest.raises(ParameterError, match=r"unknown term 'gdpp'.*neighbour_share.*gdp_per_capita"):
        fit_event_history(ds, "~ neighbour_share + np.log(gdpp)")
    with pytest.raises(ParameterError, match=r"`scale\(...\)` .* not supported"):
        fit_event_history(ds, "~ scale(neighbour_share)")
    with pytest.raises(ParameterError, match="cannot be read"):
        fit_event_history(ds, "~ neighbour_share +")
    with pytest.raises(ParameterError, match="`draws` must be"):
        fit_event_history(ds, draws=5)


def _synthetic(seed: int = 2, practices: int = 6):
    return contagion_dataset(
        load_dataset("leading-cases").geography, np.random.default_rng(seed), contagion=True, practices=practices
    )


@pytest.mark.parametrize(
    ("link", "baseline"),
    [("logit", "practice-period"), ("cloglog", "practice-period"), ("linear", "practice-period"),
     ("logit", "practice+period"), ("logit", "period")],
)  # fmt: skip
def test_fit_equals_statsmodels_with_a_dummy_per_stratum(link, baseline):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    ds = _synthetic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit_event_history(ds, "neighbour_share + C(macro_region)", link=link, baseline=baseline,
                                  inference="sandwich")  # fmt: skip
    pp = _strata(person_period(ds), baseline).astype({"stratum": str, "macro_region": str, "period": str})
    formula = "adopted ~ neighbour_share + C(macro_region) + C(stratum)"
    if baseline == "practice+period":
        formula += " + C(period)"
    family = {
        "logit": sm.families.Binomial(),
        "cloglog": sm.families.Binomial(link=sm.families.links.CLogLog()),
        "linear": sm.families.Gaussian(),
    }[link]
    groups = pd.factorize(pp["cluster"])[0]
    full = smf.glm(formula, data=pp, family=family).fit(
        method="newton" if link == "cloglog" else "irls", cov_type="cluster",
        cov_kwds={"groups": groups, "use_correction": False},
    )  # fmt: skip
    ours = model.coefficients.set_index("term")
    assert model.region_periods == len(pp)
    assert np.allclose(ours["estimate"], full.params[ours.index], atol=1e-6)
    n, k, g = len(pp), len(full.params), groups.max() + 1
    # CR1: statsmodels' sandwich of the model with dummies, times G/(G-1) (N-1)/(N-K).
    assert np.allclose(ours["se"], full.bse[ours.index] * np.sqrt(g / (g - 1) * (n - 1) / (n - k)), rtol=1e-5)


def test_linear_probability_model_equals_least_squares_with_dummies():
    import statsmodels.api as sm

    ds = _synthetic()
    model = fit_event_history(ds, "neighbour_share", link="linear", inference="sandwich")
    pp = _strata(person_period(ds), "practice-period")
    dummies = pd.get_dummies(pp["stratum"]).to_numpy(dtype=float)
    ols = sm.OLS(pp["adopted"].to_numpy(float), np.column_stack([pp["neighbour_share"], dummies])).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(pp["cluster"])[0]}
    )
    assert model.coefficients.loc[0, "estimate"] == pytest.approx(ols.params[0], abs=1e-9)
    # statsmodels' OLS cluster covariance has the same CR1 factor G/(G-1)(N-1)/(N-K).
    assert model.coefficients.loc[0, "se"] == pytest.approx(ols.bse[0], rel=1e-6)


def _logit_data(seed: int, n_strata: int = 40, per: int = 25, clusters: int = 8, effect: float = 0.0):
    rng = np.random.default_rng(seed)
    s = np.repeat(np.arange(n_strata), per)
    x = rng.normal(size=(len(s), 2))
    eta = rng.normal(size=n_strata)[s] + effect * x[:, 0] + 0.5 * x[:, 1]
    y = (rng.random(len(s)) < special.expit(eta)).astype(float)
    return y, x, s, s % clusters


def test_score_statistic_is_the_robust_lm_statistic_on_statsmodels_scores():
    """With every row its own cluster, T = Σe / sqrt(Σe²), e the efficient score from statsmodels'
    per-row scores and Hessian; with the information instead of Σe², statsmodels' own score test."""
    import statsmodels.api as sm

    y, x, s, _ = _logit_data(1, effect=0.3)
    t, _ = score_test(y, x, s, np.arange(len(y)), 0, 0.0, np.ones((1, len(y))), leverage=False)
    dummies = pd.get_dummies(s).to_numpy(dtype=float)
    restricted = sm.GLM(y, np.column_stack([x[:, 1], dummies]), family=sm.families.Binomial()).fit()
    full = sm.GLM(y, np.column_stack([x, dummies]), family=sm.families.Binomial())
    params = np.r_[0.0, restricted.params]
    scores, info = full.score_obs(params), -full.hessian(params)
    rest = np.arange(1, scores.shape[1])
    projection = np.linalg.solve(info[np.ix_(rest, rest)], info[rest, 0])
    efficient = scores[:, 0] - scores[:, rest] @ projection
    assert t == pytest.approx(efficient.sum() / np.sqrt((efficient**2).sum()), rel=1e-8)
    lm = efficient.sum() ** 2 / (info[0, 0] - info[0, rest] @ projection)
    chi2 = restricted.score_test(exog_extra=x[:, [0]], cov_type="nonrobust").statistic
    assert lm == pytest.approx(float(np.squeeze(chi2)), rel=1e-8)


def test_wild_p_value_by_full_enumeration_of_signs():
    """All 2^G sign vectors as draws; the scores recomputed here by weighted least squares on
    statsmodels' restricted fit: z = x0 residualised on the other columns and the dummies with the
    weights mu(1 - mu), u_g = Σ z (y - mu), leverage h_g = Σ_g w z² / Σ w z², scores u_g / sqrt(1 - h_g)."""
    import statsmodels.api as sm

    y, x, s, c = _logit_data(3, clusters=6, effect=0.4)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=6)))
    dummies = pd.get_dummies(s).to_numpy(dtype=float)
    rest = np.column_stack([x[:, 1], dummies])
    mu = sm.GLM(y, rest, family=sm.families.Binomial()).fit().fittedvalues
    w = mu * (1 - mu)
    z = x[:, 0] - rest @ np.linalg.lstsq(rest * np.sqrt(w)[:, None], x[:, 0] * np.sqrt(w), rcond=None)[0]
    u = np.bincount(c, weights=z * (y - mu))
    for leverage in (False, True):
        h = np.bincount(c, weights=w * z**2) / np.sum(w * z**2) if leverage else np.zeros(6)
        scaled = u / np.sqrt(1 - h)
        t, p = score_test(y, x, s, c, 0, 0.0, signs, leverage=leverage)
        assert t == pytest.approx(u.sum() / np.sqrt((scaled**2).sum()), rel=1e-6)
        drawn = np.abs(signs @ scaled) / np.sqrt((scaled**2).sum())
        assert p == pytest.approx((1 + np.sum(drawn >= abs(t) - 1e-12)) / (len(signs) + 1))


@pytest.mark.parametrize("tolerance", [1e-2, 1e-3])
def test_wild_interval_bounds_are_where_the_test_starts_rejecting(tolerance):
    y, x, s, c = _logit_data(4, clusters=12, effect=0.5)
    fit = fit_fe_binomial(y, x, s, c)
    se = float(np.sqrt(fit.cov[0, 0]))
    draws = webb_draws(12, 999, np.random.default_rng(0))
    start = (fit.alpha, fit.params[1:])
    low, high = score_interval(y, x, s, c, 0, fit.params[0], se, draws, start=start, tolerance=tolerance)
    assert low < fit.params[0] < high
    step = 2 * tolerance * se  # Brent's method brackets the bound to within the tolerance
    for bound, inward in ((low, 1), (high, -1)):
        assert score_test(y, x, s, c, 0, bound + inward * step, draws)[1] >= 0.05
        assert score_test(y, x, s, c, 0, bound - inward * step, draws)[1] < 0.05


def test_restricted_fit_from_a_start_equals_the_fit_from_the_strata_rates():
    y, x, s, c = _logit_data(4, clusters=12, effect=0.5)
    full = fit_fe_binomial(y, x, s, c)
    offset = (full.params[0] + 0.3) * x[:, 0]
    cold = fit_fe_binomial(y, x[:, 1:], s, c, offset=offset)
    warm = fit_fe_binomial(y, x[:, 1:], s, c, offset=offset, start=(full.alpha, full.params[1:]), covariance=False)
    np.testing.assert_allclose(warm.params, cold.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(warm.eta, cold.eta, atol=1e-7)
    assert warm.iterations < cold.iterations and np.isnan(warm.cov).all()


def test_wild_bootstrap_in_worker_processes_equals_one_process(monkeypatch):
    import joblib

    from diffusion.stats import model_fit

    ds = load_dataset("leading-cases")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = fit_event_history(ds, "~ neighbour_share + peer_share", level="province", draws=199)
        monkeypatch.setattr(model_fit, "PARALLEL_ROWS", 0)  # every table "large": processes
        with joblib.parallel_config(n_jobs=2):
            two = fit_event_history(ds, "~ neighbour_share + peer_share", level="province", draws=199)
    pd.testing.assert_frame_equal(one.coefficients, two.coefficients)


def test_webb_draws_take_six_values_with_unit_variance():
    v = webb_draws(10, 60000, np.random.default_rng(1))
    assert sorted(np.unique(v).round(6)) == sorted(WEBB.round(6)) and len(WEBB) == 6
    assert abs(v.mean()) < 0.01 and v.var() == pytest.approx(1.0, abs=0.01)


def test_wild_bootstrap_is_reproducible_and_recovers_a_planted_effect():
    ds = _synthetic(5)
    a = fit_event_history(ds, draws=999, seed=3)
    b = fit_event_history(ds, draws=999, seed=3)
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients)
    row = a.term("neighbour_share")
    assert row["p_value"] < 0.05 and row["lower"] > 0 and row["ratio"] == pytest.approx(np.exp(row["estimate"]))
    assert a.clusters == 31
    assert "promoted" in a.notes["dropped_terms"]  # no promotion event in the synthetic data: never varies


def test_promotion_is_absorbed_by_the_default_baseline_and_estimated_over_practice_plus_period():
    ds = load_dataset("leading-cases", time="year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = fit_event_history(ds, "neighbour_share + cases_published", draws=199)
        additive = fit_event_history(ds, "neighbour_share + cases_published", baseline="practice+period", draws=199)
    assert "cases_published" in default.notes["absorbed_by_baseline"]
    assert "cases_published" in additive.coefficients["term"].tolist()
    assert any("absorbed" in line for line in default.left_out())


def _deterministic_contagion(tmp_path):
    """Each practice starts in two provinces; a province adopts exactly one year after a neighbour."""
    geo = load_dataset("leading-cases").geography
    graph = geo.neighbour_graph()
    rng = np.random.default_rng(0)
    rows = []
    for k in range(4):
        when = {u: 1 for u in rng.choice(sorted(graph.nodes), 2, replace=False)}
        for t in range(2, 6):
            when |= {u: t for u in graph.nodes if u not in when and any(when.get(v, 99) < t for v in graph[u])}
        rows += [(u, 2000 + t, f"p{k}") for u, t in when.items()]
    cases = pd.DataFrame(rows, columns=["province_code", "year", "practices"])
    cases.insert(0, "case_id", [f"c{i}" for i in range(len(cases))])
    path = tmp_path / "cases.csv"
    cases.to_csv(path, index=False)
    return read_cases(path, time="year", extend_vocabulary=True)


def test_too_few_events_and_separation_are_model_errors(zhejiang, tmp_path):
    with pytest.raises(ModelError, match="at least 5 are needed"):
        fit_event_history(zhejiang, "neighbour_share", level="prefecture", outcome="own")
    ds = _deterministic_contagion(tmp_path)
    before = ds.events.copy()
    with pytest.raises(ModelError, match="'neighbour_any' separates"):
        fit_event_history(ds, "~ neighbour_any")
    pd.testing.assert_frame_equal(ds.events, before)  # the user's data are not modified


def _small_country(tmp_path, states: int = 8, per_state: int = 6, share: float = 0.25):
    """States of regions on a line (each region next to the following one), random adoption times."""
    folder = tmp_path / "country"
    folder.mkdir()
    units = ["code,name,level,parent,macro_region"]
    units += [f"S{i},State {i},state,,{'East' if i < states // 2 else 'West'}" for i in range(states)]
    codes = [f"R{i}_{j}" for i in range(states) for j in range(per_state)]
    units += [f"{c},Region {c},region,{c.split('_')[0].replace('R', 'S')}," for c in codes]
    (folder / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8")
    pairs = ["a,b", *(f"{a},{b}" for a, b in itertools.pairwise(codes))]
    (folder / "adjacency.csv").write_text("\n".join(pairs) + "\n", encoding="utf-8")
    rng = np.random.default_rng(4)
    rows = [
        (f"c{k}_{c}", c, 2001 + int(rng.integers(0, 5)), f"p{k}")
        for k in range(3)
        for c in codes
        if rng.random() < share
    ]
    cases = tmp_path / "cases.csv"
    pd.DataFrame(rows, columns=["case_id", "unit_code", "year", "practices"]).to_csv(cases, index=False)
    return read_cases(cases, geography=folder, time="year", extend_vocabulary=True)


def test_covariates_missing_for_every_unit_at_risk_are_named():
    ds = load_dataset("broadband-china")  # lists of 2013-2016 look at 2012-2015: the census is of 2020
    with pytest.raises(ModelError, match="no region-period at risk has a value of census_population"):
        fit_event_history(ds, "neighbour_share + census_population")


def test_few_clusters_and_few_events_per_term_warn(tmp_path):
    ds = _small_country(tmp_path)
    with pytest.warns(UserWarning, match="Only 8 clusters"):
        model = fit_event_history(ds, "neighbour_any + C(macro_region)", level="region", draws=199)
    assert model.clusters == 8 and model.cluster_level == "state"
    with pytest.warns(UserWarning, match="fewer than 10 per term"):
        model = fit_event_history(_synthetic(5, practices=1), "neighbour_share + C(macro_region)", draws=199)
    assert model.adoptions < 10 * len(model.coefficients) and any("per term" in w for w in model.warnings)


def test_ratio_never_prints_zero():
    assert ratio(-8.0) == "1/2,981" and ratio(0.0) == "1.00" and ratio(float("-inf")) == "nearly 0"
    assert ratio(12.0) == "above 10,000" and ratio(float("inf")) == "unbounded"


def test_model_command_writes_table_plot_and_json(tmp_path, capsys):
    out, plot, js = tmp_path / "m.csv", tmp_path / "m.svg", tmp_path / "m.json"
    code = main(["model", "--dataset", "broadband-china", "--formula", "~ neighbour_share", "--draws", "199",
                 "--out", str(out), "--plot", str(plot), "--json", str(js)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "31 province clusters" in text and "neighbour_share:" in text and "coverage:" in text
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table.columns.tolist()[:7] == ["term", "estimate", "se", "statistic", "p_value", "lower", "upper"]
    assert "ratio" in table.columns and ">neighbour_share<" in plot.read_text(encoding="utf-8")
    assert json.loads(js.read_text(encoding="utf-8"))["clusters"] == 31


def test_model_command_bad_formula_exits_2(capsys):
    assert main(["model", "--dataset", "broadband-china", "--formula", "~ foo"]) == 2
    assert "unknown term 'foo'" in capsys.readouterr().err
    assert main(["model", "--dataset", "broadband-china", "--plot", "x.gif"]) == 2
    assert main(["model", "--terms"]) == 0
    assert "inside_adopted" in capsys.readouterr().out


def test_a_channel_slope_per_practice_equals_each_practice_fitted_alone():
    """Over a practice-by-period baseline the likelihood factorises by practice: the pooled model's
    slope of each practice is that practice's own model."""
    ds = _synthetic(2, practices=3)
    pooled = fit_event_history(ds, "neighbour_share:C(practice)", inference="sandwich").coefficients
    for practice in ("p0", "p1", "p2"):
        alone = fit_event_history(ds, "neighbour_share", practice=practice, inference="sandwich")
        row = pooled[pooled["term"] == f"neighbour_share:C(practice)[{practice}]"].iloc[0]
        assert row["estimate"] == pytest.approx(alone.coefficients.loc[0, "estimate"], abs=1e-8)


def test_model_command_without_intervals_keeps_the_p_values(tmp_path, capsys):
    """--no-intervals skips only the interval search: the same draws give the same p-values."""
    args = ["model", "--dataset", "broadband-china", "--formula", "~ neighbour_share", "--draws", "199"]
    assert main([*args, "--out", str(tmp_path / "with.csv")]) == 0
    assert main([*args, "--no-intervals", "--jobs", "1", "--out", str(tmp_path / "without.csv")]) == 0
    with_, without = (pd.read_csv(tmp_path / f"{name}.csv", encoding="utf-8-sig") for name in ("with", "without"))
    assert with_["p_value"].tolist() == without["p_value"].tolist()
    assert without[["lower", "upper"]].isna().all().all() and with_[["lower", "upper"]].notna().all().all()
    assert "95 % interval not computed" in capsys.readouterr().out
