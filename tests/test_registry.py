"""The registry of tests: options declared once, read by run_test, hypotheses files and the CLI."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml

from diffusion import DiffusionError, ValidationError, load_dataset
from diffusion.cli import main
from diffusion.data.resources import data_dir
from diffusion.stats import registry
from diffusion.stats.hypotheses_file import read_hypotheses, run_hypotheses
from diffusion.stats.inference import unsupported
from diffusion.stats.registry import ALIASES, TESTS, run_test


@pytest.fixture
def recorded(monkeypatch):
    """Replace every test function by one that records the keyword arguments it gets."""
    calls: list[tuple[str, dict]] = []
    for spec in TESTS.values():
        real = spec.function  # the signature stays the real one: options are read from it first
        _ = spec.options

        def fake(ds, *, _name=spec.name, **kwargs):
            calls.append((_name, kwargs))
            return unsupported(_name, "recorded", "recorded")

        fake.__signature__ = inspect.signature(real)
        monkeypatch.setitem(spec.__dict__, "function", fake)
    return calls


def test_every_option_of_the_bundled_hypotheses_file_reaches_its_function(recorded):
    path = data_dir() / "template" / "hypotheses.yaml"
    items = read_hypotheses(path)
    run_hypotheses(load_dataset("broadband-china"), items, seed=5)
    calls = iter(recorded)
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        for practice in item.get("practices") or [None]:
            name, kwargs = next(calls)
            assert name == item["test"]
            for key, value in item.items():
                if key in ("test", "practices"):
                    continue
                expected = tuple(value) if isinstance(value, list) else value  # a list option arrives as a tuple
                assert kwargs[ALIASES.get(key, key)] == expected, (item, key)
            if practice is not None:
                assert kwargs["practice"] == practice
            if "seed" in TESTS[name].options:
                assert kwargs["seed"] == item.get("seed", 5)
    assert next(calls, None) is None
    # The defect this registry fixed: `null_model: strata` used to be dropped on the way.
    assert ("neighbour", {"null": "strata", "seed": 5, "practice": "points_system", "progress": None}) in recorded


def test_options_come_from_the_signatures():
    for spec in TESTS.values():
        params = inspect.signature(spec.function).parameters
        keyword_only = {n for n, p in params.items() if p.kind is p.KEYWORD_ONLY} - {"progress"}
        assert set(spec.options) == keyword_only
        assert not any(p.kind is p.VAR_KEYWORD for p in params.values()), f"{spec.name} swallows keywords"
    assert TESTS["neighbour"].options["null"].choices == ("times", "strata", "adopters")
    assert TESTS["neighbour"].options["alternative"].choices == ("greater", "less", "two-sided")
    assert TESTS["event-history"].options["link"].choices == ("logit", "cloglog", "linear")
    assert TESTS["promotion"].options["practice"].required
    assert TESTS["gradient"].options["order"].kind is tuple


def test_unknown_options_are_errors_that_name_the_allowed_ones():
    ds = load_dataset("broadband-china")
    with pytest.raises(DiffusionError, match=r"test gradient has no option 'level'; its options are \['alternative'"):
        run_test(ds, "gradient", level="province")
    with pytest.raises(DiffusionError, match="needs `practice`"):
        run_test(ds, "promotion")
    with pytest.raises(DiffusionError, match="unknown test 'contagion'"):
        run_test(ds, "contagion")


def test_aliases_and_none_mean_the_default():
    ds = load_dataset("broadband-china")
    a = run_test(ds, "neighbour", permutations=49, seed=3, level=None, progress=False)
    b = run_test(ds, "neighbour", n_permutations=49, seed=3, progress=False)
    assert a.n_permutations == b.n_permutations == 49
    assert a.p_value == b.p_value


def test_a_hypotheses_file_reports_every_problem_at_once(tmp_path: Path):
    path = tmp_path / "h.yaml"
    path.write_text(
        "- test: neighbour\n  nul_model: strata\n  null_model: everywhere\n"
        "- test: gradient\n  level: county\n- test: coadoption\n  practices: [points_system]\n- test: spread\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as err:
        read_hypotheses(path)
    f = err.value.failures
    assert f[["row", "column", "problem"]].values.tolist() == [
        [1, "nul_model", "unknown option"],
        [1, "null_model", "value not allowed"],
        [2, "level", "unknown option"],
        [3, "practices", "unknown option"],
        [4, "test", "unknown or missing test"],
    ]
    assert "null_model" in f.loc[0, "expected"] and "permutations" in f.loc[0, "expected"]
    assert f.loc[1, "expected"] == "one of ['times', 'strata', 'adopters']"


def test_cli_options_are_the_registry_options(capsys):
    assert main(["test", "gradient", "--dataset", "broadband-china", "--level", "province"]) == 2
    err = capsys.readouterr().err
    assert "test gradient has no option `level`" in err and "`northeast` (--northeast)" in err
    code = main(["test", "neighbour", "--dataset", "broadband-china", "--null-model", "strata", "--permutations", "19"])
    out = capsys.readouterr().out
    assert code == 0 and "null model: adoption times permuted within practice x macro_region" in out
    assert (
        main(["test", "gradient", "--dataset", "broadband-china", "--order", "East", "West", "--permutations", "9"])
        == 0
    )
    assert "East > West" in capsys.readouterr().out


def test_cli_adds_the_flag_to_a_bad_value(capsys):
    assert main(["test", "gradient", "--dataset", "broadband-china", "--permutations", "0"]) == 2
    assert "The `n_permutations` (--permutations) parameter must be an int in the range [1, 10000000]" in (
        capsys.readouterr().err
    )


def test_a_new_test_needs_one_module_and_one_entry(monkeypatch):
    """What CONTRIBUTING.md promises: a registered function is runnable by name, options and all."""
    spec = registry.TestSpec("ordered", "diffusion.stats.gradient:gradient_test", TESTS["gradient"].card)
    monkeypatch.setitem(TESTS, "ordered", spec)
    res = run_test(load_dataset("broadband-china"), "ordered", permutations=9, order=["East", "West"], progress=False)
    assert res.supported and res.n_permutations == 9 and res.details["order"] == ["East", "West"]


@pytest.mark.parametrize("name", sorted(TESTS))
def test_every_tests_options_sit_beside_the_input_options(name, capsys):
    from diffusion.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["test", name, "--help"])
    assert exit_.value.code == 0 and "--data" in capsys.readouterr().out
