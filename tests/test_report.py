from html.parser import HTMLParser

import numpy as np
import pytest

from diffusion import load_dataset, read_cases
from diffusion.report.render import render_report, write_report


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in {"src", "href"} and v]

    def handle_data(self, data):
        self.text.append(data)


def _script(html: str) -> str:
    return html[html.index("<script>") : html.index("</script>")]


def parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def leading_html():
    return render_report(load_dataset("leading-cases"))


def test_report_states_coverage_and_sections(leading_html):
    text = " ".join(parse(leading_html).text)
    assert "26 of 123 cases placed in a batch" in text
    assert "Batches 2 and 3 together: 1 of 72 cases found." in text
    for heading in (
        "Dataset summary",
        "Data and coverage",
        "Adoption by period and practice",
        "Adoption by province",
        "Provenance and reproducibility",
    ):
        assert heading in text
    assert "长治县" in text  # the unresolved county is listed as a warning
    # The event-history model: its forest plot (terms in words, as SVG text) and its coefficient table
    # (each term as code beside its meaning).
    assert "Forest plot of the" in text and "Event-history model: neighbour_share" in text
    assert leading_html.count(">share of neighbours that adopted earlier (horizontal)<") == 2
    assert "<code>neighbour_share</code>" in leading_html


def test_report_is_self_contained_with_text_in_the_svg(leading_html):
    doc = parse(leading_html)
    assert doc.urls == []  # no external resource, not even a link
    assert doc.tags.count("script") == 1  # our own table script, the same in every report
    # the first screen's curves, heatmap, curves, tiles, network, route shares, diffusion tree, thresholds,
    # infectiousness, the tests' null distributions, forest plot, balance, 3 comparison figures
    assert doc.tags.count("svg") == 18 and "text" in doc.tags
    adoption = leading_html[leading_html.index('id="adoption"') :]
    svg = adoption[adoption.index("<svg") : adoption.index("</svg>")]  # the heatmap
    assert "积分制" in svg  # Chinese kept as text, rendered by the browser
    assert "<path" in svg


def test_report_counts_match_the_events(leading_html):
    ds = load_dataset("leading-cases")
    ps = ds.events[(ds.events["practice"] == "points_system")]
    # 1 village (B1-01) + 8 points-list units; 固原 (640400) is on both lists (BX-02, PS2020-03).
    assert ps["unit_id"].nunique() == 9
    # Row: tag, labels, 5 periods (2019-05 village, 2020-07 eight units), time unknown (固原, BX-02), total.
    row = "<td>points_system</td><td>Points-based system</td><td>积分制</td>" + "".join(
        f'<td class="num">{n}</td>' for n in (1, 8, 0, 0, 0, 1, 9)
    )
    assert row in leading_html


