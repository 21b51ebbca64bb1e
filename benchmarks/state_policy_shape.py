"""Benchmark: the shape of a state-policy dataset (50 units, 700 practices, 200 yearly periods).

Run on demand: ``python benchmarks/state_policy_shape.py [COMMAND ...]`` (default: all). The data are
simulated (diffusion.simulate) on a 50-unit near-planar geography with adjacency, written as the
geography folder and case file a user would bring, then each command runs in its own process as a
user would run it; the table gives wall time, peak memory (``ru_maxrss`` of the child) and output size.

Goals (issue 21): report <= 60 s and <= 1 GB; network <= 30 s; spread <= 20 s with a CSV <= 10 MB;
event history <= 10 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from itertools import chain
from pathlib import Path

from diffusion.simulate import SimulationParameters, planar_geography, write_simulation

UNITS, REGIONS, PRACTICES, PERIODS = 50, 4, 700, 200
PARAMS = SimulationParameters(
    level="county",
    practices=PRACTICES,
    periods=PERIODS,
    pilots=1,
    p=0.0015,
    q=0.008,
    q_within=0.004,
    promotion_period=None,
    start_year=1801,
    seed=0,
)


def write_geography(folder: Path) -> Path:
    """The simulated geography as a user's folder: units.csv and adjacency.csv."""
    geo = planar_geography(UNITS, REGIONS, seed=0)
    folder.mkdir(parents=True, exist_ok=True)
    units = geo.units.reset_index()[["code", "name_en", "level", "parent", "macro_region", "lat", "lon"]]
    units.rename(columns={"name_en": "name"}).to_csv(folder / "units.csv", index=False)
    codes, pairs = geo.neighbour_pairs()
    with (folder / "adjacency.csv").open("w", encoding="utf-8") as f:
        f.write("a,b\n" + "".join(f"{codes[i]},{codes[j]}\n" for i, j in pairs))
    return folder


def commands(data: Path, geo: Path, out: Path) -> dict[str, tuple[list[str], list[Path]]]:
    """Each command's arguments and the outputs whose size is reported."""
    spread = [out / "spread.csv", out / "periods.csv", out / "regions.csv"]
    net, flags = [out / "centrality.csv", out / "network.graphml"], ("--centrality", "--export")
    inputs = ["--data", str(data / "cases.csv"), "--geography", str(geo), "--practices", str(data / "practices.csv")]
    return {
        "validate": (["validate", *inputs[1:]], []),
        "report": (["report", *inputs, "--out", str(out / "report")], [out / "report"]),
        "network": (
            [
                "network",
                *inputs,
                "--level",
                "county",
                "--ties",
                "adjacent",
                *chain.from_iterable(zip(flags, map(str, net))),
            ],
            net,
        ),
        "spread": (
            ["spread", *inputs, *chain.from_iterable(zip(("--out", "--periods", "--regions"), map(str, spread)))],
            spread,
        ),
        "event-history": (["test", "event-history", *inputs], []),
        "moran": (["test", "moran", *inputs, "--permutations", "999"], []),
    }


def run(argv: list[str]) -> tuple[int, float, float, str]:
    """Exit status, wall seconds, peak memory (GB) and the last line of stderr of ``diffusion ARGV``."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "diffusion.cli", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    err = child.stderr.read() if child.stderr else ""
    _, status, usage = os.wait4(child.pid, 0)
    last = err.strip().splitlines()[-1] if err.strip() else ""
    return os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss / 2**20, last


def size(paths: list[Path]) -> float:
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*") if p.exists() else [])]
    return sum(f.stat().st_size for f in files if f.is_file()) / 1e6


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        geo = write_geography(root / "geography")
        write_simulation(root / "data", planar_geography(UNITS, REGIONS, seed=0), PARAMS, progress=False)
        rows = len((root / "data" / "cases.csv").read_text(encoding="utf-8-sig").splitlines()) - 1
        print(f"{UNITS} units, {PRACTICES} practices, {PERIODS} periods: {rows:,} adoptions")
        print(f"{'command':<15}{'exit':>5}{'seconds':>9}{'peak GB':>9}{'output MB':>11}")
        table = commands(root / "data", geo, root / "out")
        for name in argv or list(table):
            args, outputs = table[name]
            code, seconds, peak, last = run(args)
            print(f"{name:<15}{code:>5}{seconds:>9.1f}{peak:>9.2f}{size(outputs):>11.1f}", flush=True)
            if code:
                print(f"  {last}")


if __name__ == "__main__":
    main(sys.argv[1:])
