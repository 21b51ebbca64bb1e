"""Benchmark: reading and validating a large case file against pandas.read_csv of the same file.

Run on demand (not part of the tests): ``python benchmarks/read_validate.py [N_ROWS ...]``; each
time is the best of three runs. Goal (issue 21): at most 10x ``pandas.read_csv`` at 200,000 rows.
The file is synthetic (random real counties, names written as 省份 + 区县, random practices and
batches from a seeded generator) and is written to a temporary folder.
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from timing import best_of

from diffusion import load_geography, read_cases
from diffusion.data.dataset import default_vocabulary


def make_file(n: int, folder: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    geo = load_geography()
    counties = geo.level_units("county")
    # Only counties whose name is unique within their province, so every row is valid.
    province = counties.index.str[:2]
    counties = counties[~counties.assign(p=province).duplicated(["p", "name_zh"], keep=False)]
    pick = counties.iloc[rng.integers(0, len(counties), n)]
    provinces = [geo.units.at[c[:2], "name_zh"] for c in pick.index]
    tags = default_vocabulary().tags[:18]
    practices = [";".join(rng.choice(tags, size=rng.integers(1, 4), replace=False)) for _ in range(n)]
    batch = rng.integers(1, 21, n)
    frame = pd.DataFrame(
        {
            "编号": [f"S{i:07d}" for i in range(n)],
            "系列": "synthetic",
            "批次": batch,
            "年份": 2000 + batch,
            "省份": provinces,
            "区县": pick["name_zh"].to_numpy(),
            "做法": practices,
        }
    )
    path = folder / f"synthetic-{n}.csv"
    frame.to_csv(path, index=False)
    return path


def main(sizes: list[int]) -> None:
    print(f"{'rows':>8} {'pandas s':>9} {'diffusion s':>12} {'ratio':>7} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = make_file(n, Path(tmp))
            t_pd = best_of(lambda p=path: pd.read_csv(p, dtype=str))
            t_ds = best_of(lambda p=path: read_cases(p))
            ds = read_cases(path)
            tracemalloc.start()  # a second run for memory: tracing slows Python code several-fold
            read_cases(path)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            assert len(ds.cases) == n
            print(f"{n:>8} {t_pd:>9.3f} {t_ds:>12.2f} {t_ds / t_pd:>7.0f} {peak:>9.0f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 50_000])
