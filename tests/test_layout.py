"""The package's layout: subpackages by layer, old paths for one release, light imports, module size."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import diffusion
from diffusion import _moved

PACKAGE = Path(diffusion.__file__).parent
HEAVY = ("statsmodels", "scipy.stats", "matplotlib", "seaborn", "igraph")


@pytest.mark.parametrize("old", sorted(_moved.MOVED))
def test_old_module_paths_still_import_with_a_warning(old):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} moved to"):
        module = importlib.import_module(old)
    for home in _moved.MOVED[old]:
        new = importlib.import_module(home)
        for name in getattr(new, "__all__", []):
            assert getattr(module, name) is getattr(new, name)


def test_the_public_names_of_the_readme_import_from_where_it_says():
    from diffusion.measures.bass import fit_bass
    from diffusion.measures.innovativeness import region_profiles, walker_scores
    from diffusion.measures.spread import spread_metrics
    from diffusion.network import build_network, jaccard
    from diffusion.network.centrality import centrality
    from diffusion.stats import neighbour_test

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these is an old path
        names = [diffusion.load_dataset, diffusion.read_cases, diffusion.write_report, diffusion.PlaceResolver]
    assert all(callable(f) for f in [*names, fit_bass, region_profiles, walker_scores, spread_metrics])
    assert all(callable(f) for f in [build_network, centrality, jaccard, neighbour_test])
    assert sorted(dir(diffusion.stats)) == sorted(diffusion.stats.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = diffusion.stats.nothing


def test_every_exported_name_resolves_and_stays_a_function_once_every_module_is_imported():
    import pkgutil
    import types

    for found in pkgutil.walk_packages(diffusion.__path__, "diffusion."):
        if not found.name.endswith("__main__"):  # the CLI itself
            importlib.import_module(found.name)  # as a report does: a module imported binds its name
    packages = [
        diffusion,
        *(v for v in sys.modules.values() if getattr(v, "__path__", None) and v.__name__.startswith("diffusion.")),
    ]
    for package in packages:
        for name in getattr(package, "__all__", []):
            value = getattr(package, name)  # every name resolves
            # a module named like the function it holds hides the function once imported
            assert not (isinstance(value, types.ModuleType) and hasattr(value, name)), f"{package.__name__}.{name}"


def test_version_is_the_installed_one(capsys):
    from importlib import metadata

    from diffusion.cli import main

    assert diffusion.__version__ == metadata.version("policy-diffusion")
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"diffusion {diffusion.__version__}"


@pytest.mark.parametrize(
    "argv", [["--help"], ["datasets"], ["validate", "{cases}"], ["report", "--help"], ["test", "--help"]]
)
def test_light_commands_do_not_import_the_heavy_libraries(argv, tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("编号,年份,省份,区县,做法\n1,2019,湖南省,新化县,积分制\n", encoding="utf-8")
    argv = [a.replace("{cases}", str(cases)) for a in argv]
    code = (
        "import sys\nfrom diffusion.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True)
    loaded = set(done.stderr.split())
    heavy = {"statsmodels", "matplotlib", "seaborn", "igraph"} if argv[0] != "test" else {"matplotlib", "igraph"}
    assert not (loaded & heavy), loaded & heavy
    if argv[0] != "test":
        assert "scipy.stats" not in loaded
    if argv == ["--help"] or argv == ["datasets"]:
        assert "pandas" not in loaded


def test_cli_choices_agree_with_the_modules_that_own_them():
    from diffusion import cli_input
    from diffusion import cli_options as cli
    from diffusion.data import calendar
    from diffusion.network import build, paths, ties

    assert (cli.CANDIDATE_RULES, cli.SAME_BATCH_POLICIES, cli.GRAPHS, cli_input.TIME_UNITS, cli.PATHS) == (
        ties.CANDIDATE_RULES,
        ties.SAME_BATCH_POLICIES,
        build.GRAPHS,
        calendar.TIME_UNITS,
        paths.PATHS,
    )


def test_model_choices_of_the_cli_agree_with_the_model():
    from diffusion import cli_options as cli
    from diffusion.stats import event_model

    assert tuple(event_model._LINKS) == cli.MODEL_LINKS
    assert (cli.MODEL_BASELINES, cli.MODEL_INFERENCE) == (event_model.BASELINES, event_model.INFERENCE)
    assert cli.OUTCOMES == ("within", "own")  # diffusion.stats.event_history.person_period's
    import typing

    from diffusion.stats.channel_shares import adoption_channels

    assert typing.get_args(typing.get_type_hints(adoption_channels)["null"]) == cli.CHANNEL_NULLS
    from diffusion.network.transmission import TRANSMISSION_MODELS

    assert cli.TRANSMISSION_MODELS == TRANSMISSION_MODELS


def test_no_module_is_over_500_lines():
    sizes = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {k: v for k, v in sizes.items() if v > 500} == {}


def test_the_result_document_keeps_numbers_as_numbers(tmp_path):
    from diffusion import load_dataset, write_report

    path = write_report(load_dataset("broadband-china"), tmp_path)
    doc = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    tests = doc["tests"]["table"]
    rows = [dict(zip(tests["columns"], r)) for r in tests["rows"]]
    assert all(isinstance(r["p_value"], float) or r["p_value"] is None for r in rows)
    assert any(isinstance(r["p_value"], float) for r in rows)
    assert all(r["statistic"] is None for r in rows if r["p_value"] is None)
    counts = dict(zip(doc["counts"]["columns"], doc["counts"]["rows"][0]))
    assert isinstance(counts["total"], int)
    spread = dict(zip(doc["spread"]["summary"]["columns"], doc["spread"]["summary"]["rows"][0]))
    assert 0 < spread["share of provinces"] <= 1  # a share, formatted as a percentage only in the HTML
    html = path.read_text(encoding="utf-8")
    assert f"<td>{spread['share of provinces']:.0%}</td>" in html
