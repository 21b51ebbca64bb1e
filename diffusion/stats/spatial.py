"""Spatial clustering of adoption: join counts of adopting regions and Moran's I of adoption times."""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse, stats

from diffusion.checks import Seed, check_choice
from diffusion.data.dataset import Dataset
from diffusion.i18n import joined, t
from diffusion.stats.adoptions import adoptions_at, binary_weights, no_ties_reason
from diffusion.stats.inference import (
    Alternative,
    TestResult,
    p_value,
    permutation_options,
    permutation_test,
    result,
    unsupported,
)
from diffusion.stats.nulls import group_stat_draws

__all__ = ["JOIN_Q", "MORAN_Q", "join_count_test", "join_counts", "moran_moments", "moran_test", "morans_i"]

JOIN_Q = t("Are adopting regions next to each other more often than chance?")
MORAN_Q = t("Are adoption times alike among neighbouring regions?")
DRAW_ITEMS = 2**17  # values per block of permuted draws (1 MB of float64; see nulls.group_stat_draws)


def join_count_test(
    ds: Dataset,
    *,
    practice: str | None = None,
    level: str | None = None,
    n_permutations: int = 999,
    alternative: Alternative = "greater",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Join counts on the neighbour graph: BB joins of adopting regions (adopted ``practice``, or any)."""
    opts = permutation_options(n_permutations, alternative, seed)
    name, model = "join-counts", t("adoption permuted among the regions")
    level, first = adoptions_at(ds, level, practice)
    w = binary_weights(ds, level)
    if w is None:
        return unsupported(name, JOIN_Q, no_ties_reason(ds, level), null_model=model)
    units, adj, graph = w
    y = np.zeros(len(units))
    y[_positions(pd.Index(units), first["region"])] = 1.0
    if y.sum() < 2 or y.sum() > len(y) - 2:
        return unsupported(
            name,
            JOIN_Q,
            t(
                "{n} of {total} regions adopted; the test needs at least two adopters and two non-adopters",
                n=int(y.sum()),
                total=len(y),
            ),
            null_model=model,
        )
    bb, bw, ww = join_counts(y, adj)
    analytic = join_count_moments(y, adj)

    def stat(_, ys: np.ndarray) -> np.ndarray:
        return 0.5 * np.asarray((adj @ ys.T).T * ys).sum(axis=1)  # ys @ adj.T, without transposing adj

    def batch(rng, k):
        return group_stat_draws(stat, y, [0], rng, k, DRAW_ITEMS)[:, 0]

    p, dist = permutation_test(bb, batch, **opts, n_jobs=n_jobs, progress=progress)
    z, pz = _z_p(bb, analytic["E_bb"], analytic["V_bb"], opts["alternative"])
    chi2, chi2_p = _join_chi2(bb, bw, ww)
    text = t(
        "{n} neighbouring pairs both adopted, against {chance:.1f} expected by chance "
        "(p = {p:.3g}; normal approximation p = {pz:.3g}).",
        n=int(bb),
        chance=dist.mean(),
        p=p,
        pz=pz,
    )
    return result(
        name,
        JOIN_Q,
        bb,
        dist,
        p,
        interpretation=text,
        details={
            "bb": bb,
            "bw": bw,
            "ww": ww,
            "adopters": int(y.sum()),
            "regions": len(y),
            "expected_bb": analytic["E_bb"],
            "z_bb": z,
            "p_bb_normal": pz,
            "chi2": chi2,
            "chi2_p": chi2_p,
            "graph": graph,
        },
        **opts,
        null_model=model,
    )


def join_counts(y: np.ndarray, adj: sparse.spmatrix) -> tuple[float, float, float]:
    """BB, BW and WW join counts of a binary vector on a symmetric binary adjacency matrix."""
    y = np.asarray(y, dtype=float)
    bb = 0.5 * float(y @ (adj @ y))
    ww = 0.5 * float((1 - y) @ (adj @ (1 - y)))
    total = 0.5 * float(adj.sum())
    return bb, total - bb - ww, ww


def join_count_moments(y: np.ndarray, adj: sparse.spmatrix) -> dict[str, float]:
    """Mean and variance of the BB join count when the adopters are a random subset of the same size.

    Sampling without replacement (Cliff & Ord 1981, "non-free sampling"): with n regions, b
    adopters and J joins, a join is BB with probability p2 = b(b-1)/(n(n-1)); two joins sharing a
    region with p3 = p2 (b-2)/(n-2), two disjoint joins with p4 = p3 (b-3)/(n-3), so
    Var(BB) = J p2 + K p3 + (J(J-1) - K) p4 - (J p2)^2, where K = sum of k(k-1) over degrees k.

    Examples
    --------
    >>> path = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> {k: round(v, 4) for k, v in join_count_moments(np.array([1.0, 1, 0]), path).items()}  # BB is 0 or 1
    {'E_bb': 0.6667, 'V_bb': 0.2222}
    """
    y = np.asarray(y, dtype=float)
    n, b = len(y), float(y.sum())
    degree = np.asarray(adj.sum(axis=1)).ravel()
    joins, shared = degree.sum() / 2, float((degree * (degree - 1)).sum())
    p2 = b * (b - 1) / (n * (n - 1))
    p3 = p2 * (b - 2) / (n - 2) if n > 2 else 0.0
    p4 = p3 * (b - 3) / (n - 3) if n > 3 else 0.0
    mean = joins * p2
    var = joins * p2 + shared * p3 + (joins * (joins - 1) - shared) * p4 - mean**2
    return {"E_bb": float(mean), "V_bb": float(max(var, 0.0))}


def _join_chi2(bb: float, bw: float, ww: float) -> tuple[float, float]:
    """esda's chi-square of the focal x neighbour join table (each BW join counted half each way); NaN
    when a margin is empty (no join touches a non-adopter, or none an adopter: no table to test).

    Examples
    --------
    >>> _join_chi2(3.0, 0.0, 0.0)
    (nan, nan)
    """
    if min(ww + bw / 2, bb + bw / 2) == 0:
        return float("nan"), float("nan")
    test = stats.chi2_contingency([[ww, bw / 2], [bw / 2, bb]])
    return float(test.statistic), float(test.pvalue)


def morans_i(values: np.ndarray, weights: sparse.spmatrix) -> np.ndarray:
    """Moran's I of each row of ``values`` with the given weights: (n / S0) z'Wz / z'z.

    Examples
    --------
    >>> w = sparse.csr_matrix(np.array([[0, 1, 0], [0.5, 0, 0.5], [0, 1, 0]]))
    >>> float(morans_i(np.array([[1.0, 3.0, 1.0]]), w)[0])  # alternating values on a path
    -1.0
    """
    z = np.atleast_2d(values) - np.atleast_2d(values).mean(axis=1, keepdims=True)
    n, s0 = z.shape[1], float(weights.sum())
    return (n / s0) * np.asarray((z @ weights.T) * z).sum(axis=1) / (z**2).sum(axis=1)


def moran_test(
    ds: Dataset,
    *,
    practice: str | None = None,
    level: str | None = None,
    pooling: Literal["practice", "any"] = "practice",
    n_permutations: int = 999,
    alternative: Alternative = "greater",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Moran's I of adoption times on the neighbour graph, practice by practice and combined.

    For each practice, the adopting regions that have an adopting neighbour (row-standardised
    weights among them) give one Moran's I of their adoption periods; the statistic is the mean
    of these, weighted by their numbers of regions, and the null permutes adoption periods among
    each practice's regions. ``pooling="any"`` takes each region's earliest adoption of any
    practice instead: regions that adopt more practices then look earlier, so breadth clustered in
    space passes for clustered timing (kept for comparison with older results; not a test of timing).

    Beside the permutation p, ``details`` holds the analytical z and p under the normality and the
    randomisation assumptions (Cliff & Ord 1981, as esda's ``Moran``: ``z_norm``, ``z_rand``),
    combined over practices as a weighted sum of independent statistics, and a row per practice.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> r = moran_test(load_dataset("broadband-china"), n_permutations=99, progress=False)
    >>> r.details["pooling"], r.details["practices"]
    ('practice', 2)
    """
    opts = permutation_options(n_permutations, alternative, seed)
    check_choice("pooling", pooling, ("practice", "any"))
    name = "moran"
    model = (
        t("adoption periods permuted among each practice's regions")
        if pooling == "practice"
        else t("earliest adoption periods permuted among the adopting regions")
    )
    level, first = adoptions_at(ds, level, practice)
    w = binary_weights(ds, level)
    if w is None:
        return unsupported(name, MORAN_Q, no_ties_reason(ds, level), null_model=model)
    units, adj, graph = w
    if pooling == "any":
        first = first.groupby("region", as_index=False)["period"].min().assign(practice="(any)")
    # Each practice's earliest period per region, from one grouping (not one per practice).
    when = first.groupby(["practice", "region"], sort=True)["period"].min().reset_index()
    position, period = pd.Index(units).get_indexer(when["region"]), when["period"].to_numpy(dtype=float)
    starts = np.flatnonzero(~when["practice"].duplicated().to_numpy())
    strata = [
        s
        for a, b in zip(starts, [*starts[1:], len(when)])
        if (s := _moran_stratum(str(when["practice"].iat[a]), position[a:b], period[a:b], adj)) is not None
    ]
    if not strata:
        return unsupported(
            name,
            MORAN_Q,
            t("no practice has 4 or more adopting regions with adopting neighbours, adopting in 2 or more periods"),
            null_model=model,
        )
    practices, y = [s.practice for s in strata], np.concatenate([s.y for s in strata])
    n_p = np.array([len(s.y) for s in strata], dtype=float)
    groups, ends = np.repeat(np.arange(len(strata)), n_p.astype(int)), np.cumsum(n_p).astype(int)
    starts = ends - n_p.astype(int)  # each practice's regions side by side
    # A permutation within a practice keeps its mean and its sum of squares: the periods are centred
    # and the denominators summed once, and each draw permutes the centred values.
    z = y - (np.bincount(groups, y) / n_p)[groups]
    denominator = np.bincount(groups, z * z)

    def stat(g: int, values: np.ndarray) -> np.ndarray:
        """Practice ``g``'s I for each row of its centred ``values`` (n / S0 is 1: rows sum to 1)."""
        return (values * (strata[g].weights @ values.T).T).sum(axis=1) / denominator[g]

    def combined(each: np.ndarray) -> np.ndarray:
        """Combined I (column 0) and each practice's I, for each row of practices' I."""
        return np.column_stack([each @ n_p / n_p.sum(), each])

    observed = combined(np.array([[stat(g, z[None, a:b])[0] for g, (a, b) in enumerate(zip(starts, ends))]]))[0]

    def batch(rng, k):
        return combined(group_stat_draws(stat, z, starts, rng, k, DRAW_ITEMS))

    _, dist = permutation_test(observed[0], batch, **opts, n_jobs=n_jobs, progress=progress)
    p = p_value(observed[0], dist[:, 0], opts["alternative"])
    each_p = p_value(observed[1:], dist[:, 1:], opts["alternative"])
    moments = [moran_moments(s.y, s.weights) for s in strata]
    share = n_p / n_p.sum()
    analytic = _combined_z(observed[0], moments, share, opts["alternative"])
    per_practice = [
        {
            "practice": pr,
            "regions": int(n),
            "I": float(i),
            "expected_I": m["EI"],
            "z_rand": z,
            "p_rand": pz,
            "p_value": float(pp),
        }
        for pr, n, i, m, pp, (z, pz) in zip(
            practices,
            n_p,
            observed[1:],
            moments,
            each_p,
            (_z_p(i, m["EI"], m["VI_rand"], opts["alternative"]) for i, m in zip(observed[1:], moments)),
        )
    ]
    where = (
        t("{n} regions", n=len(y))
        if pooling == "any"
        else t("{practices} practice(s), {n} adopting regions", practices=len(strata), n=len(y))
    )
    text = joined(
        t(
            "Moran's I of adoption time is {i:.3f} over {where} (chance: {chance:.3f}; p = {p:.3g}; normal "
            "approximation p = {pz:.3g}).",
            i=observed[0],
            where=where,
            chance=dist[:, 0].mean(),
            p=p,
            pz=analytic["p_rand"],
        ),
        t("Neighbours adopt at similar times.") if p < 0.05 else t("No spatial pattern in timing."),
        t(
            "Caution: the earliest adoption of any practice makes regions that adopt more practices look "
            "earlier, so clustered breadth reads as clustered timing (pooling 'practice' avoids this)."
        )
        if pooling == "any"
        else "",
    )
    return result(
        name,
        MORAN_Q,
        observed[0],
        dist[:, 0],
        p,
        interpretation=text,
        details={
            "regions": len(y),
            "practices": len(strata),
            "pooling": pooling,
            "expected_I": float(share @ [m["EI"] for m in moments]),
            **analytic,
            "per_practice": per_practice,
            "graph": graph,
        },
        **opts,
        null_model=model,
    )


def _positions(units: pd.Index, regions) -> np.ndarray:
    """Positions in ``units`` of the ``regions`` found there, by hashing (``np.isin`` on string arrays
    sorted both sides for every practice, which dominated the test at township scale)."""
    found = units.get_indexer(pd.unique(np.asarray(regions, dtype=object)))
    return found[found >= 0]


class _Stratum(NamedTuple):
    practice: str
    y: np.ndarray
    weights: sparse.csr_matrix


def _moran_stratum(practice: str, position: np.ndarray, period: np.ndarray, adj: sparse.csr_matrix) -> _Stratum | None:
    """One practice's adopting regions with an adopting neighbour, their periods and row-standardised weights.

    ``position`` is each adopting region's row in ``adj`` (-1: not a unit of the weights), ``period``
    its first adoption.
    """
    order = np.argsort(position, kind="stable")
    order = order[position[order] >= 0]
    keep, y = position[order], period[order]
    has = np.asarray(adj[keep][:, keep].sum(axis=1)).ravel() > 0  # islands have no neighbour to compare with
    keep, y = keep[has], y[has]
    if len(keep) < 4 or len(np.unique(y)) < 2:
        return None
    sub = adj[keep][:, keep]
    return _Stratum(practice, y, sparse.csr_matrix(sparse.diags(1 / np.asarray(sub.sum(axis=1)).ravel()) @ sub))


def moran_moments(y: np.ndarray, weights: sparse.spmatrix) -> dict[str, float]:
    """Expectation and variances of Moran's I under normality and randomisation (Cliff & Ord 1981).

    The formulas of esda's ``Moran`` (``EI``, ``VI_norm``, ``VI_rand``); ``y`` needs 4 or more values.

    Examples
    --------
    >>> w = sparse.csr_matrix(np.array([[0, 1, 0, 0], [.5, 0, .5, 0], [0, .5, 0, .5], [0, 0, 1, 0]]))
    >>> {k: round(v, 4) for k, v in moran_moments(np.array([1.0, 2, 3, 4]), w).items()}
    {'EI': -0.3333, 'VI_norm': 0.1722, 'VI_rand': 0.2156}
    """
    w = sparse.csr_matrix(weights, dtype=float)
    n = len(y)
    z = y - y.mean()
    s0 = float(w.sum())
    s1 = 0.5 * float((w + w.T).power(2).sum())
    s2 = float(((np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel()) ** 2).sum())
    ei = -1.0 / (n - 1)
    vi_norm = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n - 1) * (n + 1) * s0 * s0) - ei * ei
    kurt = (z**4).sum() / n / ((z**2).sum() / n) ** 2
    a = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
    b = kurt * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)
    vi_rand = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - ei * ei
    return {"EI": ei, "VI_norm": float(vi_norm), "VI_rand": float(vi_rand)}


def _z_p(value: float, mean: float, var: float, alternative: str) -> tuple[float, float]:
    """z and its normal p-value for the alternative (two-sided: doubled, as esda's ``two_tailed``)."""
    z = (value - mean) / np.sqrt(var) if var > 0 else float("nan")
    p = {"greater": stats.norm.sf(z), "less": stats.norm.cdf(z)}.get(alternative, 2 * stats.norm.sf(abs(z)))
    return float(z), float(p)


def _combined_z(observed: float, moments: list[dict], share: np.ndarray, alternative: str) -> dict[str, float]:
    """Analytical z and p of the weighted mean of independent Moran's I, under both assumptions."""
    mean = float(share @ [m["EI"] for m in moments])
    out = {}
    for kind in ("norm", "rand"):
        var = float((share**2) @ [m[f"VI_{kind}"] for m in moments])
        out[f"z_{kind}"], out[f"p_{kind}"] = _z_p(observed, mean, var, alternative)
    return out