def test_report_is_byte_identical_when_built_twice(tmp_path):
    a = write_report(load_dataset("broadband-china"), tmp_path / "a")
    b = write_report(load_dataset("broadband-china"), tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert a.name == "broadband-china-report.html"


PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_user_text_is_escaped(write):
    path = write(
        "evil.csv",
        "case_id,year,province,title,practices,notes\n"
        f'X1,2020,湖南省,"{PAYLOAD}","{PAYLOAD.replace(",", " ")}","=HYPERLINK(1)"\n',
    )
    html = render_report(read_cases(path, extend_vocabulary=True, practice_separator="none"))
    doc = parse(html)
    assert doc.tags.count("script") == 1 and "img" not in doc.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The one script is the template's own: identical to the one in a report of other data.
    assert _script(html) == _script(render_report(load_dataset("broadband-china")))


def test_report_file_name_cannot_leave_the_output_folder(write, tmp_path):
    path = write("..%2F..%2Fevil name.csv", "case_id,year,province,practices\nA,2020,湖南省,积分制\n")
    out = write_report(read_cases(path), tmp_path / "out")
    assert out.parent == tmp_path / "out"
    assert out.name == "..-2F..-2Fevil-name-report.html" or "/" not in out.name


def test_network_section_states_its_policy_and_ranks(leading_html):
    text = " ".join(parse(leading_html).text)
    assert "Diffusion network" in text
    assert (
        "A later adopter of a practice is tied to every earlier adopter; adopters in the same period are not tied"
        in text
    )
    assert "12 adoption events without a known time are left out." in text
    # Hunan (湖南省) adopted the points system first (B1-01, 2019), so it leads the 2020-07 ranking.
    start = leading_html.index("Leading regions of the diffusion network")
    first_row = leading_html[start:].split("<tr>")[2]
    assert "2020-07 (PSC #1)" in first_row and "湖南省" in first_row


def test_spread_section(leading_html):
    text = " ".join(parse(leading_html).text)
    assert "Spread of each practice" in text
    # The points system starts at Youxiqiao village in batch 1 and reaches 7 provinces by batch 4.
    assert (
        "Points-based system (积分制) first appears in 2019-05 (NRGLC #1) at 新化县 吉庆镇 油溪桥村; "
        "by 2022-11 (NRGLC #4) it has reached 7 of 31 provinces (23%)"
    ) in text
    assert "Bass model not identifiable: adopters in only 2 period(s); at least 3 are needed." in text
    assert "Most innovative provinces (Walker score)" in text
    assert leading_html.count("<svg") == 18  # curves on the first screen, 17 in the sections (maps, hazard)


def test_spread_section_draws_the_hazard_of_each_practice_it_draws(monkeypatch):
    from diffusion.report import sections

    ds = load_dataset("leading-cases")
    drawn = {}

    def spy(data, *, ax, ylabel, **kwargs):
        drawn[str(ylabel)] = data
        return real(data, ax=ax, ylabel=ylabel, **kwargs)

    real = sections.adoption_curves
    monkeypatch.setattr(sections, "adoption_curves", spy)
    spread = sections.spread_section(ds, "en")
    hazard, reached = drawn["hazard (new adopters / units at risk)"], drawn["provinces reached"]
    assert set(hazard["label"]) == set(reached["label"]) and hazard["label"].nunique() == 6
    provinces = len(ds.geography.level_units("province"))
    for label, steps in hazard.groupby("label"):
        cumulative = reached[reached["label"] == label].set_index("x")["value"]
        before = cumulative.shift(fill_value=0)
        # new provinces in the period over those the practice had not reached when it began
        assert np.allclose(steps.set_index("x")["value"], (cumulative - before) / (provinces - before))
    points = hazard[hazard["label"] == "Points-based system"].sort_values("x")["value"]
    assert points.iloc[0] == pytest.approx(1 / 31)  # Hunan, batch 1
    assert "of the provinces that a practice had not reached when a period began" in spread["hazard_alt"]


def test_user_geography_without_tiles_gets_bars(five_regions, fiveland_cases, fiveland_practices):
    html = render_report(read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices))
    assert "Bar chart of state units sorted by the period of their first adoption" in html


def test_comparison_section(leading_html):
    text = " ".join(parse(leading_html).text)
    assert "Regional comparison" in text and "counties (denominator)" in text
    assert "Share of units that adopted any practice: highest in East" in text


def test_json_document_beside_the_html(tmp_path):
    import json

    path = write_report(load_dataset("broadband-china"), tmp_path)
    doc = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert doc["coverage"][0].startswith("Broadband China demonstration cities: 117 of 117")
    assert doc["summary"]["cases"] == 158 and "figure" not in doc
    assert doc["tests"]["table"]["columns"][:3] == ["test", "hypothesis", "practice"]
    again = write_report(load_dataset("broadband-china"), tmp_path / "again")
    assert again.with_suffix(".json").read_bytes() == path.with_suffix(".json").read_bytes()


def test_chinese_headings_and_timestamp():
    html = render_report(load_dataset("broadband-china"), lang="zh", timestamp=True)
    text = " ".join(parse(html).text)
    assert "数据概况" in text and "扩散网络" in text and 'lang="zh-CN"' in html
    assert '<th scope="col">官方总数</th>' in html  # table headings too
    assert " UTC" in text
    assert " UTC" not in " ".join(parse(render_report(load_dataset("broadband-china"))).text)


