"""Maps on coordinates: adopting units as dots by period, choropleths of a user's boundaries.

Everything is drawn on an equal-area projection centred on the geography
(:mod:`diffusion.data.projection`), so outlying units (Alaska, Hawaii, the South China Sea
islands) keep their true size and do not squash the rest. Earlier adopters are darker. Behind
the dots and the network, every unit of the geography's finest mapped level is a pale dot (China:
2,841 county seats outline the country); choropleths draw the user's polygons instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.collections
import matplotlib.path
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from diffusion.data.boundaries import Boundaries
from diffusion.data.geography import Geography
from diffusion.data.projection import centre_of, equal_area
from diffusion.report.figures import RASTER_POINTS, period_colours

__all__ = ["MapFrame", "adopter_points", "choropleth", "dot_map", "first_at", "first_groups", "map_frame"]

NOT_REACHED = (0.92, 0.92, 0.92)
BACKDROP = (0.80, 0.80, 0.80)
#: Polygon points above which a choropleth's shapes are an image inside the SVG (text stays vector):
#: a county map of China as vector paths is tens of megabytes.
RASTER_VERTICES = 30_000


@dataclass(frozen=True)
class MapFrame:
    """Where a geography's points go on a map: its projection centre and its pale backdrop.

    ``backdrop`` holds the projected points (km) of the finest level that has coordinates.
    """

    centre: tuple[float, float]
    backdrop: np.ndarray

    def project(self, lat, lon) -> np.ndarray:
        """Points as an ``(n, 2)`` array of projected x, y (km)."""
        return np.column_stack(equal_area(lat, lon, self.centre))

    def draw(self, ax: plt.Axes) -> None:
        """The backdrop as pale dots (an image inside the SVG when there are many: their vector cost)."""
        if len(self.backdrop):
            x, y = self.backdrop.T
            dots = ax.scatter(x, y, s=1.2, color=BACKDROP, linewidths=0, zorder=1)
            dots.set_rasterized(len(self.backdrop) > RASTER_POINTS)


def map_frame(geo: Geography, boundaries: Boundaries | None = None) -> MapFrame | None:
    """The frame of a geography's maps, or None when it has neither coordinates nor boundaries.

    Examples
    --------
    >>> from diffusion import load_geography
    >>> frame = map_frame(load_geography())
    >>> len(frame.backdrop), [round(c) for c in frame.centre]  # county seats; centred near 34°N 112°E
    (2841, [34, 112])
    """
    units = geo.units[geo.units["lat"].notna() & geo.units["lon"].notna()]
    mapped = [lvl for lvl in geo.levels if (units["level"] == lvl).any()]
    if mapped:
        finest = units[units["level"] == mapped[-1]]
        centre = centre_of(finest["lat"], finest["lon"])
        return MapFrame(centre, np.column_stack(equal_area(finest["lat"], finest["lon"], centre)))
    if boundaries is not None and boundaries.shapes:
        ring_points = np.concatenate([ring for rings in boundaries.shapes.values() for ring in rings])
        return MapFrame(centre_of(ring_points[:, 1], ring_points[:, 0]), np.empty((0, 2)))
    return None


def adopter_points(geo: Geography, adoptions: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The points (``lat, lon, point_of``) of the units of ``adoptions`` that have one, and each one's first period.

    ``adoptions`` are timed events with ``geo_code`` and ``period``
    (:func:`~diffusion.measures.spread.adopters_by_level`).
    """
    points = geo.points(sorted(set(adoptions["geo_code"]) - {""}))
    points = points[points["point_of"] != ""]
    return points, adoptions[adoptions["geo_code"].isin(points.index)].groupby("geo_code")["period"].min()


def first_at(adoptions: pd.DataFrame, level: str) -> pd.Series:
    """Each unit of ``level``'s first period in ``adoptions`` (its ``at_<level>`` column)."""
    return adoptions[adoptions[f"at_{level}"] != ""].groupby(f"at_{level}")["period"].min()


def first_groups(first_period: pd.Series, groups: pd.DataFrame) -> pd.Series:
    """Each unit's first period as the number of its group (``period_groups``), in the same index."""
    return first_period.map(groups.set_index("period")["group"]).astype("Int64")


def dot_map(
    ax: plt.Axes,
    frame: MapFrame,
    points: pd.DataFrame,
    group: pd.Series,
    upto: int,
    n_groups: int,
    title: str = "",
) -> plt.Axes:
    """Adopting units by ``upto`` as dots coloured by their first group, earlier darker; the group's own ringed.

    ``points`` has ``lat, lon`` per unit; ``group`` the unit's first group (missing: never).
    """
    colours = np.asarray(period_colours(n_groups))
    frame.draw(ax)
    shown = group[(group <= upto).fillna(False)].sort_values(ascending=False, kind="stable")  # early on top
    xy = frame.project(points.loc[shown.index, "lat"], points.loc[shown.index, "lon"])
    new = (shown == upto).to_numpy()
    face = colours[shown.to_numpy(dtype=int) - 1] if len(shown) else np.empty((0, 3))
    ax.scatter(xy[~new, 0], xy[~new, 1], s=9, c=face[~new], linewidths=0, zorder=2)
    ax.scatter(xy[new, 0], xy[new, 1], s=16, c=face[new], edgecolors="#222222", linewidths=0.6, zorder=3)
    _finish(ax, np.vstack([frame.backdrop, xy]), title)
    return ax


def choropleth(
    ax: plt.Axes,
    frame: MapFrame,
    boundaries: Boundaries,
    group: pd.Series,
    upto: int,
    n_groups: int,
    title: str = "",
) -> plt.Axes:
    """The user's polygons, each unit coloured by its first group up to ``upto`` (earlier darker), else grey."""
    colours = period_colours(n_groups)
    paths, faces = [], []
    for code, rings in sorted(boundaries.shapes.items()):
        g = group.get(code)
        reached = g is not None and pd.notna(g) and g <= upto
        faces.append(colours[int(g) - 1] if reached else NOT_REACHED)
        paths.append(_path([frame.project(r[:, 1], r[:, 0]) for r in rings]))
    shapes = matplotlib.collections.PathCollection(paths, facecolors=faces, edgecolors="white", linewidths=0.3)
    shapes.set_transform(ax.transData)
    shapes.set_rasterized(boundaries.vertices > RASTER_VERTICES)
    ax.add_collection(shapes, autolim=False)
    _finish(ax, np.vstack([p.vertices for p in paths]), title)
    return ax


def _path(rings: list[np.ndarray]) -> matplotlib.path.Path:
    """One compound path of a unit's rings (holes clockwise, so a nonzero fill leaves them empty)."""
    return matplotlib.path.Path.make_compound_path(*(matplotlib.path.Path(r, closed=True) for r in rings))


def _finish(ax: plt.Axes, xy: np.ndarray, title: str) -> None:
    """Equal scales, the extent of what is drawn with a small margin, no axes: a map."""
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy):
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        pad = 0.04 * max(x1 - x0, y1 - y0, 1.0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=8)
