import pytest

from diffusion.data.schema import canonical_columns, parse_batch, parse_date, parse_year


def test_chinese_and_english_headers_map_to_canonical_names():
    headers = ["编号", "案例", "省份", "地市", "区县", "乡镇", "村", "批次", "年份", "做法", "Case ID"]
    mapping, clashes = canonical_columns(headers)
    assert [mapping[h] for h in headers[:10]] == [
        "case_id",
        "title",
        "province",
        "prefecture",
        "county",
        "township",
        "village",
        "batch",
        "year",
        "practices",
    ]
    assert clashes == {"case_id": ["编号", "Case ID"]}


def test_geography_levels_are_columns_too():
    mapping, _ = canonical_columns(["state", "state_code", "Region"], levels=("state", "region"))
    assert mapping == {"state": "state", "state_code": "state_code", "Region": "region"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("4.0", 4),
        ("第一批", 1),
        ("第3批", 3),
        ("第十二批", 12),
        ("二十", 20),
        ("Batch 2", 2),
        ("第二批次", 2),
        ("０", None),
        ("-1", None),
        ("early", None),
        ("", None),
    ],
)
def test_parse_batch(text, value):
    assert parse_batch(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2019", 2019),
        ("2019.0", 2019),
        ("2019年", 2019),
        ("1691", 1691),  # state-policy data start in the 1690s
        ("1800", 1800),
        ("19", 19),  # any year from 1 to 9999
        ("0", None),
        ("19x9", None),
        ("2019-05", None),
        ("二〇一九", None),
    ],
)
def test_parse_year(text, value):
    assert parse_year(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2019", "2019"),
        ("2019-5", "2019-05"),
        ("2019年5月", "2019-05"),
        ("2019/05/12", "2019-05-12"),
        ("2019年5月12日", "2019-05-12"),
        ("2019.05", "2019-05"),
        ("2019-02-30", None),
        ("2019-13", None),
        ("May", None),
        ("1846-05-12", "1846-05-12"),
        ("0846年5月", "0846-05"),
        ("0000-05", None),
    ],
)
def test_parse_date(text, value):
    assert parse_date(text) == value
