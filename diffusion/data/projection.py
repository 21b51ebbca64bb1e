"""An equal-area map projection, so that maps of any geography keep the sizes of its regions.

Longitude and latitude drawn as x and y (plate carrée) stretch high latitudes: Alaska comes out
larger than the rest of the United States together and squashes it into a corner. The Lambert
azimuthal equal-area projection keeps every region's true area and, centred on the geography,
distorts shapes little across a country or a continent.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from diffusion.data.distance import EARTH_RADIUS_KM

__all__ = ["centre_of", "equal_area"]


def centre_of(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[float, float]:
    """The centre of a set of points: the direction of their mean position on the sphere.

    Averaging unit vectors rather than degrees keeps points on both sides of the 180th meridian
    (the Aleutians, Fiji) together. Missing coordinates are ignored.

    Examples
    --------
    >>> centre_of([10, -10], [179, -179])  # across the date line, not at longitude 0
    (0.0, 180.0)
    """
    phi, lam = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    keep = np.isfinite(phi) & np.isfinite(lam)
    if not keep.any():
        return 0.0, 0.0
    phi, lam = phi[keep], lam[keep]
    x, y, z = (np.cos(phi) * np.cos(lam)).mean(), (np.cos(phi) * np.sin(lam)).mean(), np.sin(phi).mean()
    lat0 = np.degrees(np.arctan2(z, np.hypot(x, y)))
    lon0 = np.degrees(np.arctan2(y, x))
    return round(float(lat0), 9) + 0.0, round(float(lon0), 9) + 0.0  # + 0.0: no "-0.0"


def equal_area(lat: npt.ArrayLike, lon: npt.ArrayLike, centre: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Project points with the Lambert azimuthal equal-area projection (a sphere), in kilometres.

    Snyder (1987), *Map Projections: A Working Manual*, USGS Professional Paper 1395, eqs. 24-2
    to 24-4. Areas are true everywhere; shapes are true at ``centre`` (lat, lon) and distort with
    distance from it, little within 3,000 km. NaN coordinates stay NaN; the point opposite the
    centre has no image (NaN).

    Examples
    --------
    >>> x, y = equal_area([0.0, 0.0], [0.0, 1.0], centre=(0.0, 0.0))
    >>> round(float(x[1]), 3), round(float(y[1]), 3)  # one degree of the equator, 111.2 km
    (111.194, 0.0)
    """
    phi = np.radians(np.asarray(lat, dtype=float))
    dlam = np.radians(np.asarray(lon, dtype=float) - centre[1])
    phi1 = np.radians(centre[0])
    cos_c = np.sin(phi1) * np.sin(phi) + np.cos(phi1) * np.cos(phi) * np.cos(dlam)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.sqrt(2.0 / (1.0 + cos_c))  # inf at the antipode
    k = np.where(np.isfinite(k), k, np.nan)
    x = EARTH_RADIUS_KM * k * np.cos(phi) * np.sin(dlam)
    y = EARTH_RADIUS_KM * k * (np.cos(phi1) * np.sin(phi) - np.sin(phi1) * np.cos(phi) * np.cos(dlam))
    return x, y
