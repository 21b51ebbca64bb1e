"""Permutations and simulations on a Dask cluster give the same result as in one process (slow: DIFFUSION_FUZZ=long).

Needs dask.distributed; skipped where it is not installed. Point joblib at a real cluster the same
way with ``Client("tcp://scheduler:8786")`` instead of the LocalCluster.
"""

import numpy as np
import pytest

from diffusion import load_dataset
from diffusion.simulate import SimulationParameters, simulate
from diffusion.stats import gradient_test, neighbour_test

pytestmark = pytest.mark.slow


def test_dask_backend_gives_identical_results():
    distributed = pytest.importorskip("dask.distributed")
    import joblib

    ds = load_dataset("broadband-china")
    params = SimulationParameters(level="province", practices=40, periods=5, seed=3)
    serial = [
        gradient_test(ds, n_permutations=1500, seed=5, progress=False),
        neighbour_test(ds, n_permutations=1500, seed=5, progress=False),
    ]
    simulated_serially, _ = simulate(params=params, n_jobs=1, progress=False)
    with distributed.LocalCluster(  # noqa: SIM117 - the client needs the cluster made first
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster), joblib.parallel_config(backend="dask"):
            on_dask = [
                gradient_test(ds, n_permutations=1500, seed=5, progress=False),
                neighbour_test(ds, n_permutations=1500, seed=5, progress=False),
            ]
            simulated_on_dask, _ = simulate(params=params, progress=False)
    for a, b in zip(serial, on_dask):
        assert np.array_equal(a.null_distribution, b.null_distribution) and a.p_value == b.p_value
    assert simulated_serially.equals(simulated_on_dask)
