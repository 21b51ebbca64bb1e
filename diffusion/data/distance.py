"""Great-circle distances between units with coordinates."""

from __future__ import annotations

import numpy as np

__all__ = ["EARTH_RADIUS_KM", "haversine_km"]

#: Mean Earth radius (IUGG), the usual choice for the haversine formula.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in decimal degrees (broadcasts).

    Notes
    -----
    d = 2 R asin( sqrt( sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2) ) ), with R the mean Earth radius.

    Examples
    --------
    >>> round(float(haversine_km(39.9075, 116.39723, 31.22222, 121.45806)))  # Beijing-Shanghai
    1068
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
