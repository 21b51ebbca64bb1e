"""Village- and township-level records from a real, fragmentary list (tests/data; see data/README).

The fragment of the National Rural Governance Demonstration Villages and Towns list carries the
official codes its compiler resolved by hand; our name resolution, given only the names, must
find the same county for every row, and must refuse the development zones that are not in the
code table.
"""

from pathlib import Path

import pandas as pd
import pytest

from diffusion import ValidationError, read_cases

FRAGMENTS = Path(__file__).parent / "data" / "demonstration-villages-fragments.csv"
ZONES = {
    "安顺经济技术开发区",
    "黄果树旅游区",
    "金海湖新区",
    "义龙新区",
    "四川天府新区",
    "张家港经济技术开发区",
    "重庆高新区",
    "万盛经开区",
    "高新区",
    "太白湖新区",
}


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    return pd.read_csv(FRAGMENTS, dtype=str, keep_default_na=False)


@pytest.fixture
def names_only(source, tmp_path) -> Path:
    """The fragment as a case file with names only (codes dropped), one practice per row."""
    is_village = source["unit_level"] == "village"
    cases = pd.DataFrame(
        {
            "编号": [f"V{i:03d}" for i in range(len(source))],
            "批次": source["batch"],
            "年份": source["year"],
            "省份": source["province_zh"],
            "地市": source["prefecture_zh"],
            "区县": source["county_zh"],
            "乡镇": source["township_zh"].where(is_village, source["unit_zh"]),
            "村": source["unit_zh"].where(is_village, ""),
            "层级": source["unit_level"],
            "做法": "demonstration_village",
        }
    )
    path = tmp_path / "villages.csv"
    cases.to_csv(path, index=False, encoding="gb18030")  # one village name is outside GBK
    return path


def test_unknown_zones_are_refused_with_their_names(names_only):
    with pytest.raises(ValidationError) as err:
        read_cases(names_only, extend_vocabulary=True)
    f = err.value.failures
    assert set(f["problem"]) == {"unknown county"}
    assert set(f["value"]) == ZONES and len(f) == 10


def test_names_resolve_to_the_compilers_codes(names_only, source):
    ds = read_cases(names_only, extend_vocabulary=True, allow_unresolved=True)
    assert ds.input["encoding"] == "GB18030"
    new = ds.warnings["problem"] == "new practice added to the vocabulary"
    assert ds.warnings.loc[new, "value"].tolist() == ["demonstration_village"]  # listed, never silent
    assert len(ds.cases) == 121 and len(ds.warnings[~new]) == 10
    assert ds.cases["unit_level"].value_counts().to_dict() == {"village": 99, "township": 22}
    coded = source["county_code"] != ""
    assert coded.sum() == 110
    assert ds.cases.loc[coded.to_numpy(), "county_code"].tolist() == source.loc[coded, "county_code"].tolist()
    # Rows in zones are attached to the prefecture (or province) the row names.
    zone_rows = ds.cases[~coded.to_numpy()]
    assert (zone_rows["county_code"] == "").all()
    assert zone_rows["unit_id"].str.contains("/").all()
