"""Reliability: outputs never replace an input, a device, a pipe or each other; bad paths fail before the work;
interrupts end cleanly; exports read back; identifiers are checked at the door."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffusion.cli import main
from diffusion.errors import DiffusionError, ParameterError
from diffusion.output import atomic_write, write_csv
from diffusion.writable import output_problem

from .conftest import sha256


def _spread(data: Path, *extra: str) -> list[str]:
    return ["spread", "--data", str(data), *extra]


def test_an_input_is_never_an_output(fiveland_cases, five_regions, fiveland_practices, tmp_path, capsys):
    before = sha256(fiveland_cases)
    geo = ["--geography", str(five_regions), "--practices", str(fiveland_practices)]
    assert main([*_spread(fiveland_cases, "--out", str(fiveland_cases)), *geo]) == 2
    assert "also an input of this command" in capsys.readouterr().err
    assert sha256(fiveland_cases) == before
    # the same file by another name
    other = tmp_path / "sub" / ".." / fiveland_cases.name
    (tmp_path / "sub").mkdir()
    assert main([*_spread(fiveland_cases, "--out", str(other)), *geo]) == 2
    # a file inside the geography folder
    assert main([*_spread(fiveland_cases, "--out", str(five_regions / "units.csv")), *geo]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert sha256(fiveland_cases) == before


def test_two_outputs_never_share_a_path(tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert main(["spread", "--dataset", "leading-cases", "--out", str(out), "--regions", str(out)]) == 2
    assert "--out and --regions are the same file" in capsys.readouterr().err.replace(
        "--regions and --out", "--out and --regions"
    )
    code = main(["compare", "--dataset", "leading-cases", "--out", str(out), "--tests", str(tmp_path / "." / "x.csv")])
    assert code == 2
    assert not out.exists()


def test_special_files_are_not_replaced(tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert main(["spread", "--dataset", "leading-cases", "--out", str(fifo)]) == 2
    assert "named pipe (FIFO), not a regular file" in capsys.readouterr().err
    assert fifo.is_fifo()
    with pytest.raises(DiffusionError, match="named pipe"):
        write_csv(pd.DataFrame({"a": [1]}), fifo)
    assert fifo.is_fifo()
    assert "character device" in output_problem(Path("/dev/null"))
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert main(["spread", "--dataset", "leading-cases", "--out", str(folder)]) == 2
    assert "is a folder, not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize(
    "make",
    [
        lambda t: str(t / "afile.txt" / "out.csv"),  # parent is a file
        lambda t: "",  # empty
        lambda t: str(t / ("x" * 300 + ".csv")),  # name too long
    ],
    ids=["parent-is-a-file", "empty", "name-too-long"],
)
def test_bad_output_paths_fail_before_the_work(make, tmp_path, capsys):
    (tmp_path / "afile.txt").write_text("x")
    missing = tmp_path / "no-such-input.csv"  # reading it would fail: the output is checked first
    start = time.perf_counter()
    assert main(["spread", "--data", str(missing), "--out", make(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "no-such-input" not in err
    assert time.perf_counter() - start < 5


def test_report_folder_must_be_a_folder(tmp_path, capsys):
    target = tmp_path / "reports"
    target.write_text("not a folder")
    assert main(["report", "--dataset", "leading-cases", "--out", str(target)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["spread", "--dataset", "leading-cases", "--out", str(ro / "x.csv")]) == 2
        assert "not writable" in capsys.readouterr().err
    finally:
        ro.chmod(0o700)


def test_disk_full_while_writing_is_our_error_and_leaves_nothing(tmp_path):
    def full(tmp: Path) -> None:
        tmp.write_text("partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(DiffusionError, match=r"No space left on device\. Nothing was written"):
        atomic_write(tmp_path / "x.csv", full)
    assert list(tmp_path.iterdir()) == []


def _marked_processes(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (a run's workers inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize(
    ("sig", "status", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_interrupt_ends_with_one_line_and_no_workers(sig, status, word, tmp_path):
    """A long permutation test on two worker processes, stopped after a few seconds."""
    marker = f"DIFFUSION_TEST_RUN={uuid.uuid4().hex}"
    env = dict(os.environ, **dict([marker.split("=")]))
    out = tmp_path / "result.json"
    argv = [sys.executable, "-m", "diffusion", "test", "neighbour", "--dataset", "leading-cases"]
    argv += ["--permutations", "10000000", "--jobs", "2", "--json", str(out)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status
    assert err.strip().splitlines()[-1].startswith(word) and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".diffusion-tmp-*"))
    deadline = time.time() + 10
    while _marked_processes(marker) and time.time() < deadline:
        time.sleep(0.2)
    assert _marked_processes(marker) == []


def test_stale_temporary_files_of_ours_are_removed(tmp_path):
    stale, fresh, other = tmp_path / ".diffusion-tmp-old.csv", tmp_path / ".diffusion-tmp-new.csv", tmp_path / ".tmp-x"
    for f in (stale, fresh, other):
        f.write_text("x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    write_csv(pd.DataFrame({"a": [1]}), tmp_path / "r.csv")
    assert not stale.exists() and fresh.exists() and other.exists()


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_pair_failing_between_its_two_renames_is_put_back(failure, tmp_path, monkeypatch):
    import diffusion.output as output

    html, meta = tmp_path / "r.html", tmp_path / "r.json"
    html.write_text("old html")
    meta.write_text("old json")
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the first file is published, the second fails
            raise failure
        real(src, dst)

    monkeypatch.setattr(output.os, "replace", replace)
    writers = {html: lambda p: p.write_text("new html"), meta: lambda p: p.write_text("new json")}
    expected = DiffusionError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        output.atomic_write_all(writers)
    assert (html.read_text(), meta.read_text()) == ("old html", "old json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.json"]  # no temporary or backup left
    new = tmp_path / "new.html"
    calls.clear()
    with pytest.raises(expected):
        output.atomic_write_all({new: writers[html], tmp_path / "new.json": writers[meta]})
    assert not new.exists()  # a file that did not exist before is removed again


def test_report_pair_is_tied_by_the_html_hash(tmp_path):
    import hashlib
    import json

    from diffusion import load_dataset
    from diffusion.report.render import write_report

    html = write_report(load_dataset("broadband-china"), tmp_path)
    doc = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    assert doc["html_sha256"] == hashlib.sha256(html.read_bytes()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == [html.name, html.with_suffix(".json").name]


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".json"])
def test_exports_with_characters_xml_forbids_read_back(suffix, tmp_path):
    import json

    import networkx as nx

    from diffusion.network.export import write_graph

    g = nx.DiGraph(title="bell\x07")
    g.add_node("Ash\x07ford", label_en="tab\there", label_zh="\ud800lone", first_period=1)
    g.add_node("Brook\x1bvale", label_en="esc", first_period=2)
    g.add_edge("Ash\x07ford", "Brook\x1bvale", period=2, practice="open\x00data")
    path = write_graph(g, tmp_path / f"g{suffix}")
    if suffix == ".json":
        back = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="links")
    else:
        back = nx.read_graphml(path) if suffix == ".graphml" else nx.read_gexf(path)
    assert back.number_of_nodes() == 2 and back.number_of_edges() == 1
    assert "Ash\\x07ford" in back.nodes
    text = path.read_text(encoding="utf-8")
    assert "\x07" not in text and "\\ud800" in text.replace("\\\\", "\\")


def test_a_case_id_with_a_semicolon_is_refused_at_the_door(five_regions, fiveland_practices, tmp_path, capsys):
    cases = tmp_path / "semi.csv"
    cases.write_text(
        "case_id,batch,year,state,region,practices\n"
        "F;1,1,2001,North,Ashford,open_data\n"
        "F\x072,2,2003,North,Brookvale,open_data\n"
        "F3,2,2003,South,Elmstead,open_data\n",
        encoding="utf-8",
    )
    out = tmp_path / "n.graphml"
    argv = ["network", "--data", str(cases), "--geography", str(five_regions), "--practices", str(fiveland_practices)]
    assert main([*argv, "--export", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("case id with a semicolon or a control character") == 2 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("big.json", '[{"case_id": "a", "practices": "x", "year": ' + "9" * 5000 + "}]", "more than 4,300 digits"),
        (
            "batch.csv",
            "case_id,batch,practices,province\nA,1234567890123456789012345678901234567890,积分制,浙江\n",
            "unreadable batch",
        ),
    ],
    ids=["nested-json", "5000-digit-number", "40-digit-batch"],
)
def test_hostile_files_get_a_clean_error(name, content, message, tmp_path, capsys):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_inputs_that_are_not_files_say_what_they_are(tmp_path, capsys):
    fifo = tmp_path / "cases.csv"
    os.mkfifo(fifo)
    for path, kind in (
        (tmp_path, "is a folder"),
        (fifo, "is a named pipe (FIFO)"),
        (Path("/dev/zero"), "is a character device"),
    ):
        assert main(["validate", str(path)]) == 2
        assert kind in capsys.readouterr().err


def test_compare_counts_must_be_positive(tmp_path, capsys):
    out = tmp_path / "c.csv"
    assert (
        main(["compare", "--dataset", "leading-cases", "--out", str(out), "--bootstrap", "0", "--permutations", "0"])
        == 2
    )
    assert "--bootstrap" in capsys.readouterr().err and not out.exists()


def _laughs(levels: int) -> str:
    lines = ['- &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"- &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join([*lines, f"- test: *a{levels - 1}"]) + "\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_laughs(8), "more than 20 YAML aliases"),
        ("[" * 100_000 + "]" * 100_000, "nested more than 20 levels deep"),
        ("- test: neighbour\n  start: 2019-13-45\n", "month must be in 1..12"),
        ("- test: [neighbour]\n", "unknown or missing test"),
    ],
    ids=["billion-laughs", "nested", "invalid-date", "list-as-name"],
)
def test_hostile_hypotheses_files(content, message, tmp_path, capsys):
    path = tmp_path / "h.yaml"
    path.write_text(content, encoding="utf-8")
    start = time.perf_counter()
    code = main(["report", "--dataset", "broadband-china", "--hypotheses", str(path), "--out", str(tmp_path / "r")])
    assert code == 2 and time.perf_counter() - start < 10
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_absurd_draw_counts_are_refused_at_once(capsys):
    start = time.perf_counter()
    assert main(["test", "neighbour", "--dataset", "leading-cases", "--permutations", "100000000000"]) == 2
    err = capsys.readouterr().err
    assert "[1, 10000000]" in err and "DIFFUSION_MAX_DRAWS" in err and time.perf_counter() - start < 10


def test_limits_are_raised_by_their_variable_and_a_bad_value_is_named(monkeypatch):
    from diffusion.checks import check_draws

    with pytest.raises(ParameterError, match="DIFFUSION_MAX_DRAWS"):
        check_draws("n_permutations", 20_000_000)
    monkeypatch.setenv("DIFFUSION_MAX_DRAWS", "30000000")
    assert check_draws("n_permutations", 20_000_000) == 20_000_000
    monkeypatch.setenv("DIFFUSION_MAX_DRAWS", "many")
    with pytest.raises(DiffusionError, match="DIFFUSION_MAX_DRAWS='many'"):
        check_draws("n_permutations", 999)


def test_a_table_wider_than_the_column_limit_is_refused(tmp_path, capsys, monkeypatch):
    path = tmp_path / "wide.csv"
    path.write_text("case_id,batch,province,practices" + "".join(f",x{i}" for i in range(60)) + "\nA,1,浙江,积分制\n")
    monkeypatch.setenv("DIFFUSION_MAX_COLUMNS", "50")
    assert main(["validate", str(path)]) == 2
    assert "64 columns, more than 50" in capsys.readouterr().err
    monkeypatch.setenv("DIFFUSION_MAX_COLUMNS", "100")
    assert main(["validate", str(path)]) == 0


def test_a_report_of_more_practices_than_it_can_cover_is_refused_before_the_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DIFFUSION_MAX_REPORT_PRACTICES", "3")
    start = time.perf_counter()
    assert main(["report", "--dataset", "leading-cases", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "more than the 3 a report covers" in err and "DIFFUSION_MAX_REPORT_PRACTICES" in err
    assert time.perf_counter() - start < 10 and not list(tmp_path.rglob("*.html"))


def test_closest_names_are_searched_for_the_first_unknown_names_only(tmp_path, capsys):
    """A file of 100,000 unknown names took minutes searching for each one's closest names."""
    from diffusion.data.problems import SUGGESTED

    path, problems = tmp_path / "unknown.csv", tmp_path / "problems.csv"
    rows = "".join(f"C{i},1,山西省,长冶{i}市,积分制\n" for i in range(SUGGESTED + 20))
    path.write_text("case_id,batch,province,prefecture,practices\n" + rows)
    assert main(["validate", str(path), "--problems", str(problems)]) == 2
    expected = pd.read_csv(problems)["expected"]
    assert expected.str.contains("not searched").sum() == 20
    assert expected.iloc[:SUGGESTED].str.contains("长治市").all()


