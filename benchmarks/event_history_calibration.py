"""Calibration of the event-history model: how often it finds an effect where there is none.

Usage: ``python benchmarks/event_history_calibration.py [datasets per setting] [seed] [inference]
[settings] [model]`` (default 500, 0, wild, all settings comma-separated, unit; model ``dyad`` is the
directed-dyad model, ``dyad-exposure`` the same with the follower's ``neighbour_share``; run settings
in two processes to use two cores).

Datasets are simulated here, by a generator independent of ``diffusion.simulate``, on China's 31
provinces (their real adjacency and macro-regions), and read back through ``read_cases`` like a
user's file, with a unit covariate ``x`` (the province's standardised longitude: high in the East,
so spatially clustered). The unit model is ``neighbour_share + x + C(macro_region)``, the
directed-dyad model ``neighbour + x + C(macro_region)`` (x and the region: the follower's), both
over the default practice-by-period baseline. Null settings (no contagion at all; 1 to 50
practices, 3 to 20 yearly periods):

- ``rates``: each practice with its own constant hazard;
- ``shock``: top-down: every practice is announced in some period, after which all provinces
  adopt at a high rate (before it, at a low one);
- ``gradient``: East-to-West timing: hazards 2x in the East, 0.5x in the West (spatially
  clustered rates, still no contagion);
- ``covariate``: the hazard rises with ``x`` (odds x 2.2 per standard deviation): the
  neighbour term is null, the covariate term is planted.

Planted settings: ``contagion``: the hazard rises with the share of neighbours that adopted earlier,
by the same amount in every practice (``x`` is null; so is the heterogeneity test of model ``vary``);
``mixed``: contagion in every other practice only (the slope differs by practice: the heterogeneity
test is planted). For each setting and term it prints the rejection rate at alpha = 0.05 with its
95 % (Wilson) interval over the datasets in which the term was tested; goal: every null rate in
[0.035, 0.065], power >= 0.8.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from diffusion import load_geography, read_cases
from diffusion.data.covariates import Covariates
from diffusion.stats.dyadic import fit_dyadic_event_history
from diffusion.stats.event_model import ModelError, fit_event_history

SETTINGS = ("rates", "shock", "gradient", "covariate", "contagion", "mixed")
#: The models calibrated: (fit function, formula, the two terms reported: the channel, then x).
MODELS = {
    "unit": (fit_event_history, "neighbour_share + x + C(macro_region)"),
    "dyad": (fit_dyadic_event_history, "neighbour + x + C(macro_region)"),
    # The follower's own exposure beside the dyad term: a follower covariate no longer stands in for it.
    "dyad-exposure": (fit_dyadic_event_history, "neighbour + neighbour_share + x + C(macro_region)"),
    # One slope of neighbour_share in every practice? (reported: that test, then the slope itself)
    "vary": (partial(fit_event_history, vary=("neighbour_share",)), "neighbour_share + x + C(macro_region)"),
}
#: The terms each setting plants (the others are null there).
PLANTED = {
    "covariate": {"x"},
    "contagion": {"neighbour_share", "neighbour"},
    "mixed": {"varies:neighbour_share", "neighbour_share", "neighbour"},
}


def simulate_cases(setting: str, rng: np.random.Generator, geo=None) -> pd.DataFrame:
    """One dataset: a case per (province, practice) adoption, with its year."""
    geo = geo or load_geography()
    units = geo.level_units("province")
    codes = units.index.to_numpy()
    n = len(codes)
    region = np.array([geo.macro_region(c) for c in codes])
    x = longitude_score(geo, codes)
    factor = np.where(region == "East", 2.0, np.where(region == "West", 0.5, 1.0))
    _, pairs = geo.neighbour_pairs("province")
    adj = np.zeros((n, n))
    adj[pairs[:, 0], pairs[:, 1]] = adj[pairs[:, 1], pairs[:, 0]] = 1
    degree = np.maximum(adj.sum(axis=1), 1)
    k = int(rng.integers(1, 51))
    periods = int(rng.integers(3, 21))
    rows = []
    for j in range(k):
        base = rng.uniform(0.02, 0.3)
        shock = int(rng.integers(2, periods + 1))
        when = np.full(n, np.inf)
        for t in range(1, periods + 1):
            hazard = np.full(n, base)
            if setting == "shock":
                hazard = np.full(n, 0.02 if t < shock else 0.6)
            elif setting == "gradient":
                hazard = np.minimum(base * factor, 0.95)
            elif setting == "covariate":
                odds = base / (1 - base) * np.exp(0.8 * x)
                hazard = odds / (1 + odds)
            elif setting == "contagion":
                share = adj @ (when < t) / degree
                hazard = 1 - (1 - 0.03) * (1 - 0.6 * share)
            elif setting == "mixed":  # contagion in every other practice: the slope differs by practice
                share = adj @ (when < t) / degree
                hazard = 1 - (1 - 0.03) * (1 - (0.9 if j % 2 else 0.0) * share)
            new = (when == np.inf) & (rng.random(n) < hazard)
            when[new] = t
        rows += [(codes[i], 2000 + int(when[i]), f"p{j + 1}") for i in np.flatnonzero(np.isfinite(when))]
    cases = pd.DataFrame(rows, columns=["province_code", "year", "practices"])
    cases.insert(0, "case_id", [f"S{i}" for i in range(len(cases))])
    return cases


def longitude_score(geo, codes) -> np.ndarray:
    """Each unit's standardised longitude (East high): a spatially clustered covariate."""
    lon = geo.points(list(codes))["lon"].to_numpy(dtype=float)
    return (lon - lon.mean()) / lon.std()


