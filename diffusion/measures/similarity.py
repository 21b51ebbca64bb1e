"""Similarity of groups' practice portfolios, and a stable clustered order of a similarity matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from diffusion.checks import check_choice
from diffusion.data.dataset import Dataset
from diffusion.measures.compare import unit_table

__all__ = ["portfolio_similarity", "similarity_linkage", "similarity_order"]


def portfolio_similarity(ds: Dataset, groups: pd.Series, level: str, metric: str = "jaccard") -> pd.DataFrame:
    """Similarity of the groups' practice portfolios: Jaccard of the sets of practices, or cosine of
    the vectors of adopting units per practice. Rows and columns in :func:`similarity_order`.

    Examples
    --------
    >>> v = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 1]}, index=["x", "y", "z"]).T
    >>> [round(float(_similarity(v, m).loc["a", "b"]), 3) for m in ("jaccard", "cosine")]
    [0.333, 0.5]
    """
    check_choice("metric", metric, ("jaccard", "cosine"))
    first = unit_table(ds, level).assign(group=lambda d: d["unit"].map(groups)).dropna(subset=["group"])
    counts = first.groupby(["group", "practice"])["unit"].nunique().unstack(fill_value=0).sort_index()
    sim = _similarity(counts, metric)
    order = similarity_order(sim)
    return sim.loc[order, order]


def _similarity(counts: pd.DataFrame, metric: str) -> pd.DataFrame:
    x = counts.to_numpy(dtype=float)
    if metric == "jaccard":
        b = (x > 0).astype(float)
        inter = b @ b.T
        union = b.sum(axis=1)[:, None] + b.sum(axis=1)[None, :] - inter
        sim = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    else:
        norm = np.linalg.norm(x, axis=1)
        sim = np.divide(x @ x.T, np.outer(norm, norm), out=np.zeros((len(x), len(x))), where=np.outer(norm, norm) > 0)
    return pd.DataFrame(sim, index=counts.index, columns=counts.index)


def similarity_order(sim: pd.DataFrame) -> list:
    """A stable order of a similarity matrix: average-linkage leaves, optimally ordered.

    Rows are first sorted by name, so the order depends only on the similarities and the names.
    """
    sim = sim.sort_index().loc[:, sorted(sim.columns)]
    if len(sim) < 3:
        return list(sim.index)
    return [sim.index[i] for i in hierarchy.leaves_list(similarity_linkage(sim))]


def similarity_linkage(sim: pd.DataFrame) -> np.ndarray:
    """Average linkage on 1 − similarity, optimally leaf-ordered, for the rows in their given order."""
    dist = np.clip(1 - sim.to_numpy(), 0, None)
    np.fill_diagonal(dist, 0)
    return hierarchy.linkage(squareform(dist, checks=False), method="average", optimal_ordering=True)
