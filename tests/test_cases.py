import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diffusion import read_cases
from diffusion.errors import DiffusionError, ValidationError

HEADER = "编号,批次,年份,省份,地市,区县,乡镇,村,层级,做法\n"


def problems(path, **kw) -> pd.DataFrame:
    with pytest.raises(ValidationError) as err:
        read_cases(path, **kw)
    return err.value.failures


def test_valid_file_gives_cases_and_events(write):
    path = write(
        "ok.csv",
        HEADER
        + "A1,第一批,2019,湖南省,娄底市,新化县,吉庆镇,油溪桥村,village,积分制、党建引领\n"
        + "A2,4,2022,江苏省,,如东县,,,county,三治融合;Party-building leadership\n"
        + "A3,,,广东省,,仁化县,,,,积分制\n",
    )
    ds = read_cases(path)
    ev = ds.events
    assert len(ds.cases) == 3 and len(ev) == 5
    first = ev[ev["case_id"] == "A1"]
    assert set(first["practice"]) == {"points_system", "party_building"}
    assert set(first["unit_id"]) == {"431322/吉庆镇/油溪桥村"}
    assert first["unit_level"].unique().tolist() == ["village"]
    assert first[["province_code", "prefecture_code", "county_code"]].iloc[0].tolist() == ["43", "431300", "431322"]
    # Known series dates come from the bundled batches table when the series matches; here the
    # series is the file stem, so the calendar is the years given.
    assert ev.loc[ev["case_id"] == "A2", "date"].unique().tolist() == ["2022"]
    assert ev.set_index("case_id")["period"].dropna().astype(int).groupby(level=0).first().to_dict() == {
        "A1": 1,
        "A2": 2,
    }
    unknown = ev[ev["case_id"] == "A3"]
    assert not unknown["time_known"].any() and unknown["period"].isna().all()
    assert (
        ds.coverage_statements()[0] == "ok: 2 cases placed in a batch (official total not given) "
        "(3 cases in the file, 1 without a known batch (kept, left out of timing))."
    )


def test_every_problem_is_reported_at_once(write):
    path = write(
        "bad.csv",
        HEADER
        + "A1,第一批,2019,湖南省,,新化县,,,county,积分制\n"
        + "A1,第二批,2020,湖南省,,津市市,,,county,积分制\n"  # duplicate id (other batch)
        + "A3,late,2019,湖南省,,新化县,,,county,积分制\n"  # unreadable batch
        + "A4,1,2019,湖南省,,新化县,,,county,飞行汽车\n"  # unknown practice
        + "A5,1,2019,湖南省,,新华县,,,county,积分制\n"  # unknown county
        + "A6,1,2019,,,朝阳区,,,county,积分制\n"  # ambiguous
        + "A7,1,2019,广东省,,新化县,,,county,积分制\n"  # not in Guangdong
        + "A8,1,2019,湖南省,,新化县,,,village,积分制\n"  # level vs names
        + "A9,1,19x9,湖南省,,新化县,,,county,积分制\n",
    )  # unreadable year
    f = problems(path).set_index("row")
    assert f.loc[3, "problem"].startswith("duplicate case id (first on row 2; differs in batch")
    assert f.loc[4, ["column", "problem"]].tolist() == ["batch", "unreadable batch"]
    assert f.loc[5, "problem"] == "unknown practice" and f.loc[5, "expected"].startswith("a practice of the vocabulary")
    assert f.loc[6, "problem"] == "unknown county" and "新化县 (431322" in f.loc[6, "expected"]
    assert f.loc[7, "problem"] == "ambiguous place name"
    assert (
        "朝阳区 (110105, 北京市)" in f.loc[7, "expected"] and "朝阳区 (220104, 吉林省, 长春市)" in f.loc[7, "expected"]
    )
    assert f.loc[8, "problem"] == "hierarchy contradiction: not in 广东省 (44)"
    assert "新化县 (431322, 湖南省, 娄底市)" in f.loc[8, "expected"]
    assert f.loc[9, "problem"] == "unit level inconsistent with the names given"
    assert f.loc[10, ["column", "problem"]].tolist() == ["year", "unreadable year"]
    assert len(f) == 8


def test_missing_columns_are_named_with_their_accepted_headers(write):
    f = problems(write("cols.csv", "name,when\nx,2019\n"))
    assert set(f["problem"]) == {"missing required column", "missing place column", "missing time column"}
    assert "编号" in f.loc[f["column"] == "case_id", "expected"].iloc[0]


def test_two_columns_for_one_field(write):
    f = problems(write("twice.csv", "编号,县,区县,年份,做法\nA,新化县,新化县,2019,积分制\n"))
    assert f["problem"].tolist() == ["several columns mean 'county'"]


