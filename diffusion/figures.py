"""Figures drawn with seaborn on a given Axes, and their export as inline SVG.

Text stays text in the SVG (``svg.fonttype = "none"``) so that Chinese labels are rendered by
the browser's fonts; the hash salt and metadata are fixed so the same data give the same bytes.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

__all__ = ["SVG_RC", "adoption_heatmap", "to_svg"]

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


def to_svg(fig: plt.Figure) -> str:
    """The figure as an SVG string without the XML prolog, ready to inline in HTML."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]
