"""Concentration of adopters across regions: Gini, Herfindahl–Hirschman and normalised entropy.

Each takes the counts of adopters per region, zeros included (a region without adopters is part
of the distribution), and returns a number in [0, 1].
"""

from __future__ import annotations

import numpy as np

__all__ = ["gini", "hhi", "normalised_entropy"]


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
