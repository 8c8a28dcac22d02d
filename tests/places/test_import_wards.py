"""Ward boundaries from GeoJSON: formats, every validation error, upserts and deletions."""

import json
import re
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import Polygon

from tests.places.conftest import WARD_A, WARD_B, lat_lng
from townhall.audit.models import AuditEntry
from townhall.places import importers, services
from townhall.places.geometry import bng_to_wgs84, geometry_to_geojson, geometry_to_wgs84
from townhall.places.models import Address, Street, Ward
from townhall.places.selectors import ward_for_point

DATA = Path(__file__).parent / "data"
# Westfield's square from the shared gazetteer, moved 300 m east (into Eastgate's triangle).
WARD_A_MOVED = shapely.affinity.translate(WARD_A, xoff=300)


def _collection(*features, crs=None):
    document = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    return document


def _feature(code, name, shape_bng, **extra):
    boundary = shapely.geometry.mapping(geometry_to_wgs84(shape_bng))
    return {"type": "Feature", "properties": {"code": code, "name": name, **extra}, "geometry": boundary}


def _write(tmp_path, document, name="wards.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def _import(path, **options):
    read_options = {
        key: options.pop(key) for key in ("code_property", "name_property", "where", "repair") if key in options
    }
    ward_file = importers.ward_file_read(path, **read_options)
    return services.wards_import(ward_file=ward_file, acting_user=None, source=path.name, **options)


def _problems(path, **options):
    with pytest.raises(services.ImportRefusedError) as refused:
        _import(path, **options)
    return refused.value.reasons


def test_a_wgs84_file_creates_wards_with_everything_the_selectors_need(db):
    result = _import(DATA / "wards.geojson")
    assert result.created == ["E05099901", "E05099902"]
    westfield = Ward.objects.get(code="E05099901")
    assert (westfield.name, westfield.slug) == ("Westfield", "westfield")
    assert westfield.area_sq_m == pytest.approx(1_000_000, rel=1e-3)
    lat, lng = lat_lng(449_500, 517_500)
    assert ward_for_point(lat=lat, lng=lng) == westfield
    entry = AuditEntry.objects.get(action=services.ACTION_WARDS_IMPORTED)
    assert entry.actor_role == "system"
    assert entry.reason.startswith("wards.geojson: wards: 2 created, 0 updated, 0 unchanged, 0 deleted")


def test_a_british_national_grid_file_gives_the_same_boundaries(db, tmp_path):
    _import(DATA / "wards.geojson")
    expected = {ward.code: shapely.from_geojson(ward.boundary_geojson) for ward in Ward.objects.all()}
    Ward.objects.all().delete()
    result = _import(DATA / "wards_bng.geojson", where={"LAD24CD": "E06099001"})
    assert result.created == ["E05099901", "E05099902"]  # ONS property names found without options
    for ward in Ward.objects.all():
        # The WGS84 file was written from the same grid shapes, to 7 decimal places.
        assert shapely.from_geojson(ward.boundary_geojson).equals_exact(expected[ward.code], tolerance=2e-7)


@pytest.mark.parametrize("crs", ["EPSG:27700", "urn:ogc:def:crs:EPSG::27700", "urn:ogc:def:crs:EPSG:8.9:27700"])
def test_the_legacy_crs_member_may_name_the_national_grid_in_several_ways(db, tmp_path, crs):
    document = _collection(
        {
            "type": "Feature",
            "properties": {"code": "E05099901", "name": "Westfield"},
            "geometry": shapely.geometry.mapping(WARD_A),
        },
        crs=crs,
    )
    assert _import(_write(tmp_path, document)).created == ["E05099901"]
    ward = Ward.objects.get()
    assert ward.boundary_geojson == geometry_to_geojson(geometry_to_wgs84(WARD_A))


def test_property_options_and_where_filters(db, tmp_path):
    document = _collection(
        _feature("E05099901", "Westfield", WARD_A, council="A"),
        _feature("E05099902", "Eastgate", WARD_B, council="B"),
    )
    for feature in document["features"]:
        properties = feature["properties"]
        properties["gss"], properties["label"] = properties.pop("code"), properties.pop("name")
        properties["name"] = "not this one"
    path = _write(tmp_path, document)
    result = _import(path, code_property="gss", name_property="label", where={"council": "B"})
    assert result.created == ["E05099902"]
    assert list(Ward.objects.values_list("name", flat=True)) == ["Eastgate"]


def test_problems_are_reported_for_every_feature_and_nothing_is_written(db, tmp_path):
    bow_tie = Polygon([(449_000, 517_000), (450_000, 518_000), (450_000, 517_000), (449_000, 518_000)])
    document = _collection(
        _feature("E05099901", "Westfield", WARD_A),
        _feature("", "No Code", WARD_B),
        _feature("E05099901", "Copy", WARD_B),
        _feature("E0509990", "Short Code", WARD_B),
        _feature("E05099905", "", WARD_B),
        _feature("E05099906", "Bow Tie", bow_tie),
        {
            "type": "Feature",
            "properties": {"code": "E05099907", "name": "Line"},
            "geometry": {"type": "LineString", "coordinates": [[-1.2, 54.5], [-1.1, 54.6]]},
        },
        {"type": "Feature", "properties": {"code": "E05099908", "name": "Null"}, "geometry": None},
        {
            "type": "Feature",
            "properties": {"code": "E05099909", "name": "Grid"},
            "geometry": shapely.geometry.mapping(WARD_A),
        },
        {
            "type": "Feature",
            "properties": {"code": "E05099910", "name": "Paris"},
            "geometry": {"type": "Polygon", "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]]},
        },
        {
            "type": "Feature",
            "properties": {"code": "E05099911", "name": "Broken"},
            "geometry": {"type": "Polygon", "coordinates": [[[-1.2, 54.5], [-1.1]]]},
        },
        "not a feature",
    )
    reasons = _problems(_write(tmp_path, document))
    assert reasons == [
        "feature 1, code: The ward code is missing or empty.",
        "feature 2, code 'E05099901': This code is also used by feature 0; codes must be unique.",
        "feature 3, code 'E0509990': A ward code must be a GSS code: a capital letter and 8 digits, e.g. E05000001.",
        "feature 4, name: The ward name is missing or empty.",
        reasons[4],
        "feature 6, geometry 'LineString': A ward boundary must be a Polygon or MultiPolygon.",
        "feature 7, geometry 'null': A ward boundary must be a Polygon or MultiPolygon.",
        "feature 8, geometry: The coordinates are not longitude/latitude. If they are British National Grid metres, "
        'add "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}} to the file.',
        "feature 9, geometry: The boundary is not in Great Britain (is longitude first, as GeoJSON requires?).",
        reasons[9],
        "feature 11, type: This is not a GeoJSON Feature.",
    ]
    assert re.fullmatch(
        r"feature 5, geometry 'Polygon': The boundary is not a valid polygon "
        r"\(Self-intersection\[-1\.236\d+ 54\.550\d+\]\); fix it, or pass --repair\.",
        reasons[4],
    )
    assert reasons[9].startswith("feature 10, geometry 'Polygon': The coordinates are malformed (")
    assert not Ward.objects.exists()
    assert not AuditEntry.objects.exists()


def test_repair_fixes_an_invalid_boundary_with_make_valid(db, tmp_path):
    bow_tie = Polygon([(449_000, 517_000), (450_000, 518_000), (450_000, 517_000), (449_000, 518_000)])
    path = _write(tmp_path, _collection(_feature("E05099906", "Bow Tie", bow_tie)))
    ward_file = importers.ward_file_read(path, repair=True)
    (note,) = ward_file.repairs
    assert re.fullmatch(
        r"feature 0, geometry 'Polygon': Repaired with make_valid: Self-intersection\[.*\]\.", str(note)
    )
    services.wards_import(ward_file=ward_file, acting_user=None, source="test")
    boundary = shapely.from_geojson(Ward.objects.get().boundary_geojson)
    assert boundary.geom_type == "MultiPolygon"  # the bow tie's two triangles
    assert boundary.is_valid


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "is not a readable JSON file"),
        ('{"type": "Feature"}', "is not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection"}', "has no `features` array"),
        ('{"type": "FeatureCollection", "features": []}', "has no features."),
        (
            json.dumps(_collection({"type": "Feature", "properties": {"id": 1}, "geometry": None})),
            "Could not tell which property holds the ward code; the first feature has id. "
            "Name it with --code-property.",
        ),
        (json.dumps(_collection(crs="EPSG:3857")), "names 'EPSG:3857'. Ward boundaries must be in WGS84"),
        (json.dumps(_collection(crs="nonsense")), "names 'nonsense', which is not a known CRS"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(db, tmp_path, text, message):
    with pytest.raises(importers.ImportFileError, match=re.escape(message)):
        importers.ward_file_read(_write(tmp_path, text))


def test_reimport_upserts_by_code_and_reports_what_changed(db, tmp_path):
    _import(DATA / "wards.geojson")
    original = {ward.code: ward for ward in Ward.objects.all()}
    assert _import(DATA / "wards.geojson").unchanged == ["E05099901", "E05099902"]

    document = _collection(
        _feature("E05099901", "Westfield", WARD_A),  # the same
        _feature("E05099902", "Eastgate Park", WARD_B),  # renamed
        _feature("E05099903", "Northgate", shapely.affinity.translate(WARD_A, yoff=1000)),  # new
    )
    result = _import(_write(tmp_path, document))
    assert (result.created, result.updated, result.unchanged, result.deleted) == (
        ["E05099903"],
        ["E05099902"],
        ["E05099901"],
        [],
    )
    renamed = Ward.objects.get(code="E05099902")
    assert renamed.pk == original["E05099902"].pk
    assert (renamed.name, renamed.slug) == ("Eastgate Park", "eastgate-park")
    assert Ward.objects.get(code="E05099901").boundary_geojson == original["E05099901"].boundary_geojson


def test_wards_of_the_same_name_get_distinct_slugs_and_slugs_can_change_hands(db, tmp_path):
    def slugs_after_import(west_name, east_name):
        _import(
            _write(
                tmp_path,
                _collection(_feature("E05099901", west_name, WARD_A), _feature("E05099902", east_name, WARD_B)),
            )
        )
        return dict(Ward.objects.values_list("code", "slug"))

    assert slugs_after_import("Abbey", "Abbey") == {"E05099901": "abbey", "E05099902": "abbey-e05099902"}
    # A ward keeps its slug (its web address) until it is renamed.
    assert slugs_after_import("Priory", "Abbey") == {"E05099901": "priory", "E05099902": "abbey-e05099902"}
    # Swapped names: each ward's new slug is the other's old one, in one update.
    assert slugs_after_import("Abbey", "Priory") == {"E05099901": "abbey", "E05099902": "priory"}


def test_wards_missing_from_the_file_go_only_when_nothing_points_at_them(gazetteer, tmp_path):
    Ward.objects.create(
        code="E05099909",
        name="Empty",
        slug="empty",
        boundary_geojson="{}",
        area_sq_m=0,
        min_lng=0,
        min_lat=0,
        max_lng=0,
        max_lat=0,
    )
    only_westfield = _write(tmp_path, _collection(_feature("E05099901", "Westfield", WARD_A)))
    reasons = _problems(only_westfield)
    assert reasons[0] == "E05099902 'Eastgate' is not in the file, but 1 street, 3 addresses point at it."
    assert reasons[1].startswith("Nothing was imported. Pass --prune to delete these wards anyway")
    assert Ward.objects.count() == 3

    result = _import(only_westfield, prune=True)
    assert result.deleted == ["E05099902", "E05099909"]
    assert list(Ward.objects.values_list("code", flat=True)) == ["E05099901"]
    # Eastgate's addresses and street now lie in no ward.
    assert not Address.objects.filter(uprn__in=[301, 302, 303], ward__isnull=False).exists()
    assert Street.objects.get(usrn=10_000_002).ward is None


def test_moved_boundaries_move_addresses_and_streets_to_their_new_ward(gazetteer, tmp_path):
    document = _collection(_feature("E05099901", "Westfield", WARD_A_MOVED), _feature("E05099902", "Eastgate", WARD_B))
    result = _import(_write(tmp_path, document))
    assert result.updated == ["E05099901"]
    # Houses 1 and 2 High Street (449,100 and 449,200 E) are now west of Westfield; the
    # Mill Lane houses at 450,090-450,110 E are inside the moved square, whose code is lowest.
    assert set(Address.objects.filter(ward=None).values_list("uprn", flat=True)) == {101, 102}
    assert set(Address.objects.filter(ward__code="E05099901", uprn__gte=300).values_list("uprn", flat=True)) == {
        301,
        302,
        303,
    }
    assert result.addresses_reassigned == 5
    assert result.streets_reassigned == Street.objects.filter(usrn=10_000_002, ward__code="E05099901").count() == 1


def test_dry_run_counts_and_writes_nothing(db):
    result = _import(DATA / "wards.geojson", dry_run=True)
    assert result.created == ["E05099901", "E05099902"]
    assert result.dry_run
    assert not Ward.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_command(db, capsys):
    call_command("places", "import-wards", str(DATA / "wards_bng.geojson"), "--where", "LAD24CD=E06099001")
    assert capsys.readouterr().out == (
        "wards_bng.geojson: wards: 2 created, 0 updated, 0 unchanged, 0 deleted; 0 addresses and 0 streets moved "
        "to another ward (1 features left out by --where).\n"
    )
    eastgate = Ward.objects.get(code="E05099902")
    Street.objects.create(
        usrn=1,
        name="Mill Lane",
        town="Demoton",
        lat=0,
        lng=0,
        min_lng=0,
        min_lat=0,
        max_lng=0,
        max_lat=0,
        ward=eastgate,
    )
    westfield_only = ["--code-property", "code", "--where", "code=E05099901"]
    with pytest.raises(CommandError, match=r"1 ward\(s\) missing from the file are still in use"):
        call_command("places", "import-wards", str(DATA / "wards.geojson"), *westfield_only)
    assert "  E05099902 'Eastgate' is not in the file, but 1 street point at it.\n" in capsys.readouterr().err
    call_command("places", "import-wards", str(DATA / "wards.geojson"), *westfield_only, "--prune", "--dry-run")
    assert capsys.readouterr().out.startswith(
        "Dry run, nothing written: wards.geojson: wards: 0 created, 0 updated, 1 unchanged, 1 deleted;"
    )
    assert Ward.objects.count() == 2
    with pytest.raises(CommandError, match="'nonsense' is not in the form PROPERTY=VALUE"):
        call_command("places", "import-wards", str(DATA / "wards.geojson"), "--where", "nonsense")


def test_bng_round_trip_of_the_sample_boundary():
    # The sample files were written from these grid corners; check the WGS84 one still says so.
    corner = json.loads((DATA / "wards.geojson").read_text())["features"][0]["geometry"]["coordinates"][0][0]
    assert corner == pytest.approx(list(bng_to_wgs84(easting=449_000, northing=517_000)), abs=1e-7)
