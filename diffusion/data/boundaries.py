"""Boundary polygons a user brings (GeoJSON), matched to the units of a geography, for choropleths.

No boundaries are bundled. Any GeoJSON of longitude/latitude polygons works (RFC 7946; China's
DataV files, Natural Earth, the US Census cartographic files converted to GeoJSON): the property
that names the units (a code, a name or an alias the geography knows) and the level they are at
are found by trying every property on every level, unless given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from diffusion.data.geography import Geography
from diffusion.data.io import decode_text
from diffusion.errors import InputFileError

__all__ = ["Boundaries", "read_boundaries"]

_POLYGONAL = {"Polygon", "MultiPolygon"}
_SAMPLE = 300  # features tried per property and level when looking for the one that names units


@dataclass(frozen=True)
class Boundaries:
    """Polygons of units, each unit's rings as ``(n, 2)`` arrays of longitude, latitude.

    Attributes
    ----------
    source : str
        The file read.
    key : str
        The feature property that names units.
    level : str
        The geography level of the units named.
    shapes : dict of str to list of numpy.ndarray
        Rings of each unit code: exteriors counter-clockwise, holes clockwise (so a nonzero fill
        leaves holes empty, whatever order the file used).
    unmatched : tuple of str
        Values of ``key`` that name no unit at ``level`` (drawn nowhere).
    """

    source: str
    key: str
    level: str
    shapes: dict[str, list[np.ndarray]] = field(repr=False)
    unmatched: tuple[str, ...] = ()

    @property
    def vertices(self) -> int:
        """Number of points of all rings (what drawing costs)."""
        return sum(len(ring) for rings in self.shapes.values() for ring in rings)


def read_boundaries(path: str | Path, geography: Geography, *, key: str | None = None) -> Boundaries:
    """Read a GeoJSON file of polygons and match its features to ``geography``'s units.

    Parameters
    ----------
    path : str or Path
        A GeoJSON FeatureCollection (UTF-8; GBK is read too) of Polygon and MultiPolygon features
        in longitude/latitude degrees. Other geometries are skipped.
    geography : Geography
        The units to match.
    key : str, optional
        The property that names units; by default the property (and level) matching the most
        features by code, name or alias.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from diffusion import load_geography
    >>> square = [[[113, 28], [114, 28], [114, 29], [113, 29], [113, 28]]]
    >>> feature = {"type": "Feature", "properties": {"adcode": 430000, "name": "湖南省"},
    ...            "geometry": {"type": "Polygon", "coordinates": square}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hunan.geojson"
    >>> _ = path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    >>> b = read_boundaries(path, load_geography())
    >>> b.key, b.level, list(b.shapes)
    ('adcode', 'province', ['43'])
    """
    path = Path(path)
    features = _features(path)
    names = _property_names(features)
    if key is not None and key not in names:
        raise InputFileError(
            f"{path}: no feature has the property {key!r}; its properties are {', '.join(map(repr, names)) or 'none'}."
        )
    key, level = _naming(path, features, geography, [key] if key else names)
    from diffusion.data.places import resolver_for

    resolver = resolver_for(geography)
    shapes: dict[str, list[np.ndarray]] = {}
    unmatched: list[str] = []
    for feature in features:
        value = _value(feature, key)
        found = resolver.resolve(value, level=level) if value else None
        if found is None or found.code is None:
            unmatched.append(value)
            continue
        shapes.setdefault(found.code, []).extend(_rings(path, feature["geometry"]))
    return Boundaries(str(path), key, level, shapes, tuple(sorted(set(unmatched))))


def _features(path: Path) -> list[dict]:
    """The polygon features of the file, with a clear error for anything that is not GeoJSON."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}); give the path of a GeoJSON file.") from None
    text, _ = decode_text(path, raw)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); give a GeoJSON file of polygons."
        ) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "Feature":
        doc = {"features": [doc]}
    elif kind != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise InputFileError(
            f"{path}: a GeoJSON FeatureCollection was expected, found {kind or type(doc).__name__!r}. "
            "Export the boundaries as GeoJSON (e.g. QGIS: Export > Save Features As > GeoJSON, CRS EPSG:4326)."
        )
    polygons = [
        f for f in doc["features"] if isinstance(f, dict) and (f.get("geometry") or {}).get("type") in _POLYGONAL
    ]
    if not polygons:
        raise InputFileError(
            f"{path}: none of its {len(doc['features'])} features is a Polygon or MultiPolygon; "
            "a choropleth needs the areas of units, not points or lines."
        )
    return polygons


def _property_names(features: list[dict]) -> list[str]:
    """Names of the features' properties, in the order they first appear."""
    names: dict[str, None] = {}
    for feature in features:
        names.update(dict.fromkeys(feature.get("properties") or {}))
    return list(names)


def _value(feature: dict, key: str) -> str:
    """A property's value as text ("" when missing): codes may be numbers in GeoJSON."""
    value = (feature.get("properties") or {}).get(key)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()


def _naming(path: Path, features: list[dict], geography: Geography, keys: list[str]) -> tuple[str, str]:
    """The property and level under which the most (sampled) features name a unit."""
    from diffusion.data.places import resolver_for

    resolver = resolver_for(geography)
    sample = features[:: max(1, len(features) // _SAMPLE)]
    best = (0, "", "")
    for key in keys:
        values = [v for v in (_value(f, key) for f in sample) if v]
        for level in geography.levels:
            hits = sum(resolver.resolve(v, level=level).code is not None for v in values)
            if hits > best[0]:
                best = (hits, key, level)
    if not best[0]:
        examples = ", ".join(
            f"{k}={_value(sample[0], k)!r}" for k in keys[:6] if _value(sample[0], k)
        )  # the first feature's values
        raise InputFileError(
            f"{path}: no property of its features names a unit of the geography {geography.name!r} by code, name "
            f"or alias (the first feature has {examples or 'no properties'}). Add a property with the units' codes "
            "(as in the geography's units.csv) and pass its name as the boundaries key."
        )
    return best[1], best[2]


def _rings(path: Path, geometry: dict) -> list[np.ndarray]:
    """The rings of a Polygon or MultiPolygon, exteriors counter-clockwise and holes clockwise."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    rings = []
    for polygon in polygons:
        for i, ring in enumerate(polygon):
            try:
                xy = np.asarray([pt[:2] for pt in ring], dtype=float)
            except (TypeError, ValueError, IndexError):
                raise InputFileError(
                    f"{path}: a ring of a {geometry['type']} is not a list of [lon, lat] points."
                ) from None
            if len(xy) < 3:
                continue
            if np.abs(xy[:, 0]).max() > 180 or np.abs(xy[:, 1]).max() > 90:
                raise InputFileError(
                    f"{path}: coordinates such as {xy[0].tolist()} are not longitude/latitude degrees. Re-export the "
                    "file in WGS 84 (EPSG:4326), as GeoJSON requires."
                )
            x, y = xy[:, 0], xy[:, 1]
            ccw = np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y) > 0  # shoelace: twice the signed area
            rings.append(xy if ccw == (i == 0) else xy[::-1])
    return rings
