import pytest
import shapely
from shapely.geometry import Polygon

from townhall.places.geometry import (
    BoundingBox,
    area_square_metres,
    bng_to_wgs84,
    bng_to_wgs84_many,
    geometry_from_geojson,
    geometry_to_bng,
    geometry_to_geojson,
    geometry_to_wgs84,
    wgs84_to_bng,
    wgs84_to_bng_many,
)


def test_wgs84_to_bng_matches_the_ordnance_survey_worked_example():
    # Caister water tower, from Ordnance Survey's guide to coordinate systems:
    # ETRS89 52°39'28.8282"N 1°42'57.8663"E is National Grid E 651409.903, N 313177.270.
    # pyproj without the OSTN15 grid uses a Helmert shift, good to a few metres.
    easting, northing = wgs84_to_bng(lng=1 + 42 / 60 + 57.8663 / 3600, lat=52 + 39 / 60 + 28.8282 / 3600)
    assert easting == pytest.approx(651409.903, abs=10)
    assert northing == pytest.approx(313177.270, abs=10)


def test_conversions_round_trip_and_batch_versions_agree():
    easting, northing = wgs84_to_bng(lng=-1.24, lat=54.55)
    lng, lat = bng_to_wgs84(easting=easting, northing=northing)
    assert (lng, lat) == (pytest.approx(-1.24, abs=1e-7), pytest.approx(54.55, abs=1e-7))  # about 1 cm
    eastings, northings = wgs84_to_bng_many([-1.24, -1.25], [54.55, 54.56])
    assert eastings[0] == pytest.approx(easting)
    assert northings[0] == pytest.approx(northing)
    lngs, lats = bng_to_wgs84_many(eastings, northings)
    assert lngs[1] == pytest.approx(-1.25, abs=1e-7)
    assert lats[1] == pytest.approx(54.56, abs=1e-7)


def test_area_is_measured_in_square_metres():
    east, north = 450_000, 517_000
    square_bng = Polygon([(east, north), (east + 1000, north), (east + 1000, north + 1000), (east, north + 1000)])
    square_wgs84 = geometry_to_wgs84(square_bng)
    assert area_square_metres(square_wgs84) == pytest.approx(1_000_000, rel=1e-4)
    assert geometry_to_bng(square_wgs84).equals_exact(square_bng, tolerance=0.01)


def test_geojson_round_trip_keeps_about_a_centimetre():
    shape = Polygon([(-1.2, 54.5), (-1.1, 54.5), (-1.1, 54.6123456789), (-1.2, 54.5)])
    text = geometry_to_geojson(shape)
    assert '"Polygon"' in text
    parsed = geometry_from_geojson(text)
    assert parsed.equals(shapely.set_precision(shape, 1e-7))
    assert parsed.hausdorff_distance(shape) < 1e-7
    assert parsed.exterior.is_ccw
    assert "54.6123457" in text


def test_bounding_box_around_a_point_is_at_least_the_radius_each_way():
    box = BoundingBox.around(lat=54.55, lng=-1.24, metres=500)
    centre_e, centre_n = wgs84_to_bng(lng=-1.24, lat=54.55)
    east_e, _ = wgs84_to_bng(lng=box.max_lng, lat=54.55)
    _, north_n = wgs84_to_bng(lng=-1.24, lat=box.max_lat)
    assert 500 <= east_e - centre_e < 520
    assert 500 <= north_n - centre_n < 520
