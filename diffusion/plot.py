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

from typing import TYPE_CHECKING

import pandas as pd

from diffusion.i18n import level_plural, t, translate

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from diffusion.data.dataset import Dataset
    from diffusion.stats.event_model import EventHistoryModel
    from diffusion.stats.inference import TestResult

__all__ = ["adoption_curves", "forest", "hazard", "heatmap", "null_distribution", "tile_map"]


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # the user's own backend: their notebook shows the figure

    return plt.subplots(figsize=size)[1]


def _curves(ds: Dataset, metric: str, level: str | None, practices: list[str] | None, top: int) -> pd.DataFrame:
    """One spread metric per practice and period (``practice, when, value``), the chosen practices only."""
    from diffusion.data.periods import calendar_of
    from diffusion.measures.spread import plural, spread_metrics

    level = level or ds.geography.levels[0]
    m = spread_metrics(ds, by_series=False)
    rows = m[(m["metric"] == metric.format(units=plural(level))) & m["batch"].notna()].astype({"practice": str})
    if practices is None:  # the most widespread, by the last value
        last = rows.sort_values("batch").groupby("practice")["value"].last()
        practices = list(last.sort_values(ascending=False, kind="stable").head(top).index)
    start = calendar_of(ds).set_index("period")["start"]
    when = pd.to_datetime(rows["batch"].astype(int).map(start).replace("", None))
    return rows.assign(when=when)[rows["practice"].isin(practices)][["practice", "when", "value"]]


def _lines(ax: Axes, data: pd.DataFrame, ds: Dataset, lang: str, step: bool = False) -> Axes:
    """One line per practice in distinct hues, named at its end (in ``lang``), time on the x axis."""
    import seaborn as sns

    from diffusion.report.figures import labelled_lines

    labels = data["practice"].map(lambda tag: ds.vocabulary.label(tag, lang))
    labelled_lines(ax, data.assign(label=labels, x=data["when"]), step=step, markersize=3)
    sns.despine(ax=ax)
    return ax


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
    _lines(ax, data, ds, lang)
    units = level_plural(level or ds.geography.levels[0])
    ax.set_ylabel(translate(t("{units} reached", units=units), lang))
    ax.set_xlabel(translate(t("start of the period"), lang))
    return ax


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
    _lines(ax, data, ds, lang, step=True)
    ax.set_ylabel(translate(t("hazard (new adopters / units at risk)"), lang))
    ax.set_xlabel(translate(t("start of the period"), lang))
    return ax


def heatmap(ds: Dataset, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Adopting units per practice and period (the 30 most adopted practices), zero white."""
    from diffusion.measures.counts import counts_by_period_practice
    from diffusion.report.figures import adoption_heatmap, most_adopted

    counts = counts_by_period_practice(ds)
    drawn = most_adopted(counts, counts["total"])
    return adoption_heatmap(drawn, ax=_axes(ax, (9, 0.8 + 0.32 * len(drawn))), lang=lang)


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


def null_distribution(result: TestResult, *, ax: Axes | None = None) -> Axes:
    """A permutation test's null distribution (grey bars) and its observed statistic (red line)."""
    from diffusion.report.null_figures import null_histogram

    null = result.null_distribution
    null = null[:, 0] if null.ndim == 2 else null
    return null_histogram(null, result.statistic, ax=_axes(ax, (4, 2.6)), title=result.name, p=result.p_value)


def forest(model: EventHistoryModel, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """An event-history model's terms with their 95 % intervals, ratios on a log axis."""
    from diffusion.report.figures import forest_plot

    ax = _axes(ax, (6.5, 0.45 * len(model.coefficients) + 1.2))
    scale = {"logit": "odds", "cloglog": "hazard"}.get(model.link, "probability")
    return forest_plot(model.coefficients, ax=ax, scale=scale, lang=lang)
