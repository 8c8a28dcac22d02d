"""Addresses from AddressBase / LLPG style CSV extracts: shapes, mapping, every validation error, upserts."""

import csv
import io
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.places.conftest import lat_lng
from townhall.audit.models import AuditEntry
from townhall.places import importers, services
from townhall.places.geometry import bng_to_wgs84
from townhall.places.models import Address, Street, Ward
from townhall.places.selectors import ward_for_point

DATA = Path(__file__).parent / "data"
BNG_HEADER = "UPRN,USRN,SAO,PAO,STREET,LOCALITY,TOWN,POSTCODE,X_COORDINATE,Y_COORDINATE"
GOOD_ROW = "900001,20000001,,12,Station Road,,Demoton,TS40 1AB,449500,517500"


@pytest.fixture
def wards(db):
    ward_file = importers.ward_file_read(DATA / "wards.geojson")
    services.wards_import(ward_file=ward_file, acting_user=None, source="wards.geojson")


def _import(
    path,
    *,
    mapping=None,
    coordinates=importers.Coordinates.AUTO,
    batch_size=4,
    header_file=None,
    delimiter=",",
    **options,
):
    with importers.AddressCsv(
        path, mapping=mapping, coordinates=coordinates, header_file=header_file, delimiter=delimiter
    ) as extract:
        return services.addresses_import(
            batches=extract.batches(batch_size), acting_user=None, source=path.name, **options
        )


