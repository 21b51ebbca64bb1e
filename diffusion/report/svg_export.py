"""Figures as inline SVG: cropped to what is drawn, with ids unique on a page and the same bytes each time.

Text stays text in the SVG (``svg.fonttype = "none"``) so that Chinese labels are rendered by
the browser's fonts, and a "$" in a name stays a dollar sign (no mathtext); the hash salt and
metadata are fixed so the same data give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import matplotlib
import matplotlib.axis
import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.transforms import Bbox

__all__ = ["SVG_RC", "artists_but_ticks", "distinct_ids", "prefixed_ids", "to_svg"]

SVG_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "policy-diffusion",
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 9,
    "axes.titley": 1.0,  # titles at a fixed height; to_svg lifts one that an offset text overlaps
    "text.parse_math": False,  # a "$" in a name a user gave is a dollar sign, not mathtext
}


def prefixed_ids(svg: str, prefix: str) -> str:
    """The same SVG with every id (and every reference to one) prefixed: a second copy on a page.

    Examples
    --------
    >>> prefixed_ids('<clipPath id="p1"/><g clip-path="url(#p1)"><use xlink:href="#m2"/></g>', "lead-")
    '<clipPath id="lead-p1"/><g clip-path="url(#lead-p1)"><use xlink:href="#lead-m2"/></g>'
    """
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', str(svg))  # str: Markup would escape the quotes
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", svg)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', svg)


def distinct_ids(svg: str) -> str:
    """The same SVG with a repeated id numbered at its second and later uses.

    matplotlib names an embedded image by a hash of its pixels, so two panels with the same
    backdrop share an id; nothing refers to an image's id, and a page must not repeat one.

    Examples
    --------
    >>> distinct_ids('<image id="i1"/><image id="i1"/><path id="p"/><image id="i1"/>')
    '<image id="i1"/><image id="i1-2"/><path id="p"/><image id="i1-3"/>'
    """
    seen: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        seen[name] = seen.get(name, 0) + 1
        return match.group(0) if seen[name] == 1 else f'id="{name}-{seen[name]}"'

    return re.sub(r'\bid="([^"]+)"', number, svg)


def artists_but_ticks(root: Artist) -> list[Artist]:
    """``root`` and every artist inside it except the axes' ticks (an axis keeps its label and offset text).

    ``findobj`` lists every ``Axis``'s ticks, which creates them (about 1 ms each), even on axes
    drawn without ticks; matplotlib remakes tick labels as it draws, from their formatter.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> ax.set_axis_off()
    >>> found = artists_but_ticks(ax.figure)
    >>> ax.xaxis.label in found, len(ax.xaxis.majorTicks)  # only the tick matplotlib made with the Axes
    (True, 1)
    """
    found: list[Artist] = []
    stack: list[Artist] = [root]
    while stack:
        artist = stack.pop()
        found.append(artist)
        if isinstance(artist, matplotlib.axis.Axis):
            stack += [artist.label, artist.offsetText]
        else:
            stack.extend(artist.get_children())
    return found


def _rasterised_outside(fig: plt.Figure, renderer: Any) -> bool:
    """Whether a rasterised part of ``fig`` reaches outside the figure's rectangle, where it would be cut."""
    frame = fig.bbox.padded(0.5)
    for artist in filter(Artist.get_rasterized, artists_but_ticks(fig)):  # the report rasterises no tick
        x0, y0, x1, y1 = artist.get_window_extent(renderer).extents
        if x0 < frame.x0 or y0 < frame.y0 or x1 > frame.x1 or y1 > frame.y1:
            return True
    return False


