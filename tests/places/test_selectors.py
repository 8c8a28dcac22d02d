import pytest
import shapely

from tests.places.conftest import lat_lng
from townhall.places import selectors
from townhall.places.models import Ward


@pytest.mark.parametrize(
    ("easting", "northing", "expected"),
    [
        (449_500, 517_500, "Westfield"),
        (450_200, 517_200, "Eastgate"),
        (450_800, 517_800, None),  # inside Eastgate's bounding box, outside the triangle
        (455_000, 517_500, None),  # outside every box
    ],
)
def test_ward_for_point(gazetteer, django_assert_num_queries, easting, northing, expected):
    lat, lng = lat_lng(easting, northing)
    with django_assert_num_queries(1):
        ward = selectors.ward_for_point(lat=lat, lng=lng)
    assert (ward.name if ward else None) == expected


def test_a_point_on_a_shared_boundary_goes_to_the_lowest_code(gazetteer):
    west, east = (shapely.from_geojson(ward.boundary_geojson) for ward in Ward.objects.order_by("code"))
    shared = set(west.exterior.coords) & set(east.exterior.coords)
    assert shared
    for lng, lat in shared:
        assert selectors.ward_for_point(lat=lat, lng=lng).code == "E05099901"


def test_addresses_for_postcode_normalises_and_orders_along_the_street(gazetteer):
    addresses = list(selectors.addresses_for_postcode(postcode=" ts401ab "))
    assert [address.uprn for address in addresses] == [101, 102, 103, 104, 105, 106]
    assert addresses[0].single_line == "1 High Street, Demoton, TS40 1AB"
    assert addresses[0].ward.name == "Westfield"


def test_flats_and_named_houses_read_as_a_letter_would(gazetteer):
    flat = selectors.addresses_for_postcode(postcode="TS40 1AD").first()
    assert flat.lines == ["Flat 1", "8 High Street", "Demoton"]
    mill_lane = list(selectors.addresses_for_postcode(postcode="TS41 2BD"))
    assert [address.single_line for address in mill_lane] == [
        "1 Mill Lane, Demoton, TS41 2BD",
        "2A Mill Lane, Demoton, TS41 2BD",
        "Rose Cottage, Mill Lane, Demoton, TS41 2BD",
    ]


def test_an_unknown_but_valid_postcode_finds_nothing(gazetteer):
    assert not selectors.addresses_for_postcode(postcode="TS99 9ZZ").exists()


@pytest.mark.parametrize("postcode", ["", "hello", "TS1", "TS40 1CC"])
def test_an_invalid_postcode_is_a_clear_value_error(gazetteer, postcode):
    with pytest.raises(ValueError, match=r"is not a valid UK postcode\. Enter a postcode in the format TS1 2AB"):
        selectors.addresses_for_postcode(postcode=postcode)


def test_address_search_by_postcode_words_and_word_prefixes(gazetteer):
    assert [a.uprn for a in selectors.address_search(query="ts41 2bd")] == [301, 303, 302]
    assert [a.uprn for a in selectors.address_search(query="rose cott")] == [302]
    assert [a.uprn for a in selectors.address_search(query="Flat 2, 8 High St")] == [202]
    assert [a.uprn for a in selectors.address_search(query="2a mill")] == [303]
    assert selectors.address_search(query="high street", limit=3) == selectors.address_search(query="high")[:3]
    # Words must start a word of the address: "ill" is inside "Mill" but begins nothing.
    assert selectors.address_search(query="ill lane") == []
    assert selectors.address_search(query="  ,. ") == []


@pytest.mark.parametrize(
    ("easting", "northing", "expected"),
    [
        (449_500, 517_560, "High Street"),
        (450_130, 517_300, "Mill Lane"),
        # Church Close's middle is nearer than High Street's, but High Street itself is 30 m away.
        (449_150, 517_530, "High Street"),
        # Nothing within the first windows: the search widens until it finds the point-only street.
        (451_600, 517_500, "Lonely Road"),
    ],
)
def test_nearest_street_measures_to_the_street_line_in_metres(gazetteer, easting, northing, expected):
    lat, lng = lat_lng(easting, northing)
    assert selectors.nearest_street(lat=lat, lng=lng).name == expected


def test_nearest_street_gives_up_beyond_the_maximum_distance(gazetteer):
    lat, lng = lat_lng(451_600, 517_500)
    assert selectors.nearest_street(lat=lat, lng=lng, max_distance_m=300) is None
    lat, lng = lat_lng(460_000, 517_500)
    assert selectors.nearest_street(lat=lat, lng=lng) is None


def test_ward_locator_agrees_with_ward_for_point_in_one_query(gazetteer, django_assert_num_queries):
    west, east = (shapely.from_geojson(ward.boundary_geojson) for ward in Ward.objects.order_by("code"))
    shared = sorted(set(west.exterior.coords) & set(east.exterior.coords))
    points = [
        lat_lng(e, n) for e, n in [(449_500, 517_500), (450_200, 517_200), (450_800, 517_800), (455_000, 517_500)]
    ]
    points += [(lat, lng) for lng, lat in shared]
    with django_assert_num_queries(1):
        locator = selectors.ward_locator()
    found = locator.ward_ids(lngs=[lng for _, lng in points], lats=[lat for lat, _ in points])
    expected = [getattr(selectors.ward_for_point(lat=lat, lng=lng), "id", None) for lat, lng in points]
    assert found == expected
    assert found[2:4] == [None, None]
    assert set(found[4:]) == {Ward.objects.get(code="E05099901").id}  # shared boundary: lowest code


def test_ward_locator_without_wards_finds_nothing(db):
    assert selectors.ward_locator().ward_ids(lngs=[-1.2], lats=[54.5]) == [None]
