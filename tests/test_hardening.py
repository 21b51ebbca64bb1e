"""Hostile and malformed inputs, atomic outputs, injection safety, determinism.

The fuzz tests run a short profile by default; ``DIFFUSION_FUZZ=long`` runs 10,000 examples each
(see the README). Every generated file must end in an analysis or in the package's own error —
never another exception, never a partial output file.
"""

from __future__ import annotations

import collections
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diffusion import DiffusionError, ValidationError, load_dataset, read_cases
from diffusion.i18n import translate
from diffusion.measures.counts import counts_by_period_practice, counts_by_region
from diffusion.output import neutralise_formulas, write_csv
from diffusion.report.render import render_report, write_report

LONG = os.environ.get("DIFFUSION_FUZZ") == "long"
OUTCOMES: collections.Counter = collections.Counter()  # of the fuzz: analyses and our errors


@pytest.fixture(scope="module", autouse=True)
def _fuzz_counts():
    """With DIFFUSION_FUZZ_COUNTS=PATH, write how the fuzzed inputs ended (for the closing notes)."""
    yield
    if os.environ.get("DIFFUSION_FUZZ_COUNTS"):
        Path(os.environ["DIFFUSION_FUZZ_COUNTS"]).write_text(json.dumps(dict(OUTCOMES), indent=1) + "\n")


EXAMPLES = 10_000 if LONG else 250
REPORT_EXAMPLES = 300 if LONG else 12

HEADERS = [
    "编号",
    "case_id",
    "批次",
    "batch",
    "年份",
    "year",
    "date",
    "省份",
    "province",
    "地市",
    "区县",
    "county",
    "乡镇",
    "村",
    "做法",
    "practices",
    "unit",
    "层级",
    "来源",
    "备注",
    "标题",
    "series",
    "x",
    "",
    "編號",
    "區縣",
    "地点",
]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "湖南省",
            "新化县",
            "娄底市",
            "朝阳区",
            "湖南新化",
            "431322",
            "43",
            "积分制",
            "清单制、积分制",
            "三治融合；数字乡村",
            "第一批",
            "第十二批",
            "2019",
            "2019年5月",
            "2019-13",
            "=1+1",
            "=cmd|' /C calc'!A0",
            "@SUM(A1)",
            "+1",
            "-1",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "\x00",
            "\x07\x1b[31m",
            "，、；",
            "　",
            "x" * 5000,
            "𠀀村",
            "county",
            "village",
            "high",
            "低",
            "nan",
            "None",
            "\ufeff",
            "'",
            '"',
            "\r\n",
            # What office software exports (issue 14): totals, titles, batch and year in one cell,
            # traditional characters, Excel date serials, early years.
            "合计",
            "Total",
            "全国乡村治理典型案例名单",
            "2022年第四批",
            "第四批（2022年）",
            "廣東省",
            "新化縣",
            "積分制",
            "編號",
            "44866",
            "1691",
            "0846-05",
            "地点",
            # Reliability, round two (issue 20): separators and control characters in ids, digits
            # by the thousand, a 40-digit batch.
            "F;1",
            "F\x072",
            "9" * 5000,
            "1234567890123456789012345678901234567890",
        ]
    ),
    st.text(max_size=12),
)


# Cells a real file has, column by column: files made of them are mostly analysed, so that the
# analysis (not only the reader's refusals) meets the hostile cells injected among them.
VALID_HEADERS = ["编号", "批次", "省份", "区县", "做法", "备注"]
VALID_BATCHES = ["1", "2", "3", "4", "第一批", "第二批", "第四批（2022年）"]
VALID_PLACES = [("湖南省", "新化县"), ("湖南", "新化縣"), ("浙江", "象山县"), ("浙江省", "桐乡市"), ("江苏省", "")]
VALID_PLACES += [("北京市", "朝阳区"), ("四川省", ""), ("广东省", ""), ("廣東省", "")]
VALID_PRACTICES = ["积分制", "清单制", "三治融合", "积分制、清单制", "数字乡村", "網格化管理", "积分制;新做法"]


@st.composite
def mostly_valid_rows(draw) -> list[list[str]]:
    """Rows of real cells under :data:`VALID_HEADERS`; in two files of three, one cell is hostile."""
    n = draw(st.integers(1, 8))
    rows = [
        [
            f"C{i}",
            draw(st.sampled_from(VALID_BATCHES)),
            *draw(st.sampled_from(VALID_PLACES)),
            draw(st.sampled_from(VALID_PRACTICES)),
            draw(CELLS),
        ]
        for i in range(n)
    ]
    if draw(st.integers(0, 2)):
        rows[draw(st.integers(0, n - 1))][draw(st.integers(0, 5))] = draw(CELLS)
    return rows


