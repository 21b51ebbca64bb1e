"""Speed of the channels of each adoption, on the event-history benchmark's shapes.

Usage: ``python benchmarks/channels_scale.py [states|county|all] [permutations]`` (default all, 999).
The datasets are those of ``event_history_scale.py`` (simulated on a planar geography).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from diffusion import read_cases
from diffusion.simulate import SimulationParameters, planar_geography, write_simulation
from diffusion.stats.channel_shares import adoption_channels

sys.path.insert(0, str(Path(__file__).parent))
from event_history_scale import SHAPES


def run(shape: str, permutations: int) -> None:
    spec = SHAPES[shape]
    geo = planar_geography(spec["units"], spec["top"], seed=0)
    params = SimulationParameters(
        level="county", practices=spec["practices"], periods=spec["periods"], pilots=3, p=spec["p"], q=0.25,
        q_within=0.02, promotion_period=None, seed=0,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = write_simulation(Path(tmp), geo, params, progress=False)
        ds = read_cases(path, geography=geo, vocabulary=path.parent / "practices.csv", time="year")
        start = time.perf_counter()
        found = adoption_channels(ds, n_permutations=permutations, progress=False)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{shape}: {found.coverage}")
    print(f"  {permutations} permutations: {seconds:.1f} s; peak memory {peak:.2f} GB")
    print(found.overall().round(3).to_string(index=False))


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    permutations = int(sys.argv[2]) if len(sys.argv) > 2 else 999
    for shape in ("states", "county") if which == "all" else (which,):
        run(shape, permutations)
