"""Parameter checks at the door, and the one seed convention of every public entry point."""

from __future__ import annotations

import numpy as np
import pytest

from diffusion import load_dataset
from diffusion.checks import as_generator, check_choice, check_int, check_number, resolve_seed
from diffusion.errors import DiffusionError, ParameterError
from diffusion.measures.bass import bass_new, fit_bass
from diffusion.measures.compare import bootstrap_ci, compare_groups
from diffusion.stats import gradient_test, neighbour_test
from diffusion.stats.inference import p_value, permutation_test


def test_messages_name_the_parameter_the_allowed_values_and_what_was_passed():
    with pytest.raises(ParameterError, match=r"The value for `null` must be one of \['a', 'b'\], but 'c' was passed\."):
        check_choice("null", "c", ["a", "b"])
    with pytest.raises(ParameterError, match=r"must be an int in the range \[1, 9\]\. Got 10 instead\."):
        check_int("k", 10, low=1, high=9)
    for bad in (True, 2.0, "3", None):
        with pytest.raises(ParameterError, match="must be an int"):
            check_int("k", bad, low=1)
    with pytest.raises(ParameterError, match=r"must be a number in the range \(0, 1\]\. Got nan instead\."):
        check_number("share", float("nan"), 0, 1, low_open=True)
    assert check_number("share", 1, 0, 1, low_open=True) == 1.0
    err = ParameterError("x", "m")
    assert isinstance(err, DiffusionError) and isinstance(err, ValueError) and err.parameter == "x"


def test_bad_values_are_refused_before_the_data_are_looked_at():
    ds = load_dataset("leading-cases")
    # The promotion test would return "not tested" for this practice; the bad option is still refused.
    with pytest.raises(ParameterError, match="alternative"):
        neighbour_test(ds, alternative="bigger")
    with pytest.raises(ParameterError, match="n_permutations"):
        gradient_test(ds, n_permutations=0)
    with pytest.raises(ParameterError, match="northeast"):
        gradient_test(ds, northeast="Southwest")
    with pytest.raises(ParameterError, match="intervals"):
        fit_bass([1, 2, 3, 4, 5], intervals="jackknife")
    with pytest.raises(ParameterError, match=r"The value for `practice` must be one of \[.*'points_system'"):
        neighbour_test(ds, practice="flying_cars")
    with pytest.raises(
        ParameterError, match=r"The value for `level` must be one of \['province', 'prefecture', 'county'\]"
    ):
        neighbour_test(ds, level="township")


def test_seed_is_resolved_once_to_an_int_that_reproduces_the_run():
    ds = load_dataset("broadband-china")
    by_int = neighbour_test(ds, n_permutations=99, seed=11, progress=False)
    again = neighbour_test(ds, n_permutations=99, seed=by_int.seed, progress=False)
    np.testing.assert_array_equal(by_int.null_distribution, again.null_distribution)
    by_none = neighbour_test(ds, n_permutations=99, seed=None, progress=False)
    assert isinstance(by_none.seed, int)
    replay = neighbour_test(ds, n_permutations=99, seed=by_none.seed, progress=False)
    np.testing.assert_array_equal(by_none.null_distribution, replay.null_distribution)
    rng = np.random.default_rng(5)
    first = neighbour_test(ds, n_permutations=99, seed=rng, progress=False)
    second = neighbour_test(ds, n_permutations=99, seed=rng, progress=False)  # the Generator's state moved on
    assert first.seed != second.seed
    assert not np.array_equal(first.null_distribution, second.null_distribution)
    same = neighbour_test(ds, n_permutations=99, seed=np.random.default_rng(5), progress=False)
    np.testing.assert_array_equal(first.null_distribution, same.null_distribution)


def test_every_public_entry_point_takes_a_generator():
    rng = np.random.default_rng(0)
    ds = load_dataset("broadband-china")
    assert fit_bass(bass_new(10, 0.02, 0.4, 500), intervals="bootstrap", n_boot=20, seed=rng).identifiable
    lo, hi = bootstrap_ci(np.arange(20.0), seed=rng)
    assert lo < hi
    assert len(compare_groups(ds, n_boot=9, n_permutations=9, seed=rng, progress=False)[0])
    p, null = permutation_test(1.0, lambda g, k: g.normal(size=k), n_permutations=9, seed=rng, progress=False)
    assert 0 < p <= 1 and len(null) == 9
    assert as_generator(rng) is rng
    with pytest.raises(ParameterError, match="seed"):
        resolve_seed(-1)


def test_one_p_value_for_scalars_and_arrays():
    rng = np.random.default_rng(1)
    null = rng.integers(0, 5, size=(200, 3)).astype(float)
    observed = np.array([2.0, 4.0, 0.0])
    for alternative in ("greater", "less", "two-sided"):
        columns = p_value(observed, null, alternative)
        assert columns.shape == (3,)
        for j in range(3):
            assert columns[j] == p_value(observed[j], null[:, j], alternative)
    # Invariant of permutation p-values: p_greater + p_less = 1 + (ties + 1) / (R + 1).
    ties = (null == observed).sum(axis=0)
    np.testing.assert_allclose(
        p_value(observed, null, "greater") + p_value(observed, null, "less"), 1 + (ties + 1) / 201
    )