def _lift_titles(fig: plt.Figure, renderer: Any) -> bool:
    """Lift each Axes title that its y axis's offset text ("1e-7", "+2.019e3") overlaps above it, as
    matplotlib does; whether one was lifted.

    Titles sit at a fixed height (``"axes.titley"`` in :data:`SVG_RC`): matplotlib's own placement
    lays out the whole y axis once more for each titled Axes, at every measure and draw (a fifth of
    the texts a report lays out), to find only this overlap. The offset texts are those of the last
    layout, so call this after measuring the figure. Only the centre title is looked at: the
    report's figures have no left or right titles.
    """
    lifted = False
    for ax in fig.axes:
        offset, title = ax.yaxis.offsetText, ax.title
        if not (title.get_text() and offset.get_visible() and offset.get_text()):
            continue
        top = offset.get_window_extent(renderer)
        if Bbox.intersection(top, title.get_window_extent(renderer)) is None:
            continue
        x, to_axes = title.get_position()[0], ax.transAxes.inverted()
        if title.get_window_extent(renderer).ymin < top.ymax:  # matplotlib's two steps, to the same place
            title.set_position((x, to_axes.transform((0, top.ymax))[1]))
            low = title.get_window_extent(renderer).ymin
            if low < top.ymax:
                title.set_position((x, to_axes.transform((0, 2 * top.ymax - low))[1]))
            lifted = True
    return lifted


def _cropped(svg: str, box: Bbox, height: float) -> str:
    """``svg`` of a figure ``height`` inches tall, showing only ``box`` (inches from its lower left)."""
    x0, y0, x1, y1 = (float(v) * 72 for v in box.extents)
    w, h, top = x1 - x0, y1 - y0, height * 72 - y1
    size = f'width="{w:.2f}pt" height="{h:.2f}pt" viewBox="{x0:.2f} {top:.2f} {w:.2f} {h:.2f}"'
    return re.sub(r'width="[^"]*" height="[^"]*" viewBox="[^"]*"', size, svg, count=1)  # y grows downwards


def to_svg(fig: plt.Figure) -> str:
    """The figure as an SVG string without the XML prolog, cropped to what is drawn, ready to inline in HTML.

    The box around what is drawn is measured on the SVG renderer that then draws the figure, so
    every text is laid out once (``savefig(bbox_inches="tight")`` measures on a renderer of its own
    and lays out every text again), and becomes the SVG's ``viewBox``. Only a figure that reaches
    outside its own rectangle and has rasterised parts, which matplotlib rasterises within that
    rectangle, is saved by ``savefig`` with the box. matplotlib numbers the ids of each figure from
    1 (``figure_1``, ``patch_1``); on a page of several figures they are prefixed by a hash of the
    figure, so ids are unique and the same figure still gives the same bytes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(4, 3))
    >>> _ = fig.subplots().plot([0, 1], [0, 1])
    >>> svg = to_svg(fig)
    >>> svg.startswith("<svg"), 'viewBox="' in svg, "<metadata>" in svg
    (True, True, False)
    """
    metadata = {"Date": None, "Creator": None}
    buf = io.StringIO()
    width, height = fig.get_size_inches()
    dpi, fig.dpi = fig.dpi, 72  # the SVG's unit is the point, as in savefig
    try:
        svg_renderer = RendererSVG(width * 72, height * 72, buf, image_dpi=dpi, metadata=metadata)
        renderer: Any = MixedModeRenderer(fig, width, height, dpi, svg_renderer)  # a renderer by delegation
        box = fig.get_tightbbox(renderer)
        if _lift_titles(fig, renderer):
            box = fig.get_tightbbox(renderer)
        box = box.padded(matplotlib.rcParams["savefig.pad_inches"])
        if not _rasterised_outside(fig, renderer):
            fig.draw(renderer)
            renderer.finalize()
            svg = _cropped(buf.getvalue(), box, height)
        else:
            fig.dpi = dpi
            buf = io.StringIO()
            fig.savefig(buf, format="svg", bbox_inches=box, metadata=metadata)
            svg = buf.getvalue()
    finally:
        fig.dpi = dpi
        plt.close(fig)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)  # RDF no reader sees
    svg = distinct_ids(svg[svg.index("<svg") :])
    return prefixed_ids(svg, "f" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-")
