"""Time-respecting reachability: which nodes a node reaches through chains of ties in time order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["reachability_by_period", "time_respecting_reachability"]


def time_respecting_reachability(
    ties: pd.DataFrame, nodes: list[str], *, strict: bool, chunk: int = 4096
) -> np.ndarray:
    """For each node, how many other nodes it reaches by chains of ties with non-decreasing periods.

    A tie ``u -> v`` stamped ``t`` (the period of v's adoption) extends a chain that reached u at
    period s when s < t (``strict``, same-batch policy "none") or s <= t ("both"). The source
    itself starts before every period.

    Examples
    --------
    >>> ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "period": [2, 1]})
    >>> time_respecting_reachability(ties, ["a", "b", "c"], strict=True).tolist()  # b->c came first
    [1, 1, 0]
    """
    periods, counts = reachability_by_period(ties, nodes, strict=strict, chunk=chunk)
    return counts[-1] if len(periods) else np.zeros(len(nodes), dtype=int)


def reachability_by_period(
    ties: pd.DataFrame, nodes: list[str], *, strict: bool, chunk: int = 4096
) -> tuple[list[int], np.ndarray]:
    """Time-respecting reachability of every node using the ties up to each period, in one sweep.

    Returns the periods that have ties and a len(periods) x len(nodes) array: row k counts, for
    each node, the others it reaches through ties stamped up to ``periods[k]``. Sweeping periods
    in order gives every cumulative snapshot at the cost of the last one.

    Notes
    -----
    The reached sets of ``chunk`` sources are a sparse boolean matrix; each period multiplies only
    its frontier (what the last step added) by that period's sparse adjacency. Memory follows the
    number of (source, reached) pairs: no n x n matrix.

    Examples
    --------
    >>> ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "period": [1, 2]})
    >>> periods, counts = reachability_by_period(ties, ["a", "b", "c"], strict=True)
    >>> periods, counts.tolist()
    ([1, 2], [[1, 0, 0], [2, 1, 0]])
    """
    n = len(nodes)
    index = pd.Index(nodes)
    t = ties.drop_duplicates(["source", "target", "period"])
    periods, steps = [], []
    for period, g in t.groupby("period", sort=True):
        src, dst = index.get_indexer(g["source"]), index.get_indexer(g["target"])
        steps.append(sparse.csr_matrix((np.ones(len(g), dtype=bool), (src, dst)), shape=(n, n)))
        periods.append(int(period))
    counts = np.zeros((len(steps), n), dtype=np.int64)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        reached = sparse.csr_matrix(
            (np.ones(len(rows), dtype=bool), (np.arange(len(rows)), rows)), shape=(len(rows), n)
        )
        for k, step in enumerate(steps):
            frontier = reached  # strict: one hop from what was reached before the period
            while frontier.nnz:
                new = frontier @ step
                new = new - new.multiply(reached)  # only what was not reached yet
                new.eliminate_zeros()
                reached = reached + new
                frontier = new if not strict else sparse.csr_matrix(new.shape, dtype=bool)
            counts[k, rows] = reached.getnnz(axis=1) - 1
    return periods, counts
