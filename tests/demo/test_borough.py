"""The generated small borough: geography, identifiers and the gazetteer selectors on it."""

import itertools

import shapely
from django.db.models import F

from tests.demo.conftest import AS_OF
from townhall.demo.borough import plan_borough, to_degrees
from townhall.places import selectors
from townhall.places.geometry import geometry_to_bng, wgs84_to_bng
from townhall.places.models import Address, Street, Ward
from townhall.places.postcodes import postcode_is_valid, postcode_normalise


def test_small_scale_has_about_five_thousand_addresses(borough):
    """How long generation takes is measured by bench/demo_generate.py, not asserted here."""
    summary = borough.summary
    assert summary.wards == Ward.objects.count() == 20
    assert 4_900 <= summary.addresses == Address.objects.count() <= 5_100
    assert summary.streets == Street.objects.count() > 100
    assert summary.run.seed == 1
    assert summary.run.scale == "small"
    assert summary.run.as_of == AS_OF


def _ward_shapes_bng():
    return {ward.code: geometry_to_bng(shapely.from_geojson(ward.boundary_geojson)) for ward in Ward.objects.all()}


def test_wards_do_not_overlap_and_cover_the_borough(borough):
    wards = _ward_shapes_bng()
    for shape in wards.values():
        assert shape.is_valid
        assert shape.geom_type in {"Polygon", "MultiPolygon"}
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(wards.values(), 2))
    assert overlap < 1.0  # square metres, across the whole borough (rounding to 1e-7 degrees)
    outline = geometry_to_bng(to_degrees(plan_borough(seed=1, addresses=0).outline))
    # Storing to 1e-7 degrees moves a boundary by under a centimetre, so gaps and spill-overs
    # along the outline add up to less than 1 cm times its length.
    assert shapely.union_all(list(wards.values())).symmetric_difference(outline).area < 0.01 * outline.length
    assert 100e6 < outline.area < 250e6  # a plausible borough: 100-250 km²


def test_wards_have_distinct_plausible_names_and_gss_like_codes(borough):
    wards = list(Ward.objects.order_by("code"))
    assert [ward.code for ward in wards] == [f"E05099{n:03d}" for n in range(1, 21)]
    assert len({ward.name for ward in wards}) == 20
    assert [ward.name for ward in wards] == sorted(ward.name for ward in wards)
    assert all(ward.name[0].isupper() and ward.slug for ward in wards)


def test_every_address_is_inside_its_ward(borough):
    for ward in Ward.objects.all():
        shape = shapely.from_geojson(ward.boundary_geojson)
        shapely.prepare(shape)
        points = list(Address.objects.filter(ward=ward).values_list("lng", "lat"))
        assert points, ward.name
        lngs, lats = zip(*points, strict=True)
        assert shapely.contains_xy(shape, lngs, lats).all(), ward.name
    assert not Address.objects.filter(ward__isnull=True).exists()


def test_every_street_lies_in_its_ward_and_holds_its_addresses(borough):
    shapes = {ward.id: shapely.from_geojson(ward.boundary_geojson) for ward in Ward.objects.all()}
    for street in Street.objects.all():
        assert shapes[street.ward_id].contains(shapely.from_geojson(street.geometry_geojson)), street.name
    mismatched = Address.objects.exclude(ward_id=F("street__ward_id"))
    assert not mismatched.exists()


def test_identifiers_and_postcodes_are_well_formed(borough):
    uprns = list(Address.objects.values_list("uprn", flat=True))
    assert len(set(uprns)) == len(uprns)
    assert all(0 < uprn < 10**12 for uprn in uprns)
    assert all(10**7 <= usrn < 10**8 for usrn in Street.objects.values_list("usrn", flat=True))
    postcodes = set(Address.objects.values_list("postcode", flat=True))
    assert all(postcode_is_valid(p) and postcode_normalise(p) == p and p.startswith("TS") for p in postcodes)
    # About fifteen addresses to a postcode unit, as in real life.
    assert 8 < len(uprns) / len(postcodes) < 25


def test_ward_for_point_agrees_with_the_stored_ward(borough):
    for address in Address.objects.select_related("ward").order_by("uprn")[::50]:
        assert selectors.ward_for_point(lat=address.lat, lng=address.lng) == address.ward


def test_nearest_street_is_at_most_the_house_offset_away(borough):
    for address in Address.objects.select_related("street").order_by("uprn")[::250]:
        street = selectors.nearest_street(lat=address.lat, lng=address.lng)
        line = geometry_to_bng(shapely.from_geojson(street.geometry_geojson))
        assert line.distance(shapely.Point(wgs84_to_bng(lng=address.lng, lat=address.lat))) <= 10.05


def test_postcode_and_text_search_find_demo_addresses(borough):
    address = Address.objects.select_related("street").order_by("uprn")[1234]
    assert address in selectors.addresses_for_postcode(postcode=address.postcode.lower().replace(" ", ""))
    found = selectors.address_search(query=f"{address.pao_number} {address.street.name} {address.postcode}", limit=50)
    assert address in found
