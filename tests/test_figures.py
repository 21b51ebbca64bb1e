"""The report's figures read well: zero is white, categories have distinct colours and their own labels,
earlier is darker on maps, colour bars and labels do not sit on other marks."""

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from diffusion import load_dataset
from diffusion.measures.counts import counts_by_period_practice
from diffusion.measures.similarity import portfolio_similarity, similarity_linkage
from diffusion.report.figures import adoption_curves, diffusion_network, period_colours
from diffusion.report.matrix_figures import adoption_heatmap, similarity_clustermap

# matplotlib's own font has no Chinese glyphs: it warns while measuring, the browser draws them.
pytestmark = pytest.mark.filterwarnings("ignore:Glyph:UserWarning")


@pytest.fixture(scope="module")
def ds():
    return load_dataset("leading-cases")


def _axes():
    return Figure(figsize=(6, 4)).subplots()


def _luminance(colour) -> float:
    r, g, b = matplotlib.colors.to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_zero_cells_are_white_and_the_counts_have_a_colour_bar(ds):
    counts = counts_by_period_practice(ds)
    ax = adoption_heatmap(counts, ax=_axes())
    cells = ax.collections[0].get_array()
    values = counts.drop(columns=["label_en", "label_zh", "total"]).to_numpy()
    assert np.array_equal(np.ma.getmaskarray(cells).reshape(values.shape), values == 0)  # not drawn: white
    assert len(ax.figure.axes) == 2  # the heatmap and its colour bar
    annotated = [t.get_text() for t in ax.texts]
    assert "0" not in annotated and len(annotated) == int((values > 0).sum())
    ink = {(round(t.get_position()[1] - 0.5), round(t.get_position()[0] - 0.5)): t.get_color() for t in ax.texts}
    darkest, lightest = np.unravel_index(values.argmax(), values.shape), np.argwhere(values == 1)[0]
    assert ink[tuple(darkest)] == "w" and ink[tuple(lightest)] == ".15"  # numbers readable on their cells
    assert not ax.collections[0].get_rasterized()  # few cells: vector
    big = pd.DataFrame(np.arange(1, 30 * 21 + 1).reshape(30, 21), columns=[f"p{i}" for i in range(21)])
    big = big.assign(label_en=[f"x{i}" for i in range(30)], label_zh="", total=1)
    many = adoption_heatmap(big, ax=_axes())
    assert many.collections[0].get_rasterized() and len(many.texts) == 30 * 21  # an image of cells, numbers as text


def test_curves_have_distinct_hues_and_a_label_at_the_end_of_each_line():
    curves = pd.DataFrame(
        {
            "x": [2019.0, 2020.5] * 3,
            "label": ["a", "a", "b", "b", "c", "c"],
            "value": [1, 5, 1, 5, 0, 2],  # a and b end together: their labels must not overlap
        }
    )
    ax = adoption_curves(curves, ax=_axes(), ylabel="reached")
    colours = [line.get_color() for line in ax.lines]
    assert len({matplotlib.colors.to_hex(c) for c in colours}) == 3
    labels = {a.get_text(): a for a in ax.texts}
    assert set(labels) == {"a", "b", "c"} and ax.get_legend() is None
    assert abs(labels["a"].xy[1] - labels["b"].xy[1]) > 0.05 * np.ptp(ax.get_ylim())
    for name, line in zip(["a", "b", "c"], ax.lines):
        assert labels[name].get_color() == line.get_color()  # the label in its line's colour
        assert line.get_xdata().tolist() == [2019.0, 2020.5] and line.get_marker() == "o"  # few points: marked


def test_long_curves_have_no_markers_and_year_ticks():
    years = np.arange(1801, 2001, dtype=float)
    ax = adoption_curves(pd.DataFrame({"x": years, "label": "a", "value": np.arange(200)}), ax=_axes(), ylabel="r")
    assert ax.lines[0].get_marker() in (None, "None", "")  # 200 markers would be a thicket
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(t.isdigit() and len(t) == 4 for t in ticks) and len(ticks) <= 9
    two = adoption_curves(pd.DataFrame({"x": [2000.0, 2001.0], "label": "a", "value": [1, 2]}), ax=_axes(), ylabel="r")
    assert all(float(t) % 1 == 0 for t in two.get_yticks())  # counts of units: no tick at 1.5 units
    share = adoption_curves(
        pd.DataFrame({"x": [2000.0, 2001.0], "label": "a", "value": [0.1, 0.4]}), ax=_axes(), ylabel="r"
    )
    assert any(float(t) % 1 for t in share.get_yticks())  # shares keep their fractions


