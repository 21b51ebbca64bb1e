"""Benchmark: Moran's I and join counts with 999 permutations against PySAL esda on the same weights.

Run on demand: ``python benchmarks/moran_speed.py [N_UNITS] [PRACTICES]`` (2,846 county-like units and
one practice by default; township scale is 41000). The data are simulated on a near-planar geography;
esda gets the same row-standardised weights among each practice's adopting regions (Moran) and the
binary weights of all regions (join counts, of the first practice); its time is given without and
with building them (with libpysal from the neighbour graph). Ours is timed whole, from the dataset
(weights built inside), on one thread, the first call on the dataset; then again (a geography finds
its neighbour pairs once) and with the default workers (threads where the first chunk shows they
pay). The last column is esda's time over ours (in brackets: with esda's weights built).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import joblib
import numpy as np

from diffusion import read_cases
from diffusion.measures.innovativeness import first_adoptions
from diffusion.simulate import SimulationParameters, planar_geography, write_simulation
from diffusion.stats import join_count_test, moran_test


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(argv: list[str]) -> None:
    import esda
    import libpysal

    n_units = int(argv[0]) if argv else 2846
    practices = int(argv[1]) if len(argv) > 1 else 1
    geo = planar_geography(n_units, 31, seed=0)
    params = SimulationParameters(level="county", practices=practices, periods=10, pilots=20, q=0.3, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_simulation(Path(tmp), geo, params, progress=False)
        ds = read_cases(path, geography=geo, vocabulary=Path(tmp) / "practices.csv")
    first = first_adoptions(ds, "county")
    graph = geo.neighbour_graph("county")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        def moran_weights():
            morans, y_moran = [], []
            for _, group in first.groupby("practice"):
                when = group.groupby("region")["period"].min()
                sub = graph.subgraph(when.index)
                units = sorted(u for u in sub.nodes if sub.degree(u) > 0)
                w = libpysal.weights.W({u: sorted(sub.neighbors(u)) for u in units}, id_order=units)
                w.transform = "r"
                morans.append(w)
                y_moran.append(when[units].to_numpy(float))
            return morans, y_moran

        def join_weights():
            units = sorted(graph.nodes)
            w_all = libpysal.weights.W({u: sorted(graph.neighbors(u)) for u in units}, id_order=units)
            adopters = first.loc[first["practice"] == first["practice"].min(), "region"].unique()
            return w_all, np.isin(units, adopters).astype(float)

        (morans, y_moran), t_w_moran = timed(moran_weights)
        (w_all, y_join), t_w_join = timed(join_weights)
        _, t_esda_moran = timed(lambda: [esda.Moran(y, w, permutations=999) for y, w in zip(y_moran, morans)])
        _, t_esda_join = timed(lambda: esda.Join_Counts(y_join, w_all, permutations=999))
    options = {"level": "county", "n_permutations": 999, "n_jobs": 1, "progress": False}
    _, t_moran = timed(lambda: moran_test(ds, **options))
    _, t_join = timed(lambda: join_count_test(ds, practice=first["practice"].min(), **options))
    _, t_again = timed(lambda: moran_test(ds, **options))
    _, t_default = timed(lambda: moran_test(ds, **{**options, "n_jobs": None}))
    adopters = sum(len(y) for y in y_moran)
    print(f"{n_units:,} units, {practices} practice(s), {adopters:,} adopting regions with an adopting neighbour")
    print(f"{'test, 999 permutations':<24}{'ours s':>8}{'esda s':>8}{'+ weights s':>13}{'esda / ours':>13}")
    for name, ours, theirs, weights in (
        ("Moran's I", t_moran, t_esda_moran, t_w_moran),
        ("join counts", t_join, t_esda_join, t_w_join),
    ):
        both = theirs + weights
        print(f"{name:<24}{ours:>8.2f}{theirs:>8.2f}{both:>13.2f}{theirs / ours:>8.1f} ({both / ours:.1f})")
    print(f"Moran's I again on the same dataset (its neighbour pairs found): {t_again:.2f} s on one thread, ", end="")
    print(f"{t_default:.2f} s with the default workers ({joblib.cpu_count()} cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