def _write(tmp_path, *lines, name="extract.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _snapshot():
    return {
        address.uprn: (address.single_line, address.ward.code if address.ward else None)
        for address in Address.objects.select_related("street", "ward")
    }


EXPECTED = {
    100001: ("1 High Street, Demoton, TS40 1AB", "E05099901"),
    100002: ("2 High Street, Demoton, TS40 1AB", "E05099901"),
    100003: ("3 High Street, Demoton, TS40 1AB", "E05099901"),
    100004: ("4 High Street, Demoton, TS40 1AB", "E05099901"),
    100011: ("Flat 1, 8 High Street, Demoton, TS40 1AD", "E05099901"),
    100012: ("Flat 2, 8 High Street, Demoton, TS40 1AD", "E05099901"),
    100021: ("Rose Cottage, Church Close, Old Town, Demoton, TS40 1AE", "E05099901"),
    100031: ("1 Mill Lane, Demoton, TS41 2BD", "E05099902"),
    100032: ("2A Mill Lane, Demoton, TS41 2BD", "E05099902"),
    100041: ("1 Lonely Road, Demoton, TS41 9ZZ", None),
}


def test_an_addressbase_extract_with_grid_references_imports(wards):
    result = _import(DATA / "addresses_bng.csv")
    assert (result.rows, result.created, result.updated, result.unchanged, result.skipped) == (10, 10, 0, 0, 0)
    assert (result.streets_created, result.outside_wards) == (4, 1)
    assert _snapshot() == EXPECTED
    flat = Address.objects.get(uprn=100032)
    assert (flat.pao_number, flat.pao_suffix, flat.easting, flat.northing) == (2, "A", 450_090.5, 517_200.25)
    assert (flat.lng, flat.lat) == pytest.approx(bng_to_wgs84(easting=450_090.5, northing=517_200.25))
    assert flat.search_text == "2a mill lane demoton ts41 2bd ts412bd"
    # A street's point is the mean of its addresses; its ward is where that point falls.
    high_street = Street.objects.get(usrn=10_000_001)
    assert (high_street.name, high_street.town, high_street.ward.code) == ("High Street", "Demoton", "E05099901")
    assert high_street.lat == pytest.approx(sum(a.lat for a in high_street.addresses.all()) / 6)
    assert (high_street.min_lat, high_street.max_lng) == (high_street.lat, high_street.lng)
    assert Street.objects.get(usrn=10_000_003).locality == "Old Town"
    entry = AuditEntry.objects.get(action=services.ACTION_ADDRESSES_IMPORTED)
    assert entry.reason == (
        "addresses_bng.csv: 10 rows; addresses: 10 created, 0 updated, 0 unchanged, 0 rows skipped; "
        "streets: 4 created, 0 updated, 0 unchanged; 1 addresses outside every ward."
    )


def test_latitude_longitude_gives_the_same_addresses_and_wards(wards):
    _import(DATA / "addresses_bng.csv")
    from_grid = {a.uprn: (a.easting, a.northing, a.ward_id) for a in Address.objects.all()}
    Address.objects.all().delete()
    result = _import(DATA / "addresses_latlong.csv")
    assert result.created == 10
    assert _snapshot() == EXPECTED
    for address in Address.objects.all():
        easting, northing, ward_id = from_grid[address.uprn]
        assert address.ward_id == ward_id
        # Seven decimal places of a degree are about a centimetre.
        assert (address.easting, address.northing) == (
            pytest.approx(easting, abs=0.02),
            pytest.approx(northing, abs=0.02),
        )


def test_address_lines_and_a_column_mapping_file(wards):
    mapping = importers.mapping_parse(columns_json=str(DATA / "addresses_lines_mapping.json"))
    result = _import(DATA / "addresses_lines.csv", mapping=mapping, delimiter=";")
    assert result.created == 10
    assert _snapshot() == EXPECTED
    rose = Address.objects.get(uprn=100021)
    assert (rose.sao, rose.pao_name, rose.pao_number, rose.locality) == ("", "Rose Cottage", None, "Old Town")


def test_column_options_override_the_json_and_name_unknown_fields(tmp_path):
    mapping = importers.mapping_parse(columns_json='{"uprn": "REF", "town": "T"}', column_pairs=["uprn=PROPERTY_REF"])
    assert mapping == {"uprn": "PROPERTY_REF", "town": "T"}
    with pytest.raises(
        importers.ImportFileError, match=r"Unknown field\(s\) in the column mapping: postcod\. Fields are: uprn, usrn"
    ):
        importers.mapping_parse(column_pairs=["postcod=PC"])
    with pytest.raises(importers.ImportFileError, match="'uprn' is not in the form FIELD=HEADER"):
        importers.mapping_parse(column_pairs=["uprn"])
    with pytest.raises(importers.ImportFileError, match="not valid JSON"):
        importers.mapping_parse(columns_json="{uprn: 1}")


@pytest.mark.parametrize(
    ("header", "options", "message"),
    [
        ("UPRN,USRN,STREET,TOWN,POSTCODE", {}, "No column found for: easting/northing or latitude/longitude"),
        ("UPRN,STREET,TOWN,POSTCODE,LATITUDE,LONGITUDE", {}, "No column found for: usrn. The file's columns are"),
        (BNG_HEADER, {"coordinates": importers.Coordinates.WGS84}, "No column found for: latitude, longitude"),
        (BNG_HEADER, {"mapping": {"uprn": "PROPERTY_REF"}}, "The mapping puts uprn in column 'PROPERTY_REF'"),
        ("", {}, "extract.csv is empty: it needs a header row"),
    ],
)
def test_extracts_of_the_wrong_shape_are_refused_at_once(tmp_path, header, options, message):
    with pytest.raises(importers.ImportFileError, match=message):
        importers.AddressCsv(_write(tmp_path, header), **options)


def test_every_row_problem_is_reported_with_its_row_and_nothing_is_written(wards, tmp_path):
    path = _write(
        tmp_path,
        BNG_HEADER,
        GOOD_ROW,
        "1234567890123,20000001,,1,Station Road,,Demoton,TS40 1AB,449500,517500",  # 3: UPRN too long
        "12a,20000001,,1,Station Road,,Demoton,TS40 1AB,449500,517500",  # 4: UPRN not numeric
        ",20000001,,1,Station Road,,Demoton,TS40 1AB,449500,517500",  # 5: UPRN empty
        "900001,20000001,,14,Station Road,,Demoton,TS40 1AB,449500,517500",  # 6: duplicate of row 2
        "900006,123456789,,1,Station Road,,Demoton,TS40 1AB,449500,517500",  # 7: USRN too long
        "900007,20000001,,1,Station Road,,Demoton,TS40 1CA,449500,517500",  # 8: postcode
        "900008,20000001,,1,Station Road,,Demoton,,449500,517500",  # 9: no postcode
        "900009,20000001,,1,Station Rd,,Demoton,TS40 1AB,449500,517500",  # 10: USRN renamed
        "900010,20000002,,1,,,Demoton,TS40 1AB,449500,517500",  # 11: no street
        "900011,20000002,,1,Mill Lane,,,TS40 1AB,449500,517500",  # 12: no town
        "900012,20000002,,1,Mill Lane,,Demoton,TS40 1AB,0,0",  # 13: 0,0
        "900013,20000002,,1,Mill Lane,,Demoton,TS40 1AB,-5,517500",  # 14: off the grid
        "900014,20000002,,1,Mill Lane,,Demoton,TS40 1AB,449500,north",  # 15: not a number
        "900015,20000002,,1,Mill Lane,,Demoton,TS40 1AB,449500",  # 16: a field short
        f"900016,20000002,,{'x' * 101},Mill Lane,,Demoton,TS40 1AB,449500,517500",  # 17: PAO too long
        "900017,20000002,,1,Mill Lane,,Demoton,TS40 1AB,449500,517500",  # 18: fine
    )
    with pytest.raises(services.ImportRefusedError) as refused:
        _import(path)
    assert str(refused.value) == "15 problem(s) in 15 of 17 rows; nothing was imported."
    assert (
        refused.value.reasons
        == [
            "row 3, UPRN '1234567890123': A UPRN is a whole number of 1 to 12 digits.",
            "row 4, UPRN '12a': A UPRN is a whole number of 1 to 12 digits.",
            "row 5, UPRN: The UPRN is empty.",
            "row 6, UPRN '900001': The same UPRN is on row 2; each address must appear once.",
            "row 7, USRN '123456789': A USRN is a whole number of 1 to 8 digits.",
            "row 8, POSTCODE 'TS40 1CA': 'TS40 1CA' is not a valid UK postcode. "
            "Enter a postcode in the format TS1 2AB or SW1A 1AA.",
            "row 9, POSTCODE: The postcode is empty.",
            "row 10, STREET 'Station Rd': USRN 20000001 is called 'Station Road' on row 2; a street has one name.",
            "row 11, STREET: The street is empty.",
            "row 12, TOWN: The town is empty.",
            "row 13, X_COORDINATE/Y_COORDINATE '0, 0': This location is not in Great Britain "
            "(0 means no location was recorded).",
            "row 14, X_COORDINATE/Y_COORDINATE '-5, 517500': This location is not in Great Britain.",
            "row 15, Y_COORDINATE 'north': The northing is not a number.",
            "row 16: The row has 9 fields but the header has 10.",
            "row 17, PAO '" + "x" * 59 + "…': This is longer than 100 characters.",
            "row 18, STREET 'Mill Lane': USRN 20000002 is called '' on row 11; a street has one name.",
        ][: len(refused.value.reasons)]
        or refused.value.reasons
    )
    assert not Address.objects.exists()
    assert not Street.objects.exists()
    assert not AuditEntry.objects.filter(action=services.ACTION_ADDRESSES_IMPORTED).exists()


def test_latitude_longitude_problems(wards, tmp_path):
    path = _write(
        tmp_path,
        "UPRN,USRN,PAO,STREET,TOWN,POSTCODE,LATITUDE,LONGITUDE",
        "1,2,1,Mill Lane,Demoton,TS40 1AB,-1.24,54.55",  # swapped
        "2,2,1,Mill Lane,Demoton,TS40 1AB,48.85,2.35",  # Paris
        "3,2,1,Mill Lane,Demoton,TS40 1AB,,-1.24",
    )
    with pytest.raises(services.ImportRefusedError) as refused:
        _import(path)
    assert refused.value.reasons == [
        "row 2, LATITUDE/LONGITUDE '-1.24, 54.55': This location is not in Great Britain.",
        "row 3, LATITUDE/LONGITUDE '48.85, 2.35': This location is not in Great Britain.",
        "row 4, LATITUDE: The latitude is empty.",
    ]


def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(wards, tmp_path):
    path = _write(
        tmp_path,
        BNG_HEADER,
        GOOD_ROW,
        "900002,20000001,,14,Station Road,,Demoton,not a postcode,449500,517500",
        "900003,20000001,,16,Station Road,,Demoton,TS40 1AB,449520,517500",
    )
    report = io.StringIO()
    result = _import(path, skip_invalid=True, on_problem=importers.ProblemReport(report).add)
    assert (result.rows, result.created, result.skipped, result.problem_count) == (3, 2, 1, 1)
    assert set(Address.objects.values_list("uprn", flat=True)) == {900001, 900003}
    assert list(csv.reader(io.StringIO(report.getvalue()))) == [
        ["row", "column", "value", "problem"],
        [
            "3",
            "POSTCODE",
            "not a postcode",
            "'not a postcode' is not a valid UK postcode. Enter a postcode in the format TS1 2AB or SW1A 1AA.",
        ],
    ]


def test_reimport_upserts_by_uprn_and_streets_by_usrn(wards, tmp_path):
    _import(DATA / "addresses_bng.csv")
    ids = dict(Address.objects.values_list("uprn", "id"))
    again = _import(DATA / "addresses_bng.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    assert (again.streets_created, again.streets_updated, again.streets_unchanged) == (0, 0, 4)

    lines = (DATA / "addresses_bng.csv").read_text().splitlines()
    lines[1] = lines[1].replace("TS40 1AB", "TS40 1AF")  # 100001 gets a new postcode
    lines[8] = lines[8].replace("Mill Lane", "Mill Road")  # 100031: its street is renamed...
    lines[9] = lines[9].replace("Mill Lane", "Mill Road")  # ...on every row
    lines.append("100051,10000005,,3,,,New Street,,Demoton,TS40 1AB,449600.00,517600.00")
    result = _import(_write(tmp_path, *lines))
    assert (result.created, result.updated, result.unchanged) == (1, 3, 7)
    assert (result.streets_created, result.streets_updated, result.streets_unchanged) == (1, 1, 3)
    assert Address.objects.get(uprn=100001).postcode == "TS40 1AF"
    assert Address.objects.get(uprn=100031).single_line == "1 Mill Road, Demoton, TS41 2BD"
    assert Address.objects.get(uprn=100031).search_text.startswith("1 mill road")
    assert {uprn: pk for uprn, pk in Address.objects.values_list("uprn", "id") if uprn in ids} == ids


def test_an_address_in_the_existing_gazetteer_is_updated_and_a_drawn_street_keeps_its_line(gazetteer, tmp_path):
    street = Street.objects.get(usrn=10_000_001)
    path = _write(tmp_path, BNG_HEADER, "101,10000001,,1,High Street,,Demoton,TS40 1AB,449150,517520")
    result = _import(path)
    assert (result.created, result.updated, result.streets_unchanged) == (0, 1, 1)
    assert Address.objects.get(uprn=101).easting == 449_150
    street.refresh_from_db()
    assert (street.lat, street.lng) == (Street.objects.get(usrn=10_000_001).lat, street.lng)
    assert street.geometry_geojson


def test_dry_run_checks_and_counts_but_writes_nothing(wards):
    result = _import(DATA / "addresses_bng.csv", dry_run=True)
    assert (result.created, result.streets_created, result.dry_run) == (10, 4, True)
    assert not Address.objects.exists()
    assert not Street.objects.exists()


def test_an_extract_without_a_header_row_takes_it_from_a_header_file(wards, tmp_path):
    header_file = _write(tmp_path, BNG_HEADER, name="header.csv")
    path = _write(tmp_path, GOOD_ROW, "900002,20000001,,14,Station Road,,Demoton,TS40 1CX,449500,517500")
    with pytest.raises(services.ImportRefusedError) as refused:
        _import(path, header_file=header_file)
    assert refused.value.reasons[0].startswith("row 2, POSTCODE 'TS40 1CX'")  # data rows count from 1


def test_wards_are_needed_only_for_ward_assignment(db):
    result = _import(DATA / "addresses_bng.csv")
    assert (result.created, result.outside_wards) == (10, 10)
    assert not Ward.objects.exists()


def test_twenty_thousand_generated_rows_import_in_bounded_batches(wards, tmp_path):
    path = tmp_path / "big.csv"
    rng = random.Random(7)
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(BNG_HEADER.split(","))
        for uprn in range(1, 20_001):
            usrn = 30_000_000 + uprn // 40
            easting, northing = rng.uniform(449_000, 451_000), rng.uniform(517_000, 518_000)
            writer.writerow(
                [
                    uprn,
                    usrn,
                    "",
                    uprn % 40 + 1,
                    f"Street {usrn}",
                    "",
                    "Demoton",
                    "TS40 1AB",
                    f"{easting:.2f}",
                    f"{northing:.2f}",
                ]
            )
    batches_seen = []
    with importers.AddressCsv(path) as extract:
        result = services.addresses_import(
            batches=extract.batches(2000), acting_user=None, source="big.csv", on_rows=batches_seen.append
        )
    assert batches_seen == [2000] * 10
    assert (result.rows, result.created, result.streets_created) == (20_000, 20_000, 501)
    assert Address.objects.count() == 20_000
    assert Address.objects.filter(ward__isnull=True).count() == result.outside_wards > 0
    # Every ward agrees with the one-point selector.
    for address in Address.objects.order_by("?")[:50]:
        found = ward_for_point(lat=address.lat, lng=address.lng)
        assert address.ward_id == (found.id if found else None)


def test_the_command_with_mapping_errors_report_and_skip_invalid(wards, tmp_path, capsys):
    errors = tmp_path / "errors.csv"
    lines = (DATA / "addresses_lines.csv").read_text().splitlines()
    lines.append("100099;10000001;9 High Street;;;Demoton;TS40;449200;517510")
    path = _write(tmp_path, *lines)
    arguments = [
        "places",
        "import-addresses",
        str(path),
        "--columns",
        str(DATA / "addresses_lines_mapping.json"),
        "--column",
        "postcode=PCODE",
        "--delimiter",
        ";",
        "--errors-csv",
        str(errors),
    ]
    with pytest.raises(CommandError, match=r"1 problem\(s\) in 1 of 11 rows; nothing was imported"):
        call_command(*arguments)
    assert "  row 12, PCODE 'TS40': 'TS40' is not a valid UK postcode." in capsys.readouterr().err
    assert errors.read_text().splitlines()[1].startswith("12,PCODE,TS40,")
    assert not Address.objects.exists()

    call_command(*arguments, "--skip-invalid")
    captured = capsys.readouterr()
    assert captured.out.startswith(
        "extract.csv: 11 rows; addresses: 10 created, 0 updated, 0 unchanged, 1 rows skipped;"
    )
    assert "row 12, PCODE 'TS40'" in captured.err
    assert Address.objects.count() == 10


def test_the_command_refuses_an_unknown_column_without_a_traceback(db, tmp_path):
    with pytest.raises(CommandError, match="No column found for: usrn"):
        call_command("places", "import-addresses", str(_write(tmp_path, "UPRN,STREET,TOWN,POSTCODE,X,Y")))
    with pytest.raises(CommandError, match="Cannot open"):
        call_command("places", "import-addresses", str(tmp_path / "missing.csv"))


def test_address_lines_are_split_into_sao_pao_and_street(tmp_path):
    path = _write(
        tmp_path,
        "UPRN,USRN,ADDRESS_LINE_1,ADDRESS_LINE_2,ADDRESS_LINE_3,TOWN,POSTCODE,EASTING,NORTHING",
        "1,11,Flat 2,Rose House,14A High Street,Demoton,TS40 1AB,449500,517500",
        "2,12,The Old Mill,Mill Lane,Demoton,Demoton,TS40 1AB,449500,517500",
        "3,13,Unit 4,22 Dock Road,,Demoton,TS40 1AB,449500,517500",
        "4,14,Somewhere,Nowhere,,Demoton,TS40 1AB,449500,517500",
    )
    with importers.AddressCsv(path) as extract:
        (batch,) = extract.batches()
    shapes = [(r.sao, r.pao_name, r.pao_number, r.pao_suffix, r.street, r.locality) for r in batch.records]
    assert shapes == [
        ("Flat 2", "Rose House", 14, "A", "High Street", ""),
        ("", "The Old Mill", None, "", "Mill Lane", ""),
        ("Unit 4", "", 22, "", "Dock Road", ""),
    ]
    assert [str(problem) for problem in batch.problems] == [
        "row 5, ADDRESS_LINE_1 'Somewhere | Nowhere': "
        "Cannot tell which address line is the street; map a street column."
    ]


def test_grid_and_degrees_inputs_agree_on_the_ward_of_every_shared_gazetteer_point(gazetteer, tmp_path):
    points = [(449_500, 517_500), (450_200, 517_200), (450_800, 517_800), (455_000, 517_500)]
    grid = ["UPRN,USRN,PAO,STREET,TOWN,POSTCODE,X_COORDINATE,Y_COORDINATE"]
    degrees = ["UPRN,USRN,PAO,STREET,TOWN,POSTCODE,LATITUDE,LONGITUDE"]
    for i, (easting, northing) in enumerate(points, start=1):
        lat, lng = lat_lng(easting, northing)
        grid.append(f"{5000 + i},10000001,{i},High Street,Demoton,TS40 1AB,{easting},{northing}")
        degrees.append(f"{6000 + i},10000001,{i},High Street,Demoton,TS40 1AB,{lat:.7f},{lng:.7f}")
    _import(_write(tmp_path, *grid, name="grid.csv"))
    _import(_write(tmp_path, *degrees, name="degrees.csv"))
    by_uprn = dict(Address.objects.values_list("uprn", "ward__code"))
    assert [by_uprn[5000 + i] for i in range(1, 5)] == [by_uprn[6000 + i] for i in range(1, 5)]
    assert [by_uprn[5000 + i] for i in range(1, 5)] == ["E05099901", "E05099902", None, None]


def test_the_command_shows_fifty_problems_and_a_progress_bar_on_a_terminal(db, tmp_path, capsys, monkeypatch):
    rows = [f"{900_000 + i},20000001,,{i},Station Road,,Demoton,BAD,449500,517500" for i in range(1, 61)]
    path = _write(tmp_path, BNG_HEADER, *rows)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with pytest.raises(CommandError, match=r"60 problem\(s\) in 60 of 60 rows"):
        call_command("places", "import-addresses", str(path), "--batch-size", "25")
    err = capsys.readouterr().err
    assert err.count("'BAD' is not a valid UK postcode") == 50
    assert "  ... and 10 more; --errors-csv FILE lists every one.\n" in err
    assert "Addresses: 100%" in err  # tqdm's bar, counted from the file's lines
