"""The report's maps: where adopters are, period by period (dots), and on the user's boundaries."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup
from matplotlib.figure import Figure

from diffusion.data.boundaries import Boundaries
from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_groups
from diffusion.i18n import level_name, t
from diffusion.measures.spread import adopters_by_level
from diffusion.report.figures import period_legend
from diffusion.report.maps import (
    BACKDROP,
    NOT_REACHED,
    MapFrame,
    adopter_points,
    choropleth,
    dot_map,
    first_at,
    first_groups,
    map_frame,
)
from diffusion.report.sections import svg_of

__all__ = ["MAX_PANELS", "map_figure", "map_section", "small_multiples"]

MAX_PANELS = 12  # panels of a map figure: more periods are gathered (by years, decades, ...)


def map_section(ds: Dataset, lang: str, boundaries: Boundaries | None = None) -> dict | None:
    """Dot maps of adopting units by period and, with ``boundaries``, choropleths; None without coordinates.

    Each panel shows the units that had adopted any practice by the end of its period (or group
    of periods), darker for earlier; those of the panel's own period are ringed.
    """
    frame = map_frame(ds.geography, boundaries)
    if frame is None or not ds.events["time_known"].any():
        return None
    groups = period_groups(ds, MAX_PANELS)
    labels = groups.drop_duplicates("group")["label"].tolist()
    ev = adopters_by_level(ds)
    out: dict = {"panels": len(labels), "grouped": len(labels) < len(groups), "dots": None, "choropleth": None}
    points, first = adopter_points(ds.geography, ev)
    if len(points):
        group = first_groups(first, groups)
        out["dots"] = small_multiples(
            lambda ax, g: dot_map(ax, frame, points, group, g, len(labels), title=labels[g - 1]),
            frame,
            labels,
            lang,
            other=BACKDROP,
        )
        out["dots_alt"] = t(
            "Maps of {n} adopting units in {k} panels, one per period{grouped}: each panel shows the units that had "
            "adopted by its end, darker for earlier, those of its own period ringed; pale dots are the other units.",
            n=len(points),
            k=len(labels),
            grouped=t(" (periods gathered by years)") if out["grouped"] else "",
        )
        out["borrowed"] = int((points["point_of"] != points.index).sum())
    if boundaries is not None:
        level = boundaries.level
        group = first_groups(first_at(ev, level), groups)
        out["choropleth"] = small_multiples(
            lambda ax, g: choropleth(ax, frame, boundaries, group, g, len(labels), title=labels[g - 1]),
            frame,
            labels,
            lang,
            other=NOT_REACHED,
        )
        out["choropleth_alt"] = t(
            "Choropleth maps of {n} {level} units from {file}, one panel per period: shaded by the period of first "
            "adoption, darker for earlier; grey where no practice has arrived.",
            n=len(boundaries.shapes),
            level=level_name(level),
            file=boundaries.source,
        )
        out["boundaries"] = t(
            "Boundaries: {file}, property {key!r} names {n} {level} units; {m} features name no unit.",
            file=boundaries.source,
            key=boundaries.key,
            n=len(boundaries.shapes),
            level=level_name(level),
            m=len(boundaries.unmatched),
        )
    return out


def small_multiples(draw, frame: MapFrame, labels: list[str], lang: str, other=NOT_REACHED) -> Markup:
    """One map panel per period group, ``draw(ax, group)``, four to a row, with the period legend: inline SVG."""
    return svg_of(lambda: map_figure(draw, frame, labels, lang, other))


def map_figure(draw, frame: MapFrame, labels: list[str], lang: str, other=NOT_REACHED) -> Figure:
    """The figure of :func:`small_multiples`: panels as wide as the frame's extent asks, the legend beneath."""
    n = len(labels)
    cols = min(n, 4)
    rows = -(-n // cols)
    extent = np.ptp(frame.backdrop, axis=0) if len(frame.backdrop) > 1 else np.array([1.0, 0.8])
    aspect = float(np.clip(extent[1] / max(extent[0], 1e-9), 0.4, 1.6))
    width = 2.6
    legend = 0.3 + 0.2 * -(-(n + 1) // 4)  # inches under the panels: four legend entries to a row
    height = rows * (width * aspect + 0.3) + legend
    fig = Figure(figsize=(cols * width, height))
    flat = list(np.ravel(fig.subplots(rows, cols, squeeze=False)))
    for ax in flat[n:]:
        ax.set_axis_off()
    for g, ax in enumerate(flat[:n], start=1):
        draw(ax, g)
    fig.subplots_adjust(left=0.01, right=0.99, top=1 - 0.25 / height, bottom=legend / height, wspace=0.05, hspace=0.2)
    period_legend(fig, labels, lang, other=other)
    return fig
