"""Every write to the gazetteer.

Bulk creation takes plain specs (shapes in WGS84) and derives everything the selectors
rely on: bounding boxes, areas, British National Grid references, normalised postcodes
and search text. The demo generator uses these now; AddressBase/LLPG and ward
boundary importers will use the same functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from django.db import transaction
from django.utils.text import slugify
from shapely.geometry.base import BaseGeometry

from townhall.places.geometry import (
    BoundingBox,
    area_square_metres,
    geometry_to_geojson,
    wgs84_to_bng_many,
)
from townhall.places.models import Address, Street, Ward
from townhall.places.postcodes import postcode_compact, postcode_normalise
from townhall.places.text import search_words

_AREA_CODE = re.compile(r"[A-Z][0-9]{8}")
DEFAULT_BATCH_SIZE = 2000
_T = TypeVar("_T")


@dataclass(frozen=True)
class WardSpec:
    name: str
    code: str
    boundary: BaseGeometry  # Polygon or MultiPolygon, WGS84 (lng, lat)


@dataclass(frozen=True)
class StreetSpec:
    usrn: int
    name: str
    town: str
    lat: float
    lng: float
    locality: str = ""
    ward_code: str | None = None
    geometry: BaseGeometry | None = None  # LineString or MultiLineString, WGS84


@dataclass(frozen=True)
class AddressSpec:
    uprn: int
    usrn: int
    postcode: str
    town: str
    lat: float
    lng: float
    locality: str = ""
    sao: str = ""
    pao_name: str = ""
    pao_number: int | None = None
    pao_suffix: str = ""
    ward_code: str | None = None


def _batches(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _ward_ids(codes: Iterable[str | None]) -> dict[str, int]:
    wanted = {code for code in codes if code}
    found = dict(Ward.objects.filter(code__in=wanted).values_list("code", "id"))
    missing = wanted - found.keys()
    if missing:
        raise ValueError(f"Unknown ward code(s): {', '.join(sorted(missing))}.")
    return found


def _search_text(*parts: str) -> str:
    return " ".join(search_words(*parts))[:400]


@transaction.atomic
def wards_create(*, wards: Iterable[WardSpec]) -> list[Ward]:
    """Create wards from boundaries; refuses invalid shapes and malformed codes."""
    rows = []
    for spec in wards:
        if not _AREA_CODE.fullmatch(spec.code):
            raise ValueError(f"Ward code {spec.code!r} is not in GSS form (a letter and eight digits).")
        if spec.boundary.geom_type not in {"Polygon", "MultiPolygon"} or not spec.boundary.is_valid:
            raise ValueError(f"The boundary of ward {spec.name!r} is not a valid polygon.")
        box = BoundingBox.of(spec.boundary)
        rows.append(
            Ward(
                name=spec.name,
                slug=slugify(spec.name)[:200],
                code=spec.code,
                boundary_geojson=geometry_to_geojson(spec.boundary),
                area_sq_m=area_square_metres(spec.boundary),
                min_lng=box.min_lng,
                min_lat=box.min_lat,
                max_lng=box.max_lng,
                max_lat=box.max_lat,
            )
        )
    return Ward.objects.bulk_create(rows)


@transaction.atomic
def streets_create(*, streets: Iterable[StreetSpec], batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Create streets in batches; returns how many were written."""
    specs = list(streets)
    ward_ids = _ward_ids(spec.ward_code for spec in specs)
    written = 0
    for batch in _batches(specs, batch_size):
        rows = []
        for spec in batch:
            if spec.geometry is not None and spec.geometry.geom_type not in {"LineString", "MultiLineString"}:
                raise ValueError(f"The geometry of street {spec.usrn} is not a line.")
            box = (
                BoundingBox.of(spec.geometry)
                if spec.geometry is not None
                else BoundingBox(min_lng=spec.lng, min_lat=spec.lat, max_lng=spec.lng, max_lat=spec.lat)
            )
            rows.append(
                Street(
                    usrn=spec.usrn,
                    name=spec.name,
                    locality=spec.locality,
                    town=spec.town,
                    ward_id=ward_ids[spec.ward_code] if spec.ward_code else None,
                    geometry_geojson=geometry_to_geojson(spec.geometry) if spec.geometry is not None else "",
                    lat=spec.lat,
                    lng=spec.lng,
                    min_lng=box.min_lng,
                    min_lat=box.min_lat,
                    max_lng=box.max_lng,
                    max_lat=box.max_lat,
                )
            )
        Street.objects.bulk_create(rows)
        written += len(rows)
    return written


@transaction.atomic
def addresses_create(
    *,
    addresses: Iterable[AddressSpec],
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Create addresses in batches, adding grid references, normalised postcodes and search text.

    `on_batch(n)` is called after each batch is written (progress bars).
    """
    written = 0
    street_names: dict[int, str] = {}
    ward_ids: dict[str, int] = {}
    for batch in _batches(addresses, batch_size):
        new_usrns = {spec.usrn for spec in batch} - street_names.keys()
        if new_usrns:
            street_names.update(Street.objects.filter(usrn__in=new_usrns).values_list("usrn", "name"))
            if unknown := new_usrns - street_names.keys():
                raise ValueError(f"Unknown USRN(s): {', '.join(str(usrn) for usrn in sorted(unknown))}.")
        new_codes = {spec.ward_code for spec in batch if spec.ward_code} - ward_ids.keys()
        ward_ids.update(_ward_ids(new_codes))
        eastings, northings = wgs84_to_bng_many([spec.lng for spec in batch], [spec.lat for spec in batch])
        rows = []
        for spec, easting, northing in zip(batch, eastings, northings, strict=True):
            postcode = postcode_normalise(spec.postcode)
            number = f"{spec.pao_number}{spec.pao_suffix}" if spec.pao_number is not None else ""
            rows.append(
                Address(
                    uprn=spec.uprn,
                    sao=spec.sao,
                    pao_name=spec.pao_name,
                    pao_number=spec.pao_number,
                    pao_suffix=spec.pao_suffix,
                    street_id=spec.usrn,
                    locality=spec.locality,
                    town=spec.town,
                    postcode=postcode,
                    lat=spec.lat,
                    lng=spec.lng,
                    easting=round(float(easting), 2),
                    northing=round(float(northing), 2),
                    ward_id=ward_ids[spec.ward_code] if spec.ward_code else None,
                    search_text=_search_text(
                        spec.sao,
                        spec.pao_name,
                        number,
                        street_names[spec.usrn],
                        spec.locality,
                        spec.town,
                        postcode,
                        postcode_compact(postcode),
                    ),
                )
            )
        Address.objects.bulk_create(rows)
        written += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
    return written
