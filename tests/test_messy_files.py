"""The files users really bring: each messy file is read with the right warning, or refused with the right fix."""

from __future__ import annotations

import pytest

from diffusion import ValidationError, read_cases
from diffusion.cli import main
from tests.messy_files import write_messy_files


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("messy")
    return folder, {m.name: m for m in write_messy_files(folder)}


def test_there_are_at_least_fifteen_realistic_files(messy):
    folder, files = messy
    assert len(files) >= 15
    assert {p.suffix for p in folder.iterdir()} == {".csv", ".xlsx"}


def _outcome(folder, m) -> str:
    """ "" if the file is read or refused as it must be, else what went wrong."""
    if m.accepted:
        try:
            ds = read_cases(folder / m.name)
        except ValidationError as exc:
            return f"refused: {exc}"
        if m.problem and not ds.warnings["problem"].str.contains(m.problem, regex=False).any():
            return f"no warning '{m.problem}' in {ds.warnings['problem'].tolist()}"
        return "" if m.check(ds) else "read, but not as expected"
    try:
        read_cases(folder / m.name)
    except ValidationError as exc:
        f = exc.failures
        hit = f[f["problem"].str.contains(m.problem, regex=False)]
        if not len(hit):
            return f"no problem '{m.problem}' in {f['problem'].tolist()}"
        return (
            "" if hit["fix"].str.contains(m.fix, regex=False).any() else f"fix lacks '{m.fix}': {hit['fix'].tolist()}"
        )
    return "accepted, but must be refused"


def test_each_file_is_read_or_refused_as_a_user_needs(messy):
    folder, files = messy
    wrong = {name: why for name, m in files.items() if (why := _outcome(folder, m))}
    assert wrong == {}


def test_the_command_line_refuses_with_the_whole_table_and_writes_it_for_excel(messy, tmp_path, capsys):
    folder, _ = messy
    out = tmp_path / "problems.csv"
    assert main(["validate", str(folder / "bad_year.csv"), "--problems", str(out)]) == 2
    err = capsys.readouterr().err
    assert "write the year as a number, or leave it empty if unknown" in err  # the fix is not cut
    text = out.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and "unreadable year" in text.decode("utf-8-sig")


def test_a_header_line_can_be_given(messy, capsys):
    folder, _ = messy
    assert main(["validate", str(folder / "title_row.xlsx"), "--header-row", "2"]) == 0
    assert "line 2 taken as the header" in capsys.readouterr().err
    assert main(["validate", str(folder / "title_row.xlsx"), "--header-row", "40"]) == 2


def test_years_from_1691_run_through_a_report(messy, tmp_path, capsys):
    folder, _ = messy
    assert main(["report", "--data", str(folder / "years_1691.csv"), "--out", str(tmp_path)]) == 0
    html = (tmp_path / "years_1691-report.html").read_text(encoding="utf-8")
    assert "1691" in html and "all 3 cases dated (by year or date; no batches)" in html


def test_names_are_never_split_or_merged_silently(write):
    path = write(
        "laws.csv", 'id,year,province,practices\n1,1846,湖南,"exemptions act, model"\n2,1850,浙江,homestead act\n'
    )
    ds = read_cases(path, extend_vocabulary=True)
    new = ds.warnings[ds.warnings["problem"] == "new practice added to the vocabulary"]["value"].tolist()
    assert new == ["exemptions act", "model", "homestead act"]  # the split at the comma is listed
    whole = read_cases(path, extend_vocabulary=True, practice_separator="none")
    assert sorted(whole.events["practice"]) == ["exemptions act, model", "homestead act"]
    vocab = write("laws.tsv", "tag_id\tlabel_en\tlabel_zh\nexempt\texemptions act, model\t\nhome\thomestead act\t\n")
    by_label = read_cases(path, vocabulary=vocab)  # a vocabulary's whole labels are matched before splitting
    assert sorted(by_label.events["practice"]) == ["exempt", "home"]


def test_unknown_practices_get_the_closest_labels(write):
    path = write("p.csv", "编号,年份,省份,做法\n1,2019,湖南省,积分\n")
    with pytest.raises(ValidationError) as err:
        read_cases(path)
    expected = err.value.failures.loc[0, "expected"]
    assert expected.startswith("a practice of the vocabulary; closest: 积分制 (points_system)")
    assert len(expected) < 200  # not the whole vocabulary


def test_a_wide_state_policy_table_runs_through_a_report(five_regions, write, tmp_path, capsys):
    """One row per region, a column per law, cells holding the year of adoption (from 1691)."""
    path = write(
        "policies.csv",
        "region,Poor law,Married women's property act,Exemptions act\n"
        "Ashford,1691,1846,\nBrookvale,1702,1850,1860\nCedarton,,1855,1861\nDunmore,1750,,1902\nElmstead,1790,2017,\n",
    )
    argv = ["--data", str(path), "--geography", str(five_regions), "--layout", "wide", "--extend-vocabulary"]
    assert main(["validate", str(path), *argv[2:]]) == 0
    err = capsys.readouterr().err
    assert "wide table read as 11 adoptions" in err and "all 11 cases dated" in err
    assert main(["report", *argv, "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "policies-report.html").read_text(encoding="utf-8")
    assert "Married women&#39;s property act" in html and "1691" in html


def test_a_table_with_a_row_per_practice_and_a_column_per_unit(write):
    path = write("by_practice.csv", "做法,湖南省,浙江省\n积分制,第一批,第二批\n清单制,,3\n")
    ds = read_cases(path, layout="wide")
    got = sorted(zip(ds.cases["unit_id"], ds.cases["practices"], ds.cases["batch"].astype(int)))
    assert got == [("33", "list_system", 3), ("33", "points_system", 2), ("43", "points_system", 1)]
    assert read_cases(write("wide.csv", "省份,积分制,清单制\n湖南省,2019,\n浙江省,2020,2021\n")).events.shape[0] == 3


@pytest.mark.parametrize("suffix", [".dta", ".parquet", ".rds"])
def test_files_of_statistics_software(tmp_path, suffix):
    import datetime

    import pandas as pd

    frame = pd.DataFrame(
        {
            "case_id": ["A", "B"],
            "date": [datetime.datetime(1846, 5, 1), datetime.datetime(2019, 5, 20)],
            "province": ["湖南省", "浙江省"],
            "practices": ["积分制", "清单制"],
        }
    )
    path = tmp_path / f"cases{suffix}"
    if suffix == ".dta":
        frame.to_stata(path, write_index=False, version=118)  # 118: Unicode strings
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        import pyreadr

        pyreadr.write_rds(path, frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d")))
    ds = read_cases(path)
    assert dict(zip(ds.cases["case_id"], ds.cases["date"])) == {"A": "1846-05-01", "B": "2019-05-20"}
    assert ds.input["format"] == {".dta": "stata", ".parquet": "parquet", ".rds": "rds"}[suffix]


def test_a_missing_reader_says_which_extra_to_install(tmp_path, monkeypatch):
    import importlib

    from diffusion import InputFileError

    real = importlib.import_module
    monkeypatch.setattr(
        importlib, "import_module", lambda name: (_ for _ in ()).throw(ImportError) if name == "pyreadr" else real(name)
    )
    path = tmp_path / "cases.rds"
    path.write_bytes(b"X\n\x00")
    with pytest.raises(InputFileError, match=r'needs the package .pyreadr.: pip install "policy-diffusion\[r\]"'):
        read_cases(path)
