"""Benchmark: how each step's time grows with the adoption events and with the periods (log-log slopes).

Run on demand: ``python benchmarks/scaling.py [--factors 1 10 100] [--units 500] [--seed 0]``.

Two sweeps on a simulated near-planar geography, the data written as the CSV a user would bring:

- **events**: 20 periods, the number of practices times each factor (2, 20, 200 practices by
  default), so the adoption events grow about as the factor;
- **periods**: 8 practices, the number of periods times each factor (10, 100, 1,000 periods by
  default) with the hazards divided by it, so the events stay about the same while the periods grow.

Each step is timed in this process (the best of ``--repeat`` runs) and the slope of log time on log
size is printed between consecutive sizes and over the whole sweep (least squares). Goal (issue 21):
no step above 1.15, that is nothing worse than linear in events or in periods. Steps whose time at
the largest size is under 0.05 s are marked: fixed costs dominate them, so their slopes say little.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from timing import best_of

from diffusion import read_cases
from diffusion.measures.spread import spread_metrics
from diffusion.network.build import build_network
from diffusion.network.centrality import centrality
from diffusion.simulate import SimulationParameters, planar_geography, write_simulation
from diffusion.stats import event_history_test, moran_test, neighbour_test

BASE = SimulationParameters(
    level="county",
    practices=2,
    periods=20,
    pilots=2,
    p=0.004,
    q=0.3,
    q_within=0.02,
    promotion_period=None,
    start_year=1801,
    seed=0,
)
GOAL = 1.15
FIXED = 0.05  # seconds: below, the step's time is mostly fixed costs


def steps(path: Path, geo) -> dict[str, Callable[[], object]]:
    """Each step of the pipeline as a function of the written case file (reads the file first)."""
    ds = read_cases(path, geography=geo, vocabulary=path.parent / "practices.csv", time="year")
    net = build_network(ds, "county", candidates="adjacent")
    quiet = {"n_permutations": 999, "level": "county", "n_jobs": 1, "progress": False}
    return {
        "read_cases": lambda: read_cases(path, geography=geo, vocabulary=path.parent / "practices.csv", time="year"),
        "build_network (adjacent ties)": lambda: build_network(ds, "county", candidates="adjacent"),
        "centrality (all graphs, every period)": lambda: centrality(net, n_jobs=1, progress=False),
        "spread_metrics": lambda: spread_metrics(ds, by_series=False),
        "neighbour test (999)": lambda: neighbour_test(ds, **quiet),
        "Moran test (999)": lambda: moran_test(ds, **quiet),
        "event-history test (999 draws)": lambda: event_history_test(ds, level="county", draws=999),
    }


def sweep(name: str, sizes: list[SimulationParameters], geo, repeat: int) -> None:
    """Time every step at each size and print the slopes against the number of events or periods."""
    rows: dict[str, list[float]] = {}
    measure = []
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, params in enumerate(sizes):
            path = write_simulation(Path(tmp) / str(k), geo, params, progress=False)
            events = len(path.read_text(encoding="utf-8-sig").splitlines()) - 1
            measure.append(events if name == "events" else params.periods)
            print(
                f"  {name} sweep, size {k + 1}: {params.practices} practices, {params.periods} periods, "
                f"{events:,} adoption events",
                flush=True,
            )
            for step, fn in steps(path, geo).items():
                rows.setdefault(step, []).append(best_of(fn, repeat))
    x = np.log(measure)
    unit = "events" if name == "events" else "periods"
    print(f"\nslopes of log time on log {unit} ({' -> '.join(f'{m:,}' for m in measure)}); goal <= {GOAL}")
    header = "".join(f"{f'{m:,}':>10}" for m in measure)
    print(f"{'step':<40}{header}  {'slopes':<16}{'overall':>8}")
    for step, seconds in rows.items():
        y = np.log(seconds)
        pairs = " ".join(f"{s:.2f}" for s in np.diff(y) / np.diff(x))
        overall = np.polyfit(x, y, 1)[0]
        flag = " (fixed costs)" if seconds[-1] < FIXED else (" OVER" if overall > GOAL else "")
        times = "".join(f"{s:>10.3f}" for s in seconds)
        print(f"{step:<40}{times}  {pairs:<16}{overall:>8.2f}{flag}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=1, help="runs per step; the best is kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sweeps", nargs="+", default=["events", "periods"], choices=["events", "periods"])
    args = parser.parse_args()
    geo = planar_geography(args.units, 8, seed=args.seed)
    base = replace(BASE, seed=args.seed)
    if "events" in args.sweeps:
        sweep("events", [replace(base, practices=base.practices * f) for f in args.factors], geo, args.repeat)
    if "periods" in args.sweeps:
        by_period = replace(base, practices=8, periods=10)
        sizes = [
            replace(
                by_period,
                periods=by_period.periods * f,
                start_year=2020 - by_period.periods * f,  # yearly periods ending in 2020
                p=by_period.p / f,
                q=by_period.q / f,
                q_within=by_period.q_within / f,
            )
            for f in args.factors
        ]
        sweep("periods", sizes, geo, args.repeat)


if __name__ == "__main__":
    main()
