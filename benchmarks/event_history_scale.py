"""Speed and memory of the event-history model on the shapes real data have (run on demand).

``python benchmarks/event_history_scale.py [county|states|dyadic|all] [--seed 0] [--jobs N]``

- ``county``: 2,846 synthetic county units in 31 provinces x 200 practices x 20 periods (about
  10 million unit-periods at risk), planted neighbour imitation (diffusion.simulate); goal: the
  unified model (``neighbour_share + neighbour_any + peer_share + C(macro_region)``, wild score
  bootstrap with intervals) <= 15 s and <= 3 GB;
- ``states``: 50 units in 9 groups x 700 practices x 200 yearly periods (a state-policy dataset's
  shape); goal <= 10 s;
- ``dyadic``: China's 31 provinces x 20 practices x 20 periods, the directed-dyad model
  (``neighbour + distance + same_macro_region``); goal <= 10 s.

Each shape is simulated, written as the CSV a user would bring and read back; the model is then
timed alone (person-period table, fit, inference; the wild bootstrap's tests and bounds in
``--jobs`` worker processes, default one per core), and the process's peak resident memory is
printed (the workers share the design through memory maps). Equality with statsmodels is tested
in tests/test_event_model.py on smaller data.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import warnings
from pathlib import Path

import joblib

from diffusion import load_geography, read_cases
from diffusion.simulate import SimulationParameters, planar_geography, write_simulation
from diffusion.stats.dyadic import fit_dyadic_event_history
from diffusion.stats.event_model import fit_event_history

SHAPES = {
    "county": {"units": 2846, "top": 31, "practices": 200, "periods": 20, "p": 0.002, "goal": "<= 15 s, <= 3 GB"},
    "states": {"units": 50, "top": 9, "practices": 700, "periods": 200, "p": 0.004, "goal": "<= 10 s"},
    "dyadic": {"units": 31, "top": 31, "practices": 20, "periods": 20, "p": 0.01, "goal": "<= 10 s"},
}
FORMULAS = {
    "county": "neighbour_share + neighbour_any + peer_share + C(macro_region)",
    "states": "neighbour_share + neighbour_any + peer_share + C(macro_region)",
    "dyadic": "neighbour + distance + same_macro_region",
}


def run(shape: str, seed: int, jobs: int) -> None:
    spec = SHAPES[shape]
    dyadic = shape == "dyadic"
    level = "province" if dyadic else "county"
    geo = load_geography() if dyadic else planar_geography(spec["units"], spec["top"], seed=seed)
    params = SimulationParameters(
        level=level,
        practices=spec["practices"],
        periods=spec["periods"],
        pilots=3,
        p=spec["p"],
        q=0.25,
        q_within=0.02,
        promotion_period=None,
        seed=seed,
    )
    fit = fit_dyadic_event_history if dyadic else fit_event_history
    with tempfile.TemporaryDirectory() as tmp:
        path = write_simulation(Path(tmp), geo, params, progress=False)
        ds = read_cases(path, geography=geo, vocabulary=path.parent / "practices.csv", time="year")
        start = time.perf_counter()
        with warnings.catch_warnings(), joblib.parallel_config(n_jobs=jobs):
            warnings.simplefilter("ignore")
            model = fit(ds, FORMULAS[shape], level=level, seed=seed)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB on Linux
    print(
        f"{shape}: {spec['units']:,} units x {spec['practices']} practices x {spec['periods']} periods; "
        f"{model.region_periods:,} {model.rows_are} in the fit ({model.adoptions:,} adoptions)"
    )
    print(
        f"  {FORMULAS[shape]} (wild, 9,999 draws, intervals, {jobs} worker(s)): {seconds:.1f} s; "
        f"peak memory {peak:.2f} GB; goal {spec['goal']}"
    )
    print(model.coefficients[["term", "estimate", "p_value", "lower", "upper"]].to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shape", nargs="?", default="all", choices=[*SHAPES, "all"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    args = parser.parse_args()
    for shape in SHAPES if args.shape == "all" else [args.shape]:
        run(shape, args.seed, args.jobs)


if __name__ == "__main__":
    main()
