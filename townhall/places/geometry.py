"""Coordinates and shapes without GeoDjango (ADR 0008).

Geometry is stored as GeoJSON in WGS84 (longitude, latitude). Anything measured in
metres (areas, distances, buffers) is done in British National Grid (EPSG:27700),
converted with one cached pyproj Transformer per direction. `always_xy` keeps the
axis order (x=longitude/easting, y=latitude/northing) the same on both sides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

WGS84 = "EPSG:4326"
BRITISH_NATIONAL_GRID = "EPSG:27700"
# Fewer metres than any real degree of latitude holds, so windows err on the large side.
_MIN_METRES_PER_DEGREE = 110_000.0
# The National Grid's lettered 100 km squares cover 0-700 km east and 0-1300 km north of the false origin.
NATIONAL_GRID_MAX_EASTING = 700_000.0
NATIONAL_GRID_MAX_NORTHING = 1_300_000.0
# Coordinates for the batch functions: a list, or a numpy array straight from another batch call.
Floats = Sequence[float] | NDArray[np.float64]


@lru_cache(maxsize=1)
def _to_bng() -> Transformer:
    return Transformer.from_crs(WGS84, BRITISH_NATIONAL_GRID, always_xy=True)


@lru_cache(maxsize=1)
def _to_wgs84() -> Transformer:
    return Transformer.from_crs(BRITISH_NATIONAL_GRID, WGS84, always_xy=True)


def wgs84_to_bng(*, lng: float, lat: float) -> tuple[float, float]:
    """(easting, northing) in metres for a WGS84 point."""
    easting, northing = _to_bng().transform(lng, lat)
    return float(easting), float(northing)


def bng_to_wgs84(*, easting: float, northing: float) -> tuple[float, float]:
    """(lng, lat) in degrees for a British National Grid point."""
    lng, lat = _to_wgs84().transform(easting, northing)
    return float(lng), float(lat)


def wgs84_to_bng_many(lngs: Floats, lats: Floats) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised wgs84_to_bng: one PROJ call for a whole batch (bulk imports)."""
    eastings, northings = _to_bng().transform(np.asarray(lngs, dtype=float), np.asarray(lats, dtype=float))
    return np.asarray(eastings), np.asarray(northings)


def bng_to_wgs84_many(eastings: Floats, northings: Floats) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised bng_to_wgs84: returns (lngs, lats)."""
    lngs, lats = _to_wgs84().transform(np.asarray(eastings, dtype=float), np.asarray(northings, dtype=float))
    return np.asarray(lngs), np.asarray(lats)


@lru_cache(maxsize=1)
def great_britain_bounds() -> BoundingBox:
    """WGS84 box of Great Britain as pyproj's EPSG database has it: the area of use of EPSG:27700.

    Taken from PROJ rather than typed in, so it is the same box the transformation itself
    is defined for (onshore GB, the Isle of Man and the UK continental shelf).
    """
    area = CRS.from_user_input(BRITISH_NATIONAL_GRID).area_of_use
    if area is None:  # pragma: no cover - PROJ's database always has it
        raise RuntimeError("PROJ has no area of use for EPSG:27700.")
    return BoundingBox(min_lng=area.west, min_lat=area.south, max_lng=area.east, max_lat=area.north)


def in_great_britain_many(
    *,
    eastings: NDArray[np.float64],
    northings: NDArray[np.float64],
    lngs: NDArray[np.float64],
    lats: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """True where a point is on the National Grid and inside Great Britain's WGS84 box.

    Both forms of each point are checked, so swapped or mislabelled columns fail whichever
    way they were converted. A coordinate of exactly 0 is refused: extracts use 0,0 for
    "no location", and (0, 0) on the grid is in the sea off the Isles of Scilly anyway.
    """
    box = great_britain_bounds()
    with np.errstate(invalid="ignore"):
        return np.asarray(
            (eastings > 0)
            & (eastings <= NATIONAL_GRID_MAX_EASTING)
            & (northings > 0)
            & (northings <= NATIONAL_GRID_MAX_NORTHING)
            & (lngs >= box.min_lng)
            & (lngs <= box.max_lng)
            & (lats >= box.min_lat)
            & (lats <= box.max_lat)
        )


def _transform_coords(transformer: Transformer, coords: NDArray[np.float64]) -> NDArray[np.float64]:
    xs, ys = transformer.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([xs, ys])


def geometry_to_bng(geometry: BaseGeometry) -> BaseGeometry:
    """A WGS84 shape re-projected into metres."""
    return shapely.transform(geometry, lambda coords: _transform_coords(_to_bng(), coords))


def geometry_to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    """A British National Grid shape re-projected into degrees."""
    return shapely.transform(geometry, lambda coords: _transform_coords(_to_wgs84(), coords))


def geometry_from_geojson(text: str) -> BaseGeometry:
    return shapely.from_geojson(text)


def geometry_to_geojson(geometry: BaseGeometry, *, precision: int = 7) -> str:
    """GeoJSON geometry text, exterior rings anticlockwise (RFC 7946); 7 decimal places of a degree is about 1 cm."""
    rounded = shapely.set_precision(geometry, 10**-precision)
    return str(shapely.to_geojson(shapely.orient_polygons(rounded)))


@lru_cache(maxsize=512)
def prepared_from_geojson(text: str) -> PreparedGeometry:
    """Parsed and prepared once per distinct boundary text, for repeated point tests."""
    return prep(shapely.from_geojson(text))


@lru_cache(maxsize=4096)
def bng_geometry_from_geojson(text: str) -> BaseGeometry:
    """Parsed and projected once per distinct geometry text, for repeated distance tests."""
    return geometry_to_bng(shapely.from_geojson(text))


def area_square_metres(geometry: BaseGeometry) -> float:
    """Area of a WGS84 shape, measured on the British National Grid."""
    return float(geometry_to_bng(geometry).area)


@dataclass(frozen=True)
class BoundingBox:
    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    @classmethod
    def of(cls, geometry: BaseGeometry) -> BoundingBox:
        min_lng, min_lat, max_lng, max_lat = geometry.bounds
        return cls(min_lng=min_lng, min_lat=min_lat, max_lng=max_lng, max_lat=max_lat)

    @classmethod
    def around(cls, *, lat: float, lng: float, metres: float) -> BoundingBox:
        """A window at least `metres` each way from a point (degrees widen away from the equator)."""
        d_lat = metres / _MIN_METRES_PER_DEGREE
        d_lng = metres / (_MIN_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        return cls(min_lng=lng - d_lng, min_lat=lat - d_lat, max_lng=lng + d_lng, max_lat=lat + d_lat)
