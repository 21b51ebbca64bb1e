"""Calibration of the permutation tests of spread patterns: neighbour, Moran's I, gradient, channels.

Usage: ``python benchmarks/pattern_tests_calibration.py [datasets per setting] [seed] [settings] [tests]``
(default 500, 0, all settings and all tests, comma-separated).

Datasets come from the independent generator of ``event_history_calibration.py`` (China's 31
provinces, 1 to 50 practices, 3 to 20 yearly periods, read back through ``read_cases``), with one
setting more:

- ``breadth``: random timing (each practice its own constant hazard), but eastern provinces take
  part in each practice with probability 0.95 and the others with 0.25: the number of practices a
  province adopts is clustered in space, their timing is not.

For each setting and test it prints the rejection rate at alpha = 0.05 (p-value and mid-p), with
the 95 % Wilson interval of the p-value's rate, over the datasets in which the test ran. Which
settings are nulls for which test is in :data:`PLANTED` (the others plant what the test looks for).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).parent))
from event_history_calibration import SETTINGS, simulate_cases, wilson

from diffusion import load_geography, read_cases
from diffusion.stats.channel_shares import adoption_channels
from diffusion.stats.registry import run_test

#: The tests calibrated: label -> (registered test, options); "channels" is the horizontal share's
#: two-sided p of :func:`adoption_channels`.
TESTS = {
    "neighbour": ("neighbour", {}),
    "neighbour/strata": ("neighbour", {"null": "strata"}),
    "moran": ("moran", {}),
    "moran/any": ("moran", {"pooling": "any"}),
    "gradient": ("gradient", {}),
    "channels": ("channels", {}),
    "channels/strata": ("channels", {"null": "strata"}),
    "structure": ("structure", {}),
    "structure/threshold": ("structure", {"statistic": "threshold"}),
}
#: Settings in which a test's hypothesis is true (there the rate is power, not a false-positive rate).
PLANTED = {
    # East-first timing makes neighbours' times alike, and exposure on the real graph higher.
    "gradient": {"moran", "moran/any", "gradient", "structure", "structure/threshold"},
    "contagion": {
        "neighbour",
        "neighbour/strata",
        "moran",
        "moran/any",
        "channels",
        "channels/strata",
        "structure",
        "structure/threshold",
    },
}


def breadth_cases(rng: np.random.Generator, geo) -> pd.DataFrame:
    """Random timing, clustered breadth: East takes part in most practices, the rest in few."""
    codes = geo.level_units("province").index.to_numpy()
    east = np.array([geo.macro_region(c) == "East" for c in codes])
    rows = []
    periods = int(rng.integers(3, 21))
    for j in range(int(rng.integers(1, 51))):
        joins = rng.random(len(codes)) < np.where(east, 0.95, 0.25)
        base = rng.uniform(0.02, 0.3)
        when = np.where(joins, rng.geometric(base, len(codes)), np.inf)
        rows += [(codes[i], 2000 + int(when[i]), f"p{j + 1}") for i in np.flatnonzero(when <= periods)]
    cases = pd.DataFrame(rows, columns=["province_code", "year", "practices"])
    cases.insert(0, "case_id", [f"S{i}" for i in range(len(cases))])
    return cases


def rates(
    setting: str, datasets: int, seed: int, folder: Path, tests: tuple[str, ...] = tuple(TESTS)
) -> dict[str, list[tuple[float, float]]]:
    """(p, mid-p) of the tests on every dataset of a setting in which they ran."""
    rng = np.random.default_rng([seed, (*SETTINGS, "breadth").index(setting)])
    geo = load_geography()
    out: dict[str, list[tuple[float, float]]] = {label: [] for label in tests}
    for _ in tqdm(range(datasets), desc=setting, unit="dataset"):
        cases = breadth_cases(rng, geo) if setting == "breadth" else simulate_cases(setting, rng, geo)
        tags = sorted(cases["practices"].unique())
        pd.DataFrame({"tag_id": tags, "label_en": tags, "label_zh": tags}).to_csv(folder / "practices.csv", index=False)
        cases.to_csv(folder / "cases.csv", index=False)
        ds = read_cases(folder / "cases.csv", geography=geo, vocabulary=folder / "practices.csv", time="year")
        for label in tests:
            name, options = TESTS[label]
            seed = int(rng.integers(2**31))
            if name == "channels":
                shares = adoption_channels(ds, n_permutations=999, seed=seed, progress=False, **options).overall()
                p = float(shares.set_index("channel").at["horizontal", "p_value"])
                out[label].append((p, p))
                continue
            r = run_test(ds, name, permutations=999, seed=seed, progress=False, **options)
            if r.supported:
                out[label].append((r.p_value, r.p_value_mid))
    return out


def main(
    datasets: int = 500, seed: int = 0, settings: str = "rates,shock,gradient,breadth,contagion", tests: str = ""
) -> None:
    folder = Path(tempfile.mkdtemp())
    print(f"{datasets} datasets per setting; 999 permutations; alpha 0.05")
    print(f"{'setting':<10} {'test':<17} {'kind':<6} {'rate':>6}  95 % interval    mid-p  datasets")
    for setting in settings.split(","):
        for label, ps in rates(
            setting, datasets, seed, folder, tuple(tests.split(",")) if tests else tuple(TESTS)
        ).items():
            p = np.array(ps).reshape(-1, 2)
            hits = int((p[:, 0] <= 0.05).sum())
            low, high = wilson(hits, len(p))
            kind = "power" if label in PLANTED.get(setting, set()) else "null"
            mid = float((p[:, 1] <= 0.05).mean()) if len(p) else float("nan")
            rate = hits / max(len(p), 1)
            print(
                f"{setting:<10} {label:<17} {kind:<6} {rate:6.3f}  [{low:.3f}, {high:.3f}]  {mid:6.3f}  {len(p)}",
                flush=True,
            )


if __name__ == "__main__":
    args = sys.argv[1:5]
    main(*(int(a) for a in args[:2]), *args[2:])
