"""Realistic messy case files, as office software exports them, each with what the reader must do.

``write_messy_files(folder)`` writes every file and returns their expectations: accepted (with
the warning the user must see, and a check of what was read) or refused (with the problem and the
fix the failure table must give). The files are made here, not stored, so each stays small and
readable; run ``python tests/messy_files.py DIR`` to look at them in a spreadsheet.
"""

from __future__ import annotations

import datetime
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

HEADER = ["编号", "批次", "年份", "省份", "区县", "做法"]


@dataclass
class Messy:
    """A file and what reading it must give."""

    name: str
    accepted: bool
    problem: str  # a warning (accepted) or a failure (refused) that must be reported
    fix: str = ""  # refused: what the fix column must say
    check: Callable | None = field(default=None, repr=False)  # accepted: check(dataset)


def _xlsx(path: Path, rows: list[list], merges: tuple[str, ...] = (), formats: dict[str, str] | None = None) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for span in merges:
        ws.merge_cells(span)
    for cell, number_format in (formats or {}).items():
        ws[cell].number_format = number_format
    wb.save(path)


def _chinese_builtin_format(path: Path, number_format: str, builtin: int) -> None:
    """Store a custom number format under the built-in id Chinese Excel and WPS use for it.

    Those ids (27-36, 50-58) have no format code in the file: readers must know them.
    """
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    styles = parts["xl/styles.xml"].decode()
    code = number_format.replace('"', "&quot;")
    custom = re.search(rf'<numFmt numFmtId="(\d+)" formatCode="{re.escape(code)}"\s*/>', styles)
    assert custom is not None, styles
    styles = styles.replace(custom[0], "").replace(f'numFmtId="{custom[1]}"', f'numFmtId="{builtin}"')
    parts["xl/styles.xml"] = styles.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _csv(path: Path, rows: list[list], encoding: str = "utf-8", sep: str = ",") -> None:
    text = "\n".join(sep.join("" if c is None else str(c) for c in row) for row in rows) + "\n"
    path.write_bytes(text.encode(encoding))


def _dates(ds) -> dict[str, str]:
    return dict(zip(ds.cases["case_id"], ds.cases["date"]))


