"""What the hypothesis tests share: first adoptions at a level, and the neighbour graph as arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from diffusion.checks import check_choice
from diffusion.data.dataset import Dataset
from diffusion.i18n import t
from diffusion.measures.innovativeness import first_adoptions

__all__ = ["adoptions_at", "binary_weights", "no_ties_reason"]


def adoptions_at(ds: Dataset, level: str | None, practice: str | None) -> tuple[str, pd.DataFrame]:
    """The level (default: the top one) and each region's first adoption of each practice (or of ``practice``)."""
    level = check_choice("level", level or ds.geography.levels[0], ds.geography.levels)
    first = first_adoptions(ds, level)
    if practice is not None:
        first = first[first["practice"] == check_choice("practice", practice, ds.vocabulary.tags)]
    return level, first.sort_values(["practice", "region"]).reset_index(drop=True)


def binary_weights(ds: Dataset, level: str) -> tuple[list[str], sparse.csr_matrix, str] | None:
    """Units of the level, the symmetric 0/1 matrix of their ties, and the graph's name; None without ties.

    A directed or time-stamped network is taken both ways and over its whole span (join counts
    and Moran's I need a symmetric, static graph).
    """
    ties = ds.influence_ties(level)
    if ties is None:
        return None
    n = len(ties.units)
    w = sparse.csr_matrix(
        (np.ones(2 * len(ties.looker)), (np.r_[ties.looker, ties.influencer], np.r_[ties.influencer, ties.looker])),
        shape=(n, n),
    )
    w.data[:] = 1.0  # a tie listed twice (or both ways) counts once
    return ties.units, w, ties.graph


def no_ties_reason(ds: Dataset, level: str) -> str:
    """Why a test that needs ties cannot run at ``level``."""
    geo = ds.geography
    where = (
        t("the geography gives neighbours at level '{level}'", level=geo.neighbour_level)
        if not geo.adjacency.empty
        else t("the geography gives no neighbours")
    )
    net = t("; the network is at level '{level}'", level=ds.network.level) if ds.network is not None else ""
    return t(
        "no ties between units at level '{level}' ({where}{net}; give a network of this level, `network`)",
        level=level,
        where=where,
        net=net,
    )
