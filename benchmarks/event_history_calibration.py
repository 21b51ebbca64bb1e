"""Calibration of the event-history model: how often it finds contagion where there is none.

Usage: ``python benchmarks/event_history_calibration.py [datasets per setting] [seed]`` (default 500, 0).

Datasets are simulated here, by a generator independent of ``diffusion.simulate``, on China's 31
provinces (their real adjacency and macro-regions), and read back through ``read_cases`` like a
user's file. Null settings (no contagion at all):

- ``rates``: 1 to 50 practices, 3 to 20 yearly periods, each practice with its own constant hazard;
- ``shock``: top-down: every practice is announced in some period, after which all provinces
  adopt at a high rate (before it, at a low one);
- ``gradient``: East-to-West timing: hazards 2x in the East, 0.5x in the West (spatially clustered
  rates, still no contagion).

Planted setting (``contagion``): the hazard rises with the share of neighbours that adopted earlier.
For each setting it prints the rejection rate of the neighbour term at alpha = 0.05 with its 95 %
(Wilson) interval; goal: every null rate in [0.035, 0.065], power >= 0.8.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from diffusion import load_geography, read_cases
from diffusion.stats.event_history import event_history_test

SETTINGS = ("rates", "shock", "gradient", "contagion")


def simulate_cases(setting: str, rng: np.random.Generator, geo=None) -> pd.DataFrame:
    """One dataset: a case per (province, practice) adoption, with its year."""
    geo = geo or load_geography()
    units = geo.level_units("province")
    codes = units.index.to_numpy()
    n = len(codes)
    region = np.array([geo.macro_region(c) for c in codes])
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
            elif setting == "contagion":
                share = adj @ (when < t) / degree
                hazard = 1 - (1 - 0.03) * (1 - 0.6 * share)
            new = (when == np.inf) & (rng.random(n) < hazard)
            when[new] = t
        rows += [(codes[i], 2000 + int(when[i]), f"p{j + 1}") for i in np.flatnonzero(np.isfinite(when))]
    cases = pd.DataFrame(rows, columns=["province_code", "year", "practices"])
    cases.insert(0, "case_id", [f"S{i}" for i in range(len(cases))])
    return cases


def rejection(setting: str, datasets: int, seed: int, folder: Path) -> tuple[float, int, int]:
    """(rate, rejections, fitted datasets) of the neighbour term at alpha 0.05."""
    rng = np.random.default_rng([seed, SETTINGS.index(setting)])
    geo = load_geography()
    vocabulary = folder / "practices.csv"
    hits = fitted = 0
    for _ in tqdm(range(datasets), desc=setting, unit="dataset"):
        cases = simulate_cases(setting, rng, geo)
        tags = sorted(cases["practices"].unique())
        pd.DataFrame({"tag_id": tags, "label_en": tags, "label_zh": tags}).to_csv(vocabulary, index=False)
        path = folder / "cases.csv"
        cases.to_csv(path, index=False)
        ds = read_cases(path, geography=geo, vocabulary=vocabulary, time="year")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = event_history_test(ds)
        if result.supported:
            fitted += 1
            hits += result.p_value < 0.05
    return hits / max(fitted, 1), hits, fitted


def wilson(hits: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    if n == 0:
        return (float("nan"), float("nan"))
    z, p = 1.959964, hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main(datasets: int = 500, seed: int = 0) -> None:
    folder = Path(tempfile.mkdtemp())
    print(f"{'setting':<10} {'rate':>6}  95 % interval     datasets")
    for setting in SETTINGS:
        rate, hits, fitted = rejection(setting, datasets, seed, folder)
        low, high = wilson(hits, fitted)
        print(f"{setting:<10} {rate:6.3f}  [{low:.3f}, {high:.3f}]  {fitted}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
