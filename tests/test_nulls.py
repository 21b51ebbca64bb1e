"""Null draws: uniform permutations, groups kept, and the neighbour statistic against brute force."""

import itertools

import numpy as np
import pytest
from scipy import stats

from diffusion.stats.neighbour import EarlierNeighbourShare, adjacent_adoptions
from diffusion.stats.nulls import (
    curveball,
    draw_adopters,
    group_indices,
    group_stat_draws,
    permute_within,
    permuted_blocks,
    random_permutations,
)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_random_permutations_are_uniform(m):
    draws = random_permutations(m, np.random.default_rng(1), 60_000)
    assert (np.sort(draws, axis=1) == np.arange(m)).all()
    index = {p: i for i, p in enumerate(itertools.permutations(range(m)))}
    counts = np.bincount([index[tuple(r)] for r in draws.tolist()], minlength=len(index))
    assert stats.chisquare(counts).pvalue > 1e-3  # every ordering equally often
    # Each position's value is uniform too (a biased tie-break would favour position order).
    assert np.allclose(draws.mean(axis=0), (m - 1) / 2, atol=0.02)


def test_random_permutations_are_seeded():
    a, b = (random_permutations(50, np.random.default_rng(5), 3) for _ in range(2))
    assert np.array_equal(a, b) and not np.array_equal(a, random_permutations(50, np.random.default_rng(6), 3))


def test_group_indices_use_slices_for_contiguous_groups():
    out = group_indices(np.array(["b", "b", "a", "a", "a", "c", "b"]))
    assert [x.tolist() if isinstance(x, np.ndarray) else x for x in out] == [[0, 1, 6], slice(2, 5), slice(5, 6)]


def test_permute_within_keeps_each_group_and_mixes_it():
    values = np.arange(12)
    groups = np.array([0, 1, 2] * 4)  # interleaved groups
    out = permute_within(values, groups, np.random.default_rng(0), 2000)
    for g in range(3):
        assert (np.sort(out[:, groups == g], axis=1) == values[groups == g]).all()
    assert (out[:, 0] != 0).mean() == pytest.approx(0.75, abs=0.03)  # 3 of 4 group members land elsewhere


@pytest.mark.parametrize("items", [1, 7, 40, 10_000])
def test_group_stat_draws_are_permute_within_draws_a_block_at_a_time(items):
    values = np.random.default_rng(9).integers(0, 1000, 31).astype(float)  # sums exact in any order
    sizes = [5, 1, 12, 2, 11]  # a lone value too: it has no draw to take
    groups, starts = np.repeat(np.arange(5), sizes), np.cumsum([0, *sizes[:-1]])
    whole = permute_within(values, groups, np.random.default_rng(4), 23)
    calls = []

    def stat(g, rows):
        calls.append(rows.shape)
        return rows @ np.arange(1.0, rows.shape[1] + 1)  # order-sensitive: any other draw shows

    out = group_stat_draws(stat, values, starts, np.random.default_rng(4), 23, items)
    expected = [whole[:, a : a + n] @ np.arange(1.0, n + 1) for a, n in zip(starts, sizes)]
    assert np.array_equal(out, np.column_stack(expected))
    blocks = [(r, c) for r, c in calls if c > 1]  # a lone value is the same in every draw: one call
    assert all(r * c <= max(items, c) for r, c in blocks) and len(blocks) >= 4  # blocks of `items` (a row at least)


