"""Reads of the gazetteer used by every location input.

Each spatial query narrows candidates with a bounding-box filter in plain SQL and then
decides exactly with shapely (ADR 0008); distances are in British National Grid metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import shapely
from django.db.models import F, Model, Q, QuerySet
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from townhall.places.geometry import (
    BoundingBox,
    Floats,
    bng_geometry_from_geojson,
    prepared_from_geojson,
    wgs84_to_bng,
)
from townhall.places.models import Address, Street, Ward
from townhall.places.postcodes import InvalidPostcodeError, postcode_is_valid, postcode_normalise
from townhall.places.text import search_words

__all__ = [
    "InvalidPostcodeError",
    "address_search",
    "addresses_for_postcode",
    "nearest_street",
    "postcode_normalise",
    "ward_for_point",
    "ward_locator",
]

# Numbered buildings first, named-only ones after, on every database (NULLs sort differently).
_ADDRESS_ORDER = (
    "street__name",
    F("pao_number").asc(nulls_last=True),
    "pao_suffix",
    "pao_name",
    "sao",
    "uprn",
)
_MAX_SEARCH_WORDS = 8
_FIRST_STREET_WINDOW_M = 100.0
_M = TypeVar("_M", bound=Model)


def _intersecting(queryset: QuerySet[_M], box: BoundingBox) -> QuerySet[_M]:
    """Rows whose stored bounding box overlaps `box` (the SQL prefilter)."""
    return queryset.filter(
        min_lat__lte=box.max_lat, max_lat__gte=box.min_lat, min_lng__lte=box.max_lng, max_lng__gte=box.min_lng
    )


def ward_for_point(*, lat: float, lng: float) -> Ward | None:
    """The ward containing a WGS84 point, or None outside every ward.

    A point exactly on a shared boundary belongs to the ward with the lowest code,
    so the answer never depends on row order.
    """
    point = Point(lng, lat)
    box = BoundingBox(min_lng=lng, min_lat=lat, max_lng=lng, max_lat=lat)
    for ward in _intersecting(Ward.objects.all(), box).order_by("code"):
        if prepared_from_geojson(ward.boundary_geojson).covers(point):
            return ward
    return None


@dataclass(frozen=True)
class _LocatorWard:
    id: int
    boundary: BaseGeometry  # prepared in place for repeated point tests
    box: BoundingBox


@dataclass(frozen=True)
class WardLocator:
    """Point-in-ward for many points at once, for imports and re-assignments.

    Gives the same answers as `ward_for_point`, including the lowest-code rule on shared
    boundaries, but with one query in all and a vectorised test per ward instead of one
    query per point.
    """

    wards: tuple[_LocatorWard, ...]

    def ward_ids(self, *, lngs: Floats, lats: Floats) -> list[int | None]:
        """The id of the ward containing each WGS84 point, or None where no ward does."""
        xs = np.asarray(lngs, dtype=float)
        ys = np.asarray(lats, dtype=float)
        found = np.zeros(len(xs), dtype=np.int64)
        unassigned = np.ones(len(xs), dtype=bool)
        for ward in self.wards:  # lowest code first
            box = ward.box
            candidates = np.flatnonzero(
                unassigned & (xs >= box.min_lng) & (xs <= box.max_lng) & (ys >= box.min_lat) & (ys <= box.max_lat)
            )
            if candidates.size == 0:
                continue
            # A point is covered by a polygon exactly when it intersects it (points have no interior).
            inside = candidates[shapely.intersects_xy(ward.boundary, xs[candidates], ys[candidates])]
            found[inside] = ward.id
            unassigned[inside] = False
        return [None if missing else int(ward_id) for ward_id, missing in zip(found, unassigned, strict=True)]


def ward_locator() -> WardLocator:
    """Every ward's boundary, parsed and prepared once, ordered by code (see `ward_for_point`)."""
    wards = []
    for ward in Ward.objects.order_by("code").only(
        "id", "code", "boundary_geojson", "min_lng", "min_lat", "max_lng", "max_lat"
    ):
        boundary = shapely.from_geojson(ward.boundary_geojson)
        shapely.prepare(boundary)
        box = BoundingBox(min_lng=ward.min_lng, min_lat=ward.min_lat, max_lng=ward.max_lng, max_lat=ward.max_lat)
        wards.append(_LocatorWard(id=ward.id, boundary=boundary, box=box))
    return WardLocator(wards=tuple(wards))


def addresses_for_postcode(*, postcode: str) -> QuerySet[Address]:
    """Addresses in a postcode, in delivery order along each street.

    Raises InvalidPostcodeError (a ValueError) with a message fit to show the user when
    `postcode` is not in UK format; an unknown but well-formed postcode gives no rows.
    """
    normalised = postcode_normalise(postcode)
    return Address.objects.filter(postcode=normalised).select_related("street", "ward").order_by(*_ADDRESS_ORDER)


def address_search(*, query: str, limit: int = 20) -> list[Address]:
    """Addresses matching free text: a full postcode, or words that each begin a word of the address."""
    if postcode_is_valid(query):
        return list(addresses_for_postcode(postcode=query)[:limit])
    words = search_words(query)[:_MAX_SEARCH_WORDS]
    if not words:
        return []
    queryset = Address.objects.select_related("street", "ward")
    for word in words:
        queryset = queryset.filter(Q(search_text__startswith=word) | Q(search_text__contains=f" {word}"))
    return list(queryset.order_by(*_ADDRESS_ORDER)[:limit])


def _street_distance_m(street: Street, point_bng: Point) -> float:
    if street.geometry_geojson:
        return float(bng_geometry_from_geojson(street.geometry_geojson).distance(point_bng))
    easting, northing = wgs84_to_bng(lng=street.lng, lat=street.lat)
    return math.dist((easting, northing), (point_bng.x, point_bng.y))


def nearest_street(*, lat: float, lng: float, max_distance_m: float = 1000.0) -> Street | None:
    """The street nearest a WGS84 point within `max_distance_m` metres, or None.

    Searches a small window first and widens it only when nothing lies inside it: a street
    at distance d always has a bounding box meeting a window of radius >= d, so the first
    window whose best distance is within its radius holds the true nearest street.
    """
    easting, northing = wgs84_to_bng(lng=lng, lat=lat)
    point_bng = Point(easting, northing)
    radius = min(_FIRST_STREET_WINDOW_M, max_distance_m)
    while True:
        candidates = _intersecting(Street.objects.all(), BoundingBox.around(lat=lat, lng=lng, metres=radius))
        ranked = sorted((_street_distance_m(street, point_bng), street.usrn, street) for street in candidates)
        if ranked and ranked[0][0] <= radius:
            return ranked[0][2]
        if radius >= max_distance_m:
            return None
        radius = min(radius * 4, max_distance_m)


def grid_reference(*, lng: float, lat: float) -> tuple[float, float]:
    """British National Grid easting and northing for a WGS84 point, for apps that store both."""
    return wgs84_to_bng(lng=lng, lat=lat)
