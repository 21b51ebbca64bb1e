"""Benchmark: no input under 5 MB drives a command over 2 GB or 60 s before it is refused or analysed.

Run on demand: ``python benchmarks/input_bounds.py [COMMAND] [KIND ...]`` (command ``validate`` by
default; ``report`` runs the whole analysis). Each kind is a file of at most 5 MB built to be as costly
as its kind can be: very many rows, columns, practices in one cell, distinct unknown names (each asks for
the closest known names), workbooks with millions of cells, deep JSON. Each runs in its own process;
the table gives its exit status, wall time and peak memory (``ru_maxrss`` of the child). New practice
names are accepted (``--extend-vocabulary``), so that valid files are analysed, not refused.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT = 5_000_000  # bytes of input
PROVINCES = ["浙江省", "江苏省", "湖南省", "四川省", "广东省", "河北省"]
PRACTICES = ["积分制", "清单制", "三治融合", "数字治理", "网格化管理"]


def _csv(path: Path, header: list[str], row) -> Path:
    """Rows ``row(i)`` under ``header`` until the file reaches the size limit."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        i = 0
        while f.tell() < LIMIT - 200:
            out.writerow(row(i))
            i += 1
    return path


def tall(folder: Path) -> Path:
    """Valid rows: every case a distinct id, five practices, six provinces (about 90,000 cases)."""
    return _csv(
        folder / "tall.csv",
        ["case_id", "batch", "province", "practices"],
        lambda i: [f"C{i}", 1 + i % 4, PROVINCES[i % 6], ";".join(PRACTICES[: 1 + i % 5])],
    )


def many_practices(folder: Path) -> Path:
    """Valid rows with distinct new practice names (about 100,000 practices)."""
    return _csv(
        folder / "many_practices.csv",
        ["case_id", "batch", "province", "practices"],
        lambda i: [f"C{i}", 1 + i % 4, PROVINCES[i % 6], f"做法{i}"],
    )


def most_practices(folder: Path) -> Path:
    """Valid rows with as many distinct practices as a report covers (1,000), in every province."""
    from diffusion import load_geography
    from diffusion.limits import limit

    n = limit("report_practices")
    geo = load_geography()
    provinces = [geo.label(code, "zh") for code in geo.level_units("province").index]
    return _csv(
        folder / "most_practices.csv",
        ["case_id", "batch", "province", "practices"],
        lambda i: [f"C{i}", 1 + i % 4, provinces[i % len(provinces)], f"做法{i % n}"],
    )


def unknown_places(folder: Path) -> Path:
    """Every row names a county nobody has heard of: each asks for the closest known names."""
    return _csv(
        folder / "unknown_places.csv",
        ["case_id", "batch", "province", "county", "practices"],
        lambda i: [f"C{i}", 1, PROVINCES[i % 6], f"无名{i}县", "积分制"],
    )


def wide(folder: Path) -> Path:
    """One row under 400,000 columns."""
    n = (LIMIT - 100) // 13
    path = folder / "wide.csv"
    header = ",".join(["case_id", "batch", "province", "practices"] + [f"x{i}" for i in range(n)])
    path.write_text(f"{header}\nA,1,浙江省,积分制{',' * n}\n", encoding="utf-8")
    return path


def one_cell(folder: Path) -> Path:
    """One case with 5 MB of practices in one cell."""
    cell = ";".join(f"做法{i}" for i in range(LIMIT // 13))
    path = folder / "one_cell.csv"
    path.write_text(f"case_id,batch,province,practices\nA,1,浙江省,{cell}\n", encoding="utf-8")
    return path


def deep_json(folder: Path) -> Path:
    """JSON nested two million levels deep."""
    path = folder / "deep.json"
    path.write_text("[" * (LIMIT // 2) + "]" * (LIMIT // 2))
    return path


def long_json(folder: Path) -> Path:
    """A JSON list of valid records (about 60,000)."""
    rows, size = [], 0
    while size < LIMIT - 200:
        i = len(rows)
        rows.append({"case_id": f"C{i}", "batch": 1 + i % 4, "province": PROVINCES[i % 6], "practices": "积分制"})
        size += len(json.dumps(rows[-1], ensure_ascii=False).encode()) + 2
    path = folder / "long.json"
    path.write_text(json.dumps(rows, ensure_ascii=False))
    return path


def big_workbook(folder: Path) -> Path:
    """A workbook of repeated small cells compressed to about 5 MB (millions of cells)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["case_id", "batch", "province", "practices"] + [f"x{i}" for i in range(46)])
    rows = 45_000  # about 2.2 million cells, 5 MB once compressed
    for i in range(rows):
        sheet.append([f"C{i}", 1, "浙江省", "积分制"] + [1] * 46)
    path = folder / "big.xlsx"
    book.save(path)
    return path


KINDS = {
    f.__name__: f
    for f in (tall, many_practices, most_practices, unknown_places, wide, one_cell, deep_json, long_json, big_workbook)
}


def run(command: str, path: Path, folder: Path) -> tuple[int, float, float]:
    """Exit status, wall seconds and peak memory (GB) of ``diffusion COMMAND PATH`` in a child process."""
    argv = [sys.executable, "-m", "diffusion.cli", command, str(path), "--extend-vocabulary"]
    if command == "report":
        argv[4:5] = ["--data", str(path), "--out", str(folder / "out")]
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, status, usage = os.wait4(child.pid, 0)
    finally:
        child.stderr.close()
    return os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss / 2**20


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "validate"
    kinds = argv[1:] or list(KINDS)
    resource.setrlimit(resource.RLIMIT_CPU, (600, 600))  # inherited: a runaway child ends in 10 minutes
    print(f"diffusion {command}: files of at most {LIMIT / 1e6:.0f} MB")
    print(f"{'kind':<16}{'MB':>6}{'exit':>6}{'seconds':>9}{'peak GB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in kinds:
            path = KINDS[kind](folder)
            code, seconds, peak = run(command, path, folder)
            print(f"{kind:<16}{path.stat().st_size / 1e6:>6.1f}{code:>6}{seconds:>9.1f}{peak:>9.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
