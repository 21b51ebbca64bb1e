"""The report's pictures on your own axes: one call each, for a dataset or a result.

Every function draws on ``ax`` (a matplotlib Axes; a new figure of the current backend when None)
and returns it, so it fits a layout of your own. Time runs on a true axis: each period at the date
it starts. Nothing here chooses a backend.

Examples
--------
>>> import diffusion
>>> from matplotlib.figure import Figure
>>> ax = diffusion.plot.adoption_curves(diffusion.load_dataset("leading-cases"), ax=Figure().subplots())
>>> len(ax.lines)  # the six most widespread practices
6
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from diffusion.i18n import level_plural, t

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from diffusion.data.boundaries import Boundaries
    from diffusion.data.dataset import Dataset
    from diffusion.stats.event_model import EventHistoryModel
    from diffusion.stats.inference import TestResult

__all__ = [
    "adopter_categories",
    "adoption_curves",
    "forest",
    "hazard",
    "heatmap",
    "map",
    "network",
    "null_distribution",
    "tile_map",
]


def _as_written(draw: Callable[..., Axes]) -> Callable[..., Axes]:
    """``draw``, with the text it draws shown as written: a "$" in a practice's name is a dollar sign."""

    @functools.wraps(draw)
    def drawn(*args, **kwargs) -> Axes:
        given = kwargs.get("ax")
        before = list(given.get_figure(root=True).legends) if given is not None else []
        ax = draw(*args, **kwargs)
        from diffusion.report.literal_text import as_written

        fig = ax.get_figure(root=True)
        as_written(ax, [g for g in (fig.legends if fig else []) if not any(g is b for b in before)])
        return ax

    return drawn


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # the user's own backend: their notebook shows the figure

    return plt.subplots(figsize=size)[1]


def _curves(ds: Dataset, metric: str, level: str | None, practices: list[str] | None, top: int) -> pd.DataFrame:
    """One spread metric per practice and period (``practice, x, value``; ``x`` the period's start as a
    decimal year), the chosen practices only."""
    from diffusion.data.periods import period_years
    from diffusion.measures.spread import plural, spread_metrics

    level = level or ds.geography.levels[0]
    m = spread_metrics(ds, by_series=False)
    rows = m[(m["metric"] == metric.format(units=plural(level))) & m["batch"].notna()].astype({"practice": str})
    if practices is None:  # the most widespread, by the last value
        last = rows.sort_values("batch").groupby("practice")["value"].last()
        practices = list(last.sort_values(ascending=False, kind="stable").head(top).index)
    x = rows["batch"].astype(int).map(period_years(ds))
    return rows.assign(x=x)[rows["practice"].isin(practices)][["practice", "x", "value"]]


def _lines(ax: Axes, data: pd.DataFrame, ds: Dataset, lang: str, ylabel: str, step: bool = False) -> Axes:
    """One line per practice in distinct hues, named at its end (in ``lang``), time on the x axis;
    ``step``: each period's value held over the period, the last until its end."""
    from diffusion.data.periods import period_edges, period_years
    from diffusion.report.figures import adoption_curves as draw

    labels = data["practice"].map(lambda tag: ds.vocabulary.label(tag, lang))
    time = str(period_years(ds).name)
    end = period_edges(ds)[-1] if step else None
    return draw(data.assign(label=labels), ax=ax, ylabel=ylabel, time=time, step=step, end=end, lang=lang)


@_as_written
def adoption_curves(
    ds: Dataset,
    *,
    ax: Axes | None = None,
    practices: list[str] | None = None,
    top: int = 6,
    level: str | None = None,
    lang: str = "en",
) -> Axes:
    """Units of ``level`` (default: the top level) reached by each practice, cumulative: its S-curve.

    ``practices`` are tags; by default the ``top`` most widespread.
    """
    ax = _axes(ax, (7.5, 3.6))
    data = _curves(ds, "{units}_reached", level, practices, top)
    units = level_plural(level or ds.geography.levels[0])
    return _lines(ax, data, ds, lang, t("{units} reached", units=units))


