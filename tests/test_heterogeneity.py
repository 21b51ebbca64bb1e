"""Does a channel's slope vary across practices? The score statistic against statsmodels' scores,
its size and power on simulated data, and the model and command-line options."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special

from diffusion import load_dataset
from diffusion.cli import main
from diffusion.errors import ParameterError
from diffusion.stats.event_model import fit_event_history
from diffusion.stats.fe_glm import fit_fe_binomial
from diffusion.stats.heterogeneity import slope_heterogeneity
from diffusion.stats.wild_bootstrap import webb_draws


def _grouped_data(rng: np.random.Generator, slopes: np.ndarray, clusters: int = 20, per: int = 30):
    """Strata nested in groups (practices), a regressor varying between clusters, group slopes."""
    n_strata = 15 * len(slopes)
    s = np.repeat(np.arange(n_strata), per)
    g = s % len(slopes)
    c = rng.integers(0, clusters, size=len(s))
    x = rng.normal(size=(len(s), 2)) + 0.5 * rng.normal(size=(clusters, 2))[c]
    eta = rng.normal(size=n_strata)[s] + slopes[g] * x[:, 0] + 0.4 * x[:, 1]
    y = (rng.random(len(s)) < special.expit(eta)).astype(float)
    return y, x, s, c, g


def test_statistic_is_the_quadratic_form_of_statsmodels_efficient_scores():
    """Ū' (Σ U_g U_g')⁺ Ū with U_g the cluster sums of the efficient scores of the interactions
    x0 · 1[group p] (p = 2..P) at the one-slope fit: statsmodels' per-row scores and Hessian of the
    model with a dummy per stratum and the interactions, evaluated at the interactions' zero."""
    import statsmodels.api as sm

    rng = np.random.default_rng(2)
    y, x, s, c, g = _grouped_data(rng, np.array([0.5, 0.5, 0.5, 0.5]), clusters=12, per=20)
    fit = fit_fe_binomial(y, x, s, c)
    statistic, _, df = slope_heterogeneity(y, x, s, c, g, 0, fit.eta, np.ones((1, 12)))
    dummies = pd.get_dummies(s).to_numpy(dtype=float)
    z = np.column_stack([x[:, 0] * (g == p) for p in range(1, 4)])
    restricted = sm.GLM(y, np.column_stack([x, dummies]), family=sm.families.Binomial()).fit()
    full = sm.GLM(y, np.column_stack([z, x, dummies]), family=sm.families.Binomial())
    params = np.r_[np.zeros(3), restricted.params]
    scores, info = full.score_obs(params), -full.hessian(params)
    tested, rest = np.arange(3), np.arange(3, scores.shape[1])
    efficient = scores[:, tested] - scores[:, rest] @ np.linalg.solve(info[np.ix_(rest, rest)], info[rest][:, tested])
    u = np.column_stack([np.bincount(c, weights=efficient[:, k], minlength=12) for k in range(3)])
    total = u.sum(axis=0)
    assert df == 3
    assert statistic == pytest.approx(float(total @ np.linalg.solve(u.T @ u, total)), rel=1e-6)


def test_size_under_one_slope_and_power_under_two():
    """Rejections at alpha 0.05 over 200 datasets: one slope in all six groups (null), and slopes of
    0 and 1 in alternate groups (planted)."""
    rng = np.random.default_rng(7)
    rejected = {"null": 0, "planted": 0}
    for case, slopes in (("null", np.full(6, 0.6)), ("planted", np.array([0.0, 1.0] * 3))):
        for _ in range(200 if case == "null" else 60):
            y, x, s, c, g = _grouped_data(rng, slopes)
            fit = fit_fe_binomial(y, x, s, c)
            p = slope_heterogeneity(y, x, s, c, g, 0, fit.eta, webb_draws(20, 399, rng))[1]
            rejected[case] += p < 0.05
    assert 0.015 <= rejected["null"] / 200 <= 0.09  # binomial 99 % band around 0.05 is about [0.02, 0.09]
    assert rejected["planted"] / 60 >= 0.8


def test_one_group_is_not_testable():
    rng = np.random.default_rng(3)
    y, x, s, c, _ = _grouped_data(rng, np.array([0.5, 0.5]))
    fit = fit_fe_binomial(y, x, s, c)
    statistic, p, df = slope_heterogeneity(y, x, s, c, np.zeros(len(y), dtype=int), 0, fit.eta, np.ones((1, 20)))
    assert df == 0 and np.isnan(p) and np.isnan(statistic)


@pytest.fixture(scope="module")
def leading_cases():
    return load_dataset("leading-cases")


def test_model_reports_the_heterogeneity_of_a_term(leading_cases):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit_event_history(leading_cases, "~ neighbour_share", vary=("neighbour_share",), draws=199)
    table = model.heterogeneity
    assert table.columns.tolist() == ["term", "practices", "df", "statistic", "p_value", "draws"]
    row = table.iloc[0]
    assert row["term"] == "neighbour_share" and row["draws"] == 199
    assert 1 <= row["df"] <= min(row["practices"] - 1, model.clusters)
    assert "one slope in every practice?" in model.summary()


def test_bad_vary_options_are_named(leading_cases):
    with pytest.raises(ParameterError, match="'peer_share' is not a term of the model"):
        fit_event_history(leading_cases, "~ neighbour_share", vary=("peer_share",), draws=199)
    with pytest.raises(ParameterError, match="needs a baseline per practice"):
        fit_event_history(leading_cases, "~ neighbour_share", vary=("neighbour_share",), baseline="period")


def test_model_command_varies_writes_the_test_to_json(tmp_path, capsys):
    path = tmp_path / "model.json"
    args = ["model", "--dataset", "leading-cases", "--formula", "~ neighbour_share", "--draws", "199"]
    assert main([*args, "--varies", "neighbour_share", "--no-intervals", "--json", str(path)]) == 0
    assert "one slope in every practice?" in capsys.readouterr().out
    written = json.loads(path.read_text(encoding="utf-8"))["notes"]["heterogeneity"]
    assert written[0]["term"] == "neighbour_share" and written[0]["draws"] == 199
