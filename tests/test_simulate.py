"""Synthetic data: labelled as such, reproducible, readable, and carrying the effects planted in it."""

import json

import numpy as np
import pytest

from diffusion import read_cases
from diffusion.cli import main
from diffusion.simulate import SimulationParameters, simulate, write_simulation
from diffusion.stats.neighbour import neighbour_test


def test_output_is_labelled_synthetic_and_reproducible(tmp_path):
    params = SimulationParameters(level="county", practices=3, periods=6, pilots=4, seed=11)
    a = write_simulation(tmp_path / "a", params=params, progress=False)
    b = write_simulation(tmp_path / "b", params=params, progress=False)
    for name in ("cases.csv", "practices.csv", "truth.json"):
        assert (a.parent / name).read_bytes() == (b.parent / name).read_bytes()
    ds = read_cases(a, vocabulary=a.parent / "practices.csv")
    cases = ds.cases
    assert set(cases["series"]) == {"synthetic"} and cases["case_id"].str.startswith("SIM-").all()
    assert cases["notes"].str.startswith("synthetic").all()
    assert (cases["batch"] == 1).sum() == 3 * 4  # pilots per practice in period 1
    truth = json.loads((a.parent / "truth.json").read_text(encoding="utf-8"))
    assert truth["synthetic"] is True and truth["seed"] == 11 and truth["adoptions"] == len(cases)
    assert truth["neighbours"].startswith("units under the same parent")  # China has no county adjacency


def test_east_bias_places_pilots_in_the_east():
    east = []
    for seed in range(20):
        cases, _ = simulate(
            params=SimulationParameters(
                level="province", practices=10, periods=2, pilots=3, p=0, q=0, q_within=0, east_bias=20.0, seed=seed
            ),
            progress=False,
        )
        east.append(
            np.mean([c[:2] in {"11", "12", "13", "31", "32", "33", "35", "37", "44", "46"} for c in cases["unit_code"]])
        )
    assert np.mean(east) > 0.7  # 10 of 31 provinces are East: about 0.32 without the bias


def _neighbour_p(tmp_path, q: float, seed: int) -> float:
    params = SimulationParameters(
        level="province", practices=8, periods=6, pilots=2, p=0.01, q=q, q_within=0, promotion_period=None, seed=seed
    )
    path = write_simulation(tmp_path / f"s{seed}-{q}", params=params, progress=False)
    ds = read_cases(path, vocabulary=path.parent / "practices.csv")
    return neighbour_test(ds, n_permutations=99, seed=seed, progress=False).p_value


def test_planted_contagion_is_found(tmp_path):
    found = [_neighbour_p(tmp_path, 0.8, seed) <= 0.05 for seed in range(20)]
    assert np.mean(found) >= 0.8


def test_no_contagion_is_rarely_found(tmp_path):
    found = [_neighbour_p(tmp_path, 0.0, seed) <= 0.05 for seed in range(20)]
    assert np.mean(found) <= 0.2


def test_simulate_command(tmp_path, capsys):
    out = tmp_path / "sim"
    assert (
        main(
            [
                "simulate",
                "--out",
                str(out),
                "--level",
                "province",
                "--practices",
                "2",
                "--periods",
                "4",
                "--promotion-period",
                "0",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.split() == [str(out / n) for n in ("cases.csv", "practices.csv", "truth.json")]
    assert json.loads((out / "truth.json").read_text(encoding="utf-8"))["promotion_period"] is None
    assert main(["simulate", "--out", str(tmp_path / "bad"), "--level", "township"]) == 2
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"periods": 1}, r"`periods` parameter must be an int in the range \[2, inf\)\. Got 1"),
        ({"practices": 0}, r"`practices` parameter must be an int in the range \[1, inf\)\. Got 0"),
        ({"seed": -3}, r"`seed` parameter must be an int in the range \[0, inf\)"),
    ],
)
def test_bad_parameters(bad, message):
    from diffusion.errors import DiffusionError

    with pytest.raises(DiffusionError, match=message):
        simulate(params=SimulationParameters(level="province", **bad), progress=False)


def test_the_same_simulation_on_any_number_of_workers():
    params = SimulationParameters(level="province", practices=40, periods=5, seed=3)  # three chunks of practices
    one, _ = simulate(params=params, n_jobs=1, progress=False)
    two, _ = simulate(params=params, n_jobs=2, progress=False)
    assert one.equals(two) and one["practices"].nunique() > 16