def _table(headers: list[str], rows: list[list[str]]) -> pd.DataFrame:
    width = len(headers)
    return pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=range(width))


@st.composite
def hostile_files(draw):
    """(file name, bytes): a generated table in some format and encoding, sometimes damaged."""
    headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=9))
    rows = draw(st.lists(st.lists(CELLS, max_size=10), max_size=6))
    kind = draw(st.sampled_from(["csv", "tsv", "json", "xlsx", "bytes", "deep", "surrogate", "valid", "valid"]))
    if kind == "valid":  # mostly valid, in the encodings Chinese software saves
        frame = _table(VALID_HEADERS, draw(mostly_valid_rows()))
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
        return "f.csv", frame.to_csv(index=False, header=VALID_HEADERS).encode(encoding, errors="replace")
    if kind == "bytes":
        return draw(st.sampled_from(["f.csv", "f.json", "f.xlsx"])), draw(st.binary(max_size=600))
    if kind == "deep":  # JSON nested far deeper than any case list
        depth = draw(st.integers(1, 200_000))
        return "f.json", ("[" * depth + "]" * depth).encode()
    if kind == "surrogate":  # a \u escape that encodes half a character
        return "f.json", b'[{"case_id": "a\\ud800", "practices": "x", "province": "\xe6\xb5\x99\xe6\xb1\x9f"}]'
    frame = _table(headers, rows)
    if kind == "json":
        records = [dict(zip(headers, r)) for r in frame.itertuples(index=False, name=None)]
        data = json.dumps(records, ensure_ascii=False).encode("utf-8")
    elif kind == "xlsx":
        buf = io.BytesIO()
        clean = frame.map(lambda v: "".join(ch for ch in str(v) if ch >= " " or ch in "\t\n"))  # openpyxl refuses C0
        clean.columns = ["".join(ch for ch in h if ch >= " ") or f"c{i}" for i, h in enumerate(headers)]
        try:
            clean.to_excel(buf, index=False)
        except ValueError:  # the generator made a table openpyxl cannot store; bytes then
            return "f.xlsx", buf.getvalue()
        data = buf.getvalue()
    else:
        sep = "," if kind == "csv" else "\t"
        text = frame.to_csv(index=False, header=headers, sep=sep)
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]))
        data = text.encode(encoding, errors="replace")
    if draw(st.booleans()) and len(data) > 4:
        # Truncated: cut at a drawn fraction (XLSX bytes vary in length with their timestamps).
        data = data[: max(1, int(len(data) * draw(st.floats(0.01, 0.99))))]
    return f"f.{kind}", data


def _check_ds(ds) -> None:
    """A valid analysis: events, coverage, counts — all consistent with one another."""
    assert len(ds.events) >= 1
    assert set(ds.events["case_id"]) <= set(ds.cases["case_id"])
    assert ds.coverage_statements()
    counts_by_period_practice(ds)
    counts_by_region(ds)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(spec=hostile_files())
def test_every_hostile_file_ends_in_an_analysis_or_our_error(tmp_path_factory, spec):
    name, data = spec
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_bytes(data)
    try:
        ds = read_cases(path, extend_vocabulary=True)
    except DiffusionError as exc:
        OUTCOMES["files: our error"] += 1
        assert str(exc)  # our error, with a message
        if isinstance(exc, ValidationError):
            assert exc.message("zh").count("\n") == str(exc).count("\n")  # every row shown in Chinese too
    else:
        OUTCOMES["files: analysis"] += 1
        _check_ds(ds)
        assert all(translate(line, "zh") for line in ds.coverage_statements())
    assert path.read_bytes() == data  # the input is never modified
    OUTCOMES["files: input unchanged"] += 1


