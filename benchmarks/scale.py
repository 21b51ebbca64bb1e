"""Benchmark at national scale on a synthetic near-planar geography (run on demand, not in CI).

``python benchmarks/scale.py [--units 2846] [--practices 200] [--periods 20] [--seed 0]``

County scale is 2,846 units (the default); township scale is ``--units 41000``. The data are
simulated with planted neighbour imitation (diffusion.simulate) and written as the CSV a user
would bring. Measured in one run, as ratios:

- load + validate, then network (adjacent-earlier ties), centrality of the ties and all spread
  metrics, against ``pandas.read_csv`` of the same file (goal <= 5x);
- the 999-permutation neighbour test (goal <= 2 s at county scale) against a per-permutation
  Python loop computing the same statistic (goal >= 50x faster);
- the process's peak resident memory (goal: county <= 2 GB, township <= 8 GB);
- the whole HTML report of the file (size goal <= 2 MB).

Permutations run on one thread per core by default; the serial time is printed beside it.

Centrality against raw igraph and networkx: ``python benchmarks/centrality.py``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from diffusion import read_cases
from diffusion.measures.innovativeness import first_adoptions
from diffusion.measures.spread import spread_metrics
from diffusion.network.build import build_network
from diffusion.network.centrality import HitsWarning, PathsWarning, centrality
from diffusion.report.render import write_report
from diffusion.simulate import SimulationParameters, planar_geography, write_simulation
from diffusion.stats import neighbour_test


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def python_loop_neighbour(ds, n_permutations: int, seed: int = 0) -> float:
    """The neighbour statistic recomputed permutation by permutation in plain Python (the reference)."""
    geo = ds.geography
    graph = geo.neighbour_graph("county")
    first = first_adoptions(ds, "county")
    groups = [(g["region"].tolist(), g["period"].tolist()) for _, g in first.groupby("practice")]
    rng = np.random.default_rng(seed)
    for _ in range(n_permutations):
        hits = total = 0
        for regions, periods in groups:
            shuffled = dict(zip(regions, rng.permutation(periods)))
            for r, t in shuffled.items():
                total += 1
                hits += any(shuffled.get(n, np.inf) < t for n in graph.neighbors(r))
        _ = hits / total
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2846)
    parser.add_argument("--practices", type=int, default=200)
    parser.add_argument("--periods", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loop-permutations", type=int, default=5, help="permutations timed in the Python loop")
    parser.add_argument("--betweenness", default="auto", help="centrality's betweenness: auto, exact, none or a number")
    parser.add_argument("--paths", default="auto", help="periods with betweenness: auto, all, last or none")
    parser.add_argument("--no-report", action="store_true", help="skip the HTML report")
    args = parser.parse_args()

    geo = planar_geography(args.units, 31, seed=args.seed)
    params = SimulationParameters(
        level="county",
        practices=args.practices,
        periods=args.periods,
        pilots=5,
        p=0.002,
        q=0.25,
        q_within=0.02,
        promotion_period=None,
        seed=args.seed,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path, t_sim = timed(lambda: write_simulation(Path(tmp), geo, params, progress=False))
        vocab = path.parent / "practices.csv"
        frame, t_pd = timed(lambda: pd.read_csv(path))
        ds, t_read = timed(lambda: read_cases(path, geography=geo, vocabulary=vocab))
        net, t_net = timed(lambda: build_network(ds, "county", candidates="adjacent"))
        between = int(args.betweenness) if args.betweenness.isdigit() else args.betweenness
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HitsWarning)
            warnings.simplefilter("ignore", PathsWarning)
            cent, t_cent = timed(
                lambda: centrality(
                    net,
                    graphs=("ties",),
                    scopes=("cumulative",),
                    betweenness=between,
                    paths=args.paths,
                    progress=False,
                )
            )
        _, t_spread = timed(lambda: spread_metrics(ds, by_series=False))
        pipeline = t_read + t_net + t_cent + t_spread
        test, t_test = timed(lambda: neighbour_test(ds, level="county", n_permutations=999, progress=False))
        _, t_serial = timed(lambda: neighbour_test(ds, level="county", n_permutations=999, n_jobs=1, progress=False))
        _, t_loop = timed(lambda: python_loop_neighbour(ds, args.loop_permutations))
        loop_999 = t_loop / args.loop_permutations * 999
        if not args.no_report:
            html, t_report = timed(lambda: write_report(ds, Path(tmp) / "report"))
            size = html.stat().st_size / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    kinds = {"betweenness": "exact", "betweenness_estimate": "sampled"}
    found = [kinds[m] for m in kinds if m in set(cent["metric"])]
    at = cent.loc[cent["metric"].isin(list(kinds)), "batch"].nunique()
    metric = f"betweenness {' and '.join(found) or 'left out'} at {at} of {len(net.period_numbers)} periods"
    rows = [
        ("simulate + write CSV", t_sim, ""),
        (f"pandas.read_csv ({len(frame):,} rows)", t_pd, "1.0x"),
        ("read_cases (load + validate)", t_read, f"{t_read / t_pd:.0f}x read_csv"),
        (f"build_network (adjacent ties: {len(net.ties):,})", t_net, ""),
        (f"centrality of the ties (all periods; {metric})", t_cent, ""),
        ("spread_metrics (all practices)", t_spread, ""),
        ("pipeline: read + network + centrality + spread", pipeline, f"{pipeline / t_pd:.0f}x read_csv (goal <= 5x)"),
        (
            f"neighbour test, 999 permutations ({joblib.cpu_count()} threads)",
            t_test,
            f"p = {test.p_value:.3g} (goal <= 2 s)",
        ),
        ("the same on one thread", t_serial, f"{t_serial / t_test:.1f}x the threaded time"),
        ("the same in a Python loop (extrapolated)", loop_999, f"{loop_999 / t_test:.0f}x slower (goal >= 50x)"),
    ]
    print(f"{args.units:,} units, {args.practices} practices, {args.periods} periods, seed {args.seed}")
    print(f"{'step':<60}{'seconds':>10}  ratio")
    for name, seconds, ratio in rows:
        print(f"{name:<60}{seconds:>10.2f}  {ratio}")
    if not args.no_report:
        print(f"{'report (HTML + JSON, all sections)':<60}{t_report:>10.2f}  {size:.2f} MB (goal <= 2 MB)")
    print(f"{'peak resident memory':<60}{peak:>9.0f}M  (goal: county <= 2 GB, township <= 8 GB)")


if __name__ == "__main__":
    main()