def test_channels_section_comes_first_among_the_tests(leading_html):
    text = " ".join(parse(leading_html).text)
    assert leading_html.index('id="channels"') < leading_html.index('id="tests"')
    assert "54 adoptions of 13 practices by 32 units" in text
    assert "of adoptions had a top-down route open (chance: 76%" in text
    channels = leading_html[leading_html.index('id="channels"') : leading_html.index('id="exposure"')]
    assert channels.count("<svg") == 2 and "Tree of the spread of" in channels
    assert "#3b6fb6" in channels and "#4a9c5d" in channels  # routes drawn in their colours
    assert "Calibration of the horizontal share" in channels  # the method card
    findings = leading_html[leading_html.index('id="findings"') : leading_html.index('id="summary"')]
    assert "had a top-down route open" in findings and "had a horizontal route open" in findings


def test_pilots_section_compares_first_adopters_with_all_provinces(leading_html):
    pilots = leading_html[leading_html.index('id="pilots"') : leading_html.index('id="compare"')]
    text = " ".join(parse(pilots).text)
    assert "the 12 pilots (first-period adopters) look like a random draw of the 31 province units" in text
    assert "log gdp_per_capita" in text and "Selection model: logit over 31 units (12 pilots)" in text
    assert pilots.count("<svg") == 1


def test_exposure_section_and_the_structural_test(leading_html):
    exposure = leading_html[leading_html.index('id="exposure"') : leading_html.index('id="inferred"')]
    text = " ".join(" ".join(parse(exposure).text).split())
    assert "Over the 21 adoptions after each practice's first period it averages 8%" in text
    assert exposure.count("<svg") == 2
    tests = leading_html[leading_html.index('id="tests"') : leading_html.index('id="pilots"')]
    assert "of adoptions had an alter that adopted before them on the geographic adjacency" in tests
    # Every permutation test's null distribution in one figure (the event-history model has its forest plot).
    assert tests.count("<svg") == 2 and "The null distribution of each of the 6 permutation tests" in tests


def test_the_first_screen_is_coverage_a_picture_then_findings_in_plain_words(leading_html):
    start = leading_html.index('id="findings"')
    first_screen = leading_html[start : leading_html.index('id="summary"')]
    coverage = first_screen.index("National Rural Governance Leading Cases: 26 of 123 cases placed in a batch")
    picture, findings = first_screen.index("<svg"), first_screen.index("<li>")
    assert coverage < picture < findings  # coverage in one line, one picture, then the findings
    assert "Line chart of provinces reached per period" in first_screen
    # Each test is its question and a plain answer; the model's odds ratios stay in the tests section.
    assert "Did practices spread to neighbours of earlier adopters more than chance would have it? No clear" in (
        first_screen
    )
    assert "odds of adoption" not in first_screen


def test_a_file_without_any_time_still_gets_a_report(write, tmp_path):
    # Found by the fuzz tests: every section must cope with no timed adoption at all.
    path = write("untimed.csv", "编号,年份,省份,区县,做法\nA,,湖南省,新化县,积分制\nB,,江苏省,,清单制\n")
    report = write_report(read_cases(path), tmp_path / "out")
    text = " ".join(parse(report.read_text(encoding="utf-8")).text)
    assert "2 of 2 adoption events have no known time." in text
    assert "Regional comparison" in text and "Diffusion network" not in text


def test_many_practices_draw_the_most_adopted_and_list_them_all(tmp_path):
    import re

    from diffusion.report.render import report_context
    from diffusion.simulate import SimulationParameters, write_simulation

    params = SimulationParameters(level="province", practices=36, periods=4, pilots=2, seed=1)
    path = write_simulation(tmp_path, params=params, progress=False)
    ds = read_cases(path, vocabulary=path.parent / "practices.csv")
    context = report_context(ds, hypotheses=[], progress=False)
    assert "the 30 most adopted of 36 practices" in context["figure_alt"]
    assert "the table below lists every practice" in context["figure_alt"]
    assert len(context["counts"]["rows"]) == 36  # the table keeps them all
    assert "the 30 most adopted of 36 practices" in context["compare"]["heatmap_alt"]
    # One row label per drawn practice in the heatmap.
    drawn = set(re.findall(r"Synthetic practice \d+", str(context["figure"])))
    assert len(drawn) == 30