@_as_written
def hazard(
    ds: Dataset,
    *,
    ax: Axes | None = None,
    practices: list[str] | None = None,
    top: int = 6,
    level: str | None = None,
    lang: str = "en",
) -> Axes:
    """The hazard of each practice per period: units adopting in it, over units at risk at its start."""
    ax = _axes(ax, (7.5, 3.6))
    data = _curves(ds, "hazard_{units}", level, practices, top)
    return _lines(ax, data, ds, lang, t("hazard (new adopters / units at risk)"), step=True)


@_as_written
def adopter_categories(
    ds: Dataset, practice: str, *, ax: Axes | None = None, level: str | None = None, lang: str = "en"
) -> Axes:
    """New adopters of ``practice`` per period, shaded by Rogers' adopter category (innovators darkest).

    Units of ``level`` (default: the top level); categories by standard deviations of adoption time
    (:func:`diffusion.measures.innovativeness.rogers_categories`).

    Examples
    --------
    >>> import diffusion
    >>> from matplotlib.figure import Figure
    >>> ds = diffusion.load_dataset("broadband-china")
    >>> ax = diffusion.plot.adopter_categories(ds, "broadband_china", ax=Figure().subplots())
    >>> int(sum(patch.get_data().values.sum() for patch in ax.patches))  # the 31 provinces, each once
    31
    """
    from diffusion.report.spread_figures import practice_categories

    ax = _axes(ax, (5, 3))
    practice_categories(ds, [practice], [ax], level or ds.geography.levels[0], lang)
    return ax


