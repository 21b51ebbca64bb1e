"""How often NetInf finds a network where there is none, and the neighbour-overlap test's size.

Usage: ``python benchmarks/netinf_calibration.py [datasets per setting] [seed] [settings] [options]``
(default 300, 0, rates,shock,breadth,gradient,contagion; options ``calibrate`` also runs the
permutation-calibrated cut-off, slower).

Datasets come from the independent generators of ``event_history_calibration.py`` and
``pattern_tests_calibration.py`` (China's 31 provinces, 1 to 50 practices, 3 to 20 yearly periods),
read back through ``read_cases``. For each setting it prints, at alpha = 0.05:

- ``any edge``: the share of datasets in which NetInf keeps at least one edge (p < 0.05 stopping
  rule; with ``calibrate``, also with the cut-off calibrated by permutation). In rates, shock and
  breadth no unit learns from another: this is the false-positive rate of "there is a network";
- ``overlap``: the share of datasets (with an inferred edge) in which the hypergeometric test finds
  more inferred edges between neighbours than chance; a null in every setting but contagion (and
  gradient, where neighbours' times are alike).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).parent))
from event_history_calibration import simulate_cases, wilson
from pattern_tests_calibration import breadth_cases

from diffusion import load_geography, read_cases
from diffusion.errors import DiffusionError
from diffusion.network.cascades import dataset_cascades
from diffusion.network.inferred import adjacency_overlap
from diffusion.network.netinf_search import netinf

SETTINGS = ("rates", "shock", "breadth", "gradient", "contagion")


def run(setting: str, datasets: int, seed: int, folder: Path, calibrate: bool) -> dict[str, list[bool]]:
    rng = np.random.default_rng([seed, SETTINGS.index(setting)])
    geo = load_geography()
    out: dict[str, list[bool]] = {
        "any edge": [],
        "overlap": [],
        "overlap mid-p": [],
        "calibrated": [],
        "calibrated overlap": [],
        "calibrated overlap mid-p": [],
    }
    for _ in tqdm(range(datasets), desc=setting, unit="dataset", leave=False):
        cases = breadth_cases(rng, geo) if setting == "breadth" else simulate_cases(setting, rng, geo)
        tags = sorted(cases["practices"].unique())
        pd.DataFrame({"tag_id": tags, "label_en": tags, "label_zh": tags}).to_csv(folder / "practices.csv", index=False)
        cases.to_csv(folder / "cases.csv", index=False)
        ds = read_cases(folder / "cases.csv", geography=geo, vocabulary=folder / "practices.csv", time="year")
        try:
            cascades = dataset_cascades(ds)
            runs = {"": netinf(cascades, calibrate=0, progress=False)}
            if calibrate:
                runs["calibrated"] = netinf(cascades, calibrate=199, seed=int(rng.integers(2**31)), progress=False)
        except DiffusionError:
            continue
        for key, net in runs.items():
            out[key or "any edge"].append(len(net.edges) > 0)
            if len(net.edges):
                overlap = adjacency_overlap(net, ds)
                out[f"{key} overlap".strip()].append(overlap.p_value <= 0.05)
                out[f"{key} overlap mid-p".strip()].append(overlap.p_value_mid <= 0.05)
    return out


def main(datasets: int = 300, seed: int = 0, settings: str = ",".join(SETTINGS), options: str = "") -> None:
    folder = Path(tempfile.mkdtemp())
    print(f"{datasets} datasets per setting; alpha 0.05")
    print(f"{'setting':<10} {'rate of':<25} {'rate':>6}  95 % interval    datasets")
    for setting in settings.split(","):
        for label, hits in run(setting, datasets, seed, folder, "calibrate" in options).items():
            if not hits:
                continue
            low, high = wilson(int(sum(hits)), len(hits))
            print(f"{setting:<10} {label:<25} {np.mean(hits):6.3f}  [{low:.3f}, {high:.3f}]  {len(hits)}", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:5]
    main(*(int(a) for a in args[:2]), *args[2:])