def test_code_columns_are_checked_against_names(write):
    path = write(
        "codes.csv",
        "case_id,year,province_code,county_code,county,practices\n"
        "A,2019,43,431322,新化县,points_system\n"
        "B,2019,43,440224,,points_system\n"
        "C,2019,43,431322,津市市,points_system\n"
        "D,2019,,999999,,points_system\n",
    )
    f = problems(path).set_index("row")
    assert f.loc[3, "problem"] == "hierarchy contradiction: not in 湖南省 (43)"
    assert f.loc[4, "problem"] == "name does not match county_code 431322"
    assert f.loc[5, "problem"] == "unknown code"
    assert 2 not in f.index


def test_multi_unit_case_shares_one_id(write):
    path = write(
        "cluster.csv",
        "case_id,batch,year,title,prefecture,practices\n"
        "C1,1,2014,长株潭城市群,长沙市,broadband_china\n"
        "C1,1,2014,长株潭城市群,株洲市,broadband_china\n"
        "C1,1,2014,长株潭城市群,株洲市,broadband_china\n",
    )
    f = problems(path)
    assert f["problem"].tolist() == ["duplicate case id (first on row 2; same unit again)"]
    ok = write("cluster_ok.csv", path.read_text(encoding="utf-8").rsplit("C1", 1)[0].rstrip("\n") + "\n")
    ds = read_cases(ok)
    assert ds.coverage()["cases"].tolist() == [1] and ds.coverage()["units"].tolist() == [2]


def test_extend_vocabulary_and_custom_vocabulary(write, fiveland_practices):
    path = write("new.csv", "编号,年份,省份,做法\nA,2020,湖南省,新做法;积分制\n")
    assert problems(path)["value"].tolist() == ["新做法"]
    ds = read_cases(path, extend_vocabulary=True)
    assert sorted(ds.events["practice"]) == ["points_system", "新做法"]
    f = problems(path, vocabulary=fiveland_practices)
    assert f["expected"].iloc[0] == "a practice of the vocabulary; closest: no close name"  # none of fiveland's


def test_allow_unresolved_keeps_the_row_with_a_warning(write):
    path = write("old.csv", "编号,年份,省份,地市,区县,做法\nA,2019,山西省,长治市,长治县,积分制\n")
    assert problems(path)["problem"].tolist() == ["unknown county"]
    ds = read_cases(path, allow_unresolved=True)
    assert ds.events["unit_id"].tolist() == ["140400/长治县"]
    assert ds.events["unit_level"].tolist() == ["county"]
    assert ds.warnings["problem"].iloc[0].startswith("county not in the geography; kept, attached to 长治市")


def test_batch_only_rows_are_dated_from_other_rows_or_a_batches_table(write):
    path = write(
        "b.csv", "编号,系列,批次,年份,省份,做法\nA,s,1,2019,湖南省,积分制\nB,s,1,,江苏省,积分制\nC,s,2,,浙江省,积分制\n"
    )
    f = problems(path)
    assert f["problem"].tolist() == ["batch 2 of series 's' has no year, while other rows are dated"]
    batches = write("batches.csv", "series,batch,date,official_count\ns,1,2019-05,10\ns,2,2020-12,5\n")
    ds = read_cases(path, batches=batches)
    assert ds.events.set_index("unit_id")["date"].to_dict() == {"43": "2019-05", "32": "2019-05", "33": "2020-12"}
    assert ds.coverage_statements()[0].startswith("s: 3 of 15 cases placed in a batch")
    bad = write("bad_batches.csv", "series,batch,date\ns,x,2019\n")
    with pytest.raises(ValidationError, match="unreadable batch"):
        read_cases(path, batches=bad)


def test_conflicting_years_within_a_batch(write):
    path = write("y.csv", "编号,批次,年份,省份,做法\nA,1,2019,湖南省,积分制\nB,1,2020,江苏省,积分制\n")
    assert set(problems(path)["problem"]) == {"batch 1 of series 'y' has several years [2019, 2020]"}


def test_batches_without_any_calendar_order_time_by_themselves(write):
    ds = read_cases(write("nb.csv", "编号,批次,省份,做法\nA,2,湖南省,积分制\nB,1,江苏省,积分制\n"))
    assert ds.events.set_index("unit_id")["period"].to_dict() == {"32": 1, "43": 2}


def test_user_country_end_to_end(five_regions, fiveland_cases, fiveland_practices):
    ds = read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)
    ev = ds.events
    assert ds.geography.population("region") == 5
    assert len(ev) == 6 and int(ev["time_known"].sum()) == 5
    assert ev[ev["practice"] == "open_data"].sort_values("period")[["unit_id", "period"]].values.tolist() == [
        ["R1", 1],
        ["R2", 2],
        ["R5", 2],
    ]
    assert set(ev["macro_region"]) == {"Upland", "Lowland"}
    assert set(ev["state_code"]) == {"N", "S"}


