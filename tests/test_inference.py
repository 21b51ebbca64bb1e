"""The permutation engine: invariants of inference, seeding, parallel equality."""

import numpy as np
import pytest

from diffusion.stats.inference import p_value, permutation_test

R = 199


def normal_batch(rng, k):
    return rng.normal(size=k)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("observed", [-2.0, 0.0, 0.3, 1.7])
def test_p_values_bounds_and_complement(seed, observed):
    p_g, null = permutation_test(observed, normal_batch, n_permutations=R, alternative="greater", seed=seed)
    p_l, null_l = permutation_test(observed, normal_batch, n_permutations=R, alternative="less", seed=seed)
    p_2, _ = permutation_test(observed, normal_batch, n_permutations=R, alternative="two-sided", seed=seed)
    assert np.array_equal(null, null_l)  # same seed, same null distribution
    for p in (p_g, p_l, p_2):
        assert 1 / (R + 1) <= p <= 1
    # A continuous statistic has no ties with the observed value.
    assert p_g + p_l == pytest.approx(1 + 1 / (R + 1))
    assert p_2 == pytest.approx(min(1.0, 2 * min(p_g, p_l)))


def test_seed_controls_the_null_and_chunks_do_not_matter():
    _, a = permutation_test(0.0, normal_batch, n_permutations=1234, seed=7)
    _, b = permutation_test(0.0, normal_batch, n_permutations=1234, seed=7)
    _, c = permutation_test(0.0, normal_batch, n_permutations=1234, seed=8)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and len(a) == 1234


def test_parallel_workers_give_the_same_null():
    _, serial = permutation_test(0.0, normal_batch, n_permutations=1500, seed=3, n_jobs=1)
    _, parallel = permutation_test(0.0, normal_batch, n_permutations=1500, seed=3, n_jobs=2)
    assert np.array_equal(serial, parallel)


def test_p_value_counts_ties_as_extreme():
    null = np.array([1.0, 1.0, 2.0, 3.0])
    assert p_value(1.0, null, "greater") == 1.0
    assert p_value(3.0, null, "greater") == 2 / 5
    assert p_value(0.5, null, "less") == 1 / 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_permutations": 0}, r"The `n_permutations` parameter must be an int in the range \[1, 10000000\]\. Got 0"),
        ({"alternative": "bigger"}, "must be one of"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        permutation_test(0.0, normal_batch, **kwargs)


def test_default_uses_a_thread_per_core_unless_joblib_is_configured():
    import joblib

    from diffusion.stats.inference import joblib_workers

    assert joblib_workers(None, 4) == {"n_jobs": min(joblib.cpu_count(), 4), "prefer": "threads"}
    assert joblib_workers(3, 4) == {"n_jobs": 3, "prefer": "threads"}
    with joblib.parallel_config(backend="loky", n_jobs=2):
        assert joblib_workers(None, 4) == {}  # the user's configuration decides
    with joblib.parallel_config(backend="threading"):
        assert joblib_workers(None, 4) == {}
    _, default = permutation_test(0.0, normal_batch, n_permutations=1500, seed=3)
    _, serial = permutation_test(0.0, normal_batch, n_permutations=1500, seed=3, n_jobs=1)
    with joblib.parallel_config(backend="loky", n_jobs=2):
        _, processes = permutation_test(0.0, normal_batch, n_permutations=1500, seed=3)
    assert np.array_equal(default, serial) and np.array_equal(default, processes)


def test_default_workers_only_for_draws_that_take_long(monkeypatch):
    import threading
    import types

    import joblib

    from diffusion.stats import inference

    if joblib.cpu_count() < 2:
        pytest.skip("one core: the default is one worker")
    clock = [0.0]  # the chunks' time, on a clock of the test's own: a busy machine cannot change it
    monkeypatch.setattr(inference, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))

    def recorded(seconds):
        threads = set()

        def batch(rng, k):
            threads.add(threading.get_ident())
            clock[0] += seconds
            return rng.normal(size=k)

        return threads, batch

    quick_threads, quick = recorded(0.0)
    _, fast = permutation_test(0.0, quick, n_permutations=1000, seed=3)
    assert quick_threads == {threading.get_ident()}  # all four chunks here: threads would cost more
    slow_threads, slow = recorded(0.5)  # the other three chunks would take 1.5 s: worth a thread each
    _, slowly = permutation_test(0.0, slow, n_permutations=1000, seed=3)
    assert len(slow_threads) > 1
    assert np.array_equal(fast, slowly)  # each chunk its own seed: the same draws either way


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_attained_size_is_the_rejection_rate_of_the_null_draws_themselves(alternative):
    from diffusion.stats.inference import attained_size, mid_p_value, p_value

    rng = np.random.default_rng(4)
    for null in (rng.integers(0, 6, 300).astype(float), rng.normal(size=300), np.r_[np.zeros(280), np.ones(20)]):
        # Each draw in turn is the observed value, the other draws its null.
        exact = np.mean([p_value(v, np.delete(null, i), alternative) <= 0.05 for i, v in enumerate(null)])
        exact_mid = np.mean([mid_p_value(v, np.delete(null, i), alternative) <= 0.05 for i, v in enumerate(null)])
        assert attained_size(null, alternative) == pytest.approx(exact, abs=1e-12)
        assert attained_size(null, alternative, mid=True) == pytest.approx(exact_mid, abs=1e-12)
