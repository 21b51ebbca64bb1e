"""How innovative each region is: Walker scores, rank earliness, Rogers categories, breadth.

All are computed over the regions of one level of the geography (default: the top level) from
the first period in which each region adopted each practice; every region of the level is
included, adopter or not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_times
from diffusion.data.shared_tables import shared
from diffusion.measures.spread import adopters_by_level

__all__ = [
    "ROGERS_CATEGORIES",
    "coadoption_counts",
    "elapsed_scores",
    "first_adoptions",
    "order_scores",
    "rank_earliness",
    "region_profiles",
    "rogers_categories",
    "walker_scores",
]

ROGERS_CATEGORIES = ("innovator", "early adopter", "early majority", "late majority", "laggard")


def first_adoptions(ds: Dataset, level: str | None = None) -> pd.DataFrame:
    """First period of each practice in each region of ``level``: ``region, practice, period``."""
    level = level or ds.geography.levels[0]
    return shared(ds, f"first_adoptions {level}", lambda: _first_adoptions(ds, level))


def _first_adoptions(ds: Dataset, level: str) -> pd.DataFrame:
    ev = adopters_by_level(ds)
    ev = ev[ev[f"at_{level}"] != ""]
    first = ev.groupby([f"at_{level}", "practice"], sort=True)["period"].min().reset_index()
    return first.rename(columns={f"at_{level}": "region"})


def order_scores(first: pd.DataFrame, regions: pd.Index, min_adopters: int) -> pd.DataFrame:
    """Per practice and region: share of the practice's other adopters that adopted strictly earlier.

    0 for the first adopters, 1 for a lone last adopter and for every region that never adopted;
    practices with fewer than ``min_adopters`` adopters give no order and are left out.
    """
    out = {}
    for practice, g in first.groupby("practice", sort=True):
        n = len(g)
        if n < min_adopters:
            continue
        t = g.set_index("region")["period"]
        earlier = np.searchsorted(np.sort(t.to_numpy()), t.to_numpy(), side="left")  # strictly earlier
        out[practice] = pd.Series(earlier / (n - 1), index=t.index).reindex(regions, fill_value=1.0)
    return pd.DataFrame(out, index=regions)


def elapsed_scores(first: pd.DataFrame, regions: pd.Index, times: pd.Series, min_adopters: int) -> pd.DataFrame:
    """Per practice and region: the share of the time from the practice's first to its last adoption
    that had elapsed when the region adopted.

    0 for the first adopters, 1 for the last and for every region that never adopted; ``times``
    maps periods to years. Practices with fewer than ``min_adopters`` adopters, or adopted all in
    one period (no time elapsed), give no score and are left out.
    """
    out = {}
    for practice, g in first.groupby("practice", sort=True):
        t = g.set_index("region")["period"].map(times)
        span = t.max() - t.min()
        if len(g) >= min_adopters and span > 0:
            out[practice] = ((t - t.min()) / span).reindex(regions, fill_value=1.0)
    return pd.DataFrame(out, index=regions)


def walker_scores(ds: Dataset, level: str | None = None, *, min_adopters: int = 2) -> pd.Series:
    """Walker's (1969) innovation score of every region of ``level``: 1 = always first, 0 = last or never.

    For each programme (practice) a region scores the share of the time elapsed between the
    programme's first and last adoption at which it adopted: 0 for the first adopter, 1 for the
    last, e.g. 0.5 ten years into a twenty-year span; a region that never adopted scores 1. The
    Walker score is 1 minus the mean over programmes with at least ``min_adopters`` adopters
    (Walker used programmes adopted by at least 20 states), so that high means innovative. Time
    is calendar time (each period's start; period numbers for batches without dates). The rank
    version, which counts earlier adopters instead of elapsed time, is :func:`rank_earliness`.

    References
    ----------
    Walker, J. L. (1969). The diffusion of innovations among the American states. American
    Political Science Review, 63(3), 880–899. https://doi.org/10.2307/1954434

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> s = walker_scores(load_dataset("broadband-china"))
    >>> s.idxmax(), float(s.max())  # Liaoning: a first adopter of both lists
    ('21', 1.0)
    """
    level = level or ds.geography.levels[0]
    regions = ds.geography.level_units(level).index
    scores = elapsed_scores(first_adoptions(ds, level), regions, period_times(ds), min_adopters)
    if scores.empty:
        return pd.Series(np.nan, index=regions, name="walker_score")
    return (1 - scores.mean(axis=1)).rename("walker_score")


def rank_earliness(ds: Dataset, level: str | None = None, *, min_adopters: int = 2) -> pd.Series:
    """Rank earliness of every region of ``level``: Walker's score with ranks in place of elapsed time.

    For each practice a region scores the share of the practice's other adopters that adopted
    strictly before it (a region that never adopted scores 1, like the last adopter); the score
    is 1 minus the mean over practices with at least ``min_adopters`` adopters. Adopters in the
    same period share a score. Unlike :func:`walker_scores`, a long wait before the last adopter
    does not move anyone's score.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> s = rank_earliness(load_dataset("broadband-china"))
    >>> s.idxmax(), float(s.max())  # Liaoning: among the first adopters of both lists
    ('21', 1.0)
    """
    level = level or ds.geography.levels[0]
    regions = ds.geography.level_units(level).index
    scores = order_scores(first_adoptions(ds, level), regions, min_adopters)
    if scores.empty:
        return pd.Series(np.nan, index=regions, name="rank_earliness")
    return (1 - scores.mean(axis=1)).rename("rank_earliness")


def rogers_categories(ds: Dataset, level: str | None = None) -> pd.DataFrame:
    """Rogers' adopter category of each adoption, by standard deviations of adoption time.

    For each practice with at least two adopters and some spread in time: innovators adopt before
    mean − 2 sd, early adopters before mean − sd, the early majority before the mean, the late
    majority before mean + sd, laggards after (sd with n − 1 in the denominator). Practices whose
    adopters all adopt in one period are "not distinguishable".

    Returns ``region, practice, period, category``.
    """
    first = first_adoptions(ds, level)
    parts = []
    for _, g in first.groupby("practice", sort=True):
        t = g["period"].astype(float)
        sd = t.std(ddof=1) if len(t) > 1 else 0.0
        if not sd:
            parts.append(g.assign(category="not distinguishable"))
            continue
        z = (t - t.mean()) / sd
        cat = np.select([z < -2, z < -1, z < 0, z < 1], ROGERS_CATEGORIES[:4], ROGERS_CATEGORIES[4])
        parts.append(g.assign(category=cat))
    return pd.concat(parts, ignore_index=True) if parts else first.assign(category=[])


def region_profiles(ds: Dataset, level: str | None = None, *, min_adopters: int = 2) -> pd.DataFrame:
    """One row per region of ``level``: Walker score, rank earliness, breadth, earliness, first period, portfolio.

    ``walker_score`` and ``rank_earliness`` are :func:`walker_scores` and :func:`rank_earliness`;
    ``breadth`` is the number of practices adopted; ``earliness`` is 1 minus the mean order score
    over the practices the region did adopt (1 = always first; NaN when it adopted none with an
    order); ``portfolio`` lists the tags; Rogers categories are counted per region.
    """
    geo = ds.geography
    level = level or geo.levels[0]
    regions = geo.level_units(level).index
    first = first_adoptions(ds, level)
    scores = order_scores(first, regions, min_adopters)
    adopted = first.pivot_table(index="region", columns="practice", values="period", aggfunc="min").reindex(regions)
    own = scores.where(adopted.reindex(columns=scores.columns).notna()) if not scores.empty else scores
    out = pd.DataFrame(index=regions)
    out.index.name = "region"
    out["name_zh"] = geo.units.loc[regions, "name_zh"]
    out["name_en"] = geo.units.loc[regions, "name_en"]
    out["macro_region"] = geo.units.loc[regions, "macro_region"]
    out["walker_score"] = walker_scores(ds, level, min_adopters=min_adopters)
    out["rank_earliness"] = 1 - scores.mean(axis=1) if not scores.empty else np.nan
    out["earliness"] = 1 - own.mean(axis=1) if not own.empty else np.nan
    out["breadth"] = adopted.notna().sum(axis=1)
    out["first_period"] = adopted.min(axis=1).astype("Int64")
    out["portfolio"] = first.groupby("region")["practice"].agg(";".join).reindex(regions).fillna("")
    cats = rogers_categories(ds, level)
    if not cats.empty:
        counts = cats.pivot_table(index="region", columns="category", values="practice", aggfunc="count")
        for c in (*ROGERS_CATEGORIES, "not distinguishable"):
            out[c] = counts.get(c, pd.Series(dtype=float)).reindex(regions).fillna(0).astype(int)
    return out.reset_index()


def coadoption_counts(ds: Dataset, level: str | None = None) -> pd.DataFrame:
    """Pairs of practices adopted by the same regions: ``practice_a, practice_b, regions``."""
    first = first_adoptions(ds, level)
    pairs = first.merge(first, on="region")
    pairs = pairs[pairs["practice_x"] < pairs["practice_y"]]
    out = pairs.groupby(["practice_x", "practice_y"]).size().rename("regions").reset_index()
    return out.rename(columns={"practice_x": "practice_a", "practice_y": "practice_b"})
