"""Unit covariates: long and wide files, time-varying values, derived variables, validation, bundled data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from diffusion import ValidationError, load_dataset, read_cases
from diffusion.cli import main
from diffusion.data.covariate_file import read_covariates
from diffusion.data.geography import load_geography


@pytest.fixture(scope="module")
def china():
    return load_geography()


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_long_file_gives_values_by_unit_and_year_and_derived_variables(tmp_path, china):
    path = _write(
        tmp_path,
        "long.csv",
        "unit,year,variable,value\n"
        '湖南省,2020,gdp,"41,781.5"\n'
        "湖南省,2020,census_population,66444864\n"
        "湖南省,2019,gdp,39894.1\n"
        "广东,,coastal,1\n",
    )
    cov = read_covariates(path, china)
    wide = cov.wide(year=2020)
    assert wide.loc["43", "gdp"] == 41781.5  # thousands separator read
    assert wide.loc["43", "gdp_per_capita"] == pytest.approx(41781.5e8 / 66444864)  # yuan per person
    assert wide.loc["44", "coastal"] == 1.0  # time-invariant: in every year
    assert cov.wide(year=2019).loc["44", "coastal"] == 1.0
    # 2019 has GDP but no census population: nothing derived, nothing carried from 2020.
    assert np.isnan(cov.wide(year=2019).loc["43", "census_population"])
    assert np.isnan(cov.wide(year=2019).loc["43", "gdp_per_capita"])
    assert cov.derived == ("gdp_per_capita",)


def test_a_wide_file_with_years_is_a_panel_and_empty_cells_stay_missing(tmp_path, china):
    path = _write(
        tmp_path,
        "wide.csv",
        "省份,区县,年份,财政收入,贫困县\n湖南省,新化县,2019,12.5,1\n湖南省,新化县,2020,,1\n浙江省,宁海县,2020,30,0\n",
    )
    cov = read_covariates(path, china)
    panel = cov.panel(level="county")
    assert panel.loc[("431322", 2019), "财政收入"] == 12.5
    assert np.isnan(panel.loc[("431322", 2020), "财政收入"])  # empty: missing, not dropped, not carried
    assert panel.loc[("330226", 2020), "贫困县"] == 0.0
    assert len(cov.table[cov.table["variable"] == "财政收入"]) == 3  # the empty cell is a row too
    warned = cov.warnings
    assert warned["problem"].tolist() == ["1 of 3 cells empty: kept as missing values"]
    assert warned["column"].tolist() == ["财政收入"] and warned["row"].tolist() == [3]
    summary = cov.summary(china).set_index("variable")
    assert summary.loc["财政收入", "units with a value"] == 2 and summary.loc["财政收入", "empty cells"] == 1
    assert summary.loc["财政收入", "years"] == "2019–2020"
    assert summary.loc["财政收入", "units of the level"] == china.population("county")


def test_every_problem_of_a_covariate_file_is_in_one_table(tmp_path, china):
    path = _write(
        tmp_path,
        "bad.csv",
        "unit,year,gdp\n湖南省,2020,1\n湖南省,2020,2\n朝阳区,2020,3\n新华县,2020,4\n浙江省,20x0,5\n广东省,2020,很多\n",
    )
    with pytest.raises(ValidationError) as err:
        read_covariates(path, china)
    f = err.value.failures
    assert f["row"].tolist() == [3, 4, 5, 6, 7]
    assert f["problem"].tolist() == [
        "value given twice (first on row 2)",
        "ambiguous place name",
        "unknown place",
        "unreadable year",
        "text in a numeric variable",
    ]


def test_a_file_without_units_or_variables_is_refused_with_the_fix(tmp_path, china):
    with pytest.raises(ValidationError, match="missing place column"):
        read_covariates(_write(tmp_path, "a.csv", "name,gdp\nx,1\n"), china)
    with pytest.raises(ValidationError, match="no variable column"):
        read_covariates(_write(tmp_path, "b.csv", "unit,year\n湖南省,2020\n"), china)


def test_bundled_china_covariates_are_the_official_figures(china):
    cov = china.covariates
    wide = cov.wide(year=2020, level="province")
    # Checks named in the source notes: Guangdong 2020 GDP and census population.
    assert wide.loc["44", "gdp"] == 110760.9
    assert wide.loc["44", "census_population"] == 126012510
    assert wide.loc["44", "gdp_per_capita"] == pytest.approx(110760.9e8 / 126012510)
    assert wide["gdp"].notna().sum() == 31 and wide["census_population"].sum() == 1_409_778_724
    gdp = cov.table[cov.table["variable"] == "gdp"]
    assert sorted(gdp["year"].unique()) == list(range(2014, 2021)) and len(gdp) == 217
    # Only 2020 has a census population: GDP per capita is derived for 2020 alone.
    assert set(cov.table.loc[cov.table["variable"] == "gdp_per_capita", "year"]) == {2020}
    prefectures = cov.wide(year=2020, level="prefecture")
    assert prefectures["urban_share"].notna().sum() == 317  # the split is published for 317 prefectures
    assert prefectures["urban_share"].dropna().between(0, 1).all()
    # Municipalities are provinces here: Beijing's urban share is given at province level.
    assert wide.loc["11", "urban_share"] == pytest.approx(19166433 / 21893095)


def test_a_users_covariates_are_added_to_the_bundled_ones_and_replace_a_variable_of_the_same_name(tmp_path):
    path = _write(tmp_path, "mine.csv", "unit,gdp,coastal\n湖南省,1,0\n广东省,2,1\n")
    ds = load_dataset("leading-cases").with_covariates(path)
    variables = ds.covariates.variables
    assert {"coastal", "census_population", "urban_share"} <= set(variables)
    gdp = ds.covariates.table[ds.covariates.table["variable"] == "gdp"]
    assert gdp["value"].tolist() == [1.0, 2.0] and gdp["year"].isna().all()  # the user's, time-invariant


def test_covariates_of_another_geography_are_read_by_its_codes_and_names(
    tmp_path, five_regions, fiveland_cases, fiveland_practices
):
    path = _write(tmp_path, "cov.csv", "region,year,income\nAshford,2001,10\nR2,2001,20\n")
    ds = read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices, covariates=path)
    assert ds.covariates.wide(year=2001)["income"].to_dict() == {"R1": 10.0, "R2": 20.0}
    assert ds.geography.covariates is None


def test_the_command_line_reads_covariates_and_the_report_states_them(
    tmp_path, fiveland_cases, five_regions, fiveland_practices
):
    bad = _write(tmp_path, "bad.csv", "region,income\nNowhere,1\n")
    args = ["validate", str(fiveland_cases), "--geography", str(five_regions), "--practices", str(fiveland_practices)]
    assert main([*args, "--covariates", str(bad)]) == 2
    good = _write(tmp_path, "good.csv", "region,income\nAshford,1\nBrookvale,2\n")
    assert main([*args, "--covariates", str(good)]) == 0
    out = tmp_path / "reports"
    assert main(["report", "--dataset", "leading-cases", "--out", str(out)]) == 0
    html = (out / "leading-cases-report.html").read_text(encoding="utf-8")
    assert "gdp (province, 2014–2020): 31 units with a value" in html
    assert "urban_share (prefecture, 2020): 317 units with a value; derived" in html


def test_covariates_missing_in_a_column_are_counted_not_dropped(tmp_path, china):
    frame = pd.DataFrame({"unit": ["湖南省", "浙江省", "广东省"], "gdp": ["1", "", "—"]})
    path = tmp_path / "gaps.csv"
    frame.to_csv(path, index=False)
    cov = read_covariates(path, china)
    assert cov.table["value"].isna().sum() == 2 and len(cov.table) == 3
    assert cov.warnings["problem"].tolist() == ["2 of 3 cells empty: kept as missing values"]


def test_regions_are_compared_by_terciles_of_a_covariate(tmp_path, five_regions, fiveland_cases, fiveland_practices):
    from diffusion.measures.compare import assign_groups

    path = _write(tmp_path, "income.csv", "region,income\nR1,10\nR2,20\nR3,30\nR4,40\nR5,50\n")
    ds = read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices, covariates=path)
    groups = assign_groups(ds, "covariate:income", "region")
    # Terciles of 10..50: 23.3 and 36.7.
    assert groups.to_dict() == {
        "R1": "income low (≤ 23.3)",
        "R2": "income low (≤ 23.3)",
        "R3": "income middle (≤ 36.7)",
        "R4": "income high (> 36.7)",
        "R5": "income high (> 36.7)",
    }
    # A state's value for its regions, said so; two distinct values cannot make terciles.
    states = _write(tmp_path, "states.csv", "state,income\nNorth,1\nSouth,2\n")
    with (
        pytest.warns(UserWarning, match="5 of 5 units take income from a unit above them"),
        pytest.raises(ValueError, match="fewer than 3 distinct values of income"),
    ):
        assign_groups(ds.with_covariates(states), "covariate:income", "region")


def test_covariates_enter_the_event_history_model_lagged_one_year():
    from diffusion.stats.covariate_terms import add_covariates
    from diffusion.stats.event_history import event_history_test, person_period

    ds = load_dataset("leading-cases")
    pp = person_period(ds)
    with_gdp, notes = add_covariates(pp, ds, ("gdp",))
    # Periods of 2019-2022 look at 2018-2021: GDP is observed to 2020, so 2022 rows use 2020.
    assert notes["gdp"]["year_used"] == {"2022": 2020} and notes["rows_without_value"] == 0
    hunan = (
        with_gdp[(with_gdp["region"] == "43")]
        .merge(ds.calendar[["period", "date"]], on="period")
        .drop_duplicates("period")
        .set_index("date")["gdp"]
    )
    gdp = ds.covariates.wide(level="province", year=2018).loc["43", "gdp"]
    assert hunan.get("2019-05") == gdp  # a 2019 period takes the 2018 value
    # gdp_per_capita exists for 2020 only: periods before 2021 have no earlier value and leave.
    _, notes = add_covariates(pp, ds, ("gdp_per_capita",))
    assert notes["rows_without_value"] == int(
        (pp["period"].map(ds.calendar.set_index("period")["date"]).str[:4] <= "2020").sum()
    )
    r = event_history_test(ds, covariate_terms=("gdp",))
    assert "gdp" in {row["term"] for row in r.details["coefficients"]}
    with pytest.raises(ValueError, match=r"unknown term 'gpd'.*the covariates"):
        event_history_test(ds, covariate_terms=("gpd",))
