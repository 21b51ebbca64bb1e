"""Speed and memory of the event-history model on the shapes real data have (run on demand).

``python benchmarks/event_history_scale.py [county|states|both] [--seed 0]``

- ``county``: 2,846 synthetic county units in 31 provinces x 200 practices x 20 periods (about
  10 million unit-periods at risk), planted neighbour imitation (diffusion.simulate); goal: the
  unified model (``neighbour_share + neighbour_any + peer_share + C(macro_region)``, wild score
  bootstrap with intervals) <= 15 s and <= 3 GB;
- ``states``: 50 units in 9 groups x 700 practices x 200 yearly periods (a state-policy dataset's
  shape); goal <= 10 s.

Each shape is simulated, written as the CSV a user would bring and read back; the model is then
timed alone (person-period table, fit, inference), and the process's peak resident memory is
printed. Equality with statsmodels is tested in tests/test_event_model.py on smaller data.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

from diffusion import read_cases
from diffusion.simulate import SimulationParameters, planar_geography, write_simulation
from diffusion.stats.event_model import fit_event_history

SHAPES = {
    "county": {"units": 2846, "top": 31, "practices": 200, "periods": 20, "goal": "<= 15 s, <= 3 GB"},
    "states": {"units": 50, "top": 9, "practices": 700, "periods": 200, "goal": "<= 10 s"},
}
FORMULA = "neighbour_share + neighbour_any + peer_share + C(macro_region)"


def run(shape: str, seed: int) -> None:
    spec = SHAPES[shape]
    geo = planar_geography(spec["units"], spec["top"], seed=seed)
    params = SimulationParameters(
        level="county",
        practices=spec["practices"],
        periods=spec["periods"],
        pilots=3,
        p=0.002 if shape == "county" else 0.004,
        q=0.25,
        q_within=0.02,
        promotion_period=None,
        seed=seed,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = write_simulation(Path(tmp), geo, params, progress=False)
        ds = read_cases(path, geography=geo, vocabulary=path.parent / "practices.csv", time="year")
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = fit_event_history(ds, FORMULA, level="county", seed=seed)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB on Linux
    print(
        f"{shape}: {spec['units']:,} units x {spec['practices']} practices x {spec['periods']} periods; "
        f"{model.region_periods:,} unit-periods in the fit ({model.notes['uninformative_region_periods']:,} "
        f"uninformative left out), {model.adoptions:,} adoptions"
    )
    print(f"  unified model ({FORMULA}; wild, 9,999 draws, intervals): {seconds:.1f} s; peak memory {peak:.2f} GB")
    print(f"  goal {spec['goal']}")
    print(model.coefficients[["term", "estimate", "p_value", "lower", "upper"]].to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shape", nargs="?", default="both", choices=[*SHAPES, "both"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for shape in SHAPES if args.shape == "both" else [args.shape]:
        run(shape, args.seed)


if __name__ == "__main__":
    main()
