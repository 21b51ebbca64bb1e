"""Each permutation test's picture: its null distribution, with the observed statistic against it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from diffusion.i18n import t, translate

__all__ = ["drawable", "null_histogram", "null_panels"]

#: The colours of the null (grey bars) and of the observed value (a red line).
NULL_COLOUR, OBSERVED_COLOUR = "#9aa5ad", "#c0504d"


def null_histogram(null: np.ndarray, observed: float, *, ax: Axes, title: str = "", p: float | None = None) -> Axes:
    """The statistic's values under the null as a histogram, the observed value as a vertical line.

    Coarse statistics (a few distinct values) get one bar per value, so ties show as ties.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = null_histogram(np.array([0.0, 0.0, 1.0, 2.0]), 1.5, ax=Figure().subplots(), p=0.4)
    >>> [float(x) for x in ax.lines[0].get_xdata()], len(ax.patches)
    ([1.5, 1.5], 3)
    """
    values = np.asarray(null, dtype=float)
    values = values[np.isfinite(values)]
    distinct = np.unique(values)
    span = np.ptp(distinct) if len(distinct) > 1 else 0.0
    gaps = np.diff(distinct)
    if len(distinct) <= 30 and (span == 0 or gaps.min() >= span / 60):  # coarse: one bar per value, ties show
        width = gaps.min() * 0.8 if len(distinct) > 1 else 1.0
        counts = [(values == v).sum() for v in distinct]
        ax.bar(distinct, counts, width=width, color=NULL_COLOUR, linewidth=0)
    else:
        ax.hist(values, bins=30, color=NULL_COLOUR, linewidth=0)
    ax.axvline(observed, color=OBSERVED_COLOUR, linewidth=1.6)
    ax.set_yticks([])
    ax.xaxis.set_major_locator(MaxNLocator(4))
    label = title if p is None or not np.isfinite(p) else f"{title}\np = {p:.3g}"
    ax.set_title(label, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax


def null_panels(panels: list[tuple], axes, lang: str = "en") -> None:
    """One panel per ``(result, title)`` on ``axes`` (a grid), spare panels hidden.

    Use :func:`drawable` to keep the results that have a null distribution (the event-history
    model's wild bootstrap has its forest plot instead).
    """
    flat = list(np.ravel(axes))
    for ax in flat[len(panels) :]:
        ax.set_axis_off()
    for ax, (result, title) in zip(flat, panels):
        null = result.null_distribution
        null = null[:, 0] if null.ndim == 2 else null
        null_histogram(null, result.statistic, ax=ax, title=translate(title, lang), p=result.p_value)
    if panels:
        label = t("statistic under the null (grey bars) and observed (red line)")
        flat[0].figure.supxlabel(translate(label, lang), fontsize=8)
        flat[0].figure.subplots_adjust(hspace=0.9, wspace=0.3)  # each title clear of the ticks above it


def drawable(results: list) -> list:
    """The results that have a picture of their null: run, with a null distribution and a statistic."""
    return [
        r
        for r in results
        if r.supported and len(r.null_distribution) and np.isfinite(r.statistic) and not pd.isna(r.p_value)
    ]
