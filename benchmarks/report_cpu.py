"""CPU time of ``diffusion report`` on each bundled dataset, in fresh processes, with its floor.

Usage: ``python benchmarks/report_cpu.py [repeats]`` (default 3). Each report runs as a user runs
it (``python -m diffusion report --dataset NAME``, one process) ``repeats`` times into a temporary
folder; the CPU time (user + system of the child, from ``getrusage``) is printed as its median and
range, with the wall time. The floor is the CPU of a process that only imports the libraries a
report needs (pandas, matplotlib, seaborn, scipy.stats, statsmodels, networkx, igraph, Jinja2) and
the report's modules. Goal (issue #21): at most 4 s per bundled report.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time

DATASETS = ("leading-cases", "broadband-china")
IMPORTS = (
    "import diffusion.report.render, diffusion.report.long_sections, diffusion.data.dataset, "
    "statsmodels.discrete.discrete_model, igraph"
)


def run(argv: list[str]) -> tuple[float, float, float]:
    """CPU seconds, wall seconds and peak memory (GB, the largest child so far) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, after.ru_maxrss / 1e6


def main(repeats: int = 3) -> None:
    commands = {"imports only (the floor)": [sys.executable, "-c", IMPORTS]}
    with tempfile.TemporaryDirectory() as out:
        for name in DATASETS:
            commands[f"report {name}"] = [sys.executable, "-m", "diffusion", "report", "--dataset", name, "--out", out]
        print(f"{'run':32} {'CPU s (median, range)':>24} {'wall s':>7} {'peak GB':>8}")
        for name, argv in commands.items():
            run(argv)  # warm the file cache
            runs = [run(argv) for _ in range(repeats)]
            cpu = sorted(r[0] for r in runs)
            wall = statistics.median(r[1] for r in runs)
            span = f"{statistics.median(cpu):.2f} ({cpu[0]:.2f}-{cpu[-1]:.2f})"
            print(f"{name:32} {span:>24} {wall:7.2f} {max(r[2] for r in runs):8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