def test_maps_draw_earlier_periods_darker():
    shades = [_luminance(c) for c in period_colours(5)]
    assert shades == sorted(shades) and shades[0] < shades[-1] - 0.3


def test_the_similarity_colour_bar_is_clear_of_the_dendrograms(ds):
    from diffusion.measures import compare

    level = compare.default_level(ds)
    sim = portfolio_similarity(ds, compare.assign_groups(ds, "province", level), level)
    fig = similarity_clustermap(sim, similarity_linkage(sim))
    grid_axes = fig.axes
    bar = fig.axes[-1].get_position()
    for ax in grid_axes[:-1]:  # heatmap and both dendrograms
        box = ax.get_position()
        overlap = min(bar.x1, box.x1) > max(bar.x0, box.x0) and min(bar.y1, box.y1) > max(bar.y0, box.y0)
        assert not overlap
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_network_labels_sit_below_their_nodes():
    import networkx as nx

    g = nx.DiGraph()
    g.add_node("a", label_en="Alpha", lat=0.0, lon=0.0)
    g.add_node("b", label_en="Beta", lat=1.0, lon=1.0)
    g.add_edge("a", "b", weight=1.0)
    ax = diffusion_network(g, ax=_axes(), size={"a": 1.0, "b": 0.0})
    offsets = {t.get_text(): t.xyann[1] for t in ax.texts}
    assert offsets["Alpha"] < offsets["Beta"] < 0  # the larger node pushes its label further down


def test_each_permutation_test_has_its_null_and_observed_value_drawn(ds):
    from diffusion.report.null_figures import drawable, null_panels
    from diffusion.stats import gradient_test, neighbour_test

    results = [gradient_test(ds, n_permutations=199), neighbour_test(ds, n_permutations=199)]
    assert drawable(results) == results
    axes = Figure(figsize=(6, 3)).subplots(1, 3)
    null_panels([(r, r.name) for r in results], axes)
    for ax, result in zip(axes, results):
        bars = sum(p.get_height() for p in ax.patches)
        assert bars == len(result.null_distribution)  # every draw of the null is in a bar
        assert ax.lines[0].get_xdata()[0] == result.statistic  # the observed value as a line
        assert f"p = {result.p_value:.3g}" in ax.get_title()
    assert not axes[2].axison  # the spare panel is hidden


def test_adopter_categories_are_the_new_adopters_of_each_period_in_their_rogers_colour():
    from diffusion.data.periods import period_edges
    from diffusion.measures.innovativeness import first_adoptions, rogers_categories
    from diffusion.report.spread_figures import adopter_categories, category_colours

    bb = load_dataset("broadband-china")
    cats = rogers_categories(bb)
    ax = adopter_categories(cats, period_edges(bb), ax=_axes())
    drawn = np.zeros(5)
    colours = {}
    starts = period_edges(bb)[:-1].tolist()
    for patch in ax.patches:  # one filled step path per category, over its run of periods
        data = patch.get_data()
        for value, left in zip(data.values, data.edges[:-1]):
            period = starts.index(left) + 1
            drawn[period - 1] += value
            if value:
                colours[period] = matplotlib.colors.to_hex(patch.get_facecolor())
    new = first_adoptions(bb).groupby("period").size().reindex(range(1, 6), fill_value=0)
    assert drawn.tolist() == new.tolist()  # provinces adopting for the first time in each period
    assert ax.get_xlim() == (period_edges(bb)[0], period_edges(bb)[-1])  # the whole time axis, panels compare
    expected = cats.drop_duplicates("period").set_index("period")["category"]
    assert colours == {p: matplotlib.colors.to_hex(category_colours()[c]) for p, c in expected.items()}
    # earlier categories darker, as on the maps
    shades = [sum(matplotlib.colors.to_rgb(category_colours()[c])) for c in ("innovator", "early majority", "laggard")]
    assert shades == sorted(shades)


def _svg_box(svg: str) -> tuple[float, ...]:
    import re

    return tuple(float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split())


