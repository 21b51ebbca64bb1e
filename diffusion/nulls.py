"""Null models: ways of drawing datasets in which the hypothesised mechanism is absent.

Each draws ``k`` datasets at once from a seeded Generator, so that tests stay vectorised.

- :func:`permute_within` — permute values within groups: adoption times among a practice's
  adopters (groups = practice), or within strata such as province or macro-region (groups =
  practice x stratum), which keeps the number of adopters per period in every stratum;
- :func:`draw_adopters` — which units adopt, keeping the number of adopters per period;
- :func:`curveball` — degree-preserving rewiring of a bipartite (case x practice) matrix.
"""

from __future__ import annotations

import numpy as np

__all__ = ["curveball", "draw_adopters", "permute_within"]


def permute_within(values: np.ndarray, groups: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` rows, each ``values`` permuted independently within every group.

    Examples
    --------
    >>> out = permute_within(np.array([1, 2, 3, 10, 20]), np.array([0, 0, 0, 1, 1]), np.random.default_rng(0), 4)
    >>> out.shape, sorted(out[0, :3].tolist()), sorted(out[0, 3:].tolist())
    ((4, 5), [1, 2, 3], [10, 20])
    """
    values = np.asarray(values)
    out = np.broadcast_to(values, (k, len(values))).copy()
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        if len(idx) > 1:
            out[:, idx] = rng.permuted(out[:, idx], axis=1)
    return out


def draw_adopters(n_units: int, periods: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` x ``n_units`` adoption periods: random units take the given periods, others never (inf).

    ``periods`` lists the adoption period of each observed adopter; their number per period is kept.

    Examples
    --------
    >>> t = draw_adopters(5, np.array([1, 2]), np.random.default_rng(0), 3)
    >>> t.shape, sorted(t[0][np.isfinite(t[0])].tolist())
    ((3, 5), [1.0, 2.0])
    """
    out = np.full((k, n_units), np.inf)
    chosen = rng.permuted(np.broadcast_to(np.arange(n_units), (k, n_units)), axis=1)[:, : len(periods)]
    np.put_along_axis(out, chosen, np.broadcast_to(np.asarray(periods, dtype=float), chosen.shape), axis=1)
    return out


def curveball(matrix: np.ndarray, rng: np.random.Generator, trades: int | None = None) -> np.ndarray:
    """A random bipartite matrix with the same row and column sums (Strona et al. 2014).

    Each trade picks two rows, pools the columns that only one of them has, shuffles the pool
    and deals it back in the same sizes. ``trades`` defaults to 5 x the number of rows.

    References
    ----------
    Strona, G., Nappo, D., Boccacci, F., Fattorini, S., & San-Miguel-Ayanz, J. (2014). A fast and
    unbiased procedure to randomize ecological binary matrices with fixed row and column totals.
    Nature Communications, 5, 4114. https://doi.org/10.1038/ncomms5114

    Examples
    --------
    >>> m = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0]], dtype=bool)
    >>> r = curveball(m, np.random.default_rng(0))
    >>> r.sum(axis=0).tolist(), r.sum(axis=1).tolist()
    ([2, 2, 1], [2, 2, 1])
    """
    rows = [set(np.flatnonzero(r)) for r in np.asarray(matrix, dtype=bool)]
    n = len(rows)
    if n < 2:
        return np.asarray(matrix, dtype=bool).copy()
    for _ in range(trades if trades is not None else 5 * n):
        a, b = rng.choice(n, size=2, replace=False)
        only_a, only_b = rows[a] - rows[b], rows[b] - rows[a]
        if not only_a or not only_b:
            continue
        pool = np.array(sorted(only_a | only_b))
        rng.shuffle(pool)
        shared = rows[a] & rows[b]
        rows[a] = shared | set(pool[: len(only_a)].tolist())
        rows[b] = shared | set(pool[len(only_a) :].tolist())
    out = np.zeros(np.shape(matrix), dtype=bool)
    for i, r in enumerate(rows):
        out[i, list(r)] = True
    return out
