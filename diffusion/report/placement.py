"""Placing node labels so that they do not cover one another: under the node, else above it, else none.

Labels are tried in order of node size, largest first, so the nodes that matter most keep theirs.
Text widths are estimated from the characters (a full-width CJK character is one em, others about
0.6 em), because the browser, not matplotlib, draws the report's text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable

import matplotlib.pyplot as plt

__all__ = ["place_labels", "text_width"]

#: Room around a label's estimated box, in points (its pale backing and a little air).
PAD = 2.0


def text_width(text: str, fontsize: float) -> float:
    """Estimated width of ``text`` in points: full-width characters one em, others 0.6 em.

    Examples
    --------
    >>> text_width("Hunan", 10), text_width("湖南省", 10)
    (30.0, 30.0)
    """
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)
    return ems * fontsize


def place_labels(
    ax: plt.Axes,
    points: dict[Hashable, tuple[float, float]],
    radius: dict[Hashable, float],
    texts: dict[Hashable, str],
    fontsize: float,
) -> dict[Hashable, str | None]:
    """Where each node's label goes: "below", "above" or None (it would cover a larger node's label).

    ``points`` are data coordinates, ``radius`` each node's radius in points. Call after everything
    that sets the axes' limits has been drawn: the limits are fixed here.

    Examples
    --------
    >>> ax = plt.subplots(figsize=(4, 4))[1]
    >>> ax.set_xlim(0, 10); ax.set_ylim(0, 10)
    (0.0, 10.0)
    (0.0, 10.0)
    >>> place_labels(ax, {"a": (5, 5), "b": (5.05, 5), "c": (5.1, 5)}, {"a": 4, "b": 3, "c": 2},
    ...              {"a": "Alpha", "b": "Beta", "c": "Gamma"}, 7)
    {'a': 'below', 'b': 'above', 'c': None}
    >>> plt.close(ax.figure)
    """
    ax.autoscale_view()
    ax.apply_aspect()
    scale = ax.figure.dpi / 72  # points to pixels
    height = (1.25 * fontsize + PAD) * scale
    taken: list[tuple[float, float, float, float]] = []
    placed: dict[Hashable, str | None] = {}
    for node in sorted(points, key=lambda n: (-radius[n], str(n))):
        x, y = ax.transData.transform(points[node])
        half = (text_width(texts[node], fontsize) + PAD) * scale / 2
        gap = (radius[node] + 1.5) * scale
        placed[node] = None
        for where, bottom in (("below", y - gap - height), ("above", y + gap)):
            box = (x - half, bottom, x + half, bottom + height)
            if not any(_overlap(box, other) for other in taken):
                taken.append(box)
                placed[node] = where
                break
    return placed


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
