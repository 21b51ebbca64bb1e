"""Concentration of adopters across regions: Gini, Herfindahl–Hirschman and normalised entropy.

Each takes the counts of adopters per region, zeros included (a region without adopters is part
of the distribution), and returns a number in [0, 1].
"""

from __future__ import annotations

import numpy as np

__all__ = ["concentration_by_column", "gini", "hhi", "normalised_entropy"]


def _shares(counts) -> np.ndarray:
    x = np.asarray(counts, dtype=float)
    if x.ndim != 1 or (x < 0).any():
        raise ValueError("counts must be a one-dimensional sequence of non-negative numbers")
    return x


def gini(counts) -> float:
    """Gini coefficient: 0 when every region has as many adopters, (n-1)/n when one has all.

    Notes
    -----
    G = sum_i sum_j |x_i - x_j| / (2 n^2 mean(x)), computed from the sorted values as
    G = (2 sum_i i x_(i)) / (n sum x) - (n + 1) / n.

    Examples
    --------
    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4])
    (0.0, 0.75)
    """
    x = np.sort(_shares(counts))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return float("nan")
    ranks = np.arange(1, n + 1)
    return float(2 * (ranks * x).sum() / (n * total) - (n + 1) / n)


def hhi(counts) -> float:
    """Herfindahl–Hirschman index: the sum of squared shares, 1/n (even) to 1 (all in one region).

    Examples
    --------
    >>> hhi([1, 1, 1, 1]), hhi([0, 0, 0, 4])
    (0.25, 1.0)
    """
    x = _shares(counts)
    if x.sum() == 0:
        return float("nan")
    s = x / x.sum()
    return float((s**2).sum())


def normalised_entropy(counts) -> float:
    """Shannon entropy of the shares divided by log(n): 1 when even, 0 when all in one region.

    Examples
    --------
    >>> normalised_entropy([1, 1, 1, 1]), normalised_entropy([0, 0, 0, 4])
    (1.0, 0.0)
    """
    x = _shares(counts)
    if x.sum() == 0 or len(x) < 2:
        return float("nan")
    s = x[x > 0] / x.sum()
    return float(-(s * np.log(s)).sum() / np.log(len(x)) + 0.0)


def concentration_by_column(counts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`gini`, :func:`hhi` and :func:`normalised_entropy` of each column of a regions x periods
    table of counts, at once (NaN for a column of zeros).

    Examples
    --------
    >>> g, h, e = concentration_by_column(np.array([[1, 0], [1, 0], [1, 0], [1, 4]]))
    >>> g.tolist(), h.tolist(), e.tolist()
    ([0.0, 0.75], [0.25, 1.0], [1.0, 0.0])
    """
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2 or (x < 0).any():
        raise ValueError("counts must be a two-dimensional table of non-negative numbers")
    n, total = x.shape[0], x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ranks = np.arange(1, n + 1)[:, None]
        g = 2 * (ranks * np.sort(x, axis=0)).sum(axis=0) / (n * total) - (n + 1) / n
        s = x / total
        h = (s**2).sum(axis=0)
        plogp = np.where(s > 0, s * np.log(np.where(s > 0, s, 1.0)), 0.0)
        e = -plogp.sum(axis=0) / np.log(n) + 0.0 if n >= 2 else np.full(x.shape[1], np.nan)
    empty = total == 0
    return tuple(np.where(empty, np.nan, v) for v in (g, h, e))  # type: ignore[return-value]
