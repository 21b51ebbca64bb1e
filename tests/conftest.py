"""Shared fixtures: small files written by the tests themselves, and a tiny invented country."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

CASE_HEADER = "编号,批次,年份,省份,区县,做法\n"


def pytest_collection_modifyitems(config, items):
    """Slow tests (the long fuzz profile's companions, 100,000-row files) run with DIFFUSION_FUZZ=long."""
    if os.environ.get("DIFFUSION_FUZZ") == "long":
        return
    skip = pytest.mark.skip(reason="slow: run with DIFFUSION_FUZZ=long")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text, encoding="utf-8") -> path of a new file in a fresh temporary folder."""

    def _write(name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return path

    return _write


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def five_regions(tmp_path: Path) -> Path:
    """An invented country: two states with five regions, a neighbour ring, and its own practices.

    Hand-drawn so that answers can be computed by hand: regions R1-R5, R1..R3 in state North,
    R4..R5 in state South; neighbours R1-R2, R2-R3, R3-R4, R4-R5, R5-R1.
    """
    geo = tmp_path / "fiveland"
    geo.mkdir()
    (geo / "units.csv").write_text(
        "code,name,level,parent,macro_region,lat,lon\n"
        "N,North,state,,Upland,10,20\n"
        "S,South,state,,Lowland,5,20\n"
        "R1,Ashford,region,N,Upland,11,19\n"
        "R2,Brookvale,region,N,Upland,11,21\n"
        "R3,Cedarton,region,N,Upland,9,21\n"
        "R4,Dunmore,region,S,Lowland,6,21\n"
        "R5,Elmstead,region,S,Lowland,5,19\n",
        encoding="utf-8",
    )
    (geo / "adjacency.csv").write_text("a,b\nR1,R2\nR2,R3\nR3,R4\nR4,R5\nR1,R5\n", encoding="utf-8")
    return geo


@pytest.fixture
def fiveland_cases(tmp_path: Path) -> Path:
    path = tmp_path / "fiveland_cases.csv"
    path.write_text(
        "case_id,batch,year,state,region,practices\n"
        "F1,1,2001,North,Ashford,open_data\n"
        "F2,2,2003,North,Brookvale,open_data;e_petition\n"
        "F3,2,2003,South,Elmstead,open_data\n"
        "F4,3,2005,South,Dunmore,e_petition\n"
        "F5,,,North,Cedarton,e_petition\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def fiveland_practices(tmp_path: Path) -> Path:
    path = tmp_path / "fiveland_practices.csv"
    path.write_text(
        "tag_id,label_en,label_zh\nopen_data,Open data,开放数据\ne_petition,E-petitions,电子请愿\n", encoding="utf-8"
    )
    return path
