"""Diffusion ties: directed edges from earlier to later adopters of a practice, drawn by a candidate rule.

Which earlier adopters are candidates is the *candidate rule* (all, adjacent, same-province,
nearest-k); whether adopters in the same period tie to each other is the *same-batch policy*.
Each adoption gives one unit of weight, shared equally among its candidates. No n x n matrix:
pairs come from sparse adjacency, or from a chord-distance preselection for nearest-k.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from diffusion.data.distance import haversine_km
from diffusion.data.influence import Ties
from diffusion.errors import DiffusionError
from diffusion.i18n import t

__all__ = ["CANDIDATE_RULES", "SAME_BATCH_POLICIES", "TiePolicy", "diffusion_ties"]

CANDIDATE_RULES = ("all", "adjacent", "same-province", "nearest-k")
SAME_BATCH_POLICIES = ("none", "both")


@dataclass(frozen=True)
class TiePolicy:
    """How diffusion ties are drawn.

    Attributes
    ----------
    candidates : str
        ``"all"`` earlier adopters; ``"adjacent"`` earlier adopters that are neighbours;
        ``"same-province"`` earlier adopters in the same top-level unit (China: province; another
        geography: its top level); ``"nearest-k"`` the ``k`` earlier adopters nearest by
        great-circle distance (needs coordinates).
    same_batch : str
        ``"none"``: adopters in the same period are not tied; ``"both"``: they are tied both ways.
    k : int
        Neighbours for ``"nearest-k"``.
    """

    candidates: str = "all"
    same_batch: str = "none"
    k: int = 3

    def __post_init__(self) -> None:
        if self.candidates not in CANDIDATE_RULES:
            raise DiffusionError(
                f"The value for `candidates` must be one of {list(CANDIDATE_RULES)}, "
                f"but {self.candidates!r} was passed."
            )
        if self.same_batch not in SAME_BATCH_POLICIES:
            raise DiffusionError(
                f"The value for `same_batch` must be one of {list(SAME_BATCH_POLICIES)}, "
                f"but {self.same_batch!r} was passed."
            )
        if not isinstance(self.k, int) or self.k < 1:
            raise DiffusionError(f"The 'k' parameter must be an int in the range [1, inf). Got {self.k!r} instead.")

    def describe(self) -> str:
        """One sentence for reports."""
        rule = {
            "all": t("every earlier adopter"),
            "adjacent": t("earlier adopters that are neighbours"),
            "same-province": t("earlier adopters in the same top-level unit (province)"),
            "nearest-k": t("the {k} nearest earlier adopters (great-circle distance)", k=self.k),
        }[self.candidates]
        same = (
            t("adopters in the same period are not tied")
            if self.same_batch == "none"
            else t("adopters in the same period are tied both ways")
        )
        return t(
            "A later adopter of a practice is tied to {rule}; {same}; each adoption's weight of 1 is shared equally.",
            rule=rule,
            same=same,
        )


def diffusion_ties(
    geo,
    level: str,
    adoptions: pd.DataFrame,
    policy: TiePolicy,
    *,
    ties: Ties | None = None,
    dates: Sequence[str] = (),
) -> pd.DataFrame:
    """Directed ties from earlier to later adopters of each practice, per the policy.

    ``ties`` is the graph of the "adjacent" rule (the user's network or the geography's
    adjacency; see :meth:`Dataset.influence_ties`), and ``dates`` the date of each period (1, 2,
    ...), at which a time-stamped network's ties must be active.
    """
    codes = sorted({r.removeprefix("region:") for r in adoptions["region"]})
    if policy.candidates == "nearest-k":
        return _nearest_ties(geo, level, adoptions, policy, codes)
    pair_ok = _pair_rule(geo, level, codes, policy, ties, list(dates))
    index = {c: i for i, c in enumerate(codes)}
    parts = []
    for practice, group in adoptions.groupby("practice", sort=True):
        regions = group["region"].str.removeprefix("region:").to_numpy()
        idx = np.array([index[r] for r in regions])
        t = group["period"].to_numpy()
        # Candidate pairs (target i, source j): the rule's pairs, then the timing policy.
        ti, sj = pair_ok(idx, t)
        keep = (t[sj] < t[ti]) if policy.same_batch == "none" else (t[sj] <= t[ti]) & (ti != sj)
        ti, sj = ti[keep], sj[keep]
        if not len(ti):
            continue
        counts = np.bincount(ti, minlength=len(idx))
        parts.append(
            pd.DataFrame(
                {
                    "source": "region:" + regions[sj],
                    "target": "region:" + regions[ti],
                    "practice": practice,
                    "period": t[ti].astype(int),
                    "weight": 1.0 / counts[ti],
                }
            )
        )
    columns = ["source", "target", "practice", "period", "weight"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return out[columns].sort_values(["period", "practice", "source", "target"]).reset_index(drop=True)


def _pair_rule(geo, level: str, codes: list[str], policy: TiePolicy, ties: Ties | None, dates: list[str]):
    """A function giving, for adopters at positions ``idx`` of ``codes`` adopting in periods ``t``,
    the (target, source) pairs the rule allows."""
    if policy.candidates == "all":

        def pairs(idx, t):
            ti, sj = np.nonzero(~np.eye(len(idx), dtype=bool))
            return ti, sj

        return pairs
    if policy.candidates == "adjacent":
        _check_rule(geo, level, codes, policy, ties)
        assert ties is not None  # _check_rule refuses the rule without ties
        position = pd.Index(codes).get_indexer(ties.units)  # adopters' positions (-1: not an adopter)
        a, b = position[ties.looker], position[ties.influencer]
        keep = np.flatnonzero((a >= 0) & (b >= 0))
        shape = (len(codes), len(codes))
        if not ties.timed:
            adj = sparse.csr_matrix((np.ones(len(keep)), (a[keep], b[keep])), shape=shape)

            def adjacent_pairs(idx, t):
                sub = adj[idx][:, idx].tocoo()  # sparse: no adopters x adopters matrix
                return sub.row, sub.col

            return adjacent_pairs
        active = ties.active(dates)[keep]  # a tie counts if active when its target adopts
        by_period = [
            sparse.csr_matrix((np.ones(int(on.sum())), (a[keep][on], b[keep][on])), shape=shape) for on in active.T
        ]

        def active_pairs(idx, t):
            rows, cols = [], []
            for p in np.unique(t):
                mine = np.flatnonzero(t == p)  # targets adopting in period p, any source
                sub = by_period[int(p) - 1][idx[mine]][:, idx].tocoo()
                rows.append(mine[sub.row])
                cols.append(sub.col)
            return np.concatenate(rows), np.concatenate(cols)

        return active_pairs
    _check_rule(geo, level, codes, policy)
    top = geo.levels[0]
    group = np.array([geo.ancestor_at(c, top) or c for c in codes])

    def same_top_pairs(idx, t):
        ti, sj = [], []
        for members in pd.Series(np.arange(len(idx))).groupby(group[idx]).groups.values():
            m = np.asarray(members)
            ii, jj = np.nonzero(~np.eye(len(m), dtype=bool))
            ti.append(m[ii])
            sj.append(m[jj])
        return np.concatenate(ti), np.concatenate(sj)

    return same_top_pairs


def _nearest_ties(geo, level: str, adoptions: pd.DataFrame, policy: TiePolicy, codes: list[str]) -> pd.DataFrame:
    """Ties from each adopter's ``k`` nearest earlier adopters (great-circle distance, ties by code).

    Chord distances between unit vectors (which rank like great-circle distances) pick each new
    adopter's k + 5 nearest earlier adopters in one array step; their haversine distances then
    order them exactly. Where those cannot settle the order (distances equal to rounding), every
    earlier adopter is ranked instead.
    """
    _check_rule(geo, level, codes, policy)
    coords = geo.points(codes)[["lat", "lon"]].to_numpy(dtype=float)
    lat, lon = np.radians(coords).T
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    index = {c: i for i, c in enumerate(codes)}
    strict = policy.same_batch == "none"
    rows = []
    for practice, group in adoptions.groupby("practice", sort=True):
        regions = group["region"].str.removeprefix("region:").to_numpy()
        at = np.array([index[r] for r in regions])
        periods = group["period"].to_numpy()
        for when in np.unique(periods):
            pool = np.flatnonzero(periods < when if strict else periods <= when)
            for target in np.flatnonzero(periods == when):
                chosen = _nearest(target, pool[pool != target], at, coords, xyz, regions, policy.k)
                rows += [
                    (f"region:{regions[s]}", f"region:{regions[target]}", practice, int(when), 1.0 / len(chosen))
                    for s in chosen
                ]
    ties = pd.DataFrame(rows, columns=["source", "target", "practice", "period", "weight"])
    return ties.sort_values(["period", "practice", "source", "target"]).reset_index(drop=True)


def _nearest(target, pool, at, coords, xyz, regions, k: int) -> np.ndarray:
    """The ``k`` adopters of ``pool`` nearest to ``target``: by haversine distance, then by code."""
    if len(pool) <= k + 4:
        looked = pool
    else:
        # Chord distance to every candidate; the k + 4 nearest are enough unless the next ones
        # tie with the k-th to rounding, in which case all are ranked exactly.
        chord = np.linalg.norm(xyz[at[pool]] - xyz[at[target]], axis=1)
        near = np.argpartition(chord, k + 4)[: k + 5]
        kth, last = np.sort(chord[near])[[k - 1, -1]]
        looked = pool if last <= kth * (1 + 1e-9) + 1e-12 else pool[near]
    d = haversine_km(coords[at[target], 0], coords[at[target], 1], coords[at[looked], 0], coords[at[looked], 1])
    return looked[np.lexsort((regions[looked], d))[:k]]


def _check_rule(geo, level: str, codes: list[str], policy: TiePolicy, ties: Ties | None = None) -> None:
    """Raise, with what to do instead, where the candidate rule cannot apply at this level."""
    if policy.candidates == "adjacent" and ties is None:
        raise DiffusionError(
            f"candidate rule 'adjacent' needs neighbours at level '{level}', but this geography gives them at "
            f"level '{geo.neighbour_level}'. Use `level` '{geo.neighbour_level}', give a network of this level "
            "(`network`), or another rule (`candidates`)."
        )
    top = geo.levels[0]
    if policy.candidates == "same-province" and level == top:
        raise DiffusionError(
            f"candidate rule 'same-province' ties units within the same {top}, but the regions are {top}s "
            "themselves. Use a lower `level` or another rule (`candidates`)."
        )
    if policy.candidates == "nearest-k":
        points = geo.points(codes)
        missing = points.index[points["point_of"] == ""].tolist()
        borrowed = int(((points["point_of"] != "") & (points["point_of"] != points.index)).sum())
        if borrowed:
            warnings.warn(
                f"candidate rule 'nearest-k': {borrowed} of {len(codes)} adopting units have no point of their own and "
                "take their parent's.",
                stacklevel=4,
            )
        if missing:
            raise DiffusionError(
                f"candidate rule 'nearest-k' needs coordinates for every adopting unit; {len(missing)} lack them "
                f"(e.g. {', '.join(geo.label(c, 'zh') for c in missing[:5])}). Add lat/lon to the geography or use "
                "another rule or level."
            )
