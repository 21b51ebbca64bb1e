"""Spatial clustering of adoption: join counts of adopting regions and Moran's I of adoption times."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from diffusion.checks import Seed
from diffusion.data.dataset import Dataset
from diffusion.stats.adoptions import adoptions_at, binary_weights, no_ties_reason
from diffusion.stats.inference import (
    Alternative,
    TestResult,
    permutation_options,
    permutation_test,
    result,
    unsupported,
)
from diffusion.stats.nulls import permute_within

__all__ = ["JOIN_Q", "MORAN_Q", "join_count_test", "join_counts", "moran_test", "morans_i"]

JOIN_Q = "Are adopting regions next to each other more often than chance?"
MORAN_Q = "Are adoption times alike among neighbouring regions?"


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
    name, model = "join-counts", "adoption permuted among the regions"
    level, first = adoptions_at(ds, level, practice)
    w = binary_weights(ds, level)
    if w is None:
        return unsupported(name, JOIN_Q, no_ties_reason(ds, level), null_model=model)
    units, adj, graph = w
    y = np.isin(units, first["region"]).astype(float)
    if y.sum() < 2 or y.sum() > len(y) - 2:
        return unsupported(
            name,
            JOIN_Q,
            f"{int(y.sum())} of {len(y)} regions adopted; the test needs at least two adopters and two non-adopters",
            null_model=model,
        )
    bb, bw, ww = join_counts(y, adj)

    def batch(rng, k):
        ys = permute_within(y, np.zeros(len(y)), rng, k)
        return 0.5 * np.asarray((ys @ adj.T) * ys).sum(axis=1)

    p, dist = permutation_test(bb, batch, **opts, n_jobs=n_jobs, progress=progress)
    text = f"{int(bb)} neighbouring pairs both adopted, against {dist.mean():.1f} expected by chance (p = {p:.3g})."
    return result(
        name,
        JOIN_Q,
        bb,
        dist,
        p,
        interpretation=text,
        details={"bb": bb, "bw": bw, "ww": ww, "adopters": int(y.sum()), "regions": len(y), "graph": graph},
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
    n_permutations: int = 999,
    alternative: Alternative = "greater",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Moran's I of the first adoption period among adopting regions with adopting neighbours."""
    opts = permutation_options(n_permutations, alternative, seed)
    name, model = "moran", "adoption times permuted among the adopting regions"
    level, first = adoptions_at(ds, level, practice)
    w = binary_weights(ds, level)
    if w is None:
        return unsupported(name, MORAN_Q, no_ties_reason(ds, level), null_model=model)
    units, adj, graph = w
    when = first.groupby("region")["period"].min()
    keep = np.flatnonzero(np.isin(units, when.index))
    sub = adj[keep][:, keep]
    keep = keep[np.asarray(sub.sum(axis=1)).ravel() > 0]  # islands have no neighbour to compare with
    sub = adj[keep][:, keep]
    if len(keep) < 4 or when.reindex([units[i] for i in keep]).nunique() < 2:
        return unsupported(
            name,
            MORAN_Q,
            f"{len(keep)} adopting regions with adopting neighbours; at least 4, "
            "adopting in 2 or more periods, are needed",
            null_model=model,
        )
    y = when.reindex([units[i] for i in keep]).to_numpy(dtype=float)
    row = sparse.diags(1 / np.asarray(sub.sum(axis=1)).ravel()) @ sub
    observed = float(morans_i(y[None, :], row)[0])

    def batch(rng, k):
        return morans_i(permute_within(y, np.zeros(len(y)), rng, k), row)

    p, dist = permutation_test(
        observed,
        batch,
        **opts,
        n_jobs=n_jobs,
        progress=progress,
    )
    text = (
        f"Moran's I of adoption time is {observed:.3f} over {len(y)} regions (chance: {dist.mean():.3f}; "
        f"p = {p:.3g}). " + ("Neighbours adopt at similar times." if p < 0.05 else "No spatial pattern in timing.")
    )
    return result(
        name,
        MORAN_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={"regions": len(y), "expected_I": -1 / (len(y) - 1), "graph": graph},
        **opts,
        null_model=model,
    )