@pytest.mark.parametrize("items", [1, 30, 95, 10_000])
@pytest.mark.parametrize("layout", ["contiguous", "interleaved", "text"])
@pytest.mark.parametrize("bits", [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937])
def test_permuted_blocks_are_permute_within_draws_a_block_of_rows_at_a_time(items, layout, bits):
    rng = np.random.default_rng(3)
    sizes = [7, 1, 13, 2, 9]  # a lone value too: it takes no draw
    groups = np.repeat(np.arange(5), sizes)
    if layout == "interleaved":
        groups = rng.permutation(groups)  # columns of a group are scattered
    values = rng.integers(0, 1000, len(groups)).astype(object if layout == "text" else float)
    if layout == "text":
        values = np.array([f"v{v}" for v in values], dtype=object)

    def generator():
        g = np.random.Generator(bits(11))
        g.random(3)  # a stream already drawn from, with a buffered half-number where the bits keep one
        g.integers(0, 10, dtype=np.uint32)
        return g

    whole, once = generator(), generator()
    expected = permute_within(values, groups, whole, 23)
    blocks = list(permuted_blocks(values, groups, once, 23, items))
    assert np.array_equal(np.vstack(blocks), expected)
    assert all(len(b) <= max(1, items // len(values)) for b in blocks) or len(blocks) == 1  # a block at a time
    if bits is not np.random.MT19937:
        assert len(blocks) > 1 or items >= 23 * len(values)  # PCG64 streams jump: the rows come in blocks
        assert once.bit_generator.state == whole.bit_generator.state  # it ends where it would have, buffer too
    assert once.integers(0, 2**32, 5).tolist() == whole.integers(0, 2**32, 5).tolist()


def test_draw_adopters_keeps_the_periods():
    t = draw_adopters(10, np.array([1, 1, 3]), np.random.default_rng(2), 500)
    assert (np.sort(t, axis=1)[:, :3] == [1, 1, 3]).all() and np.isinf(np.sort(t, axis=1)[:, 3:]).all()
    assert np.isfinite(t).mean(axis=0) == pytest.approx(np.full(10, 0.3), abs=0.07)


def brute_force_share(units, practices, times, edges):
    """Share of adoptions with an adjacent same-practice adopter strictly earlier, in plain Python."""
    neighbours = {(a, b) for a, b in edges} | {(b, a) for a, b in edges}
    hits = 0
    for i in range(len(units)):
        hits += any(
            practices[j] == practices[i] and (units[i], units[j]) in neighbours and times[j] < times[i]
            for j in range(len(units))
        )
    return hits / len(units)


@pytest.mark.parametrize("seed", range(5))
def test_neighbour_share_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_units, n = 30, 80
    edges = {tuple(sorted(rng.choice(n_units, 2, replace=False))) for _ in range(60)}
    keys = {(int(u), int(p)) for u, p in zip(rng.integers(0, n_units, n), rng.integers(0, 4, n))}
    units, practices = (np.array(x) for x in zip(*sorted(keys)))
    src, dst = (np.array(x) for x in zip(*edges))
    pairs = adjacent_adoptions(units, practices, np.r_[src, dst], np.r_[dst, src], n_units)
    share = EarlierNeighbourShare(*pairs, len(units))
    draws = rng.integers(1, 6, size=(len(units), 7)).astype(np.uint8)
    expected = [brute_force_share(units, practices, draws[:, d], edges) for d in range(draws.shape[1])]
    assert share(draws) == pytest.approx(expected)


def test_curveball_samples_matrices_with_the_margins_uniformly():
    start = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]], dtype=bool)
    rows, cols = start.sum(axis=1), start.sum(axis=0)
    every = [
        m.tobytes()
        for m in (np.array(bits, dtype=bool).reshape(4, 3) for bits in itertools.product([0, 1], repeat=12))
        if (m.sum(axis=1) == rows).all() and (m.sum(axis=0) == cols).all()
    ]
    rng = np.random.default_rng(4)
    draws = [curveball(start, rng, rounds=40).tobytes() for _ in range(4000)]  # from one start: mixed
    assert set(draws) <= set(every)  # margins kept
    counts = np.array([draws.count(m) for m in every])
    assert len(every) > 5 and stats.chisquare(counts).pvalue > 1e-3  # every matrix equally likely


def test_curveball_of_many_rows_keeps_margins_and_moves_most_entries():
    rng = np.random.default_rng(0)
    m = rng.random((20_000, 30)) < 0.1
    r = curveball(m, rng, rounds=10)
    assert (r.sum(axis=0) == m.sum(axis=0)).all() and (r.sum(axis=1) == m.sum(axis=1)).all()
    assert (r & m).sum() < 0.3 * m.sum()  # about 10 % would stay by chance