def covariate_table(geo) -> Covariates:
    """The covariate ``x`` of every province, time-invariant."""
    codes = geo.level_units("province").index
    table = pd.DataFrame(
        {"unit": codes, "level": "province", "year": pd.NA, "variable": "x", "value": longitude_score(geo, codes)}
    )
    return Covariates(table, "calibration")


def rejection(
    setting: str, datasets: int, seed: int, folder: Path, inference: str = "wild", model: str = "unit"
) -> tuple[dict[str, int], dict[str, int]]:
    """Rejections of each reported term at alpha 0.05, and the number of datasets in which it was tested."""
    rng = np.random.default_rng([seed, SETTINGS.index(setting)])
    geo = load_geography()
    covariates = covariate_table(geo)
    vocabulary = folder / "practices.csv"
    fit, formula = MODELS[model]
    terms = terms_of(model)
    hits, tested = dict.fromkeys(terms, 0), dict.fromkeys(terms, 0)
    for _ in tqdm(range(datasets), desc=f"{model} {setting}", unit="dataset"):
        cases = simulate_cases(setting, rng, geo)
        tags = sorted(cases["practices"].unique())
        pd.DataFrame({"tag_id": tags, "label_en": tags, "label_zh": tags}).to_csv(vocabulary, index=False)
        path = folder / "cases.csv"
        cases.to_csv(path, index=False)
        ds = read_cases(path, geography=geo, vocabulary=vocabulary, time="year").with_covariates(covariates)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = fit(ds, formula, inference=inference, draws=999, intervals=False, seed=rng)
            except ModelError:
                continue
        p = result.coefficients.set_index("term")["p_value"].to_dict()
        p.update({f"varies:{r['term']}": r["p_value"] for r in result.heterogeneity.to_dict("records")})
        for term in terms:
            if np.isfinite(p.get(term, np.nan)):  # a test not defined (one practice) is not counted
                tested[term] += 1
                hits[term] += bool(p[term] < 0.05)
    return hits, tested


def terms_of(model: str) -> tuple[str, str]:
    """The channel term and the covariate term of a model's formula (the heterogeneity test and the
    channel for ``vary``)."""
    channel = MODELS[model][1].split(" + ")[0]
    return (f"varies:{channel}", channel) if model == "vary" else (channel, "x")


def wilson(hits: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    if n == 0:
        return (float("nan"), float("nan"))
    z, p = 1.959964, hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main(
    datasets: int = 500,
    seed: int = 0,
    inference: str = "wild",
    settings: str = ",".join(SETTINGS),
    model: str = "unit",
) -> None:
    folder = Path(tempfile.mkdtemp())
    print(f"model: {model} ({MODELS[model][1]}); inference: {inference}; {datasets} datasets per setting; alpha 0.05")
    print(f"{'setting':<10} {'term':<23} {'kind':<6} {'rate':>6}  95 % interval     datasets")
    for setting in settings.split(","):
        hits, tested = rejection(setting, datasets, seed, folder, inference, model)
        for term in terms_of(model):
            low, high = wilson(hits[term], tested[term])
            kind = "power" if term in PLANTED.get(setting, set()) else "null"
            rate = hits[term] / max(tested[term], 1)
            print(
                f"{setting:<10} {term:<23} {kind:<6} {rate:6.3f}  [{low:.3f}, {high:.3f}]  {tested[term]}", flush=True
            )


if __name__ == "__main__":
    args = sys.argv[1:6]
    main(*(int(a) for a in args[:2]), *args[2:])