def test_free_text_unit_column_and_english_names(write):
    path = write(
        "units.csv",
        "id,date,place,practice\nA,2020-07,湖南省新化县,points_system\nB,2021,Hunan,list_system\n"
        "C,2021,上海奉贤,清单制\n",
    )
    ds = read_cases(path)
    assert ds.cases.set_index("case_id")[["geo_code", "unit_level"]].values.tolist() == [
        ["431322", "county"],
        ["43", "province"],
        ["310120", "county"],
    ]
    assert ds.events.set_index("case_id")["date"].to_dict() == {"A": "2020-07", "B": "2021", "C": "2021"}


def test_xlsx_with_chinese_headers(tmp_path):
    frame = pd.DataFrame(
        {
            "编号": ["A1", "A2"],
            "批次": ["第一批", "第二批"],
            "年份": [2019, 2020],
            "省份": ["湖南省", "江苏省"],
            "区县": ["新化县", "昆山市"],
            "做法": ["积分制、清单制", "数字化治理"],
        }
    )
    path = tmp_path / "cases.xlsx"
    frame.to_excel(path, index=False)
    ds = read_cases(path)
    assert ds.input["format"] == "xlsx" and ds.input["encoding"] is None
    assert sorted(ds.events["practice"]) == ["digital_governance", "list_system", "points_system"]
    assert ds.events.set_index("practice")["county_code"].to_dict() == {
        "points_system": "431322",
        "list_system": "431322",
        "digital_governance": "320583",
    }


def test_shuffled_rows_give_the_same_events(write):
    rows = [
        "A1,1,2019,湖南省,新化县,积分制",
        "A2,2,2020,江苏省,昆山市,积分制;清单制",
        "A3,2,2020,浙江省,桐乡市,清单制",
        "A4,,,广东省,仁化县,积分制",
    ]
    head = "编号,批次,年份,省份,区县,做法\n"
    a = read_cases(write("a.csv", head + "\n".join(rows) + "\n"), series="s").events
    b = read_cases(write("b.csv", head + "\n".join(rows[::-1]) + "\n"), series="s").events
    pd.testing.assert_frame_equal(a, b)


CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "湖南省",
            "新化县",
            "朝阳区",
            "津市",
            "431322",
            "积分制",
            "清单制;积分制",
            "第一批",
            "2019",
            "2019-05",
            "=1+1",
            "<script>",
            "　",
            "1.0",
            "-",
            "nan",
            "None",
            "、、",
            "；",
        ]
    ),
    st.text(max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=6, max_size=6), min_size=1, max_size=5))
def test_any_cells_end_in_a_dataset_or_our_error(write, rows):
    body = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in r) for r in rows)
    path = write("fuzz.csv", "编号,批次,年份,省份,区县,做法\n" + body + "\n")
    try:
        ds = read_cases(path)
    except DiffusionError:
        return
    assert ds.cases["case_id"].ne("").all()
    assert set(ds.events["case_id"]) <= set(ds.cases["case_id"])
    assert set(ds.events["practice"]) <= set(ds.vocabulary.tags)
    assert ds.events["unit_id"].ne("").all()


def test_a_problem_of_a_repeated_value_is_reported_on_each_of_its_rows_in_order(write):
    path = write(
        "repeat.csv",
        HEADER
        + "A1,1,2019,湖南省,,新华县,,,county,积分制\n"  # unknown county ...
        + ",1,2019,湖南省,,新化县,,,county,飞行汽车\n"  # empty id and unknown practice
        + "A3,1,2019,湖南省,,新华县,,,county,积分制\n",  # ... again
    )
    f = problems(path)
    assert f[["row", "column", "problem"]].values.tolist() == [
        [2, "county", "unknown county"],
        [3, "case_id", "empty case id"],
        [3, "practices", "unknown practice"],
        [4, "county", "unknown county"],
    ]


def test_cases_sharing_an_event_are_listed_together(write):
    path = write(
        "shared.csv",
        "case_id,province,county,batch,year,practices\n"
        "B,湖南省,新化县,1,2019,积分制\n"
        "A,湖南省,新化县,1,2019,积分制;清单制\n"
        "C,浙江省,,1,2019,积分制\n",
    )
    ev = read_cases(path).events.set_index(["unit_id", "practice"])
    assert ev.loc[("431322", "points_system"), ["case_id", "case_ids"]].tolist() == ["A", "A;B"]
    assert ev.loc[("431322", "list_system"), "case_ids"] == "A" and ev.loc[("33", "points_system"), "case_ids"] == "C"
    assert ev["macro_region"].to_dict() == {
        ("33", "points_system"): "East",
        ("431322", "list_system"): "Central",
        ("431322", "points_system"): "Central",
    }
