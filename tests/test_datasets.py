import filecmp
import importlib.util
from pathlib import Path

import pytest

from diffusion import bundled_datasets, load_dataset
from diffusion.data.resources import data_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def test_bundled_names():
    assert bundled_datasets() == ["broadband-china", "leading-cases"]


def test_leading_cases_coverage_is_stated():
    ds = load_dataset("leading-cases")
    cov = ds.coverage().set_index("series")
    lc = cov.loc["national-rural-governance-leading-cases"]
    assert (lc["cases"], lc["placed_in_batch"], lc["official_total"]) == (34, 26, 123)
    statements = ds.coverage_statements()
    assert statements[0].startswith("National Rural Governance Leading Cases: 26 of 123 cases placed in a batch")
    assert "Batches 2 and 3 together: 1 of 72 cases found." in statements
    per_batch = ds.batch_coverage().set_index(["series", "batch"])["cases"]
    assert per_batch.loc["national-rural-governance-leading-cases"].to_dict() == {1: 4, 2: 0, 3: 1, 4: 21}
    assert cov.loc["points-system-cases-2020", "cases"] == 8


def test_leading_cases_keep_sources_and_confidence():
    cases = load_dataset("leading-cases").cases
    assert (cases["sources"] != "").all()
    lc = cases[cases["series"] == "national-rural-governance-leading-cases"].drop_duplicates("case_id")
    assert lc["confidence"].value_counts().to_dict() == {"high": 22, "medium": 10, "low": 2}
    assert lc["unit_level"].value_counts().to_dict() == {
        "county": 22,
        "prefecture": 5,
        "township": 4,
        "village": 2,
        "province": 1,
    }


def test_leading_cases_periods_follow_batch_dates():
    ds = load_dataset("leading-cases")
    dated = ds.events.dropna(subset=["period"]).drop_duplicates("date").set_index("date")["period"]
    # 2019-05 batch 1, 2020-07 points list, 2020-12 batch 2 (no rows yet), 2021-10 batch 3, 2022-11 batch 4
    assert dated.to_dict() == {"2019-05": 1, "2020-07": 2, "2021-10": 4, "2022-11": 5}


def test_broadband_is_complete():
    ds = load_dataset("broadband-china")
    cov = ds.coverage().set_index("series")
    assert cov.loc["broadband_china", ["cases", "official_total", "units"]].tolist() == [117, 117, 119]
    assert cov.loc["ip_demonstration_city", ["cases", "units"]].tolist() == [41, 41]
    bb = ds.events[ds.events["practice"] == "broadband_china"]
    assert bb.groupby("year")["unit_id"].nunique().to_dict() == {2014: 41, 2015: 39, 2016: 39}
    assert bb["unit_level"].value_counts().to_dict() == {"prefecture": 109, "county": 7, "province": 3}
    assert ds.warnings.empty


def test_installed_package_reads_its_own_data():
    folder = data_dir()
    assert folder.name in {"_data", "data"}
    assert "shared" not in folder.parts


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not beside the checkout")
def test_bundled_data_is_reproduced_from_the_reference_data(tmp_path):
    spec = importlib.util.spec_from_file_location("build_data", ROOT / "scripts" / "build_data.py")
    build_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_data)
    build_data.build(SHARED, tmp_path)
    rebuilt = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    hand_written = {"README.md", "hypotheses.yaml"}  # documentation and an example, not built from the sources
    committed = sorted(
        p.relative_to(ROOT / "data") for p in (ROOT / "data").rglob("*") if p.is_file() and p.name not in hand_written
    )
    assert rebuilt == committed
    for rel in rebuilt:
        assert filecmp.cmp(tmp_path / rel, ROOT / "data" / rel, shallow=False), rel