@settings(max_examples=REPORT_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.one_of(st.lists(st.lists(CELLS, min_size=6, max_size=6), min_size=1, max_size=4), mostly_valid_rows()))
def test_reports_of_hostile_files_are_whole_or_absent_and_escaped(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("report")
    path = folder / "cases.csv"
    _table(VALID_HEADERS, rows).to_csv(path, index=False, header=VALID_HEADERS)
    out = folder / "out"
    try:
        ds = read_cases(path, extend_vocabulary=True)
        report = write_report(ds, out)
    except DiffusionError:
        OUTCOMES["reports: our error, nothing written"] += 1
        assert not out.exists() or list(out.iterdir()) == []  # nothing half-written
        return
    OUTCOMES["reports: whole pair"] += 1
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([report.name, report.with_suffix(".json").name])  # no temporary file left behind
    html = report.read_text(encoding="utf-8")
    assert html.count("<script") == 1 and "<img" not in html and "onerror=" not in html.replace("onerror=alert", "")
    json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    from diffusion import output

    def boom(*_, **__):
        raise OSError("disk full")

    monkeypatch.setattr(output.os, "replace", boom)
    with pytest.raises(DiffusionError, match=r"disk full\. Nothing was written"):
        write_report(load_dataset("broadband-china"), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("n_rows", [1, pytest.param(100_000, marks=pytest.mark.slow), 20_000])
def test_one_row_and_large_files(tmp_path, n_rows):
    rng = np.random.default_rng(0)
    counties = load_dataset("leading-cases").geography.level_units("county").index.to_numpy()
    frame = pd.DataFrame(
        {
            "case_id": [f"C{i:06d}" for i in range(n_rows)],
            "year": rng.integers(2001, 2020, n_rows),
            "county_code": rng.choice(counties, n_rows),
            "practices": rng.choice(["积分制", "清单制", "数字化治理", "三治融合"], n_rows),
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    ds = read_cases(path)
    assert len(ds.cases) == n_rows
    _check_ds(ds)


def test_csv_exports_neutralise_formulas(tmp_path):
    hostile = pd.DataFrame(
        {
            "label": ['=HYPERLINK("http://x")', "+1", "-cmd", "@SUM(A1)", "\tx", "ok", "积分制"],
            "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    path = write_csv(hostile, tmp_path / "out.csv")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["label"].tolist() == ['\'=HYPERLINK("http://x")', "'+1", "'-cmd", "'@SUM(A1)", "'\tx", "ok", "积分制"]
    assert back["value"].tolist() == hostile["value"].tolist()  # numbers stay numbers
    assert neutralise_formulas(pd.DataFrame({"=a": [1]})).columns.tolist() == ["'=a"]


def test_data_derived_text_in_cli_csvs_is_neutralised(tmp_path):
    from diffusion.cli import main

    cases = tmp_path / "c.csv"
    cases.write_text("case_id,year,province,practices\nA,2019,湖南省,=2+3\nB,2020,江苏省,=2+3\n", encoding="utf-8")
    out = tmp_path / "net.csv"
    assert main(["network", "--data", str(cases), "--extend-vocabulary", "--centrality", str(out)]) == 0
    labels = pd.read_csv(out, encoding="utf-8-sig")["label_en"]
    assert "'=2+3" in set(labels) and "=2+3" not in set(labels)


def _sha(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_commands_never_modify_inputs(tmp_path, five_regions, fiveland_cases, fiveland_practices):
    from diffusion.cli import main
    from diffusion.data.resources import data_dir

    before = _sha(data_dir()), _sha(five_regions), _sha(fiveland_cases.parent)
    base = ["--data", str(fiveland_cases), "--geography", str(five_regions), "--practices", str(fiveland_practices)]
    assert main(["report", *base, "--out", str(tmp_path / "r")]) == 0
    assert main(["spread", *base, "--out", str(tmp_path / "s.csv")]) == 0
    assert main(["compare", *base, "--by", "province", "--out", str(tmp_path / "c.csv"), "--permutations", "99"]) == 0
    assert main(["report", "--out", str(tmp_path / "b"), "--dataset", "broadband-china"]) == 0
    after = (
        _sha(data_dir()),
        _sha(five_regions),
        {k: v for k, v in _sha(fiveland_cases.parent).items() if k in before[2]},
    )
    assert after == before


def _run(args: list[str], cwd: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "diffusion", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_csv_outputs_are_identical_across_processes(tmp_path):
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        _run(
            ["spread", "--dataset", "broadband-china", "--out", "spread.csv", "--regions", "regions.csv"],
            tmp_path / run,
        )
        _run(
            [
                "compare",
                "--dataset",
                "broadband-china",
                "--out",
                "groups.csv",
                "--leaders",
                "leaders.csv",
                "--permutations",
                "199",
                "--bootstrap",
                "199",
            ],
            tmp_path / run,
        )
    for name in ("spread.csv", "regions.csv", "groups.csv", "leaders.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_different_seed_changes_only_what_is_random():
    from diffusion.report.render import report_context, result_document

    ds = load_dataset("broadband-china")
    a = result_document(report_context(ds, seed=0))
    b = result_document(report_context(ds, seed=1))
    changed = {k for k in a if a[k] != b[k]}
    # Permutation p-values, bootstrap intervals and the key findings quoting them; the seed itself.
    assert changed <= {"channels", "tests", "pilots", "compare", "findings", "seed"}  # exposure: not random
    assert "tests" in changed and "seed" in changed
    for key in ("coverage", "summary", "spread", "network", "counts", "regions"):
        assert a[key] == b[key], key
    assert render_report(ds, seed=0) == render_report(ds, seed=0)
