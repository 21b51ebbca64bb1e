import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffusion.data.io import _clean_cell, _clean_column, read_table
from diffusion.errors import InputFileError

from .conftest import sha256

TEXT = "编号,省份,做法\nA1,湖南省,积分制\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", b"\xef\xbb\xbf", "UTF-8 with BOM"),
        ("gbk", b"", "GBK"),
        ("utf-16-le", b"\xff\xfe", "UTF-16 (little-endian, with BOM)"),
    ],
)
def test_encodings_are_detected_and_reported(write, encoding, prefix, expected):
    path = write("cases.csv", prefix + TEXT.encode(encoding))
    table = read_table(path)
    assert table.encoding == expected
    assert table.frame.columns.tolist() == ["编号", "省份", "做法"]
    assert table.frame.iloc[0].tolist() == ["A1", "湖南省", "积分制"]


def test_gb18030_only_characters_are_reported_as_gb18030(write):
    # U+20000 (𠀀) is in GB18030 but not in GBK.
    path = write("cases.csv", "编号,名称\nA1,𠀀村\n".encode("gb18030"))
    assert read_table(path).encoding == "GB18030"


def test_row_numbers_follow_the_spreadsheet_and_blank_rows_are_skipped(write):
    path = write("cases.csv", "a,b\n1,2\n,\n3,4\n")
    table = read_table(path)
    assert table.rows == [2, 4]
    assert table.frame["a"].tolist() == ["1", "3"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "the file is empty"),
        (b"  \n\n", "blank.csv", "the file is empty"),
        (b"\x00\x01\x02binary\x00", "bin.csv", "binary file"),
        (b"a;b;c\n1;2;3\n", "semi.csv", "wrong delimiter.*`delimiter` ';'"),
        (b"a,b\n", "header.csv", "no data rows"),
        (b"a,b\n1,2,3\n", "ragged.csv", "line 2 has 3 fields but the header has 2"),
        (b"a,a\n1,2\n", "dup.csv", "repeats the column name"),
        (b"\xff\xfe\xfa", "bad.csv", "UTF-16"),
        (b"{not json", "x.json", "invalid JSON at line 1"),
        (b"[1, 2]", "y.json", "non-empty list of objects"),
        (b"PK\x03\x04garbage", "z.xlsx", "not a valid .xlsx"),
        (b"a,b", "old.xls", "old Excel .xls"),
    ],
)
def test_unreadable_files_raise_specific_errors(write, content, name, message):
    path = write(name, content)
    with pytest.raises(InputFileError, match=message):
        read_table(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        read_table(tmp_path / "nope.csv")


def test_explicit_delimiter_and_tsv(write):
    assert read_table(write("a.csv", "a;b\n1;2\n"), delimiter=";").frame["b"].tolist() == ["2"]
    assert read_table(write("a.tsv", "a\tb\n1\t2\n")).delimiter == "\t"


def test_xlsx_and_json_give_the_same_table_as_csv(write, tmp_path):
    frame = pd.DataFrame({"编号": ["A1", "A2"], "年份": [2019, 2020], "做法": ["积分制", "清单制"]})
    xlsx = tmp_path / "cases.xlsx"
    frame.to_excel(xlsx, index=False)
    js = write("cases.json", json.dumps({"cases": frame.to_dict("records")}, ensure_ascii=False))
    csv = write("cases.csv", frame.to_csv(index=False))
    tables = [read_table(p).frame for p in (xlsx, js, csv)]
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0])
    assert tables[0]["年份"].tolist() == ["2019", "2020"]


def test_json_lists_become_semicolon_separated(write):
    path = write("c.json", json.dumps([{"case_id": "A", "practices": ["积分制", "清单制"]}], ensure_ascii=False))
    assert read_table(path).frame.at[0, "practices"] == "积分制;清单制"


def test_input_file_is_never_modified(write):
    path = write("cases.csv", "\ufeff" + TEXT)
    before = sha256(path)
    read_table(path)
    assert sha256(path) == before


@settings(max_examples=300, deadline=None)
@given(content=st.binary(max_size=400), name=st.sampled_from(["f.csv", "f.tsv", "f.json", "f.xlsx", "f.txt"]))
def test_arbitrary_bytes_either_read_or_raise_our_error(tmp_path_factory, content, name):
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(content)
    try:
        table = read_table(path)
    except InputFileError as exc:
        assert str(exc).startswith(str(path))
    else:
        assert len(table.frame) == len(table.rows) > 0


