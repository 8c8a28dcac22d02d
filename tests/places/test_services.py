import pytest
from shapely.geometry import LineString, Point, Polygon

from townhall.places import services
from townhall.places.geometry import wgs84_to_bng
from townhall.places.models import Address, Street, Ward

SQUARE = Polygon([(-1.25, 54.55), (-1.24, 54.55), (-1.24, 54.56), (-1.25, 54.56)])


def test_wards_get_bounding_boxes_area_and_slug(db):
    (ward,) = services.wards_create(wards=[services.WardSpec(name="St Hilda's", code="E05099001", boundary=SQUARE)])
    ward.refresh_from_db()
    assert (ward.min_lng, ward.min_lat, ward.max_lng, ward.max_lat) == (-1.25, 54.55, -1.24, 54.56)
    assert ward.slug == "st-hildas"
    assert 700_000 < ward.area_sq_m < 720_000  # 0.01 degree square at 54.55N, measured on the grid


@pytest.mark.parametrize(
    ("code", "boundary", "message"),
    [
        ("E0509900", SQUARE, "not in GSS form"),
        ("e05099001", SQUARE, "not in GSS form"),
        ("E05099001", Point(-1.2, 54.5).buffer(0.01).boundary, "not a valid polygon"),
        ("E05099001", Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), "not a valid polygon"),  # bow tie
    ],
)
def test_bad_wards_are_refused(db, code, boundary, message):
    with pytest.raises(ValueError, match=message):
        services.wards_create(wards=[services.WardSpec(name="Bad", code=code, boundary=boundary)])
    assert not Ward.objects.exists()


def _street(**overrides):
    fields = {"usrn": 12345678, "name": "Station Road", "town": "Demoton", "lat": 54.555, "lng": -1.245}
    return services.StreetSpec(**(fields | overrides))


def test_streets_refuse_unknown_wards_and_non_lines(db):
    with pytest.raises(ValueError, match="Unknown ward code"):
        services.streets_create(streets=[_street(ward_code="E05099999")])
    with pytest.raises(ValueError, match="is not a line"):
        services.streets_create(streets=[_street(geometry=SQUARE)])
    assert not Street.objects.exists()


def test_addresses_get_grid_references_postcodes_and_search_text(db):
    services.streets_create(streets=[_street(geometry=LineString([(-1.25, 54.555), (-1.24, 54.555)]))])
    written = services.addresses_create(
        addresses=[
            services.AddressSpec(
                uprn=100012345678,
                usrn=12345678,
                postcode="ts4 1ab",
                town="Demoton",
                lat=54.555,
                lng=-1.245,
                sao="Flat 3",
                pao_number=14,
                pao_suffix="B",
            )
        ]
    )
    assert written == 1
    address = Address.objects.get()
    easting, northing = wgs84_to_bng(lng=-1.245, lat=54.555)
    assert (address.easting, address.northing) == (round(easting, 2), round(northing, 2))
    assert address.postcode == "TS4 1AB"
    assert address.search_text == "flat 3 14b station road demoton ts4 1ab ts41ab"
    assert address.street.usrn == 12345678


def test_addresses_are_all_or_nothing(db):
    services.streets_create(streets=[_street()])
    specs = [
        services.AddressSpec(uprn=1, usrn=12345678, postcode="TS4 1AB", town="Demoton", lat=54.555, lng=-1.245),
        services.AddressSpec(uprn=2, usrn=12345678, postcode="not one", town="Demoton", lat=54.555, lng=-1.245),
    ]
    with pytest.raises(ValueError, match="not a valid UK postcode"):
        services.addresses_create(addresses=specs, batch_size=1)
    with pytest.raises(ValueError, match="Unknown USRN"):
        services.addresses_create(addresses=[specs[0].__class__(**{**specs[0].__dict__, "usrn": 99})])
    assert not Address.objects.exists()
