"""Speed, memory and recovery of NetInf on the issue's two shapes, with planted networks.

Usage: ``python benchmarks/netinf_speed.py [states|counties|recovery|all]`` (default all).

- states: 50 units x 700 cascades, adoption times in thirds of a year (ties within one), automatic
  lambda, edges kept while p < 0.1: NetworkInference's rule and the calibrated one;
- counties: 2,846 units x 200 cascades, automatic lambda, p < 0.05, NetworkInference's rule;
- recovery: precision and recall of planted networks for a few sizes (edges = the planted number).

Cascades are continuous-time independent cascades on a random planted network (exponential delays,
each edge transmitting with probability 0.5), simulated here, apart from the package.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from diffusion.network.cascades import Cascades
from diffusion.network.netinf_search import netinf


def planted_cascades(n_units, n_edges, n_cascades, *, seed, horizon=10.0, whole=False, seeds_per_cascade=1):
    """Cascades on a random planted network, and the planted edges (as unit-name pairs)."""
    rng = np.random.default_rng(seed)
    src = rng.integers(n_units, size=n_edges * 2)
    dst = rng.integers(n_units, size=n_edges * 2)
    pairs = pd.DataFrame({"u": src, "v": dst}).query("u != v").drop_duplicates().head(n_edges)
    out = pairs.groupby("u")["v"].apply(list).to_dict()
    rows = []
    for c in range(n_cascades):
        first = rng.choice(n_units, size=seeds_per_cascade, replace=False)
        when = {int(u): 0.0 for u in first}
        frontier = list(when.items())
        while frontier:
            u, tu = frontier.pop()
            for v in out.get(u, ()):
                if rng.random() < 0.5:
                    tv = tu + rng.exponential(1.0)
                    if tv < horizon and tv < when.get(v, np.inf):
                        when[v] = tv
                        frontier.append((v, tv))
        rows += [(u, c, t) for u, t in when.items()]
    df = pd.DataFrame(rows, columns=["unit", "cascade", "time"])
    if whole:
        df["time"] = np.floor(df["time"] * 3)  # years: ties within a year, as in real policy data
    names = [f"u{u:04d}" for u in range(n_units)]
    df["unit"] = [names[u] for u in df["unit"]]
    planted = {(names[u], names[v]) for u, v in zip(pairs["u"], pairs["v"])}
    return Cascades.from_frame(df, units=names), planted


def timed(label, cascades, **options):
    start = time.perf_counter()
    net = netinf(cascades, progress=False, **options)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    sizes = cascades.sizes
    print(f"{label}: {len(cascades.units)} units x {len(cascades.names)} cascades (mean {sizes.mean():.1f} adopters)")
    print(f"  {net.describe()}")
    print(f"  {seconds:.2f} s; peak memory {peak:.2f} GB")
    return net


def recovery() -> None:
    print("recovery of planted networks (n_edges = planted; p < 0.05 uncalibrated; calibrated):")
    for n_units, n_edges, n_cascades in [(20, 40, 200), (50, 100, 500), (100, 200, 1000), (200, 400, 2000)]:
        cascades, planted = planted_cascades(n_units, n_edges, n_cascades, seed=n_units)
        rules = {"n_edges": {"n_edges": len(planted)}, "p<0.05": {"calibrate": 0}, "calibrated": {"seed": 0}}
        for how, options in rules.items():
            if how == "calibrated" and n_units > 50:
                continue  # 199 permuted searches of hundreds of steps each: minutes
            net = netinf(cascades, progress=False, **options)
            found = set(zip(net.edges["source"], net.edges["target"]))
            hit = len(found & planted)
            print(
                f"  {n_units} units, {len(planted)} edges, {n_cascades} cascades, {how}: {len(found)} edges, "
                f"precision {hit / max(len(found), 1):.3f}, recall {hit / len(planted):.3f}"
            )


def main(which: str) -> None:
    if which in ("states", "all"):
        cascades, _ = planted_cascades(50, 150, 700, seed=1, whole=True, seeds_per_cascade=2)
        timed("states, NetworkInference's rule", cascades, p_value=0.1, calibrate=0)
        timed("states, calibrated (199 permutations)", cascades, p_value=0.1, seed=0)
    if which in ("counties", "all"):
        cascades, _ = planted_cascades(2846, 8000, 200, seed=2, seeds_per_cascade=20)
        timed("counties, NetworkInference's rule", cascades, p_value=0.05, calibrate=0)
    if which in ("recovery", "all"):
        recovery()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "all")