def test_the_svg_is_cropped_to_what_is_drawn_also_outside_the_figure():
    from diffusion.report.svg_export import to_svg

    fig = Figure(figsize=(4, 3))  # 288 x 216 pt
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    left, top, width, height = _svg_box(to_svg(fig))  # the axes' box and labels, with 7.2 pt of padding
    assert -7.2 <= left < 40 and -7.2 <= top < 40
    assert 250 < left + width <= 288 + 7.2 and 180 < top + height <= 216 + 7.2
    fig = Figure(figsize=(4, 3))
    fig.text(-0.5, 1.2, "far to the left and above")  # 144 pt left of the figure and 43 pt above it
    left, top, width, height = _svg_box(to_svg(fig))
    assert left == pytest.approx(-144 - 7.2, abs=0.1) and top < -43 - 7.2 + 1  # matplotlib's 0.1 in padding
    assert 100 < width < 200 and height < 30  # the text alone: a figure's empty rectangle is not kept


def test_rasterised_parts_outside_the_figure_are_drawn_whole():
    import base64
    import io
    import re

    from PIL import Image

    from diffusion.report.svg_export import to_svg

    def image_sizes(bar_bottom: float) -> list[tuple[int, int]]:
        fig = Figure(figsize=(4, 3))
        ax = fig.add_axes((0.1, 0.1, 0.8, 0.6))
        mesh = ax.pcolormesh(np.arange(100).reshape(10, 10))
        bar = fig.colorbar(mesh, cax=fig.add_axes((0.1, bar_bottom, 0.8, 0.08)), orientation="horizontal")
        bar.solids.set_rasterized(True)
        svg = to_svg(fig)
        data = re.findall(r'xlink:href="data:image/png;base64,([^"]+)"', svg)
        return [Image.open(io.BytesIO(base64.b64decode(d))).size for d in data]

    within, above = image_sizes(0.8), image_sizes(1.1)  # the colour bar inside, then above the figure
    assert len(within) == len(above) == 1
    assert above[0][0] >= within[0][0] - 2  # all of it, not the part inside the figure's rectangle


def test_a_dollar_sign_in_a_name_is_text_and_log_ticks_are_plain_numbers():
    from matplotlib import rc_context

    from diffusion.report.figures import forest_plot
    from diffusion.report.svg_export import SVG_RC, to_svg

    table = pd.DataFrame({"term": ["fee $5 and $10"], "estimate": [0.5], "lower": [-2.0], "upper": [3.0]})
    with rc_context(SVG_RC):
        fig = Figure(figsize=(4, 3))
        forest_plot(table, ax=fig.subplots(), scale="odds")
        svg = to_svg(fig)
    assert "fee $5 and $10" in svg  # not mathtext between the dollars
    assert "mathdefault" not in svg and ">1<" in svg and ">10<" in svg  # ticks 0.1, 1, 10: no 10^x


def test_a_title_clears_the_offset_text_of_its_y_axis_as_matplotlib_places_it():
    from matplotlib import rc_context

    from diffusion.report.svg_export import SVG_RC, to_svg

    def drawn(title: str, rc: dict) -> tuple[str, float, float, float]:
        with rc_context(rc):
            fig = Figure(figsize=(3, 2))
            ax = fig.subplots()
            ax.plot([0, 1], [2e-7, 5e-7])  # the y axis writes "1e-7" above its top left
            ax.set_title(title, fontsize=8)
            svg = to_svg(fig)
        offset = ax.yaxis.offsetText.get_window_extent().ymax
        return svg, ax.title.get_position()[1], ax.title.get_window_extent().ymin, offset

    auto = {k: v for k, v in SVG_RC.items() if k != "axes.titley"}  # matplotlib's own placement
    for title in ("a long title that reaches over the offset text", "short"):
        svg, y, low, offset = drawn(title, SVG_RC)
        assert (svg, y) == drawn(title, auto)[:2]  # the same place and the same bytes
        if title == "short":
            assert y == 1.0  # clear of the offset text where it stands
        else:
            assert y > 1.0 and low >= offset - 0.01  # lifted above it


def test_looking_for_rasterised_parts_does_not_create_ticks_on_axes_drawn_without_them():
    from diffusion.report.svg_export import to_svg

    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.scatter(np.arange(50), np.arange(50), rasterized=True)
    ax.set_axis_off()
    svg = to_svg(fig)
    assert "data:image/png" in svg  # the rasterised dots are drawn as an image
    assert len(ax.xaxis.__dict__["majorTicks"]) == 1  # the one matplotlib makes with the Axes; none listed
