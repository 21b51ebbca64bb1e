"""Heatmaps of the report: adoption counts, adoption rates, and clustered portfolio similarity.

Drawn with matplotlib's ``pcolormesh`` directly: seaborn's heatmap draws the whole figure once
more with Agg only to decide whether to turn its tick labels (0.1–0.3 s a figure, and a clustermap
draws two). The pictures are the same: zero cells white, a colour bar without outline, numbers in
dark or white ink by the luminance of their cell (seaborn's rule).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from scipy.cluster import hierarchy
from seaborn.utils import relative_luminance

from diffusion.i18n import t, translate
from diffusion.report.figures import PALETTE

__all__ = ["adoption_heatmap", "heatmap", "rate_heatmap", "similarity_clustermap"]

RASTER_CELLS = 300  # cells above which they are an image inside the SVG: 668 cell paths were 150 KB
LIGHT_INK = 0.408  # relative luminance above which a cell's number is dark (seaborn's threshold)


def heatmap(
    data: pd.DataFrame,
    *,
    ax: Axes,
    vmax: float | None = None,
    label: str = "",
    fmt: str | None = None,
    rotation: float = 90,
    linewidth: float = 0.5,
    cbar: dict | None = None,
) -> Axes:
    """Cells of ``data`` (rows top to bottom) shaded from 0, zero cells white, with a colour bar.

    ``fmt``: write each non-zero value in its cell with this format (e.g. "d"). ``rotation``: of the
    column labels. ``cbar``: arguments of the colour bar (default: shrink 0.6). Above
    RASTER_CELLS cells the cells are one image; their numbers stay text.

    Examples
    --------
    >>> ax = Figure().subplots()
    >>> ax = heatmap(pd.DataFrame({"x": [0, 2], "y": [1, 0]}, index=["a", "b"]), ax=ax, fmt="d")
    >>> [t.get_text() for t in ax.texts], len(ax.figure.axes)
    (['1', '2'], 2)
    """
    values = data.to_numpy(dtype=float)
    cells = np.ma.masked_where((values == 0) | np.isnan(values), values)  # not drawn, so white
    top = vmax if vmax is not None else float(np.nanmax(values, initial=0.0)) or 1.0
    mesh = ax.pcolormesh(cells, cmap=PALETTE, vmin=0, vmax=top, edgecolors="#eeeeee", linewidth=linewidth)
    mesh.set_rasterized(values.size > RASTER_CELLS)
    ax.set(xlim=(0, values.shape[1]), ylim=(values.shape[0], 0))  # first row on top
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(np.arange(values.shape[1]) + 0.5, [str(c) for c in data.columns], rotation=rotation)
    ax.set_yticks(np.arange(values.shape[0]) + 0.5, [str(r) for r in data.index], va="center")
    bar = ax.figure.colorbar(mesh, ax=ax, label=label, **(cbar or {"shrink": 0.6}))
    bar.outline.set_linewidth(0)
    if fmt is not None:
        mesh.update_scalarmappable()
        colours = mesh.get_facecolor()  # one per cell, masked cells included, row by row
        for row, col in np.argwhere(~np.ma.getmaskarray(cells)):
            colour = colours[row * values.shape[1] + col]
            ink = ".15" if relative_luminance(colour) > LIGHT_INK else "w"
            value = values[row, col]
            ax.text(
                col + 0.5,
                row + 0.5,
                format(int(value) if fmt == "d" else value, fmt),
                color=ink,
                ha="center",
                va="center",
                size=8,
            )
    return ax


def adoption_heatmap(counts: pd.DataFrame, *, ax: Axes, lang: str = "en", xlabel: str | None = None) -> Axes:
    """Heatmap of adopting units per practice (rows) and period (columns), each count written in its cell.

    Parameters
    ----------
    counts : DataFrame
        As returned by :func:`diffusion.measures.counts.counts_by_period_practice`.
    ax : matplotlib Axes
        Where to draw.
    xlabel : str, optional
        The columns' name (default "period (series batch)"; "span of years" where periods are gathered).
    """
    label_cols = ["label_en", "label_zh", "total"]
    data = counts.drop(columns=label_cols)
    first, second = ("label_zh", "label_en") if lang == "zh" else ("label_en", "label_zh")
    data.index = [f"{a} · {b}" if b and b != a else a for a, b in zip(counts[first], counts[second])]
    unknown = translate(t("time unknown"), lang)
    data = data.rename(columns={"time unknown": unknown})
    heatmap(data, ax=ax, label=translate(t("adopting units"), lang), fmt="d", rotation=30)
    for lbl in ax.get_xticklabels():
        lbl.set_horizontalalignment("right")
    if unknown in data.columns:  # set the undated column apart from the timeline
        ax.axvline(list(data.columns).index(unknown), color="white", linewidth=4)
    ax.set_xlabel(translate(xlabel or t("period (series batch)"), lang))
    return ax


def rate_heatmap(rates: pd.DataFrame, *, ax: Axes, label: str = "adoption rate") -> Axes:
    """Heatmap of rates (rows: practices, columns: regions in the order given), zero white, with a colour bar."""
    heatmap(rates, ax=ax, label=str(label), linewidth=0.3)
    ax.tick_params(axis="both", labelsize=7)
    return ax


def similarity_clustermap(sim: pd.DataFrame, linkage: np.ndarray, *, label: str = "similarity") -> Figure:
    """Similarity matrix in the leaf order of ``linkage``, with its dendrogram above and on the left.

    ``linkage`` clusters the rows (for a stable order, :func:`diffusion.measures.similarity.similarity_linkage`).
    The colour bar sits above the heatmap, clear of the dendrograms and the labels. Returns a figure
    of its own (axes: row dendrogram, column dendrogram, heatmap, colour bar), as seaborn's clustermap.
    """
    tree = hierarchy.dendrogram(linkage, no_plot=True)
    order = tree["leaves"]
    side = 2 + 0.28 * len(sim)
    fig = Figure(figsize=(side, side))
    grid = fig.add_gridspec(2, 2, width_ratios=(0.12, 0.88), height_ratios=(0.12, 0.88), wspace=0.01, hspace=0.01)
    left, above, cells = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])
    # scipy puts leaf i at 10 i + 5: cell i's centre is at i + 0.5 on the heatmap's axes
    branches = [np.column_stack([np.asarray(x) / 10, y]) for x, y in zip(tree["icoord"], tree["dcoord"])]
    height = max(max(tree["dcoord"], key=max, default=[0.0])) or 1.0
    above.add_collection(LineCollection(branches, colors="0.2", linewidths=0.5))
    above.set(xlim=(0, len(sim)), ylim=(0, height * 1.05))
    left.add_collection(LineCollection([b[:, ::-1] for b in branches], colors="0.2", linewidths=0.5))
    left.set(xlim=(height * 1.05, 0), ylim=(len(sim), 0))
    for ax in (left, above):
        ax.set_axis_off()
    shown = sim.iloc[order, order]
    scale = fig.add_axes((0.3, 1.0, 0.4, 0.025))  # above the heatmap, clear of the dendrograms
    heatmap(shown, ax=cells, vmax=1.0, label=label, cbar={"cax": scale, "orientation": "horizontal"})
    cells.yaxis.tick_right()  # names beside the rows, the dendrogram on the other side
    cells.tick_params(axis="both", labelsize=7)
    scale.xaxis.set_label_position("top")  # label and ticks above the bar, away from the dendrogram
    scale.xaxis.set_ticks_position("top")
    return fig
