import math

import numpy as np
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
    great_britain_bounds,
    in_great_britain_many,
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


# Ordnance Survey's published test points for OSTN15 (the OS developer pack files
# OSTN15_OSGM15_TestInput_ETRStoOSGB.txt / TestOutput), ETRS89 = WGS84 to well under a metre.
OS_TEST_POINTS = {
    "TP01 St Mary's, Scilly": (49.92226393730, -6.29977752014, 91_492.146, 11_318.804),
    "TP09 Lambeth": (51.48936564950, -0.11992557180, 530_624.974, 178_388.464),
    "TP22 Flamborough Head": (54.11685144290, -0.07773133187, 525_745.670, 470_703.214),
    "TP25 Newcastle University": (54.97912273660, -1.61657685184, 424_639.355, 565_012.703),
    "TP31 Hirta, St Kilda": (57.81351838410, -8.57854456076, 9_587.909, 899_448.996),
    "TP40 Foula": (60.13308091660, -2.07382822798, 395_999.668, 1_138_728.951),
}


@pytest.mark.parametrize(("lat", "lng", "easting", "northing"), OS_TEST_POINTS.values(), ids=OS_TEST_POINTS.keys())
def test_os_test_points_convert_both_ways_and_round_trip(lat, lng, easting, northing):
    # Without the OSTN15 grid pyproj uses a Helmert shift: within about 5 m of OS's answer.
    got_easting, got_northing = wgs84_to_bng(lng=lng, lat=lat)
    assert math.dist((got_easting, got_northing), (easting, northing)) < 6
    got_lng, got_lat = bng_to_wgs84(easting=easting, northing=northing)
    back_easting, back_northing = wgs84_to_bng(lng=got_lng, lat=got_lat)
    assert math.dist((back_easting, back_northing), (easting, northing)) < 6
    # Each direction undoes the other to the millimetre, so a stored point never drifts.
    assert math.dist(wgs84_to_bng(lng=got_lng, lat=got_lat), (easting, northing)) < 0.005
    assert bng_to_wgs84(easting=got_easting, northing=got_northing) == (
        pytest.approx(lng, abs=1e-7),
        pytest.approx(lat, abs=1e-7),
    )


def test_caister_water_tower_converts_back_from_the_grid():
    # The inverse of the OS guide's worked example above.
    lng, lat = bng_to_wgs84(easting=651409.903, northing=313177.270)
    assert lat == pytest.approx(52 + 39 / 60 + 28.8282 / 3600, abs=5e-5)  # 5e-5 degrees is about 5 m
    assert lng == pytest.approx(1 + 42 / 60 + 57.8663 / 3600, abs=8e-5)


def test_great_britain_is_the_national_grid_and_its_area_of_use():
    box = great_britain_bounds()
    assert (box.min_lng, box.min_lat, box.max_lng, box.max_lat) == (-9.01, 49.75, 2.01, 61.01)
    points = {
        "Lambeth": (530_624.974, 178_388.464),
        "St Kilda": (9_587.909, 899_448.996),
        "no location": (0, 0),
        "west of the grid": (-100, 500_000),
        "north of Shetland": (400_000, 1_350_000),
    }
    eastings = np.array([e for e, _ in points.values()], dtype=float)
    northings = np.array([n for _, n in points.values()], dtype=float)
    lngs, lats = bng_to_wgs84_many(eastings, northings)
    inside = in_great_britain_many(eastings=eastings, northings=northings, lngs=lngs, lats=lats)
    assert dict(zip(points, inside.tolist(), strict=True)) == {
        "Lambeth": True,
        "St Kilda": True,
        "no location": False,
        "west of the grid": False,
        "north of Shetland": False,
    }
    # Paris: a fine grid reference once converted, but outside the area of use.
    e, n = wgs84_to_bng_many([2.35], [48.85])
    assert not in_great_britain_many(eastings=e, northings=n, lngs=np.array([2.35]), lats=np.array([48.85]))[0]
