"""Null models: ways of drawing datasets in which the hypothesised mechanism is absent.

Each draws ``k`` datasets at once from a seeded Generator, so that tests stay vectorised.

- :func:`permute_within` — permute values within groups: adoption times among a practice's
  adopters (groups = practice), or within strata such as province or macro-region (groups =
  practice x stratum), which keeps the number of adopters per period in every stratum;
- :func:`draw_adopters` — which units adopt, keeping the number of adopters per period;
- :func:`curveball` — degree-preserving rewiring of a bipartite (case x practice) matrix;
- :func:`permuted_blocks` — :func:`permute_within`'s draws, a block of rows at a time;
- :func:`in_blocks` — a statistic of many draws, computed a block of draws at a time;
- :func:`group_stat_draws` — a statistic of each contiguous group under :func:`permute_within`'s
  draws, drawn and computed a block at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "curveball",
    "draw_adopters",
    "group_indices",
    "group_stat_draws",
    "in_blocks",
    "permute_within",
    "permuted_blocks",
    "random_permutations",
]


def permute_within(values: np.ndarray, groups: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` rows, each ``values`` permuted independently within every group.

    Examples
    --------
    >>> out = permute_within(np.array([1, 2, 3, 10, 20]), np.array([0, 0, 0, 1, 1]), np.random.default_rng(0), 4)
    >>> out.shape, sorted(out[0, :3].tolist()), sorted(out[0, 3:].tolist())
    ((4, 5), [1, 2, 3], [10, 20])
    """
    values = np.asarray(values)
    out = np.empty((k, len(values)), dtype=values.dtype)
    for idx in group_indices(np.asarray(groups)):
        _permuted_into(out, idx, values[idx], rng)
    return out


def _permuted_into(out: np.ndarray, idx: slice | np.ndarray, block: np.ndarray, rng: np.random.Generator) -> None:
    """Write ``len(out)`` permutations of ``block``, drawn from ``rng``, into the columns ``idx`` of ``out``."""
    # In place, without a broadcast copy or a temporary per group: at township scale a chunk is
    # tens of megabytes, and fresh memory is slow to hand over on some machines.
    if len(block) < 2:
        out[:, idx] = block
    elif isinstance(idx, slice):
        np.take(block, random_permutations(len(block), rng, len(out)), out=out[:, idx], mode="clip")
    else:
        out[:, idx] = np.take(block, random_permutations(len(block), rng, len(out)))