def csv_module_rows(text: str, sep: str = ",") -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False))


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(
        st.lists(st.text(alphabet='ab,"\n\r;\t 积分 ', max_size=6), min_size=3, max_size=3), min_size=1, max_size=6
    ),
    sep=st.sampled_from([",", "\t", ";"]),
)
def test_fast_parser_reads_what_the_csv_module_reads(cells, sep):
    """The pandas C parser is used only where it agrees with the csv module (else the csv module reads)."""
    import csv
    import io

    from diffusion.data.io import _fast_table

    out = io.StringIO(newline="")
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows([["h1", "h2", "h3"], *cells])
    text = out.getvalue()
    fast = _fast_table(text, sep)
    if fast is not None:
        header, body = fast
        expected = csv_module_rows(text, sep)
        assert header == expected[0]
        width = len(header)
        assert body.tolist() == [(r + [""] * width)[:width] for r in expected[1:]]


def test_quoted_newlines_and_short_rows_read_alike_on_both_paths(write):
    from diffusion.data.io import _fast_table

    text = 'id,name,notes\nA1,"two\nlines","say ""hi"""\nA2,short\n\nA3,x,y\n'
    assert _fast_table(text, ",") is not None and _fast_table(text.replace("A3,x,y", "A3,x,y,"), ",") is None
    fast = read_table(write("fast.csv", text))
    slow = read_table(write("slow.csv", text.replace("A3,x,y", "A3,x,y,")))  # a trailing comma: csv module
    assert fast.frame.to_dict("records") == slow.frame.to_dict("records")
    assert fast.rows == slow.rows == [2, 3, 5]  # rows as a spreadsheet numbers them; the blank row is skipped
    assert fast.frame.loc[0, "name"] == "two\nlines" and fast.frame.loc[0, "notes"] == 'say "hi"'


@pytest.mark.parametrize("delimiter", ["||", ""])
def test_a_delimiter_of_other_than_one_character_is_refused(write, delimiter):
    with pytest.raises(InputFileError, match="the delimiter must be one character"):
        read_table(write("d.csv", "a||b\n1||2\n"), delimiter=delimiter)


def test_a_worksheet_is_chosen_by_name_or_position_and_a_wrong_one_is_named(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["这份表的说明"])
    second = wb.create_sheet("案例")
    second.append(["编号", "省份", "做法"])
    second.append(["A1", "湖南省", "积分制"])
    path = tmp_path / "two_sheets.xlsx"
    wb.save(path)
    assert read_table(path, sheet="案例").frame.iloc[0].tolist() == ["A1", "湖南省", "积分制"]
    assert read_table(path, sheet=1).frame.columns.tolist() == ["编号", "省份", "做法"]
    with pytest.raises(InputFileError, match=r"no worksheet '案例二'; the workbook has \['说明', '案例'\]"):
        read_table(path, sheet="案例二")


@pytest.mark.parametrize(
    ("number_format", "shown"),
    [
        ("yyyy-mm-dd", "2019-05-20"),
        ('yyyy"年"m"月"', "2019-05"),
        ("mmm-yy", "2019-05"),
        ("yyyy", "2019"),
        ('[$-804]yyyy"年"m"月"d"日"', "2019-05-20"),
        ("m/d/yy h:mm", "2019-05-20"),
        ("[Red]yyyy", "2019"),
    ],
)
def test_date_cells_are_read_at_the_precision_the_spreadsheet_shows(tmp_path, number_format, shown):
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["日期"])
    wb.active.append([datetime.datetime(2019, 5, 20, 9, 30)])
    wb.active["A2"].number_format = number_format
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    assert read_table(path).frame.iloc[0, 0] == shown


@given(st.lists(st.text(alphabet=st.sampled_from("ab 县\t\u3000\xa0\u2003\x1c\x85\n"), max_size=6), max_size=30))
@settings(max_examples=200, deadline=None)
def test_a_text_column_is_cleaned_as_cell_by_cell(cells):
    out = _clean_column(pd.Series(cells, dtype=object))
    assert out.tolist() == [_clean_cell(c) for c in cells] and out.dtype == object