def test_sections_on_worker_processes_give_the_same_report():
    import joblib

    from diffusion.report.render import render_html, report_context

    ds = load_dataset("leading-cases")
    with joblib.parallel_config(n_jobs=1):
        serial = render_html(report_context(ds))
    with joblib.parallel_config(backend="loky", n_jobs=2):  # every section in a worker process
        parallel = render_html(report_context(ds))
    assert serial == parallel


def test_warnings_of_a_section_reach_the_caller(monkeypatch):
    import warnings

    from diffusion.report import long_sections

    def warns(*args):
        warnings.warn("drawn from a worker", UserWarning, stacklevel=1)
        return {"ok": True}

    monkeypatch.setattr(long_sections, "pilots_section", warns)
    ds = load_dataset("leading-cases")
    with pytest.warns(UserWarning, match="drawn from a worker"):
        done = long_sections.long_sections(ds, "en", 0, 5, None, n_jobs=1)
    assert done["pilots"] == {"ok": True} and list(done) == list(long_sections.SECTIONS)


def test_scatters_of_many_points_are_images_inside_the_svg():
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from diffusion.report.channel_figures import infection_scatter, threshold_plot
    from diffusion.report.figures import RASTER_POINTS
    from diffusion.report.svg_export import SVG_RC, to_svg

    rng = np.random.default_rng(0)
    for n in (RASTER_POINTS // 4, RASTER_POINTS * 10):
        values = pd.DataFrame({"period": rng.integers(1, 20, n), "threshold": rng.random(n)})
        values = values.assign(infectiousness=rng.random(n), susceptibility=rng.random(n))
        svgs = []
        for draw in (threshold_plot, infection_scatter):
            with plt.rc_context(SVG_RC):
                fig, ax = plt.subplots()
                draw(values, ax=ax)
                svgs.append(to_svg(fig))
        for svg in svgs:
            assert ("<image" in svg) == (n > RASTER_POINTS)  # few points stay vector
            assert len(svg) < 400_000 and "<text" in svg  # small, and the axes stay text


def test_on_paper_no_table_is_cut_and_no_button_is_printed(leading_html):
    import re

    style = leading_html[leading_html.index("<style>") : leading_html.index("</style>")]
    printed = style[style.index("@media print") :]
    assert re.search(r"\.scroll \{ max-height: none; overflow: visible; \}", printed)  # every row on paper
    assert "button.csv" in printed and "display: none" in printed
    assert leading_html.count('<div class="scroll">') >= 10  # the boxes that the rule opens


def test_every_id_on_the_page_is_unique_and_every_reference_resolves(leading_html):
    import re
    from collections import Counter

    ids = re.findall(r'\bid="([^"]+)"', leading_html)
    assert [i for i, n in Counter(ids).items() if n > 1] == []  # 14 figures, each numbered from 1 by matplotlib
    references = set(re.findall(r"url\(#([^)]+)\)", leading_html)) | set(re.findall(r'href="#([^"]+)"', leading_html))
    assert references and references <= set(ids)


def test_the_sections_derive_each_shared_table_once_and_each_gets_its_own_copy(monkeypatch):
    from diffusion.data import periods
    from diffusion.measures import innovativeness, spread
    from diffusion.report.long_sections import long_sections
    from diffusion.report.render import report_context

    ds = load_dataset("leading-cases")
    made: list[tuple] = []  # each table made: its function and level
    for module, name in (
        (spread, "_adopters_by_level"),
        (innovativeness, "_first_adoptions"),
        (periods, "_period_labels"),
    ):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, f=original, n=name: made.append((n, *a[1:])) or f(*a))
    long_sections(ds, "en", 0, 5, None, n_jobs=1)
    assert made.count(("_adopters_by_level",)) == 1  # 18 callers
    assert made.count(("_period_labels",)) == 1  # 9 callers
    assert ("_first_adoptions", "province") in made and len(made) == len(set(made))  # 12 callers
    made.clear()
    report_context(ds, progress=False)
    assert made.count(("_period_labels",)) == 1  # 11 callers: the page's own too
    before = len(made)
    table = spread.adopters_by_level(ds)  # outside a report: made afresh, nothing kept
    table["period"] = -1  # a caller's change reaches no one else
    assert len(made) == before + 1 and (spread.adopters_by_level(ds)["period"] >= 0).all()
