"""Figures drawn with seaborn and matplotlib on a given Axes (their export: :mod:`diffusion.report.svg_export`).

Importing this module chooses no backend: a notebook keeps its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib
import matplotlib.colors
import matplotlib.patches
import matplotlib.pyplot as plt  # for its types (seaborn imports it anyway)
import matplotlib.ticker
import networkx as nx
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.collections import PatchCollection

from diffusion.i18n import t, translate
from diffusion.report.placement import place_labels

if TYPE_CHECKING:
    from diffusion.report.maps import MapFrame

__all__ = [
    "PlainLogFormatter",
    "adoption_curves",
    "balance_plot",
    "diffusion_network",
    "first_adoption_bars",
    "forest_plot",
    "most_adopted",
    "shown_of",
    "tile_map",
]

PALETTE = "crest"  # sequential: counts and rates
QUALITATIVE = "colorblind"  # categories: practices, regions


#: Points above which a scatter is an image inside the SVG (its axes and text stay vector): 155,000
#: vector points made a 29 MB page and took over a minute to draw.
RASTER_POINTS = 2_000
MAX_MARKERS = 30  # points of a line drawn with markers: more are a thicket (and bytes)
MAX_FIGURE_ROWS = 30  # practices drawn in a heatmap: more make unreadable, multi-megabyte figures


def most_adopted(frame: pd.DataFrame, weight: pd.Series, n: int = MAX_FIGURE_ROWS) -> pd.DataFrame:
    """The ``n`` rows of ``frame`` with the largest ``weight`` (ties by index), in their own order.

    Examples
    --------
    >>> f = pd.DataFrame({"total": [5, 9, 1, 9]}, index=list("abcd"))
    >>> most_adopted(f, f["total"], 2).index.tolist()
    ['b', 'd']
    """
    if len(frame) <= n:
        return frame
    order = pd.DataFrame({"w": weight.to_numpy(), "key": frame.index.astype(str)}, index=range(len(frame)))
    keep = order.sort_values(["w", "key"], ascending=[False, True], kind="stable").index[:n]
    return frame.iloc[sorted(keep)]


def shown_of(drawn: pd.DataFrame, full: pd.DataFrame, what: str) -> str:
    """'12 practices', or 'the 30 most adopted of 200 practices' when a figure shows only some rows.

    Examples
    --------
    >>> f = pd.DataFrame({"total": range(40)})
    >>> shown_of(f.head(30), f, "practices")
    'the 30 most adopted of 40 practices'
    """
    if len(drawn) == len(full):
        return t("{n} {what}", n=len(full), what=what)
    return t("the {k} most adopted of {n} {what}", k=len(drawn), n=len(full), what=what)


def diffusion_network(
    graph: nx.DiGraph,
    *,
    ax: plt.Axes,
    seed: int = 0,
    lang: str = "en",
    size: dict[str, float] | None = None,
    frame: MapFrame | None = None,
) -> plt.Axes:
    """Draw the region diffusion ties: arrows from earlier to later adopters, width by weight.

    With a map ``frame`` and coordinates (``lat``, ``lon``) on every node, nodes sit at their
    places on the frame's equal-area projection over its backdrop; otherwise at a spring layout
    seeded with ``seed``. Node area follows ``size`` (e.g. out-strength). Labels sit under their node,
    or above it, and are left out where they would cover the label of a larger node.
    """
    nodes = sorted(graph.nodes)
    coords = [(graph.nodes[n].get("lat"), graph.nodes[n].get("lon")) for n in nodes]
    if frame is not None and nodes and all(lat is not None and lon is not None for lat, lon in coords):
        xy = frame.project(*np.asarray(coords, dtype=float).T)
        pos = dict(zip(nodes, map(tuple, xy)))
        frame.draw(ax)
        ax.set_aspect("equal")
    else:
        pos = nx.spring_layout(graph, seed=seed) if nodes else {}
    size = size or {}
    biggest = max([*size.values(), 1e-9])
    sizes = [40 + 360 * size.get(n, 0) / biggest for n in nodes]
    colours = sns.color_palette(PALETTE, 4)
    weights = [graph.edges[e].get("weight", 1.0) for e in graph.edges]
    top = max([*weights, 1e-9])
    nx.draw_networkx_edges(
        graph,
        pos,
        ax=ax,
        width=[0.4 + 2.6 * w / top for w in weights],
        alpha=0.45,
        edge_color=[colours[1]],
        arrows=True,
        arrowsize=8,
        node_size=sizes,
    )
    nx.draw_networkx_nodes(
        graph, pos, nodelist=nodes, ax=ax, node_size=sizes, node_color=[colours[3]], edgecolors="white", linewidths=0.8
    )
    key = "label_zh" if lang == "zh" else "label_en"
    labels = {n: str(graph.nodes[n].get(key) or graph.nodes[n].get("label_zh") or n) for n in nodes}
    radius = {n: float(np.sqrt(area / np.pi)) for n, area in zip(nodes, sizes)}  # points, from the marker's area
    # Under the node, else above it, else left out where it would cover a larger node's label; on a
    # pale box: a path effect would turn the text into outlines, and Chinese into empty boxes.
    backing = {"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}
    for n, where in place_labels(ax, pos, radius, labels, fontsize=7).items():
        if where is None:
            continue
        gap = radius[n] + 1.5
        ax.annotate(
            labels[n],
            pos[n],
            xytext=(0, -gap if where == "below" else gap),
            textcoords="offset points",
            ha="center",
            va="top" if where == "below" else "bottom",
            fontsize=7,
            color="#222222",
            bbox=backing,
        )
    ax.set_axis_off()
    return ax


def adoption_curves(
    curves: pd.DataFrame,
    *,
    ax: plt.Axes,
    ylabel: str,
    time: str = "year",
    step: bool = False,
    end: float | None = None,
    lang: str = "en",
) -> plt.Axes:
    """Lines of a value per practice on a true time axis, each named at its end.

    ``curves`` has ``label``, ``value`` and ``x``: the period's start as a decimal year
    (:func:`~diffusion.data.periods.period_years`), or its number where ``time`` is "period" (undated).
    ``step`` and ``end``: see :func:`labelled_lines`.
    """
    labelled_lines(ax, curves, step=step, end=end)
    if (curves["value"].dropna() % 1 == 0).all():  # counts: no tick at 2.5 units
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=8, integer=True))
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:.0f}"))  # 2019, not 2.019e3
    ax.set_xlabel(translate(t("year") if time == "year" else t("period"), lang))
    ax.set_ylabel(translate(ylabel, lang))
    sns.despine(ax=ax)
    return ax


def labelled_lines(ax: plt.Axes, data: pd.DataFrame, *, step: bool = False, end: float | None = None) -> plt.Axes:
    """One line per ``label`` of ``data`` (``label, x, value``) in distinct hues, each named at its end.

    ``step``: a value that holds over its period (a rate), drawn as a step from the period's start,
    the last one until ``end`` (the last period's end: :func:`~diffusion.data.periods.period_edges`).

    Examples
    --------
    >>> data = pd.DataFrame({"label": ["a", "a", "b", "b"], "x": [0, 1, 0, 1], "value": [1, 2, 0, 3]})
    >>> ax = labelled_lines(plt.subplots()[1], data)
    >>> len(ax.lines), [t.get_text() for t in ax.texts]
    (2, ['a', 'b'])
    >>> plt.close(ax.figure)
    """
    names = list(dict.fromkeys(data["label"]))
    colours = dict(zip(names, sns.color_palette(QUALITATIVE, len(names))))  # categories: distinct hues
    for name in names:
        line = data[data["label"] == name].sort_values("x")
        style = {"color": colours[name], "marker": "o" if len(line) <= MAX_MARKERS else None}
        if step:
            x, y = line["x"].to_numpy(dtype=float), line["value"].to_numpy(dtype=float)
            if end is not None and len(line):  # the last period's value holds until its end, unmarked
                x, y = np.append(x, end), np.append(y, y[-1])
            ax.step(x, y, where="post", markevery=range(len(line)), **style)
        else:
            ax.plot(line["x"], line["value"], **style)
    ends = data.sort_values("x").groupby("label", sort=False).tail(1)
    if step and end is not None:
        ends = ends.assign(x=end)
    direct_labels(ax, ends["x"], ends["value"].to_numpy(), list(ends["label"]), colours)
    return ax


def direct_labels(ax: plt.Axes, x, y, names: list[str], colours: dict, min_gap: float = 0.06) -> list[float]:
    """Each line's name at its last point, in its colour, spread apart vertically so none overlap.

    ``min_gap`` is the least distance between labels as a share of the y axis. Returns the label
    heights (data units).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> ax.set_ylim(0, 1)
    (0.0, 1.0)
    >>> [round(v, 2) for v in direct_labels(ax, [1, 1], [0.5, 0.5], ["a", "b"], {"a": "red", "b": "blue"})]
    [0.47, 0.53]
    >>> plt.close(fig)
    """
    values = np.asarray(y, dtype=float)
    low, high = ax.get_ylim()
    order = np.argsort(values, kind="stable")
    placed = values[order].copy()
    for k in range(1, len(placed)):  # push each label up until it clears the one below ...
        placed[k] = max(placed[k], placed[k - 1] + min_gap * (high - low))
    heights = np.empty(len(values))
    heights[order] = placed - (placed.mean() - values.mean() if len(values) else 0.0)  # ... then centre the block
    for xi, yi, name in zip(x, heights, names):
        ax.annotate(
            str(name),
            (xi, yi),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
            color=colours[name],
            annotation_clip=False,
        )
    return heights.tolist()


def tile_map(
    first: pd.Series, tiles: pd.DataFrame, *, ax: plt.Axes, n_periods: int, lang: str = "en", title: str = ""
) -> plt.Axes:
    """Tile-grid map: one square per top-level unit, coloured by the period of first adoption.

    ``first`` maps unit codes to periods (missing = never); ``tiles`` has ``code, row, col``
    and short labels ``label_en``/``label_zh``.
    """
    colours = period_colours(n_periods)
    label = "label_zh" if lang == "zh" else "label_en"
    faces = []
    for code, row, col, text in tiles[["code", "row", "col", label]].itertuples(index=False):
        period = first.get(code)
        reached = period is not None and pd.notna(period)
        faces.append(colours[int(period) - 1] if reached else (0.92, 0.92, 0.92))
        ink = "white" if _luminance(faces[-1]) < 0.45 else "#333333"  # readable on dark and on light tiles
        ax.text(col + 0.47, -row + 0.47, text, ha="center", va="center", fontsize=6, color=ink)
    squares = [matplotlib.patches.Rectangle((col, -row), 0.94, 0.94) for row, col in zip(tiles["row"], tiles["col"])]
    ax.add_collection(PatchCollection(squares, facecolors=faces, edgecolors="white"))  # one artist: faster to save
    ax.set_xlim(tiles["col"].min() - 0.1, tiles["col"].max() + 1.0)
    ax.set_ylim(-tiles["row"].max() - 0.1, 1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=8)
    return ax


def period_colours(n_periods: int) -> list:
    """One colour per period, dark (early: the pilots) to light (late)."""
    return sns.color_palette(PALETTE, max(n_periods, 1))[::-1]


def _luminance(colour) -> float:
    """Relative luminance of an RGB colour (0 black, 1 white), to choose the ink written on it."""
    r, g, b = matplotlib.colors.to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def period_legend(fig: plt.Figure, labels: list[str], lang: str = "en", other=(0.92, 0.92, 0.92)) -> None:
    """A legend of period colours (and ``other``, the colour of "not reached") under a figure of maps."""
    colours = period_colours(len(labels))
    handles = [matplotlib.patches.Patch(color=c, label=lbl) for c, lbl in zip(colours, labels)]
    handles.append(matplotlib.patches.Patch(color=other, label=translate(t("not reached"), lang)))
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), fontsize=7, frameon=False)


def first_adoption_bars(first: pd.Series, labels: dict[str, str], *, ax: plt.Axes, lang: str = "en") -> plt.Axes:
    """Fallback for geographies without a tile layout: units sorted by the period of first adoption."""
    data = first.dropna().sort_values(kind="stable")
    ax.barh([labels.get(c, c) for c in data.index][::-1], data.to_numpy()[::-1], color=sns.color_palette(PALETTE, 3)[1])
    ax.set_xlabel(translate(t("period of first adoption"), lang))
    sns.despine(ax=ax)
    return ax


def forest_plot(coefficients: pd.DataFrame, *, ax: plt.Axes, scale: str = "odds", lang: str = "en") -> plt.Axes:
    """Each term's estimate with its 95 % interval; ratios on a log axis (``scale`` "odds"/"hazard").

    ``coefficients`` has ``term, estimate, lower, upper`` (log ratios, or probabilities for the
    linear model, ``scale="probability"``). An unbounded end is drawn to the axis edge with an arrow.

    Examples
    --------
    >>> table = pd.DataFrame({"term": ["a", "b"], "estimate": [0.5, -0.2], "lower": [0.1, -0.9], "upper": [0.9, 0.5]})
    >>> fig, ax = plt.subplots()
    >>> len(forest_plot(table, ax=ax).lines) >= 3  # a reference line and an interval per term
    True
    >>> plt.close(fig)
    """
    import numpy as np

    data = coefficients.iloc[::-1].reset_index(drop=True)  # the first term on top
    ratio = scale in ("odds", "hazard")
    centre, low, high = (data[c].to_numpy(dtype=float) for c in ("estimate", "lower", "upper"))
    finite = np.concatenate([centre, low[np.isfinite(low)], high[np.isfinite(high)]])
    span = max(np.ptp(finite), 1e-3)
    edge = (finite.min() - 0.05 * span, finite.max() + 0.05 * span)
    y = np.arange(len(data))
    colour = sns.color_palette(PALETTE, 3)[2]
    to_axis = np.exp if ratio else (lambda v: v)
    for i in y:
        if np.isnan(low[i]) and np.isnan(high[i]):
            continue  # no interval computed (p-values only): the point alone
        a, b = max(low[i], edge[0]), min(high[i], edge[1])
        ax.plot(to_axis([a, b]), [i, i], color=colour, linewidth=1.6)
        for end, bound, marker in ((a, low[i], "<"), (b, high[i], ">")):
            if not np.isfinite(bound):
                ax.plot(to_axis(end), i, marker=marker, color=colour)
    ax.plot(to_axis(centre), y, "o", color=colour)
    ax.axvline(1.0 if ratio else 0.0, color="0.5", linestyle="--", linewidth=0.8)
    if ratio:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(PlainLogFormatter())
        ax.xaxis.set_minor_formatter(PlainLogFormatter())
    ax.set_yticks(y, data["term"].tolist())
    label = {
        "odds": t("odds ratio (log scale), 95 % interval"),
        "hazard": t("hazard ratio (log scale), 95 % interval"),
    }.get(scale, t("change in probability, 95 % interval"))
    ax.set_xlabel(translate(label, lang))
    sns.despine(ax=ax)
    return ax


def balance_plot(balance: pd.DataFrame, *, ax: plt.Axes, threshold: float = 0.25, lang: str = "en") -> plt.Axes:
    """Standardised mean differences of pilots with their 95 % intervals (a "Love plot").

    ``balance`` has ``covariate``, ``smd``, ``lower``, ``upper``; dashed lines mark ±``threshold``.

    Examples
    --------
    >>> b = pd.DataFrame({"covariate": ["x", "y"], "smd": [0.5, -0.1], "lower": [0.2, -0.4], "upper": [0.8, 0.2]})
    >>> [round(float(v), 1) for v in balance_plot(b, ax=plt.subplots()[1]).collections[1].get_offsets()[:, 0]]
    [0.5, -0.1]
    """
    y = np.arange(len(balance))[::-1]
    ax.hlines(y, balance["lower"], balance["upper"], color="#555555", linewidth=1)
    ax.scatter(balance["smd"], y, color="#3b6fb6", zorder=3, s=20)
    for x, style in ((0, "-"), (-threshold, "--"), (threshold, "--")):
        ax.axvline(x, color="#999999", linestyle=style, linewidth=0.8)
    ax.set_yticks(y, balance["covariate"])
    ax.set_xlabel(translate(t("standardised mean difference, pilots − all units (95 % interval)"), lang))
    sns.despine(ax=ax)
    return ax


class PlainLogFormatter(matplotlib.ticker.LogFormatter):
    """Labels the ticks matplotlib's log formatter would label, as plain numbers: 0.1, 1, 10, 2.

    The default writes 10⁻¹ in mathtext, which text drawn without mathtext (``SVG_RC``) shows raw.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> ax.set_xscale("log")
    >>> _ = ax.set_xlim(0.05, 300)
    >>> ax.xaxis.set_major_formatter(PlainLogFormatter())
    >>> [ax.xaxis.get_major_formatter()(v) for v in (0.1, 1.0, 10.0, 1000.0)]
    ['0.1', '1', '10', '1000']
    """

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x:g}" if super().__call__(x, pos) else ""
