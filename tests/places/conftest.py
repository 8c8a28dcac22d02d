"""A tiny hand-made gazetteer in British National Grid metres, so expected answers are easy to see."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Polygon

from townhall.places import services
from townhall.places.geometry import bng_to_wgs84, geometry_to_wgs84

# Ward A: a 1 km square. Ward B: a right triangle east of it (its bounding box is a square,
# so the point in its north-east corner is in the box but not in the ward).
WARD_A = Polygon([(449_000, 517_000), (450_000, 517_000), (450_000, 518_000), (449_000, 518_000)])
WARD_B = Polygon([(450_000, 517_000), (451_000, 517_000), (450_000, 518_000)])


def lat_lng(easting: float, northing: float) -> tuple[float, float]:
    lng, lat = bng_to_wgs84(easting=easting, northing=northing)
    return lat, lng


def _street(usrn, name, ward_code, line=None, point=None):
    geometry = geometry_to_wgs84(line) if line is not None else None
    lat, lng = lat_lng(*(line.interpolate(0.5, normalized=True).coords[0] if line is not None else point))
    return services.StreetSpec(
        usrn=usrn, name=name, town="Demoton", ward_code=ward_code, geometry=geometry, lat=lat, lng=lng
    )


def _address(uprn, usrn, postcode, easting, northing, ward_code, **fields):
    lat, lng = lat_lng(easting, northing)
    return services.AddressSpec(
        uprn=uprn, usrn=usrn, postcode=postcode, town="Demoton", lat=lat, lng=lng, ward_code=ward_code, **fields
    )


@pytest.fixture
def gazetteer(db):
    services.wards_create(
        wards=[
            services.WardSpec(name="Westfield", code="E05099901", boundary=geometry_to_wgs84(WARD_A)),
            services.WardSpec(name="Eastgate", code="E05099902", boundary=geometry_to_wgs84(WARD_B)),
        ]
    )
    services.streets_create(
        streets=[
            _street(10_000_001, "High Street", "E05099901", LineString([(449_100, 517_500), (449_900, 517_500)])),
            _street(10_000_002, "Mill Lane", "E05099902", LineString([(450_100, 517_100), (450_100, 517_600)])),
            _street(10_000_003, "Church Close", "E05099901", LineString([(449_400, 517_700), (449_400, 517_750)])),
            _street(10_000_004, "Lonely Road", None, point=(452_000, 517_500)),
        ]
    )
    addresses = [
        _address(100 + number, 10_000_001, "ts40 1ab", 449_000 + 100 * number, 517_510, "E05099901", pao_number=number)
        for number in range(1, 7)
    ]
    addresses += [
        _address(200 + flat, 10_000_001, "TS40 1AD", 449_800, 517_490, "E05099901", sao=f"Flat {flat}", pao_number=8)
        for flat in (1, 2)
    ]
    addresses += [
        _address(301, 10_000_002, "TS41 2BD", 450_110, 517_200, "E05099902", pao_number=1),
        _address(302, 10_000_002, "TS41 2BD", 450_110, 517_300, "E05099902", pao_name="Rose Cottage"),
        _address(303, 10_000_002, "TS41 2BD", 450_090, 517_200, "E05099902", pao_number=2, pao_suffix="A"),
    ]
    services.addresses_create(addresses=addresses, batch_size=4)