@_as_written
def heatmap(ds: Dataset, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Adopting units per practice and period (the 30 most adopted practices), zero white."""
    from diffusion.measures.counts import counts_by_period_practice
    from diffusion.report.figures import most_adopted
    from diffusion.report.matrix_figures import adoption_heatmap

    counts = counts_by_period_practice(ds)
    drawn = most_adopted(counts, counts["total"])
    return adoption_heatmap(drawn, ax=_axes(ax, (9, 0.8 + 0.32 * len(drawn))), lang=lang)


@_as_written
def tile_map(ds: Dataset, practice: str, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The geography's tile map: each top-level unit by the period of its first adoption of ``practice``."""
    from diffusion.data.periods import period_labels
    from diffusion.errors import DiffusionError
    from diffusion.measures.spread import adopters_by_level
    from diffusion.report.figures import period_legend
    from diffusion.report.figures import tile_map as draw_tiles

    geo = ds.geography
    if geo.tiles is None:
        raise DiffusionError(f"the geography {geo.name!r} has no tile layout (tiles.csv); use heatmap() instead.")
    top = geo.levels[0]
    ev = adopters_by_level(ds)
    first = ev[(ev["practice"] == practice) & (ev[f"at_{top}"] != "")].groupby(f"at_{top}")["period"].min()
    labels = list(period_labels(ds)["label"])
    ax = _axes(ax, (4.5, 4))
    draw_tiles(first, geo.tiles, ax=ax, n_periods=len(labels), lang=lang, title=ds.vocabulary.label(practice, lang))
    period_legend(ax.get_figure(root=True), labels, lang)  # type: ignore[arg-type]
    return ax


@_as_written
def map(  # the name users look for: diffusion.plot.map (shadows the builtin here only)
    ds: Dataset,
    period: int | None = None,
    *,
    practice: str | None = None,
    boundaries: Boundaries | str | Path | None = None,
    ax: Axes | None = None,
    legend: bool = True,
    lang: str = "en",
) -> Axes:
    """Where the adopters are by the end of ``period`` (default: the last), on an equal-area map.

    Units that had adopted (``practice``, or any) are dots at their coordinates, darker for an
    earlier first adoption, those of ``period`` itself ringed, over the geography's other units as
    pale dots. With ``boundaries`` (a GeoJSON file or :class:`~diffusion.data.boundaries.Boundaries`)
    the units' polygons are shaded instead: a choropleth. ``legend``: the period colours under the
    figure (once, when several maps share a figure).

    Examples
    --------
    >>> import diffusion
    >>> from matplotlib.figure import Figure
    >>> ax = diffusion.plot.map(diffusion.load_dataset("broadband-china"), 1, ax=Figure().subplots())
    >>> len(ax.collections[-1].get_offsets())  # the 23 cities of the first period, ringed
    23
    """
    from diffusion.data.boundaries import Boundaries, read_boundaries
    from diffusion.data.periods import period_groups
    from diffusion.errors import DiffusionError, ParameterError
    from diffusion.measures.spread import adopters_by_level
    from diffusion.report.figures import period_legend
    from diffusion.report.map_section import MAX_PANELS
    from diffusion.report.maps import (
        BACKDROP,
        NOT_REACHED,
        adopter_points,
        choropleth,
        dot_map,
        first_at,
        first_groups,
        map_frame,
    )

    geo = ds.geography
    if boundaries is not None and not isinstance(boundaries, Boundaries):
        boundaries = read_boundaries(boundaries, geo)
    frame = map_frame(geo, boundaries)
    if frame is None:
        raise DiffusionError(
            f"the geography {geo.name!r} has no coordinates (lat, lon in units.csv); "
            "give boundaries, or use tile_map()."
        )
    groups = period_groups(ds, most=MAX_PANELS)  # colours: periods gathered as in the report's maps
    last = int(groups["period"].max())
    period = last if period is None else period
    if period not in set(groups["period"]):
        raise ParameterError("period", f"period {period} is not one of the dataset's periods 1–{last}.")
    ev = adopters_by_level(ds)
    ev = ev[(ev["period"] <= period) & ((ev["practice"] == practice) if practice is not None else True)]
    ax = _axes(ax, (6, 5))
    upto = int(groups.set_index("period").at[period, "group"])
    n, title = int(groups["group"].max()), groups.set_index("period").at[period, "label"]
    if boundaries is not None:
        group = first_groups(first_at(ev, boundaries.level), groups)
        choropleth(ax, frame, boundaries, group, upto, n, title=title)
    else:
        points, first = adopter_points(geo, ev)
        dot_map(ax, frame, points, first_groups(first, groups), upto, n, title=title)
    if legend:
        labels = groups.drop_duplicates("group")["label"].tolist()
        other = NOT_REACHED if boundaries is not None else BACKDROP
        period_legend(ax.get_figure(root=True), labels, lang, other=other)  # type: ignore[arg-type]
    return ax


@_as_written
def network(ds: Dataset, *, ax: Axes | None = None, max_arrows: int = 80, seed: int = 0, lang: str = "en") -> Axes:
    """The diffusion network among top-level units: arrows from earlier to later adopters of a practice.

    On an equal-area map when every unit has coordinates (else a spring layout seeded with ``seed``);
    the ``max_arrows`` heaviest ties are drawn, thicker for more weight; a node's area is its
    out-strength (the later adoptions its earlier ones may explain).

    Examples
    --------
    >>> import diffusion
    >>> from matplotlib.figure import Figure
    >>> ax = diffusion.plot.network(diffusion.load_dataset("broadband-china"), ax=Figure().subplots())
    >>> len(ax.texts) < 31  # labels of the 31 provinces, less those that would cover a larger one's
    True
    """
    from diffusion.network.build import build_network
    from diffusion.report.figures import diffusion_network
    from diffusion.report.maps import map_frame
    from diffusion.report.sections import strongest_edges

    graph = build_network(ds).to_networkx("ties")
    size = dict(graph.out_degree(weight="weight"))
    ax = _axes(ax, (7.5, 6))
    frame = map_frame(ds.geography)
    drawn = strongest_edges(graph, max_arrows)
    return diffusion_network(drawn, ax=ax, seed=seed, lang=lang, size=size, frame=frame)


@_as_written
def null_distribution(result: TestResult, *, ax: Axes | None = None) -> Axes:
    """A permutation test's null distribution (grey bars) and its observed statistic (red line)."""
    from diffusion.report.null_figures import null_histogram

    null = result.null_distribution
    null = null[:, 0] if null.ndim == 2 else null
    return null_histogram(null, result.statistic, ax=_axes(ax, (4, 2.6)), title=result.name, p=result.p_value)


@_as_written
def forest(model: EventHistoryModel, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """An event-history model's terms with their 95 % intervals, ratios on a log axis."""
    from diffusion.report.figures import forest_plot

    ax = _axes(ax, (6.5, 0.45 * len(model.coefficients) + 1.2))
    scale = {"logit": "odds", "cloglog": "hazard"}.get(model.link, "probability")
    return forest_plot(model.coefficients, ax=ax, scale=scale, lang=lang)