def permuted_blocks(
    values: np.ndarray, groups: np.ndarray, rng: np.random.Generator, k: int, items: int
) -> Iterator[np.ndarray]:
    """The rows of ``permute_within(values, groups, rng, k)``, about ``items`` values at a time.

    :func:`permute_within` draws each group's ``k`` rows in turn, one 64-bit number per value, so
    the part of a block of rows that belongs to a group lies at a known place of the random
    stream: it is drawn from a copy of the generator advanced there (``PCG64.advance``, a jump,
    not a draw). The numbers are the same and ``rng`` ends where :func:`permute_within` leaves it,
    but memory holds one block instead of all the draws (0.3 GB for 250 draws of 150,000
    adoptions). Another bit generator, or a block as large as all, draws them all at once.

    Examples
    --------
    >>> values, groups = np.arange(6), np.array([0, 0, 0, 1, 1, 1])
    >>> blocks = list(permuted_blocks(values, groups, np.random.default_rng(0), 5, items=12))
    >>> [len(b) for b in blocks]
    [2, 2, 1]
    >>> bool((np.vstack(blocks) == permute_within(values, groups, np.random.default_rng(0), 5)).all())
    True
    """
    values = np.asarray(values)
    step = max(1, items // max(len(values), 1))
    bit = rng.bit_generator
    if step >= k or not isinstance(bit, np.random.PCG64 | np.random.PCG64DXSM):
        yield permute_within(values, groups, rng, k)
        return
    indices = group_indices(np.asarray(groups))
    parts = [values[idx] for idx in indices]
    begins = np.cumsum([0] + [k * len(p) if len(p) > 1 else 0 for p in parts]).tolist()  # each group's first number
    start = bit.state
    scratch = type(bit)(0)
    at = np.random.Generator(scratch)
    for s in range(0, k, step):
        out = np.empty((min(step, k - s), len(values)), dtype=values.dtype)
        for idx, part, begin in zip(indices, parts, begins):
            scratch.state = start
            scratch.advance(begin + s * len(part))
            _permuted_into(out, idx, part, at)
        yield out
    bit.advance(begins[-1])
    end = bit.state
    end["has_uint32"], end["uinteger"] = start["has_uint32"], start["uinteger"]  # advance clears the buffer
    bit.state = end


def in_blocks(
    stat: Callable[[np.ndarray], np.ndarray], draws: np.ndarray, items: int, per_draw: int | None = None
) -> np.ndarray:
    """``stat(draws)`` for a statistic of each row of ``draws``, computed on blocks of rows.

    A block holds about ``items`` values, ``per_draw`` to a row (default: a row's length): a
    statistic with Python's overhead per call (the adoption channels) answers many draws a block,
    and large data stay at a few. The values are the same either way. A statistic of each group
    of :func:`permute_within`'s draws is better drawn a block at a time too: :func:`group_stat_draws`.

    Examples
    --------
    >>> draws = np.arange(12.0).reshape(4, 3)
    >>> in_blocks(lambda d: d.sum(axis=1), draws, items=6).tolist()  # blocks of two rows
    [3.0, 12.0, 21.0, 30.0]
    """
    step = max(1, items // max(per_draw or draws.shape[1], 1))
    return np.concatenate([stat(block) for block in np.split(draws, range(step, len(draws), step))])


def group_stat_draws(
    stat: Callable[[int, np.ndarray], np.ndarray],
    values: np.ndarray,
    starts: Sequence[int],
    rng: np.random.Generator,
    k: int,
    items: int,
) -> np.ndarray:
    """``k`` x groups: ``stat(g, rows)`` of each group's values permuted in ``k`` draws.

    The groups are contiguous, beginning at ``starts``; ``stat(g, rows)`` gives one number per row
    of permuted values of group ``g``. The draws are those of ``permute_within(values, groups, rng,
    k)``, drawn group by group and about ``items`` values at a time from the same stream, so a
    statistic that only looks within groups (Moran's I of each practice, join counts) gets the same
    p-values either way. Memory stays at one block: the whole chunk of draws at township scale
    was tens of megabytes of fresh pages every time.

    Examples
    --------
    >>> values, starts = np.array([1.0, 2, 3, 10, 20]), [0, 3]
    >>> out = group_stat_draws(lambda g, rows: rows[:, 0], values, starts, np.random.default_rng(0), 4, 2)
    >>> whole = permute_within(values, np.array([0, 0, 0, 1, 1]), np.random.default_rng(0), 4)
    >>> bool((out == whole[:, starts]).all())  # the same draws
    True
    """
    values = np.asarray(values)
    out = np.empty((k, len(starts)))
    for g, (a, b) in enumerate(zip(starts, [*starts[1:], len(values)])):
        a, b = int(a), int(b)
        block = values[a:b]
        if b - a < 2:
            out[:, g] = stat(g, np.broadcast_to(block, (k, b - a)))
            continue
        step = max(1, items // (b - a))
        for s in range(0, k, step):  # rows of one group's draws are consecutive in the stream
            out[s : s + step, g] = stat(g, block[random_permutations(b - a, rng, min(step, k - s))])
    return out


def random_permutations(m: int, rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` independent uniform permutations of ``range(m)``, as a ``k`` x ``m`` array.

    Each row sorts 64-bit random keys whose low bits hold the position, so one plain sort gives
    the permutation: about twice as fast as an argsort of random floats, and numpy releases the
    GIL, so threads draw in parallel. Two keys tie only if their random high bits agree
    (probability 2^-(64 - b) per pair for b position bits); the tie then keeps position order,
    a departure from uniform below m^2 2^-(65 - b) (< 1e-9 for m = 1,000).

    Examples
    --------
    >>> p = random_permutations(4, np.random.default_rng(0), 3)
    >>> p.shape, sorted(p[0].tolist())
    ((3, 4), [0, 1, 2, 3])
    """
    mask = np.uint64((1 << max(1, (m - 1).bit_length())) - 1)
    keys = rng.integers(0, np.iinfo(np.uint64).max, size=(k, m), dtype=np.uint64, endpoint=True)
    keys &= ~mask
    keys |= np.arange(m, dtype=np.uint64)
    keys.sort(axis=1)
    keys &= mask
    return keys.view(np.int64)  # positions < 2**63: the same numbers, without a copy


def group_indices(groups: np.ndarray) -> list[slice | np.ndarray]:
    """Positions of each group in order of first appearance: a slice where the group is contiguous.

    Examples
    --------
    >>> group_indices(np.array([0, 0, 1, 0]))
    [array([0, 1, 3]), slice(2, 3, None)]
    """
    codes, _ = pd.factorize(groups)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    out: list[slice | np.ndarray] = []
    for idx in np.split(order, bounds):
        contiguous = len(idx) and idx[-1] - idx[0] + 1 == len(idx)
        out.append(slice(int(idx[0]), int(idx[-1]) + 1) if contiguous else idx)
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
    chosen = random_permutations(n_units, rng, k)[:, : len(periods)]
    np.put_along_axis(out, chosen, np.broadcast_to(np.asarray(periods, dtype=float), chosen.shape), axis=1)
    return out


def curveball(matrix: np.ndarray, rng: np.random.Generator, rounds: int = 10) -> np.ndarray:
    """A random bipartite matrix with the same row and column sums: ``rounds`` global curveball trades.

    A trade between two rows pools the columns that only one of them has, shuffles the pool
    and deals it back in the same sizes (Strona et al. 2014). A global trade pairs every row with
    another at random and trades in all pairs at once (Carstens et al. 2018): the chain keeps
    the margins, is symmetric, and its stationary distribution is uniform over the matrices with
    them. Each global trade is a few array operations on the pooled entries, so a chain over
    hundreds of thousands of rows takes seconds. ``rounds`` global trades equal ``rounds * n / 2``
    single trades.

    References
    ----------
    Strona, G., Nappo, D., Boccacci, F., Fattorini, S., & San-Miguel-Ayanz, J. (2014). A fast and
    unbiased procedure to randomize ecological binary matrices with fixed row and column totals.
    Nature Communications, 5, 4114. https://doi.org/10.1038/ncomms5114

    Carstens, C. J., Berger, A., & Strona, G. (2018). A unifying framework for fast randomization
    of ecological networks with fixed (node) degrees. MethodsX, 5, 773–780.
    https://doi.org/10.1016/j.mex.2018.06.018

    Examples
    --------
    >>> m = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0]], dtype=bool)
    >>> r = curveball(m, np.random.default_rng(0))
    >>> r.sum(axis=0).tolist(), r.sum(axis=1).tolist()
    ([2, 2, 1], [2, 2, 1])
    """
    m = np.asarray(matrix, dtype=bool).copy()
    n = len(m)
    for _ in range(rounds if n > 1 else 0):
        order = random_permutations(n, rng, 1)[0]
        a, b = order[: n // 2], order[n // 2 : 2 * (n // 2)]
        m[a], m[b] = _trade(m[a], m[b], rng)
    return m


def _trade(first: np.ndarray, second: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Curveball trades between row i of ``first`` and row i of ``second``, for every i at once."""
    shared = first & second
    row, col = np.nonzero(first ^ second)  # the pooled entries, row by row
    keep = np.bincount(row[first[row, col]], minlength=len(first))  # how many go back to the first row
    order = np.lexsort((rng.random(len(row)), row))  # the pool of each row in random order
    row, col = row[order], col[order]
    rank = np.arange(len(row)) - np.searchsorted(row, row)
    to_first = rank < keep[row]
    new_first, new_second = shared.copy(), shared.copy()
    new_first[row[to_first], col[to_first]] = True
    new_second[row[~to_first], col[~to_first]] = True
    return new_first, new_second
