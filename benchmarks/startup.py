"""Start-up cost of the command line: CPU time of fresh processes, against ``python -c "import pandas"``.

Usage: ``python benchmarks/startup.py [repeats]`` (default 7). Each command runs in a new process
``repeats`` times; the median CPU time (user + system, from ``getrusage`` of the children) is
reported with its ratio to importing pandas. Goal: ``diffusion --help`` at most 1.5x.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = "编号,年份,省份,区县,做法\n1,2019,湖南省,新化县,积分制\n2,2020,浙江省,桐乡市,三治融合\n"
UNKNOWN = "编号,年份,省份,区县,做法\n1,2019,湖南省,新化某县,积分制\n"


def cpu_seconds(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(repeats: int = 7) -> None:
    folder = Path(tempfile.mkdtemp())
    (folder / "cases.csv").write_text(CASES, encoding="utf-8")
    (folder / "unknown.csv").write_text(UNKNOWN, encoding="utf-8")
    cli = [sys.executable, "-m", "diffusion"]
    commands = {
        'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
        "diffusion --help": [*cli, "--help"],
        "diffusion --version": [*cli, "--version"],
        "diffusion datasets": [*cli, "datasets"],
        "diffusion validate (2 rows)": [*cli, "validate", str(folder / "cases.csv")],
        "diffusion validate (1 unknown place)": [*cli, "validate", str(folder / "unknown.csv")],
    }
    results = {}
    for name, argv in commands.items():
        cpu_seconds(argv)  # warm the file cache
        results[name] = statistics.median(cpu_seconds(argv) for _ in range(repeats))
    base = results['python -c "import pandas"']
    print(f"{'command':40} {'CPU s':>7} {'x pandas':>9}")
    for name, seconds in results.items():
        print(f"{name:40} {seconds:7.3f} {seconds / base:9.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
