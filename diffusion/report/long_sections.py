"""The long sections of a report (network, spread, tests ...): in this process, or on every core for large files.

Each section depends only on the dataset, the language and the seed, so they can run side by
side in worker processes. Starting a worker (a Python with pandas, matplotlib and igraph) costs
about 2 s, so workers are used only where the sections are expected to take longer than that
pays for: on files with many practice-periods or events. The results, and the warnings the
sections raise (raised again here), are the same either way.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import joblib
from tqdm.auto import tqdm

from diffusion.data.boundaries import Boundaries
from diffusion.data.dataset import Dataset
from diffusion.data.shared_tables import shared_tables
from diffusion.report.channels import channels_section
from diffusion.report.compare_section import compare_section
from diffusion.report.exposure import exposure_section
from diffusion.report.inferred import inferred_section
from diffusion.report.map_section import map_section
from diffusion.report.pilots import pilots_section
from diffusion.report.sections import network_section, spread_section
from diffusion.report.tests_section import tests_section
from diffusion.stats.inference import joblib_workers

__all__ = ["SECTIONS", "SHOWN", "long_sections"]

#: The sections in the order the report shows them (and its JSON document lists them).
SHOWN = ("network", "spread", "maps", "channels", "exposure", "inferred", "tests", "pilots", "compare")
#: The sections, those that can be long first (so that no worker is left with a long one at the end):
#: the tests (permutations on large graphs), the channels, the spread metrics (many practice-periods).
SECTIONS = ("tests", "channels", "spread", "network", "exposure", "compare", "inferred", "maps", "pilots")
#: Practice-periods plus adoption events above which the sections go to worker processes: the
#: sections of the state-policy shape (140,000 practice-periods) take about a minute.
PARALLEL_WORK = 50_000


def _section(
    name: str,
    ds: Dataset,
    lang: str,
    seed: int,
    top_k: int,
    hypotheses: list[dict] | None,
    boundaries: Boundaries | None = None,
):
    """One section's content, and the warnings it raised."""
    make = {
        "maps": lambda: map_section(ds, lang, boundaries),
        "network": lambda: network_section(ds, lang, seed, top_k),
        "spread": lambda: spread_section(ds, lang),
        "channels": lambda: channels_section(ds, lang, seed),
        "exposure": lambda: exposure_section(ds, lang),
        "inferred": lambda: inferred_section(ds, lang, seed),
        "tests": lambda: tests_section(ds, hypotheses, seed, lang),
        "pilots": lambda: pilots_section(ds, seed, lang),
        "compare": lambda: compare_section(ds, lang, seed),
    }[name]
    with warnings.catch_warnings(record=True) as caught, shared_tables():
        warnings.simplefilter("always")
        content = make()
    return content, [w.message for w in caught]


def work_of(ds: Dataset) -> int:
    """The size that decides whether the sections go to worker processes: practice-periods plus events.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> work_of(load_dataset("leading-cases")) < PARALLEL_WORK
    True
    """
    ev = ds.events
    return int(ev["practice"].nunique() * max(ev["period"].nunique(), 1) + len(ev))


def long_sections(
    ds: Dataset,
    lang: str,
    seed: int,
    top_k: int,
    hypotheses: list[dict] | None,
    *,
    progress: bool | None = None,
    n_jobs: int | None = None,
    boundaries: Boundaries | None = None,
) -> dict[str, Any]:
    """Every long section of the report, by name (in the order of :data:`SECTIONS`).

    ``boundaries``: polygons for the maps' choropleths.
    ``n_jobs``: worker processes; by default, an active ``joblib.parallel_config``, else one per
    core when :func:`work_of` the dataset exceeds PARALLEL_WORK, and none below.
    """
    large = work_of(ds) > PARALLEL_WORK
    workers = joblib_workers(n_jobs, len(SECTIONS) if large else 1, prefer="processes")
    show = (large and sys.stderr.isatty()) if progress is None else progress
    jobs = (joblib.delayed(_section)(name, ds, lang, seed, top_k, hypotheses, boundaries) for name in SECTIONS)
    results = joblib.Parallel(return_as="generator", **workers)(jobs)
    done = {}
    with shared_tables():  # sections run here (one process) share derived tables; in workers, per section
        for name, (content, caught) in zip(
            SECTIONS, tqdm(results, total=len(SECTIONS), disable=not show, desc="report", unit="section", leave=False)
        ):
            done[name] = content
            for message in caught:
                warnings.warn(message, stacklevel=2)
    return done
