"""diffusion.plot: the report's pictures on the user's axes, time on a true axis, numbers from the analyses."""

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import diffusion
from diffusion.data.periods import calendar_of
from diffusion.errors import DiffusionError
from diffusion.measures.spread import spread_metrics

pytestmark = pytest.mark.filterwarnings("ignore:Glyph:UserWarning")


@pytest.fixture(scope="module")
def ds():
    return diffusion.load_dataset("leading-cases")


def _axes():
    return Figure(figsize=(7, 4)).subplots()


def test_curves_are_the_spread_metrics_at_the_start_dates_of_the_periods(ds):
    two = diffusion.plot.adoption_curves(ds, ax=_axes(), practices=["points_system", "list_system"])
    assert len(two.lines) == 2 and {t.get_text() for t in two.texts} == {"Points-based system", "List-based system"}
    ax = diffusion.plot.adoption_curves(ds, ax=_axes(), practices=["points_system"])
    m = spread_metrics(ds, by_series=False)
    expected = m[(m["metric"] == "provinces_reached") & (m["practice"] == "points_system") & m["batch"].notna()]
    line = ax.lines[0]
    assert line.get_ydata().tolist() == expected.sort_values("batch")["value"].tolist()
    starts = pd.to_datetime(calendar_of(ds).set_index("period")["start"]).loc[expected["batch"].astype(int)]
    # A true time axis, not a category: each period at its start as a decimal year (1 May 2019: 2019 + 120/365).
    years = sorted(d.year + (d.day_of_year - 1) / (366 if d.is_leap_year else 365) for d in starts)
    np.testing.assert_allclose(line.get_xdata(), years)
    assert line.get_xdata()[0] == pytest.approx(2019 + 120 / 365)
    ax.figure.canvas.draw()
    assert {t.get_text() for t in ax.get_xticklabels()} >= {"2020", "2021", "2022"}


def test_the_default_curves_are_the_most_widespread_practices(ds):
    ax = diffusion.plot.adoption_curves(ds, ax=_axes(), top=3)
    m = spread_metrics(ds, by_series=False)
    last = m[m["metric"] == "provinces_reached"].dropna(subset=["batch"]).sort_values("batch")
    final = last.groupby("practice", observed=True)["value"].last()
    assert len(ax.lines) == 3 and sorted(max(line.get_ydata()) for line in ax.lines)[0] >= final.nlargest(3).min()


def test_hazard_steps_and_heatmap(ds):
    ax = diffusion.plot.hazard(ds, ax=_axes(), practices=["points_system"])
    assert len(ax.lines) == 1 and ax.lines[0].get_drawstyle() == "steps-post"
    assert np.nanmax(ax.lines[0].get_ydata()) <= 1  # a share of the units at risk
    from diffusion.data.periods import period_edges

    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert x[-1] == period_edges(ds)[-1] and y[-1] == y[-2]  # the last period's step runs to its end
    assert list(ax.lines[0].get_markevery()) == list(range(len(x) - 1))  # a marker at each period's start only
    ax = diffusion.plot.heatmap(ds, ax=_axes())
    assert ax.collections and len(ax.figure.axes) == 2  # the cells and their colour bar


def test_tile_map_and_a_geography_without_tiles(ds, five_regions, fiveland_cases, fiveland_practices):
    ax = diffusion.plot.tile_map(ds, "points_system", ax=_axes())
    assert len(ax.collections[0].get_paths()) == len(ds.geography.tiles)  # one square per unit
    other = diffusion.read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)
    with pytest.raises(DiffusionError, match="no tile layout"):
        diffusion.plot.tile_map(other, "x", ax=_axes())


def test_results_plot_themselves_and_a_missing_axes_is_made(ds):
    import matplotlib.pyplot as plt

    result = diffusion.stats.gradient_test(ds, n_permutations=99)  # subpackages load on first use
    ax = result.plot(ax=_axes())
    assert ax.lines[0].get_xdata()[0] == result.statistic
    model = diffusion.stats.fit_event_history(ds)
    ax = model.plot()  # no axes given: a new figure of the session's backend
    assert ax.get_yticks().size == len(model.coefficients)
    plt.close(ax.figure)
    assert {"plot", "stats", "write_report"} <= set(dir(diffusion))


def test_report_tests_is_the_report_s_table_of_tests_in_one_call(ds, tmp_path):
    import json

    tests = diffusion.report_tests(ds, seed=0)
    path = diffusion.write_report(ds, tmp_path)
    shown = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["tests"]["table"]
    expected = pd.DataFrame(shown["rows"], columns=shown["columns"])
    assert list(tests.columns) == list(expected.columns)
    pd.testing.assert_series_equal(tests["p_value"], expected["p_value"], check_names=False)
    assert tests["interpretation"].tolist() == expected["interpretation"].tolist()
    chinese = diffusion.report_tests(ds, seed=0, lang="zh")
    assert chinese["p_value"].equals(tests["p_value"])
    assert all(re.search("[\u4e00-\u9fff]", h) for h in [*chinese["hypothesis"], *chinese["interpretation"]])


def test_plot_network_sits_on_the_map_with_labels_that_do_not_cover_each_other():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from diffusion.report.maps import map_frame

    bb = diffusion.load_dataset("broadband-china")
    ax = diffusion.plot.network(bb, ax=_axes())
    geo = bb.geography
    provinces = set(bb.events["province_code"]) - {""}
    names = {t.get_text() for t in ax.texts}
    assert names <= {geo.units.at[c, "name_en"] for c in provinces} and len(names) >= 15
    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()  # the label boxes take their place when drawn
    boxes = [t.get_bbox_patch().get_window_extent(canvas.get_renderer()) for t in ax.texts]
    assert min(b.width for b in boxes) > 10
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    nodes = max(ax.collections, key=lambda c: len(c.get_offsets()) if len(c.get_offsets()) < 100 else 0)
    frame = map_frame(geo)
    codes = sorted(provinces)
    expected = frame.project(geo.units.loc[codes, "lat"], geo.units.loc[codes, "lon"])
    np.testing.assert_allclose(np.asarray(nodes.get_offsets()), expected)


def test_a_dollar_in_a_name_is_a_dollar_sign_under_the_users_settings(tmp_path, five_regions, fiveland_cases):
    import io

    import matplotlib

    names = tmp_path / "dollar_practices.csv"
    rows = ["tag_id,label_en,label_zh", "open_data,Fee $5 and $10,费用", "e_petition,Pay $x$,请愿"]
    names.write_text("\n".join(rows) + "\n", encoding="utf-8")
    other = diffusion.read_cases(fiveland_cases, geography=five_regions, vocabulary=names)
    fig = Figure(figsize=(9, 4))
    mine, curves, grid = fig.subplots(1, 3)
    mine.set_title("$\\alpha$")  # the user's own mathtext, on another axes of the same figure
    with matplotlib.rc_context({"text.parse_math": True, "svg.fonttype": "none"}):
        diffusion.plot.adoption_curves(other, ax=curves, practices=["open_data", "e_petition"])
        diffusion.plot.heatmap(other, ax=grid)  # practices as tick labels, made as the figure is drawn
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg")
    svg = re.sub(r"<!--.*?-->", "", buffer.getvalue(), flags=re.S)  # the writer notes every text's source
    for name in ("Fee $5 and $10", "Pay $x$"):
        assert svg.count(name) == 2  # at the end of its curve and on the heatmap's axis, as written
    assert mine.title.get_parse_math() and "α" in svg  # the user's own title is still mathematics
