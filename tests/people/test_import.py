"""Loading source extracts: every row checked, a bad file stores nothing, full and delta modes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from townhall.audit.models import AuditEntry
from townhall.people import services
from townhall.people.constants import ImportMode, LoadStatus
from townhall.people.models import LoadBatch, SourceRecord, SourceSystem

MAPPING = {
    "source_id": "Ref", "given_name": "First", "surname": "Last", "date_of_birth": "Born",
    "address_line_1": "Line 1", "postcode": "Postcode", "email": "Email",
}  # fmt: skip
HEADER = "Ref,First,Last,Born,Line 1,Postcode,Email,Notes\n"
GOOD = (
    HEADER
    + "H1,Ada,Lovelace,1915-12-10,1 Mill Lane,nm1 2ab,ADA@example.org,likes maths\n"
    + "H2,Alan,Turing,23/06/1912,2 Mill Lane,NM12AB,,\n"
    + "H3,Grace,Hopper,,3 Mill Lane,NM1 2AB,,\n"
)


@pytest.fixture
def housing(db) -> SourceSystem:
    return services.source_system_create(code="housing", name="Housing", trust_rank=2, column_mapping=MAPPING)


def _load(source: SourceSystem, text: str, **kwargs: object) -> services.ImportReport:
    return services.load_batch_import(source=source, file=io.BytesIO(text.encode()), file_name="extract.csv", **kwargs)


def test_good_file_is_normalised_and_counted(housing: SourceSystem) -> None:
    report = _load(housing, GOOD)
    assert report.ok
    assert report.lines() == []
    batch = report.batch
    assert (batch.rows, batch.new, batch.changed, batch.deleted, batch.unchanged) == (3, 3, 0, 0, 0)
    assert batch.column_mapping == MAPPING
    ada = SourceRecord.objects.get(source_system=housing, source_id="H1")
    assert (ada.postcode, ada.email, ada.date_of_birth) == ("NM1 2AB", "ada@example.org", dt.date(1915, 12, 10))
    assert SourceRecord.objects.get(source_id="H2").date_of_birth == dt.date(1912, 6, 23)
    assert SourceRecord.objects.get(source_id="H3").date_of_birth is None
    assert ada.citizen is None
    assert ada.first_batch == batch == ada.batch
    assert AuditEntry.objects.filter(action="people.load_batch.loaded", object_id=str(batch.pk)).exists()


def test_one_bad_row_stores_nothing_and_reports_rows_without_values(housing: SourceSystem) -> None:
    bad = (
        GOOD
        + "H4,Bad,Date,1990-02-30,4 Mill Lane,NM1 2AB,,\n"
        + ",No,Id,,5 Mill Lane,,,\n"
        + "H1,Ada,Again,,,,,\n"
        + "H7,,,,6 Mill Lane,,,\n"
        + "H8,Eve,Mail,,,,not-an-email,\n"
        + "H9,Old,Person,1700-01-01,,,,\n"
    )
    report = _load(housing, bad)
    assert not report.ok
    assert SourceRecord.objects.count() == 0
    assert report.batch.status == LoadStatus.REJECTED
    assert report.batch.error_count == 6
    lines = report.lines()
    assert lines[0] == "row 4, date_of_birth: the date of birth is not a date written as YYYY-MM-DD or DD/MM/YYYY"
    assert "row 5, source_id: the record id is blank" in lines
    assert "row 6, source_id: the record id appears on an earlier row of this file" in lines
    assert "row 7, given_name: the record has neither a given name nor a surname" in lines
    assert "row 8, email: the email address is not of the form name@domain" in lines
    assert any(line.startswith("row 9, date_of_birth") and "plausible" in line for line in lines)
    stored = str(LoadBatch.objects.get().errors)
    assert "not-an-email" not in stored
    assert "1990-02-30" not in stored


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file: the file is empty: expected a header row"),
        (b"Ref,First\nH1,Ada\n", "file: the header has no column(s) Last, Born, Line 1, Postcode, Email"),
        (HEADER.encode(), "file: the file has a header but no records"),
        ("Ref,First,Last,Born,Line 1,Postcode,Email\nH1,Zoë,X,,,,\n".encode("latin-1"), "file: the file is not UTF-8"),
        ((HEADER + "H1,Ada\n").encode(), "row 1: the row has 2 cells but the header has 8"),
    ],
)
def test_file_level_errors(housing: SourceSystem, content: bytes, expected: str) -> None:
    report = services.load_batch_import(source=housing, file=io.BytesIO(content), file_name="x.csv")
    assert not report.ok
    assert report.lines()[0].startswith(expected)
    assert SourceRecord.objects.count() == 0


def test_full_extract_marks_missing_records_deleted_and_finds_changes(housing: SourceSystem) -> None:
    _load(housing, GOOD)
    second = (
        HEADER
        + "H1,Ada,Lovelace,1915-12-10,1 Mill Lane,NM1 2AB,ada@example.org,\n"
        + "H2,Alan,Turing,1912-06-23,9 King's Road,NM1 2AB,,\n"
        + "H4,Tim,Berners-Lee,,,,,\n"
    )
    batch = _load(housing, second).batch
    assert (batch.new, batch.changed, batch.deleted, batch.unchanged) == (1, 1, 1, 1)
    assert SourceRecord.objects.get(source_id="H3").deleted_at is not None
    assert SourceRecord.objects.get(source_id="H2").address_line_1 == "9 King's Road"
    assert SourceRecord.objects.get(source_id="H1").batch != batch  # unchanged records are left alone
    # H3 comes back: it is changed (undeleted), not new.
    third = _load(housing, GOOD).batch
    assert (third.new, third.changed, third.deleted, third.unchanged) == (0, 2, 1, 1)
    assert SourceRecord.objects.get(source_id="H3").deleted_at is None


def test_delta_adds_and_changes_without_deleting(housing: SourceSystem) -> None:
    _load(housing, GOOD)
    delta = HEADER + "H2,Alan,Turing,1912-06-23,10 Mill Lane,NM1 2AB,,\n" + "H5,Katherine,Johnson,,,,,\n"
    batch = _load(housing, delta, mode=ImportMode.DELTA).batch
    assert (batch.new, batch.changed, batch.deleted, batch.unchanged, batch.mode) == (1, 1, 0, 0, "delta")
    assert SourceRecord.objects.filter(deleted_at__isnull=True).count() == 4


def test_delta_deletion_flag(housing: SourceSystem) -> None:
    _load(housing, GOOD)
    mapping = {**MAPPING, "deleted": "Deleted?"}
    delta = "Ref,First,Last,Born,Line 1,Postcode,Email,Deleted?\nH1,,,,,,,Y\nH2,Alan,Turing,,,,,\n"
    batch = _load(housing, delta, mode=ImportMode.DELTA, mapping=mapping).batch
    assert (batch.new, batch.changed, batch.deleted) == (0, 1, 1)
    assert SourceRecord.objects.get(source_id="H1").deleted_at is not None
    # A deletion column makes no sense in a full extract (absence means deleted there).
    report = _load(housing, delta, mapping=mapping)
    assert not report.ok
    assert "only read in delta mode" in report.lines()[0]


def test_mapping_is_validated_on_save_and_on_import(housing: SourceSystem) -> None:
    for bad, message in [
        ({"given_name": "First"}, "source_id"),
        ({"source_id": "Ref", "shoe_size": "Shoes", "surname": "S"}, "unknown fields: shoe_size"),
        ({"source_id": "Ref", "surname": "Ref"}, "mapped twice"),
        ({"source_id": "Ref", "email": "E"}, "given_name or surname"),
        (["Ref"], "JSON object"),
    ]:
        housing.column_mapping = bad
        with pytest.raises(ValidationError, match=message):
            housing.save()
    housing.refresh_from_db()
    report = _load(housing, GOOD, mapping={"surname": "Last"})
    assert not report.ok
    assert report.lines()[0].startswith("file: the column mapping is not valid")
    with pytest.raises(ValidationError):
        services.source_system_create(code="bad code!", name="x", trust_rank=1, column_mapping=MAPPING)
