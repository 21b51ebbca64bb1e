"""Text a user chose, shown as written on figures drawn with the user's own matplotlib settings.

matplotlib reads a label with two "$" as mathtext by default ("fee $5 and $10" becomes "fee 5and10"
in italics). The report's figures turn that off (``svg_export.SVG_RC``); the figures of
:mod:`diffusion.plot` are drawn under the notebook's settings, so :func:`as_written` turns it off
for what they drew. Tick labels are the exception: matplotlib makes most of them when it draws,
from the settings of that moment, so their "$" are escaped instead (:class:`LiteralFormatter`).
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib
import matplotlib.artist
import matplotlib.axes
import matplotlib.category
import matplotlib.text
import matplotlib.ticker

from diffusion.report.svg_export import artists_but_ticks

__all__ = ["LiteralFormatter", "as_written", "literal"]

# Formatters of tick labels given as text: set_ticks(labels=...) makes a FuncFormatter of them
# (matplotlib 3.10 on; a FixedFormatter before), and text data a StrCategoryFormatter. The numbers
# of the drawers here come from StrMethodFormatter and log formatters, which are left alone.
NAMED_TICKS = (
    matplotlib.ticker.FixedFormatter,
    matplotlib.ticker.FuncFormatter,
    matplotlib.category.StrCategoryFormatter,
)


def literal(text: str) -> str:
    """``text`` escaped so that a label made under the current settings shows it as written.

    Examples
    --------
    >>> with matplotlib.rc_context({"text.parse_math": True}):
    ...     literal("fee $5 and $10")
    'fee \\\\$5 and \\\\$10'
    >>> with matplotlib.rc_context({"text.parse_math": False}):
    ...     literal("fee $5 and $10")
    'fee $5 and $10'
    """
    return text.replace("$", r"\$") if matplotlib.rcParams["text.parse_math"] else text


class LiteralFormatter(matplotlib.ticker.Formatter):
    """Tick labels that name things (categories, practices, regions) with their "$" escaped.

    Wraps the axis' own formatter; numbers pass through unchanged (they have no "$").

    Examples
    --------
    >>> fixed = matplotlib.ticker.FixedFormatter(["a $1 b $2"])
    >>> with matplotlib.rc_context({"text.parse_math": True}):
    ...     LiteralFormatter(fixed).format_ticks([0.0])
    ['a \\\\$1 b \\\\$2']
    """

    def __init__(self, inner: matplotlib.ticker.Formatter) -> None:
        self.inner = inner

    def set_axis(self, axis) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return literal(self.inner(x, pos))

    def format_ticks(self, values) -> list[str]:
        return [literal(s) for s in self.inner.format_ticks(values)]

    def get_offset(self) -> str:
        return self.inner.get_offset()


def as_written(ax: matplotlib.axes.Axes, legends: Iterable[matplotlib.artist.Artist] = ()) -> None:
    """Show the text of ``ax`` (and of the figure ``legends`` drawn with it) as written: no mathtext.

    Other axes of the figure, and text added later, keep the user's settings.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> _ = ax.set_title("fee $5 and $10")
    >>> as_written(ax)
    >>> ax.title.get_parse_math()
    False
    """
    for axis in (ax.xaxis, ax.yaxis):
        for which, setter in (("major", axis.set_major_formatter), ("minor", axis.set_minor_formatter)):
            formatter = getattr(axis, which).formatter
            if isinstance(formatter, NAMED_TICKS):
                setter(LiteralFormatter(formatter))
    for artist in (ax, *legends):  # tick labels are remade as matplotlib draws: escaped above
        for text in artists_but_ticks(artist):
            if isinstance(text, matplotlib.text.Text):
                text.set_parse_math(False)