def write_messy_files(folder: Path) -> list[Messy]:
    folder.mkdir(parents=True, exist_ok=True)
    good = [[1, 1, 2019, "湖南省", "新化县", "积分制"], [2, 1, 2019, "浙江省", "桐乡市", "三治融合"]]
    out: list[Messy] = []

    _xlsx(folder / "title_row.xlsx", [["2019年全国乡村治理典型案例名单"], HEADER, *good], merges=("A1:F1",))
    out.append(Messy("title_row.xlsx", True, "line 2 taken as the header", check=lambda ds: len(ds.cases) == 2))

    grouped = [
        ["编号", "批次", "地点", None, "做法"],
        [None, None, "省份", "区县", None],
        [1, "2022年第四批", "湖南省", "新化县", "积分制"],
        [2, "第四批（2022年）", "浙江省", "桐乡市", "三治融合"],
    ]
    _xlsx(folder / "grouped_header.xlsx", grouped, merges=("C1:D1",))
    out.append(
        Messy(
            "grouped_header.xlsx",
            True,
            "lines 1 and 2 taken as the header",
            check=lambda ds: set(ds.cases["batch"]) == {4} and set(ds.cases["year"]) == {2022},
        )
    )

    dated = [["编号", "日期", "省份", "做法"], [1, datetime.datetime(2022, 11, 1), "湖南省", "积分制"]]
    _xlsx(folder / "excel_date_cells.xlsx", [*dated, [2, datetime.date(2019, 5, 20), "浙江省", "积分制"]])
    out.append(
        Messy(
            "excel_date_cells.xlsx",
            True,
            "",
            check=lambda ds: _dates(ds) == {"1": "2022-11-01", "2": "2019-05-20"},
        )
    )

    _xlsx(
        folder / "excel_month_cells.xlsx",
        [
            ["编号", "日期", "省份", "做法"],
            [1, datetime.date(2022, 11, 1), "湖南省", "积分制"],
            [2, datetime.date(2019, 5, 1), "浙江省", "积分制"],
            [3, datetime.date(2020, 1, 1), "广东省", "积分制"],
        ],
        formats={"B2": 'yyyy"年"m"月"', "B3": "mmm-yy", "B4": "yyyy"},
    )
    _chinese_builtin_format(folder / "excel_month_cells.xlsx", 'yyyy"年"m"月"', 57)  # as Chinese Excel saves it
    out.append(
        Messy(
            "excel_month_cells.xlsx",
            True,
            "",
            check=lambda ds: _dates(ds) == {"1": "2022-11", "2": "2019-05", "3": "2020"},
        )
    )

    _csv(folder / "excel_serials.csv", [["编号", "日期", "省份", "做法"], [1, 44866, "湖南省", "积分制"]])
    out.append(Messy("excel_serials.csv", True, "", check=lambda ds: _dates(ds) == {"1": "2022-11-01"}))

    _xlsx(folder / "total_row.xlsx", [HEADER, *good, ["合计", None, None, None, None, "2个"]])
    out.append(Messy("total_row.xlsx", True, "looks like a total row", check=lambda ds: len(ds.cases) == 2))

    _csv(
        folder / "traditional.csv",
        [
            ["編號", "批次", "省份", "區縣", "做法"],
            [1, "第一批", "廣東省", "", "積分制"],
            [2, "第一批", "湖南省", "新化縣", "積分制"],
        ],
    )
    out.append(
        Messy(
            "traditional.csv",
            True,
            "traditional characters read as simplified",
            check=lambda ds: sorted(ds.cases["unit_id"]) == ["431322", "44"],
        )
    )

    blank = [["编号", None, "年份", "省份", None, "做法"], [1, None, 2019, "湖南省", "备用", "积分制"]]
    _xlsx(folder / "blank_columns.xlsx", blank)
    out.append(Messy("blank_columns.xlsx", True, "has cells but no column name", check=lambda ds: len(ds.cases) == 1))

    years = [["case_id", "year", "province", "practices"]]
    years += [[i, y, p, "积分制"] for i, (y, p) in enumerate([(1691, "湖南省"), (1846, "浙江省"), (2017, "江苏省")])]
    _csv(folder / "years_1691.csv", years)
    out.append(
        Messy(
            "years_1691.csv",
            True,
            "",
            check=lambda ds: (
                ds.coverage_statements()[0] == "years_1691: all 3 cases dated (by year or date; no batches)."
            ),
        )
    )

    _csv(folder / "gbk.csv", [HEADER, *good], encoding="gbk")
    out.append(Messy("gbk.csv", True, "", check=lambda ds: ds.input["encoding"] == "GBK"))

    _csv(folder / "bom.csv", [HEADER, *good], encoding="utf-8-sig")
    out.append(Messy("bom.csv", True, "", check=lambda ds: ds.input["encoding"] == "UTF-8 with BOM"))

    _csv(folder / "unknown_county.csv", [HEADER, [1, 1, 2019, "湖南省", "新华县", "积分制"]])
    out.append(Messy("unknown_county.csv", False, "unknown county", "correct the spelling"))

    _csv(folder / "bad_year.csv", [HEADER, [1, 1, "19x9", "湖南省", "新化县", "积分制"]])
    out.append(Messy("bad_year.csv", False, "unreadable year", "write the year as a number"))

    _csv(folder / "batch_year_conflict.csv", [HEADER, [1, "2022年第四批", 2021, "湖南省", "新化县", "积分制"]])
    out.append(Messy("batch_year_conflict.csv", False, "year differs from the one in the batch cell", "correct"))

    _csv(folder / "unknown_practice.csv", [HEADER, [1, 1, 2019, "湖南省", "新化县", "飞行汽车"]])
    out.append(Messy("unknown_practice.csv", False, "unknown practice", "extend the vocabulary"))

    _xlsx(folder / "no_practices.xlsx", [["编号", "年份", "省份"], [1, 2019, "湖南省"]])
    out.append(Messy("no_practices.xlsx", False, "missing required column", "add a 'practices' column"))

    _csv(folder / "ambiguous.csv", [["编号", "年份", "区县", "做法"], [1, 2019, "朝阳区", "积分制"]])
    out.append(Messy("ambiguous.csv", False, "ambiguous", "give the code"))
    _xlsx(folder / "practice_line_breaks.xlsx", [HEADER, [1, 1, 2019, "湖南省", "新化县", "积分制\n清单制。"]])
    out.append(
        Messy(
            "practice_line_breaks.xlsx",
            True,
            "",
            check=lambda ds: ds.cases["practices"].tolist() == ["points_system;list_system"],
        )
    )

    _xlsx(folder / "wide_years.xlsx", [["省份", "积分制", "清单制"], ["湖南省", 1691, None], ["浙江省", 1846, 2017]])
    out.append(Messy("wide_years.xlsx", True, "wide table read as 3 adoptions", check=lambda ds: len(ds.events) == 3))

    _csv(folder / "practices_joined.csv", [HEADER, [1, 1, 2019, "湖南省", "新化县", "积分制+清单制"]])
    out.append(Messy("practices_joined.csv", False, "practices joined by an unknown separator", "积分制; 清单制"))
    return out


if __name__ == "__main__":
    for m in write_messy_files(Path(sys.argv[1] if len(sys.argv) > 1 else "messy")):
        print(f"{m.name:28} {'accepted' if m.accepted else 'refused':9} {m.problem}")