def test_a_huge_place_name_is_refused_quickly_and_shown_cut(tmp_path, capsys):
    """A 100,000-character county took 65 s in the name search (quadratic splitting) and filled the terminal."""
    path = tmp_path / "long.csv"
    path.write_text("case_id,batch,province,county,practices\nX1,1,湖南省," + "某" * 100_000 + ",积分制\n")
    start = time.perf_counter()
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert time.perf_counter() - start < 5
    assert "unknown county" in err and "(+99,800 characters)" in err and len(err) < 2_000


def test_a_lone_surrogate_in_a_json_case_file_is_refused_at_the_door(tmp_path, capsys):
    path = tmp_path / "cases.json"
    path.write_text(
        '[{"case_id": "a\\ud800", "practices": "积分制", "province": "浙江", "batch": 1}]', encoding="utf-8"
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "case 1, key 'case_id'" in err and "lone surrogate" in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_says_so(tmp_path, capsys):
    path = tmp_path / "cases.csv"
    path.write_text("case_id,practices\nA,x\n")
    path.chmod(0)
    try:
        assert main(["validate", str(path)]) == 2
        assert "cannot be read (Permission denied)" in capsys.readouterr().err
    finally:
        path.chmod(0o600)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"levels": ', "invalid JSON at line 1"),
        ('{"levels": 5}', "'levels' must be a list of names"),
        ("[1, 2]", "must be a JSON object"),
    ],
    ids=["nested", "malformed", "wrong-type", "not-an-object"],
)
def test_a_broken_geography_json_is_a_clean_error(content, message, five_regions, fiveland_cases, tmp_path, capsys):
    import shutil

    geo = tmp_path / "geo"
    shutil.copytree(five_regions, geo)
    (geo / "geography.json").write_text(content, encoding="utf-8")
    assert main(["validate", str(fiveland_cases), "--geography", str(geo)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_terminal_escape_sequences_in_cells_are_shown_not_run(tmp_path, capsys):
    path = tmp_path / "cases.csv"
    path.write_text("case_id,batch,practices,province\nA,1,积分制,\x1b[2J\x1b[31m浙江\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[31m" in err


def test_what_commands_print_shows_escape_sequences_not_runs_them(tmp_path, capsys):
    out = tmp_path / "spread\x1b[2J\x1b[31m.csv"
    assert main(["spread", "--dataset", "leading-cases", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.exists() and "\x1b" not in printed and "spread\\x1b[2J\\x1b[31m.csv" in printed


def _workbook(tmp_path: Path, dimension: str | None = None) -> Path:
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["case_id", "batch", "practices", "province"], ["A", 1, "积分制", "浙江"], ["B", 2, "积分制", "江苏"]):
        sheet.append(row)
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    if dimension is None:
        return plain
    claimed = tmp_path / "claimed.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(claimed, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:D3" />', f'<dimension ref="{dimension}" />'.encode())
                assert dimension.encode() in data
            dst.writestr(item, data)
    return claimed


def test_a_worksheet_claiming_a_huge_range_reads_only_its_cells(tmp_path):
    from diffusion.data.io import read_table

    start = time.perf_counter()
    table = read_table(_workbook(tmp_path, "A1:XFD1048576"))
    assert time.perf_counter() - start < 10
    assert table.frame.shape == (2, 4)


def test_a_workbook_that_unpacks_too_far_is_refused(tmp_path, monkeypatch):
    from diffusion.data.io import read_table

    path = _workbook(tmp_path)
    monkeypatch.setenv("DIFFUSION_MAX_UNPACKED_BYTES", "1000")
    with pytest.raises(DiffusionError, match=r"unpacks to .*DIFFUSION_MAX_UNPACKED_BYTES"):
        read_table(path)
    monkeypatch.setenv("DIFFUSION_MAX_UNPACKED_BYTES", str(1 << 30))
    assert read_table(path).frame.shape[0] > 0


PATH_KINDS = ["new", "nested-new", "existing-file", "the-input", "input-by-another-name", "folder", "fifo"]
PATH_KINDS += ["parent-is-a-file", "empty", "long-name", "dot"]


def _output_path(kind: str, folder: Path, data: Path) -> str:
    """An output path of a kind, made in ``folder``; ``data`` is the command's input."""
    made = {
        "new": folder / "out.csv",
        "nested-new": folder / "a" / "b" / "out.csv",
        "existing-file": folder / "old.csv",
        "the-input": data,
        "input-by-another-name": folder / "x" / ".." / data.name,
        "folder": folder / "dir",
        "fifo": folder / "pipe",
        "parent-is-a-file": folder / "old.csv" / "out.csv",
        "long-name": folder / ("n" * 300),
    }
    (folder / "old.csv").write_text("old\n")
    (folder / "dir").mkdir(exist_ok=True)
    (folder / "x").mkdir(exist_ok=True)
    if not (folder / "pipe").exists():
        os.mkfifo(folder / "pipe")
    special = {"empty": "", "dot": "."}
    return special[kind] if kind in special else str(made[kind])


@settings(max_examples=200 if os.environ.get("DIFFUSION_FUZZ") == "long" else 40, deadline=None)
@given(kind=st.sampled_from(PATH_KINDS), second=st.sampled_from([None, *PATH_KINDS]))
def test_every_output_path_is_written_whole_or_refused(tmp_path_factory, kind, second):
    """validate --problems (and a second output for spread-like commands): exit 0 with whole files,
    or exit 2 with nothing changed; never a traceback, the input never touched."""
    folder = tmp_path_factory.mktemp("paths")
    data = folder / "cases.csv"
    data.write_text("case_id,batch,practices,province\nA,1,积分制,浙江\nB,,清单制,Atlantis\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (data, folder / "old.csv") if p.exists()}
    out = _output_path(kind, folder, data)
    argv = ["validate", str(data), "--problems", out]
    if second is not None:  # spread writes two files: --out and --regions
        argv = ["spread", "--data", str(data), "--allow-unresolved", "--out", out]
        argv += ["--regions", _output_path(second, folder, data)]
    code = main(argv)
    assert code in (0, 2)
    assert data.read_bytes() == before[data]
    assert (folder / "pipe").is_fifo() and (folder / "dir").is_dir()
    assert not list(folder.rglob(".diffusion-tmp-*"))
    if code == 2 and kind not in ("new", "nested-new", "existing-file") and second is None:
        assert (folder / "old.csv").read_text() == "old\n"


def test_a_dataset_named_twice_gives_one_report(tmp_path, capsys):
    argv = ["report", "--dataset", "broadband-china", "--dataset", "broadband-china", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert capsys.readouterr().out.split() == [
        str(tmp_path / "broadband-china-report.html"),
        str(tmp_path / "broadband-china-report.json"),
    ]
