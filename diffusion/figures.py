"""Figures drawn with seaborn on a given Axes, and their export as inline SVG.

Text stays text in the SVG (``svg.fonttype = "none"``) so that Chinese labels are rendered by
the browser's fonts; the hash salt and metadata are fixed so the same data give the same bytes.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
import seaborn as sns

__all__ = ["SVG_RC", "adoption_heatmap", "diffusion_network", "to_svg"]

SVG_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "policy-diffusion",
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 9,
}
PALETTE = "crest"


def adoption_heatmap(counts: pd.DataFrame, *, ax: plt.Axes, lang: str = "en") -> plt.Axes:
    """Heatmap of adopting units per practice (rows) and period (columns).

    Parameters
    ----------
    counts : DataFrame
        As returned by :func:`diffusion.summary.counts_by_period_practice`.
    ax : matplotlib Axes
        Where to draw.
    """
    label_cols = ["label_en", "label_zh", "total"]
    data = counts.drop(columns=label_cols)
    first, second = ("label_zh", "label_en") if lang == "zh" else ("label_en", "label_zh")
    data.index = [f"{a} · {b}" if b and b != a else a for a, b in zip(counts[first], counts[second])]
    sns.heatmap(
        data,
        ax=ax,
        annot=True,
        fmt="d",
        cmap=PALETTE,
        cbar=False,
        linewidths=0.5,
        linecolor="white",
        annot_kws={"size": 8},
    )
    if "time unknown" in data.columns:  # set the undated column apart from the timeline
        ax.axvline(list(data.columns).index("time unknown"), color="white", linewidth=4)
    ax.set_xlabel("period (series batch)" if lang == "en" else "时期（系列批次）")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=30)
    for lbl in ax.get_xticklabels():
        lbl.set_horizontalalignment("right")
    return ax


def diffusion_network(
    graph: nx.DiGraph, *, ax: plt.Axes, seed: int = 0, lang: str = "en", size: dict[str, float] | None = None
) -> plt.Axes:
    """Draw the region diffusion ties: arrows from earlier to later adopters, width by weight.

    Nodes sit at their coordinates when every node has them (a map-like layout), otherwise at a
    spring layout seeded with ``seed``. Node area follows ``size`` (e.g. out-strength).
    """
    nodes = sorted(graph.nodes)
    coords = {n: (graph.nodes[n].get("lon"), graph.nodes[n].get("lat")) for n in nodes}
    if nodes and all(x is not None and y is not None for x, y in coords.values()):
        pos = coords
        ax.set_aspect("equal")
    else:
        pos = nx.spring_layout(graph, seed=seed) if nodes else {}
    size = size or {}
    biggest = max([*size.values(), 1e-9])
    sizes = [60 + 600 * size.get(n, 0) / biggest for n in nodes]
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
    labels = {n: graph.nodes[n].get(key) or graph.nodes[n].get("label_zh") or n for n in nodes}
    nx.draw_networkx_labels(graph, pos, labels=labels, ax=ax, font_size=7)
    ax.set_axis_off()
    return ax


def to_svg(fig: plt.Figure) -> str:
    """The figure as an SVG string without the XML prolog, ready to inline in HTML."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]
