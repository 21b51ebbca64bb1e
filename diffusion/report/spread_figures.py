"""Figures of the spread section beside the curves: Rogers' adopter categories of each practice.

Drawn on the Axes given; time on a true axis (each period from its start to the next), as in
:func:`diffusion.report.figures.adoption_curves`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

from diffusion.data.periods import period_edges
from diffusion.i18n import level_plural, t, translate
from diffusion.measures.innovativeness import ROGERS_CATEGORIES, rogers_categories

if TYPE_CHECKING:
    from diffusion.data.dataset import Dataset

__all__ = ["CATEGORY_TITLES", "adopter_categories", "category_legend", "practice_categories"]

#: Rogers' categories in words, earliest first.
CATEGORY_TITLES = {
    "innovator": t("innovators"),
    "early adopter": t("early adopters"),
    "early majority": t("early majority"),
    "late majority": t("late majority"),
    "laggard": t("laggards"),
    "not distinguishable": t("not distinguishable (one period)"),
}


def category_colours() -> dict[str, tuple]:
    """Earliest darkest, as on the maps; grey where the categories cannot be told apart."""
    shades = sns.color_palette("crest", len(ROGERS_CATEGORIES))[::-1]
    return dict(zip(ROGERS_CATEGORIES, shades)) | {"not distinguishable": (0.75, 0.75, 0.75)}


def adopter_categories(
    adopters: pd.DataFrame, edges: np.ndarray, *, ax: plt.Axes, title: str = "", ylabel: str = ""
) -> plt.Axes:
    """New adopters per period as steps on a true time axis, each period shaded by its Rogers category.

    ``adopters`` has one row per adopter with ``period`` (1, 2, ...) and ``category``; ``edges`` the
    periods' boundaries on the time axis (one more than periods: their starts and the last one's end).

    Examples
    --------
    >>> a = pd.DataFrame({"period": [1, 2, 2, 3], "category": ["early adopter", "early majority",
    ...                                                      "early majority", "late majority"]})
    >>> ax = adopter_categories(a, np.array([2000.0, 2001.0, 2002.0, 2003.0]), ax=plt.subplots()[1])
    >>> [float(v) for v in ax.patches[1].get_path().vertices[:, 1].max(keepdims=True)]  # 2 early-majority adopters
    [2.0]
    >>> plt.close(ax.figure)
    """
    colours = category_colours()
    n = len(edges) - 1
    counts = np.bincount(adopters["period"].to_numpy(dtype=int) - 1, minlength=n)[:n]
    by_period = adopters.drop_duplicates("period").set_index("period")["category"]
    for category, colour in colours.items():
        mine = np.flatnonzero([by_period.get(p) == category for p in range(1, n + 1)])
        if len(mine):  # a category is a run of periods (thresholds on time): draw just its run
            lo, hi = mine[0], mine[-1] + 1
            values = np.where(np.isin(np.arange(lo, hi), mine), counts[lo:hi], 0)
            ax.stairs(values, edges[lo : hi + 1], fill=True, color=colour, linewidth=0)
    ax.set_xlim(edges[0], edges[-1])  # every panel on the whole time axis: panels compare
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5, integer=True))
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:.0f}"))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4, integer=True))
    ax.set_title(title, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=7)
    ax.tick_params(labelsize=7)
    sns.despine(ax=ax)
    return ax


def category_legend(fig: plt.Figure, present: set[str], lang: str = "en") -> None:
    """The categories drawn, earliest first, under a figure of small multiples."""
    colours = category_colours()
    handles = [
        matplotlib.patches.Patch(color=colours[c], label=translate(CATEGORY_TITLES[c], lang))
        for c in colours
        if c in present
    ]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=7, frameon=False)


def practice_categories(ds: Dataset, practices: list[str], axes: list, level: str, lang: str = "en") -> None:
    """Each practice's new adopters of ``level`` by Rogers' category on its own Axes (``axes`` in the
    order of ``practices``), and the legend of the categories drawn under their figure."""
    adopters = rogers_categories(ds, level)
    edges = period_edges(ds)
    ylabel = translate(t("new {units}", units=level_plural(level)), lang)
    key = "zh" if lang == "zh" else "en"
    drawn: set[str] = set()
    for ax, practice in zip(axes, practices):
        mine = adopters[adopters["practice"] == practice]
        adopter_categories(mine, edges, ax=ax, title=ds.vocabulary.label(practice, key), ylabel=ylabel)
        drawn |= set(mine["category"])
    category_legend(axes[0].get_figure(root=True), drawn, lang)
