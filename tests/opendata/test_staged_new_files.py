"""A large file added to a dataset as a new resource is checked in the background too: the resource and its first
version appear together once it passes, and a refusal or a crash leaves no resource. The check streams the staged
file from disk. The CKAN API keeps checking uploads while the client waits (ADR 0018, addendum)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ckanapi
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client

from tests.opendata.ckan_fixtures import Catalogue
from tests.opendata.test_staged_uploads import LARGE, LARGE_BAD, ROWS
from townhall.opendata.models import Dataset, Resource, ResourceVersion, StagedUpload, StagedUploadState
from townhall.opendata.services import staged, versions

pytestmark = pytest.mark.django_db

# A new file's schema is inferred from it, so what refuses it is its shape: row 1,500 has a value too many.
LARGE_RAGGED = LARGE.replace(b"\n1500,Name 1500,15000\n", b"\n1500,Name 1500,15000,oops\n")

KEYED = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "name", "type": "string"},
        {"name": "amount", "type": "integer"},
    ],
    "primaryKey": ["id"],
}


@pytest.fixture(autouse=True)
def _small_threshold(settings: Any) -> None:
    """Anything over 1 KB goes to the background (LARGE is ~60 KB)."""
    settings.OPENDATA_BACKGROUND_VALIDATION_BYTES = 1024


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def _add(steward_client: Client, dataset: Dataset, name: str, content: bytes) -> Any:
    return steward_client.post(
        f"/staff/open-data/uploads/dataset/new/{dataset.pk}/",
        {
            "name": "Spending 2026",
            "description": "Every payment over £500.",
            "file": SimpleUploadedFile(name, content),
            "change_note": "First release",
        },
    )


def test_a_large_new_file_is_staged_then_added_with_its_first_version(
    steward_client: Client, catalogue: Catalogue, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    dataset = catalogue.toilets
    resources_before = Resource.objects.count()
    with django_capture_on_commit_callbacks(execute=False):
        response = _add(steward_client, dataset, "spend-2026.csv", LARGE)
    upload = StagedUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/open-data/uploads/checking/{upload.pk}/"
    assert (upload.resource, upload.dataset, upload.name, upload.description) == (
        None,
        dataset,
        "Spending 2026",
        "Every payment over £500.",
    )
    assert Resource.objects.count() == resources_before  # nothing until the file passes

    html = steward_client.get(response["Location"]).content.decode()
    assert "A new file for this dataset, called “Spending 2026”." in html
    assert dataset.title in html
    assert "0 of about 3,000" in html

    staged.staged_upload_check(staged_id=upload.pk)
    upload.refresh_from_db()
    resource = Resource.objects.get(dataset=dataset, name="Spending 2026")
    version = ResourceVersion.objects.get(resource=resource)
    assert (upload.state, upload.resource, upload.version) == (StagedUploadState.ACCEPTED, resource, version)
    assert (version.number, version.row_count, version.size, version.change_note) == (
        1,
        ROWS,
        len(LARGE),
        "First release",
    )
    assert version.change_summary["by"] == "first"
    assert resource.description == "Every payment over £500."
    assert resource.current_version == version
    assert resource.format == "CSV"
    assert Path(version.file.path).read_bytes() == LARGE
    assert not list(Path(settings.MEDIA_ROOT).rglob("opendata/staging/*/*"))

    done = steward_client.get(response["Location"], follow=True)
    assert done.redirect_chain[-1][0] == f"/staff/open-data/uploads/resource/{resource.pk}/version/1/"
    assert f"Spending 2026 is added to {dataset.title} as version 1." in done.content.decode()


def test_a_large_bad_new_file_is_refused_and_leaves_no_resource(
    steward_client: Client, catalogue: Catalogue, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    dataset = catalogue.toilets
    resources_before = Resource.objects.count()
    files_before = _files(Path(settings.MEDIA_ROOT))
    with django_capture_on_commit_callbacks(execute=True):
        response = _add(steward_client, dataset, "spend-2026.csv", LARGE_RAGGED)
    upload = StagedUpload.objects.get()
    assert upload.state == StagedUploadState.REJECTED
    assert upload.resource is None
    assert Resource.objects.count() == resources_before
    assert _files(Path(settings.MEDIA_ROOT)) == files_before
    html = steward_client.get(response["Location"]).content.decode()
    assert "This row has more values than the header has columns (“oops”)" in html
    assert f'href="/staff/open-data/uploads/dataset/new/{dataset.pk}/">Upload a corrected file</a>' in html


def test_a_crash_while_storing_a_new_file_leaves_no_empty_resource(
    steward_client: Client,
    catalogue: Catalogue,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    dataset = catalogue.toilets
    resources_before = Resource.objects.count()
    record = versions.version_record

    def _record_then_crash(**kwargs: Any) -> ResourceVersion:
        record(**kwargs)  # the resource and its version are written, then the database write after them fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(versions, "version_record", _record_then_crash)
    with django_capture_on_commit_callbacks(execute=False):
        response = _add(steward_client, dataset, "spend-2026.csv", LARGE)
    upload = StagedUpload.objects.get()
    staged.staged_upload_check(staged_id=upload.pk)
    upload.refresh_from_db()
    assert (upload.state, upload.error) == (StagedUploadState.FAILED, "RuntimeError: disk full")
    assert Resource.objects.count() == resources_before
    assert not ResourceVersion.objects.filter(resource__dataset=dataset, filename="spend-2026.csv").exists()
    html = steward_client.get(response["Location"]).content.decode()
    assert "Checking the file failed, so nothing was saved." in html
    assert f'href="/staff/open-data/uploads/dataset/new/{dataset.pk}/">Upload the file again</a>' in html


def test_a_small_new_file_is_still_added_while_the_steward_waits(steward_client: Client, catalogue: Catalogue) -> None:
    response = _add(steward_client, catalogue.toilets, "spend.csv", b"id,name\n1,Ann\n")
    resource = Resource.objects.get(name="Spending 2026")
    assert response["Location"] == f"/staff/open-data/uploads/resource/{resource.pk}/version/1/"
    assert resource.description == "Every payment over £500."
    assert not StagedUpload.objects.exists()


def test_the_add_form_states_both_limits(steward_client: Client, catalogue: Catalogue, settings: Any) -> None:
    settings.OPENDATA_BACKGROUND_VALIDATION_BYTES = 5 * 1024 * 1024
    html = steward_client.get(f"/staff/open-data/uploads/dataset/new/{catalogue.toilets.pk}/").content.decode()
    assert "Up to 500 MB; files over 5 MB are checked in the background" in html


def test_a_new_file_needs_a_name_when_staged_directly(catalogue: Catalogue, data_steward: Any) -> None:
    with pytest.raises(versions.ValidationError) as error:
        staged.staged_upload_create(
            acting_user=data_steward,
            dataset=catalogue.toilets,
            upload=SimpleUploadedFile("a.csv", LARGE),
            filename="a.csv",
        )
    assert error.value.message_dict == {"name": ["Enter a name for the file"]}
    assert not StagedUpload.objects.exists()


def test_a_staged_row_names_a_resource_or_a_dataset(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        StagedUpload.objects.create(filename="a.csv", size=1)


# --- streaming from disk -------------------------------------------------------------------------


def test_a_file_on_disk_is_checked_as_a_stream_with_the_same_outcome(resource: Resource, tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    path.write_bytes(LARGE)
    from_disk = versions.upload_check(resource=resource, filename="spend.csv", path=path, max_bytes=len(LARGE))
    in_memory = versions.upload_check(resource=resource, filename="spend.csv", content=LARGE, max_bytes=len(LARGE))
    assert from_disk.content is None
    assert (from_disk.sha256, from_disk.size, from_disk.row_count, from_disk.table_schema) == (
        in_memory.sha256,
        in_memory.size,
        in_memory.row_count,
        in_memory.table_schema,
    )
    path.write_bytes(LARGE_BAD)
    with pytest.raises(versions.UploadRejectedError) as refused:
        versions.upload_check(resource=resource, filename="spend.csv", path=path)
    assert [(problem.row, problem.field) for problem in refused.value.problems] == [(1501, "amount")]


def test_the_background_check_never_reads_the_whole_file_into_memory(
    steward_client: Client, resource: Resource, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def _no_whole_reads(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("read into memory")

    with django_capture_on_commit_callbacks(execute=False):
        steward_client.post(
            f"/staff/open-data/uploads/resource/{resource.pk}/", {"file": SimpleUploadedFile("spend.csv", LARGE)}
        )
    monkeypatch.setattr(versions, "_read", _no_whole_reads)
    upload = staged.staged_upload_check(staged_id=StagedUpload.objects.get().pk)
    assert upload is not None
    assert upload.state == StagedUploadState.ACCEPTED


@pytest.mark.parametrize("schema", [KEYED, None], ids=["by-key", "whole-rows"])
def test_the_change_summary_streams_both_versions(
    resource: Resource, tmp_path: Path, schema: dict[str, Any] | None
) -> None:
    first = b"id,name,amount\n1,Ann,10\n2,Bob,20\n3,Cat,30\n3,Cat,30\n"
    second = b"id,name,amount\n1,Ann,10\n2,Bob,25\n4,Dan,40\n4,Dan,40\n"
    if schema is not None:
        first, second = first[: first.rindex(b"3,Cat")], second[: second.rindex(b"4,Dan")]
    versions.resource_file_upload(
        acting_user=None, resource=resource, filename="spend.csv", content=first, table_schema=schema
    )
    path = tmp_path / "spend.csv"
    path.write_bytes(second)
    resource.refresh_from_db()
    checked = versions.upload_check(resource=resource, filename="spend.csv", path=path)
    summary = versions.change_summary(checked=checked, previous=resource.current_version)
    if schema is not None:  # by key: 2 changed, 3 removed, 4 added
        assert summary == {
            "compared_with": 2,
            "rows_added": 1,
            "rows_removed": 1,
            "rows_changed": 1,
            "by": "primary_key",
        }
    else:  # as a multiset: Bob's edit is one removed and one added; Cat twice gone, Dan twice new
        assert summary == {
            "compared_with": 2,
            "rows_added": 3,
            "rows_removed": 3,
            "rows_changed": None,
            "by": "whole_rows",
        }


# --- the CKAN API: uploads are checked while the client waits --------------------------------------


def test_ckan_resource_create_checks_a_large_upload_while_the_client_waits(
    ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue, tmp_path: Path
) -> None:
    path = tmp_path / "spend.csv"
    path.write_bytes(LARGE)  # over the (test) background threshold, under the API's cap
    with path.open("rb") as upload:
        created = ckan_steward.action.resource_create(package_id="public-toilets", name="Spend", upload=upload)
    assert created["url_type"] == "upload"
    assert created["size"] == len(LARGE)
    assert not StagedUpload.objects.exists()
    assert ResourceVersion.objects.get(resource_id=created["id"]).row_count == ROWS


def test_ckan_resource_create_over_the_api_cap_is_a_validation_error_and_stores_nothing(
    ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue, tmp_path: Path, settings: Any
) -> None:
    settings.TOWNHALL_OPENDATA_UPLOAD_MAX_BYTES = 10 * 1024
    before = Resource.objects.count()
    path = tmp_path / "spend.csv"
    path.write_bytes(LARGE)
    with path.open("rb") as upload, pytest.raises(ckanapi.ValidationError) as refused:
        ckan_steward.action.resource_create(package_id="public-toilets", name="Spend", upload=upload)
    assert refused.value.error_dict["upload"][0].startswith("The file was not accepted")
    assert "The file is larger than the limit of 0 MB." in " ".join(refused.value.error_dict["upload"])
    assert Resource.objects.count() == before
    assert not StagedUpload.objects.exists()


def test_an_upload_django_wrote_to_disk_is_checked_from_there(
    resource: Resource, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = TemporaryUploadedFile("spend.csv", "text/csv", len(LARGE), "utf-8")
    upload.write(LARGE)
    upload.flush()

    def _no_whole_reads(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("read into memory")

    monkeypatch.setattr(versions, "_read", _no_whole_reads)
    version = versions.resource_file_upload(acting_user=None, resource=resource, filename="spend.csv", content=upload)
    assert (version.number, version.row_count, version.size) == (2, ROWS, len(LARGE))
    assert Path(version.file.path).read_bytes() == LARGE
