import subprocess
import sys

import pytest

from diffusion.cli import main

from .conftest import sha256

BAD = "编号,年份,省份,区县,做法\nA,2019,湖南省,新华县,积分制\nA,2019,湖南省,新化县,飞行汽车\n"


def test_validate_ok(write, capsys):
    path = write("ok.csv", "编号,年份,省份,区县,做法\nA,2019,湖南省,新化县,积分制\n".encode("gbk"))
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert "valid: no problems found." in captured.out
    assert "encoding GBK" in captured.err
    assert main(["validate", str(path), "--lang", "zh"]) == 0
    assert "(csv，编码 GBK)" in capsys.readouterr().err.replace("（", "(").replace("）", ")")  # a Chinese line


def test_the_command_pauses_the_collector_while_it_starts_and_main_leaves_it_alone(write, capsys):
    import gc

    # The command (diffusion.cli.run): off while importing and reading, then on, with the start-up frozen.
    code = (
        "import argparse, gc\n"
        "from diffusion.cli_collector import pause_collector\nfrom diffusion.cli_input import bundled\n"
        "pause_collector(); off = not gc.isenabled()\n"
        "bundled(argparse.Namespace(), 'leading-cases')\n"
        "print(off, gc.isenabled(), gc.get_freeze_count() > 10_000)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["True", "True", "True"]
    # main() called from Python (a notebook, these tests) never touches the caller's collector.
    frozen = gc.get_freeze_count()
    path = write("ok.csv", "编号,年份,省份,区县,做法\nA,2019,湖南省,新化县,积分制\n".encode("gbk"))
    assert main(["validate", str(path)]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    capsys.readouterr()


def test_validate_bad_prints_the_table_and_exits_2(write, capsys):
    path = write("bad.csv", BAD)
    before = sha256(path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "3 problems found; nothing was written." in err
    assert "unknown county" in err and "unknown practice" in err and "duplicate case id" in err
    assert sha256(path) == before


HEAD = "编号,批次,年份,省份,区县,层级,做法\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("编号;年份;省份;做法\nA;2019;湖南省;积分制\n", "wrong delimiter"),
        ("编号,省份\nA,湖南省\n", "missing required column"),
        (HEAD + "A,1,2019,湖南省,新化县,,积分制\nA,2,2020,湖南省,津市市,,积分制\n", "duplicate case id"),
        (HEAD + "A,第x批,2019,湖南省,新化县,,积分制\n", "unreadable batch"),
        (HEAD + "A,1,二〇一九,湖南省,新化县,,积分制\n", "unreadable year"),
        (HEAD + "A,1,2019,湖南省,新化县,,飞行汽车\n", "unknown practice"),
        (HEAD + "A,1,2019,湖南省,新华县,,积分制\n", "unknown county"),
        (HEAD + "A,1,2019,,朝阳区,,积分制\n", "ambiguous place name"),
        (HEAD + "A,1,2019,广东省,新化县,,积分制\n", "hierarchy contradiction"),
        (HEAD + "A,1,2019,湖南省,新化县,village,积分制\n", "unit level inconsistent"),
    ],
)
def test_report_on_bad_input_writes_nothing(write, tmp_path, capsys, content, message):
    path = write("in.csv", content)
    out = tmp_path / "out"
    assert main(["report", "--data", str(path), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_binary_input(write, capsys):
    path = write("in.csv", bytes(range(256)))
    assert main(["validate", str(path)]) == 2
    assert "binary file" in capsys.readouterr().err


def test_user_country_through_the_cli(five_regions, fiveland_cases, fiveland_practices, tmp_path, capsys):
    out = tmp_path / "reports"
    code = main(
        [
            "report",
            "--data",
            str(fiveland_cases),
            "--geography",
            str(five_regions),
            "--practices",
            str(fiveland_practices),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "fiveland_cases-report.html"), str(out / "fiveland_cases-report.json")]
    html = (out / "fiveland_cases-report.html").read_text(encoding="utf-8")
    assert "Adoption by state" in html and "2 of 2 units at state level" in html
    # The region table lists the states with their English names and macro-regions.
    assert "<td>N</td><td></td><td>North</td><td>Upland</td>" in html  # no Chinese name: left empty


def test_default_report_writes_one_per_bundled_dataset(tmp_path):
    # Run as a user would, from unrelated folders, through python -m, twice in separate processes.
    outputs = []
    for run in ("first", "second"):
        folder = tmp_path / run
        folder.mkdir()
        proc = subprocess.run(
            [sys.executable, "-m", "diffusion", "report"], cwd=folder, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
        paths = proc.stdout.split()
        assert paths == [
            f"reports/{name}-report.{ext}" for name in ("broadband-china", "leading-cases") for ext in ("html", "json")
        ]
        assert sorted(p.name for p in (folder / "reports").iterdir()) == sorted(p.split("/")[1] for p in paths)
        outputs.append([(folder / p).read_bytes() for p in paths])
    assert outputs[0] == outputs[1]  # byte-identical HTML and JSON across processes
    assert all(len(b) > 10_000 for b in outputs[0])


def test_datasets_command(capsys):
    assert main(["datasets"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("broadband-china\t")


def test_network_command_writes_graph_and_centrality(tmp_path, capsys):
    graph, table = tmp_path / "net.graphml", tmp_path / "c.csv"
    code = main(
        [
            "network",
            "--dataset",
            "broadband-china",
            "--level",
            "prefecture",
            "--ties",
            "all",
            "--graph",
            "ties",
            "--export",
            str(graph),
            "--centrality",
            str(table),
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.split() == [str(graph), str(table)]
    import networkx as nx
    import pandas as pd

    g = nx.read_graphml(graph)
    # 117 prefectures, 4 Chongqing districts and 阿拉尔市 (no prefecture), 3 municipalities as provinces.
    assert g.is_directed() and g.number_of_nodes() == 125
    c = pd.read_csv(table, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    keys = ["node", "node_type", "batch", "scope", "graph"]
    assert list(c.columns[:7]) == ["node", "label_en", "label_zh", *keys[1:]]
    assert set(c["graph"]) == {"multimode", "regions", "ties"}
    # The wide file holds exactly the numbers of the long table (every metric, no more rows).
    from diffusion import load_dataset
    from diffusion.network.build import build_network
    from diffusion.network.centrality import centrality

    with pytest.warns(UserWarning):
        long = centrality(build_network(load_dataset("broadband-china"), "prefecture"), n_jobs=1)
    melted = c.drop(columns=["label_en", "label_zh"]).melt(id_vars=keys, var_name="metric").dropna(subset=["value"])
    on = [*keys, "metric"]
    merged = long.astype({k: str for k in on if k != "batch"}).merge(melted, on=on, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) == len(long)
    assert (merged["value_x"] == merged["value_y"]).all()  # written in the shortest form that reads back exactly
    assert c.loc[c["node"] == "region:440300", "label_zh"].iloc[0] == "深圳市"


def test_network_command_chooses_betweenness(tmp_path, capsys):
    import pandas as pd

    table = tmp_path / "c.csv"
    base = ["network", "--dataset", "broadband-china", "--level", "prefecture", "--centrality", str(table)]
    assert main([*base, "--betweenness", "5", "--seed", "2", "--jobs", "1"]) == 0
    metrics = set(pd.read_csv(table, encoding="utf-8-sig").columns)
    assert "betweenness_estimate" in metrics and "betweenness" not in metrics
    assert main([*base, "--betweenness", "none"]) == 0
    assert not {"betweenness", "betweenness_estimate"} & set(pd.read_csv(table, encoding="utf-8-sig").columns)
    assert main([*base, "--paths", "last"]) == 0
    c = pd.read_csv(table, encoding="utf-8-sig")
    assert set(c.loc[c["betweenness"].notna(), "batch"]) == {c["batch"].max()}
    assert "computed for the" in capsys.readouterr().err  # says where they were left out
    with pytest.raises(SystemExit):
        main([*base, "--betweenness", "0"])
    assert "a number of sources >= 1; got '0'" in capsys.readouterr().err


def test_network_command_errors_write_nothing(tmp_path, capsys):
    out = tmp_path / "x.graphml"
    assert main(["network", "--ties", "adjacent", "--level", "county", "--export", str(out)]) == 2
    assert "needs neighbours at level 'county'" in capsys.readouterr().err
    assert main(["network"]) == 2
    assert "nothing to write" in capsys.readouterr().err
    assert not out.exists()


def test_spread_command(tmp_path, capsys):
    out, periods, regions = tmp_path / "m.csv", tmp_path / "p.csv", tmp_path / "r.csv"
    argv = ["spread", "--dataset", "broadband-china", "--out", str(out), "--periods", str(periods)]
    assert main([*argv, "--regions", str(regions)]) == 0
    assert capsys.readouterr().out.split() == [str(out), str(periods), str(regions)]
    import pandas as pd

    m = pd.read_csv(out, encoding="utf-8-sig")
    assert "batch" not in m and {"origin_period", "bass_p", "scale_up_ratio"} <= set(m["metric"])
    p = pd.read_csv(periods, encoding="utf-8-sig")
    reached = p.query("series == 'broadband_china' and practice == 'broadband_china'")
    # Broadband China: 2014, 2015, 2016 (periods 3-5) after the IP years 2012-13, which gained none of it.
    assert reached[["period", "provinces_reached"]].values.tolist() == [[3, 21], [4, 26], [5, 31]]
    r = pd.read_csv(regions, encoding="utf-8-sig", dtype={"region": str})
    assert len(r) == 31 and r["breadth"].max() == 2
    assert main(["spread", "--out", str(out), "--share", "2"]) == 2
    assert "The `share` (--share) parameter must be a number in the range (0, 1]" in capsys.readouterr().err


def test_test_command_prints_and_writes_json(tmp_path, capsys):
    out = tmp_path / "g.json"
    assert main(["test", "gradient", "--dataset", "broadband-china", "--permutations", "199", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("gradient: Did practices reach the macro-regions in the hypothesised order")
    import json

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["n_permutations"] == 199 and data["seed"] == 0 and 0 < data["p_value"] <= 1
    assert data["details"]["pairwise"][0]["earlier"] == "East"
    assert "199 permutations, seed 0); null model: " in printed and "\n  coverage: " in printed
    assert main(["test", "gradient", "--dataset", "broadband-china", "--permutations", "199", "--lang", "zh"]) == 0
    chinese = capsys.readouterr().out
    assert chinese.startswith("gradient: 做法是否按假设的顺序到达各大区域")  # the question, the numbers, the coverage
    assert "199 次置换，种子 0）；零模型：" in chinese and "\n  覆盖范围：" in chinese and "permutations" not in chinese


def test_test_command_unsupported_and_bad_options(tmp_path, capsys):
    assert main(["test", "promotion"]) == 2
    assert "test promotion needs `practice` (--practice)." in capsys.readouterr().err
    assert main(["test", "promotion", "--practice", "points_system"]) == 0
    assert (
        "Not tested: needs adoptions of 'points_system' and of other practices on both sides" in capsys.readouterr().out
    )
    assert main(["test", "promotion", "--practice", "dispute_mediation", "--dataset", "broadband-china"]) == 0
    assert "no dated promotion event of 'dispute_mediation'; give the promotion `date` (--date)." in (
        capsys.readouterr().out
    )
    assert main(["test", "gradient", "--northeast", "Arctic"]) == 2
    assert (
        "The value for `northeast` (--northeast) must be one of ['exclude', 'East', 'Central', 'West']"
        in capsys.readouterr().err
    )


def test_report_with_a_hypotheses_file(tmp_path, capsys):
    from pathlib import Path

    template = Path(__file__).parents[1] / "data" / "template" / "hypotheses.yaml"
    assert main(["report", "--dataset", "leading-cases", "--out", str(tmp_path), "--hypotheses", str(template)]) == 0
    html = (tmp_path / "leading-cases-report.html").read_text(encoding="utf-8")
    assert "from the hypotheses file" in html and "Method cards" in html
    assert html.count("<td><code>neighbour</code></td>") == 3  # all practices, then points_system and list_system
    bad = tmp_path / "bad.yaml"
    bad.write_text("- test: telepathy\n- test: moran\n  colour: red\n", encoding="utf-8")
    assert main(["report", "--out", str(tmp_path / "x"), "--hypotheses", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown or missing test" in err and "unknown option" in err
    assert not (tmp_path / "x").exists()


def test_compare_command(tmp_path, capsys):
    paths = {k: tmp_path / f"{k}.csv" for k in ("out", "tests", "matrix", "similarity", "leaders")}
    args = ["compare", "--dataset", "broadband-china", "--permutations", "99", "--bootstrap", "99"]
    for key, path in paths.items():
        args += [f"--{key}", str(path)]
    assert main(args) == 0
    assert capsys.readouterr().out.split() == [str(p) for p in paths.values()]
    import pandas as pd

    out = pd.read_csv(paths["out"], encoding="utf-8-sig")
    rate = out[(out["measure"] == "adoption_rate")].set_index("group")
    # Prefecture-level units: 85 in the East, 36 of the Northeast (denominators from the geography).
    assert rate.loc["East", "units"] == 85 and rate.loc["Northeast", "units"] == 36
    assert (rate["lower"] <= rate["value"]).all() and (rate["value"] <= rate["upper"]).all()
    matrix = pd.read_csv(paths["matrix"], encoding="utf-8-sig")
    assert set(matrix.columns) >= {"group", "practice", "batch", "adopters", "units", "rate"}
