"""Validated uploads and versions (issue 6): a bad CSV is refused row by row and nothing is stored; a good one is
the next immutable version, and every earlier version stays downloadable byte for byte."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import ckanapi
import openpyxl
import pytest
import requests
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.opendata.ckan_fixtures import Catalogue
from townhall.accounts import services as account_services
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.opendata import services
from townhall.opendata.models import Resource, ResourceVersion
from townhall.opendata.services import ResourceFields, versions
from townhall.opendata.validation_report import Problem, report_csv

pytestmark = pytest.mark.django_db

GOOD = b"id,name,amount\n1,Alice,10\n2,Bob,20\n3,Cara,30\n"
# v2: row 2 changed, row 3 removed, rows 4 and 5 added.
SECOND = b"id,name,amount\n1,Alice,10\n2,Bob,25\n4,Dev,40\n5,Eli,50\n"
BAD = b"id,name,amount\n1,Alice,10\n2,Bob,lots\n3,Cara,30,extra\n2,Dan,7\n"


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def _first(catalogue: Catalogue, steward: User, content: bytes = GOOD, name: str = "spend.csv") -> Resource:
    return services.resource_create(
        acting_user=steward,
        dataset=catalogue.toilets,
        fields=ResourceFields(name="Spend", upload=_upload(name, content), change_note="First"),
    )


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _keyed(resource: Resource, steward: User) -> Resource:
    schema = dict(resource.table_schema or {})
    schema["primaryKey"] = ["id"]
    return versions.resource_schema_update(acting_user=steward, resource=resource, table_schema=schema)


def test_first_upload_infers_a_schema_and_makes_version_one(
    catalogue: Catalogue, data_steward: User, settings: Any
) -> None:
    resource = _first(catalogue, data_steward)

    version = resource.current_version
    assert version is not None
    assert version.number == 1
    assert version.row_count == 3
    assert version.size == len(GOOD)
    assert resource.hash == "sha256:" + version.sha256
    assert resource.format == "CSV"
    assert resource.mimetype == "text/csv"
    assert [f["name"] for f in resource.table_schema["fields"]] == ["id", "name", "amount"]
    assert resource.table_schema["fields"][0]["type"] == "integer"
    assert version.change_summary["by"] == "first"
    assert version.created_by == data_steward
    assert version.change_note == "First"
    with version.file.open("rb") as handle:
        assert handle.read() == GOOD
    assert resource.upload.name == version.file.name


def test_a_csv_with_bad_rows_is_refused_row_by_row_and_nothing_is_stored(
    catalogue: Catalogue, data_steward: User, settings: Any
) -> None:
    resource = _keyed(_first(catalogue, data_steward), data_steward)
    before = (Resource.objects.count(), ResourceVersion.objects.count(), _files(Path(settings.MEDIA_ROOT)))
    audits = AuditEntry.objects.count()

    with pytest.raises(versions.UploadRejectedError) as refused:
        versions.resource_file_upload(acting_user=data_steward, resource=resource, filename="spend.csv", content=BAD)

    found = {(p.row, p.field, p.cell): p.message for p in refused.value.problems}
    assert found[(3, "amount", "lots")] == "“lots” is not a whole number"
    assert (4, "", "extra") in found
    assert "more values" in found[(4, "", "extra")]
    assert "The primary key repeats: the same as in the row at position 3" in found.values()
    assert refused.value.message_dict["upload"][0].startswith("The file was not accepted:")
    assert "Row 3, amount: “lots” is not a whole number" in refused.value.message_dict["upload"]
    after = (Resource.objects.count(), ResourceVersion.objects.count(), _files(Path(settings.MEDIA_ROOT)))
    assert after == before
    assert AuditEntry.objects.count() == audits
    resource.refresh_from_db()
    assert resource.current_version.number == 1


def test_a_refused_first_file_creates_no_resource(catalogue: Catalogue, data_steward: User, settings: Any) -> None:
    before = (Resource.objects.count(), _files(Path(settings.MEDIA_ROOT)))
    with pytest.raises(versions.UploadRejectedError) as refused:
        _first(catalogue, data_steward, content=b"a,b\n1,2\n3,4,5\n")
    assert refused.value.problems[0].row == 3
    assert (Resource.objects.count(), _files(Path(settings.MEDIA_ROOT))) == before


def test_a_good_new_version_is_version_two_and_version_one_stays_byte_for_byte(
    catalogue: Catalogue, data_steward: User, client: Client
) -> None:
    resource = _keyed(_first(catalogue, data_steward), data_steward)
    v1 = resource.current_version
    assert v1 is not None
    v1_fields = {f.name: getattr(v1, f.name) for f in ResourceVersion._meta.concrete_fields}

    v2 = versions.resource_file_upload(
        acting_user=data_steward, resource=resource, filename="spend-2.csv", content=SECOND, change_note="April"
    )

    assert v2.number == 2
    assert v2.change_summary == {
        "compared_with": 1,
        "rows_added": 2,
        "rows_removed": 1,
        "rows_changed": 1,
        "by": "primary_key",
    }
    resource.refresh_from_db()
    assert resource.current_version == v2
    assert resource.size == len(SECOND)
    v1.refresh_from_db()
    assert {f.name: getattr(v1, f.name) for f in ResourceVersion._meta.concrete_fields} == v1_fields, "immutable"
    old = client.get(f"/dataset/{resource.dataset_id}/resource/{resource.pk}/version/1/download/spend.csv")
    assert old.status_code == 200
    assert b"".join(old.streaming_content) == GOOD
    new = client.get(f"/dataset/{resource.dataset_id}/resource/{resource.pk}/version/2/download/spend-2.csv")
    assert b"".join(new.streaming_content) == SECOND
    current = client.get(f"/dataset/{resource.dataset_id}/resource/{resource.pk}/download/spend-2.csv")
    assert b"".join(current.streaming_content) == SECOND
    assert AuditEntry.objects.filter(action="opendata.resource.version_created", object_id=str(resource.pk)).exists()


def test_without_a_primary_key_whole_rows_are_compared(catalogue: Catalogue, data_steward: User) -> None:
    resource = _first(catalogue, data_steward)
    v2 = versions.resource_file_upload(acting_user=data_steward, resource=resource, filename="s.csv", content=SECOND)
    assert v2.change_summary == {
        "compared_with": 1,
        "rows_added": 3,
        "rows_removed": 2,
        "rows_changed": None,
        "by": "whole_rows",
    }


def test_the_same_file_again_makes_no_version(catalogue: Catalogue, data_steward: User) -> None:
    resource = _first(catalogue, data_steward)
    with pytest.raises(ValidationError, match="same as version 1"):
        versions.resource_file_upload(acting_user=data_steward, resource=resource, filename="s.csv", content=GOOD)
    assert resource.versions.count() == 1


def test_later_files_must_have_the_same_columns(catalogue: Catalogue, data_steward: User) -> None:
    resource = _first(catalogue, data_steward)
    with pytest.raises(versions.UploadRejectedError) as refused:
        versions.resource_file_upload(
            acting_user=data_steward, resource=resource, filename="s.csv", content=b"id,title,amount\n1,A,1\n"
        )
    assert refused.value.problems[0].row == 1
    assert "title" in refused.value.problems[0].message


def test_xlsx_is_validated_too(catalogue: Catalogue, data_steward: User) -> None:
    def workbook(rows: list[list[Any]]) -> bytes:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    resource = _first(catalogue, data_steward, content=workbook([["id", "when"], [1, "2026-01-01"]]), name="a.xlsx")
    assert resource.format == "XLSX"
    assert resource.current_version.row_count == 1
    with pytest.raises(versions.UploadRejectedError) as refused:
        versions.resource_file_upload(
            acting_user=data_steward,
            resource=resource,
            filename="a.xlsx",
            content=workbook([["id", "when"], ["one", "2026-01-02"]]),
        )
    assert refused.value.problems[0].row == 2
    assert refused.value.problems[0].field == "id"


def test_other_files_are_versioned_without_a_schema(catalogue: Catalogue, data_steward: User) -> None:
    resource = _first(catalogue, data_steward, content=b"%PDF-1.4 a report", name="report.pdf")
    assert (resource.format, resource.mimetype, resource.table_schema) == ("PDF", "application/pdf", None)
    assert resource.current_version.row_count is None
    with pytest.raises(versions.UploadRejectedError, match="not a PDF"):
        versions.resource_file_upload(acting_user=data_steward, resource=resource, filename="r.pdf", content=b"hi")
    geo = _first(catalogue, data_steward, content=b'{"type": "FeatureCollection", "features": []}', name="w.geojson")
    assert (geo.format, geo.mimetype) == ("GeoJSON", "application/geo+json")


def test_the_size_limit(catalogue: Catalogue, data_steward: User, settings: Any) -> None:
    settings.TOWNHALL_OPENDATA_UPLOAD_MAX_BYTES = 1024 * 1024
    with pytest.raises(versions.UploadRejectedError, match="larger than the limit of 1 MB"):
        _first(catalogue, data_steward, content=b"a\n" + b"1\n" * 600_000)


def test_only_stewards_upload(catalogue: Catalogue, data_steward: User) -> None:
    resource = _first(catalogue, data_steward)
    resident = account_services.user_create_resident(
        email="r@example.org", password="correct-horse-battery-staple-42", email_verified=True
    )
    with pytest.raises(PermissionDenied):
        versions.resource_file_upload(acting_user=resident, resource=resource, filename="s.csv", content=SECOND)
    with pytest.raises(PermissionDenied):
        versions.resource_schema_update(acting_user=resident, resource=resource, table_schema=resource.table_schema)


def test_schema_edits_are_validated(catalogue: Catalogue, data_steward: User) -> None:
    resource = _first(catalogue, data_steward)
    schema = resource.table_schema

    bad_type = {**schema, "fields": [{**schema["fields"][0], "type": "integr"}, *schema["fields"][1:]]}
    with pytest.raises(ValidationError, match="not supported"):
        versions.resource_schema_update(acting_user=data_steward, resource=resource, table_schema=bad_type)
    renamed = {**schema, "fields": [{**schema["fields"][0], "name": "ident"}, *schema["fields"][1:]]}
    with pytest.raises(ValidationError, match="columns, in order: id, name, amount"):
        versions.resource_schema_update(acting_user=data_steward, resource=resource, table_schema=renamed)
    too_low = {**schema, "fields": [*schema["fields"][:2], {**schema["fields"][2], "constraints": {"minimum": 15}}]}
    with pytest.raises(versions.UploadRejectedError) as refused:
        versions.resource_schema_update(acting_user=data_steward, resource=resource, table_schema=too_low)
    assert refused.value.problems == [
        Problem(row=2, field="amount", cell="10", message="“10” is below the minimum (15)")
    ]
    resource.refresh_from_db()
    assert resource.table_schema == schema

    titled = {**schema, "fields": [{**schema["fields"][0], "title": "Identifier"}, *schema["fields"][1:]]}
    versions.resource_schema_update(acting_user=data_steward, resource=resource, table_schema=titled)
    resource.refresh_from_db()
    assert resource.table_schema["fields"][0]["title"] == "Identifier"
    assert resource.current_version.table_schema == schema, "the version keeps the schema it was checked against"


def test_report_csv_quotes_formulas() -> None:
    text = report_csv([Problem(row=2, field="a", cell="=HYPERLINK(1)", message="bad"), Problem(None, "", "", "x")])
    assert text.splitlines() == ["row,field,value,problem", "2,a,'=HYPERLINK(1),bad", ",,,x"]


def test_the_dataset_page_lists_versions(catalogue: Catalogue, data_steward: User, client: Client) -> None:
    resource = _first(catalogue, data_steward)
    versions.resource_file_upload(
        acting_user=data_steward, resource=resource, filename="s2.csv", content=SECOND, change_note="April figures"
    )
    html = client.get(f"/data/dataset/{catalogue.toilets.name}/").content.decode()
    assert "Versions of Spend" in html
    assert "April figures" in html
    assert f"/resource/{resource.pk}/version/1/download/spend.csv" in html
    assert f"/resource/{resource.pk}/version/2/download/s2.csv" in html


def test_private_datasets_versions_are_not_found(catalogue: Catalogue, data_steward: User, client: Client) -> None:
    resource = services.resource_create(
        acting_user=data_steward,
        dataset=catalogue.private,
        fields=ResourceFields(name="S", upload=_upload("s.csv", GOOD)),
    )
    url = f"/dataset/{catalogue.private.pk}/resource/{resource.pk}/version/1/download/s.csv"
    assert client.get(url).status_code == 404
    assert (
        client.get(f"/dataset/{catalogue.toilets.pk}/resource/{resource.pk}/version/1/download/s.csv").status_code
        == 404
    )


# --- through the CKAN API, with the real ckanapi client -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_api_refuses_bad_rows_with_409_and_stores_nothing(
    ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue, tmp_path: Path, settings: Any
) -> None:
    path = tmp_path / "spend.csv"
    path.write_bytes(b"id,amount\n1,10\n2,3,4\n")
    before = (Resource.objects.count(), _files(Path(settings.MEDIA_ROOT)))
    with path.open("rb") as upload, pytest.raises(ckanapi.ValidationError) as refused:
        ckan_steward.action.resource_create(package_id="public-toilets", name="Spend", upload=upload)

    messages = refused.value.error_dict["upload"]
    assert messages[0] == "The file was not accepted: 1 problem in 1 row."
    assert messages[1] == "Row 3: This row has more values than the header has columns (“4”)"
    assert (Resource.objects.count(), _files(Path(settings.MEDIA_ROOT))) == before


@pytest.mark.django_db(transaction=True)
def test_api_versions_are_addressable(
    ckan_steward: ckanapi.RemoteCKAN, ckan: ckanapi.RemoteCKAN, catalogue: Catalogue, tmp_path: Path, live_server: Any
) -> None:
    first, second = tmp_path / "spend.csv", tmp_path / "spend-may.csv"
    first.write_bytes(GOOD)
    second.write_bytes(SECOND)
    with first.open("rb") as upload:
        created = ckan_steward.action.resource_create(package_id="public-toilets", name="Spend", upload=upload)
    with second.open("rb") as upload:
        patched = ckan_steward.action.resource_patch(id=created["id"], upload=upload, change_note="May")
    assert patched["url"].endswith("/spend-may.csv")
    assert patched["size"] == len(SECOND)

    v1 = ckan.action.resource_show(id=created["id"], version=1)
    assert (
        v1["url"]
        == f"{live_server.url}/dataset/{created['package_id']}/resource/{created['id']}/version/1/download/spend.csv"
    )
    assert (v1["size"], v1["version"]["number"], v1["version"]["row_count"]) == (len(GOOD), 1, 3)
    assert requests.get(v1["url"], timeout=10).content == GOOD
    listed = ckan.action.resource_version_list(id=created["id"])
    assert [(v["number"], v["change_note"]) for v in listed] == [(2, "May"), (1, "")]
    assert listed[0]["hash"] == patched["hash"]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.resource_show(id=created["id"], version=3)
