"""What the hypothesis tests share: first adoptions at a level, and the neighbour graph as arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from diffusion.checks import check_choice
from diffusion.data.dataset import Dataset
from diffusion.measures.innovativeness import first_adoptions

__all__ = ["adoptions_at", "binary_weights", "graph_arrays"]


def adoptions_at(ds: Dataset, level: str | None, practice: str | None) -> tuple[str, pd.DataFrame]:
    """The level (default: the top one) and each region's first adoption of each practice (or of ``practice``)."""
    level = check_choice("level", level or ds.geography.levels[0], ds.geography.levels)
    first = first_adoptions(ds, level)
    if practice is not None:
        first = first[first["practice"] == check_choice("practice", practice, ds.vocabulary.tags)]
    return level, first.sort_values(["practice", "region"]).reset_index(drop=True)


def graph_arrays(ds: Dataset, level: str) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """Population units of the level and directed edge arrays (both directions), or None without neighbours."""
    geo = ds.geography
    if geo.adjacency.empty or geo.neighbour_level != level:
        return None
    units, pairs = geo.neighbour_pairs(level)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return units, src, dst


def binary_weights(ds: Dataset, level: str) -> tuple[list[str], sparse.csr_matrix] | None:
    arrays = graph_arrays(ds, level)
    if arrays is None:
        return None
    units, src, dst = arrays
    return units, sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(len(units), len(units)))
