"""Large files are checked in the background: staged privately, validated by the task with progress, then
published as the next version or refused with the report; nothing half-written, staged files swept."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import TEST_PASSWORD
from tests.opendata.test_upload_pages import GOOD
from tests.service_requests.conftest import sign_in_with_mfa
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction
from townhall.opendata import tasks
from townhall.opendata.models import Resource, ResourceVersion, StagedUpload, StagedUploadState
from townhall.opendata.services import staged

pytestmark = pytest.mark.django_db

ROWS = 3_000
LARGE = b"id,name,amount\n" + b"".join(f"{n},Name {n},{n * 10}\n".encode() for n in range(1, ROWS + 1))
LARGE_BAD = LARGE.replace(b"\n1500,Name 1500,15000\n", b"\n1500,Name 1500,plenty\n")


@pytest.fixture(autouse=True)
def _small_threshold(settings: Any) -> None:
    """Anything over 1 KB goes to the background (the files here are ~60 KB; GOOD is 40 bytes)."""
    settings.OPENDATA_BACKGROUND_VALIDATION_BYTES = 1024


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def _upload(steward_client: Client, resource: Resource, name: str, content: bytes) -> Any:
    return steward_client.post(
        f"/staff/open-data/uploads/resource/{resource.pk}/",
        {"file": SimpleUploadedFile(name, content), "change_note": "All of 2026"},
    )


def test_a_small_file_is_still_checked_while_the_steward_waits(steward_client: Client, resource: Resource) -> None:
    response = _upload(steward_client, resource, "spend.csv", GOOD + b"3,Cara,30\n")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/open-data/uploads/resource/{resource.pk}/version/2/"
    assert not StagedUpload.objects.exists()


def test_a_large_file_is_staged_then_checked_in_the_background_and_published(
    steward_client: Client, resource: Resource, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # the check is queued, not yet run
        response = _upload(steward_client, resource, "spend-2026.csv", LARGE)
    upload = StagedUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/open-data/uploads/checking/{upload.pk}/"
    assert upload.state == StagedUploadState.QUEUED
    assert (upload.rows_expected, upload.size, upload.change_note) == (ROWS, len(LARGE), "All of 2026")
    assert str(upload.file.name).startswith(f"opendata/staging/{upload.pk}/")
    assert Path(upload.file.path).read_bytes() == LARGE
    assert ResourceVersion.objects.filter(resource=resource).count() == 1  # nothing published yet

    page = steward_client.get(response["Location"])
    html = page.content.decode()
    assert "Waiting to be checked" in html
    assert "0 of about 3,000" in html
    assert f'hx-get="/staff/open-data/uploads/checking/{upload.pk}/"' in html
    assert 'hx-trigger="every 3s"' in html
    assert f'<a class="govuk-link" href="/staff/open-data/uploads/checking/{upload.pk}/">Refresh</a>' in html
    partial = steward_client.get(response["Location"], headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="staged-progress"')  # the panel, not the page

    tasks.staged_upload_check.enqueue(str(upload.pk))  # what commit queued (tests run tasks immediately)
    upload.refresh_from_db()
    version = ResourceVersion.objects.get(resource=resource, number=2)
    assert (upload.state, upload.version, upload.rows_checked) == (StagedUploadState.ACCEPTED, version, ROWS)
    assert (version.row_count, version.size, version.change_note) == (ROWS, len(LARGE), "All of 2026")
    assert version.created_by is not None
    assert version.created_by == upload.created_by
    assert upload.file.name == ""
    assert not list(Path(settings.MEDIA_ROOT).rglob("opendata/staging/*/*"))  # the staged copy is gone

    done = steward_client.get(response["Location"])
    assert done.status_code == 302
    assert done["Location"] == f"/staff/open-data/uploads/resource/{resource.pk}/version/2/"
    from_htmx = steward_client.get(response["Location"], headers={"HX-Request": "true"})
    assert from_htmx["HX-Redirect"] == f"/staff/open-data/uploads/resource/{resource.pk}/version/2/"


def test_the_task_reports_rows_checked_as_it_goes(
    steward_client: Client, resource: Resource, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(staged, "PROGRESS_EVERY_ROWS", 500)
    monkeypatch.setattr(staged, "PROGRESS_EVERY_SECONDS", 0)
    with django_capture_on_commit_callbacks(execute=False):
        _upload(steward_client, resource, "spend-2026.csv", LARGE)
    upload = StagedUpload.objects.get()
    with CaptureQueriesContext(connection) as queries:
        staged.staged_upload_check(staged_id=upload.pk)
    progress = [
        query["sql"]
        for query in queries.captured_queries
        if "rows_checked" in query["sql"] and "UPDATE" in query["sql"]
    ]
    # every 500 rows while validating (500 … 3,000), then the final count with the outcome
    assert len(progress) == ROWS // 500 + 1
    upload.refresh_from_db()
    assert (upload.state, upload.rows_checked) == (StagedUploadState.ACCEPTED, ROWS)


def test_the_task_runs_once(
    steward_client: Client, resource: Resource, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the immediate backend runs the task here
        _upload(steward_client, resource, "spend-2026.csv", LARGE)
    upload = StagedUpload.objects.get()
    assert upload.state == StagedUploadState.ACCEPTED
    staged.staged_upload_check(staged_id=upload.pk)
    assert ResourceVersion.objects.filter(resource=resource).count() == 2


def test_a_large_bad_file_is_refused_with_its_report_and_nothing_is_stored(
    steward_client: Client, resource: Resource, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = _files(Path(settings.MEDIA_ROOT))
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(steward_client, resource, "spend-2026.csv", LARGE_BAD)
    upload = StagedUpload.objects.get()
    assert upload.state == StagedUploadState.REJECTED
    assert ResourceVersion.objects.filter(resource=resource).count() == 1
    assert _files(Path(settings.MEDIA_ROOT)) == before  # the staged file is deleted, no version file written
    assert upload.file.name == ""

    page = steward_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Not accepted" in html
    assert "The file was not accepted: 1 problem in 1 row." in html
    assert "“plenty” is not a whole number" in html
    assert '<td class="govuk-table__cell">1501</td>' in html  # row 1,500 of data is spreadsheet row 1,501
    assert "hx-get" not in html  # finished: no more polling
    report = steward_client.get(f"/staff/open-data/uploads/report/{upload.pk}/")
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert ["1501", "amount", "plenty", "“plenty” is not a whole number"] in rows
    assert steward_client.get(response["Location"], headers={"HX-Request": "true"})["HX-Refresh"] == "true"


def test_a_crash_leaves_a_clear_failed_state_and_no_version(
    steward_client: Client, resource: Resource, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        response = _upload(steward_client, resource, "spend-2026.csv", LARGE)
    upload = StagedUpload.objects.get()
    Path(upload.file.path).unlink()  # the staging storage lost the file

    staged.staged_upload_check(staged_id=upload.pk)
    upload.refresh_from_db()
    assert upload.state == StagedUploadState.FAILED
    assert upload.error.startswith("FileNotFoundError")
    assert ResourceVersion.objects.filter(resource=resource).count() == 1
    html = steward_client.get(response["Location"]).content.decode()
    assert "Checking the file failed, so nothing was saved." in html


def test_the_same_file_again_is_refused_in_the_background_too(
    steward_client: Client, resource: Resource, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _upload(steward_client, resource, "spend-2026.csv", LARGE)
        _upload(steward_client, resource, "spend-2026.csv", LARGE)
    first, second = StagedUpload.objects.order_by("created_at")
    assert (first.state, second.state) == (StagedUploadState.ACCEPTED, StagedUploadState.REJECTED)
    assert second.problems[0]["message"] == "This file is the same as version 2, so no new version was made."
    assert ResourceVersion.objects.filter(resource=resource).count() == 2


def test_a_file_over_the_background_limit_is_refused_at_once(
    steward_client: Client, resource: Resource, settings: Any
) -> None:
    settings.OPENDATA_BACKGROUND_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    before = _files(Path(settings.MEDIA_ROOT))
    response = _upload(steward_client, resource, "huge.csv", LARGE * 40)
    assert response.status_code == 200
    assert "The file is larger than the limit of 2 MB." in response.content.decode()
    assert not StagedUpload.objects.exists()
    assert _files(Path(settings.MEDIA_ROOT)) == before


def test_the_upload_form_states_both_limits(steward_client: Client, resource: Resource, settings: Any) -> None:
    settings.OPENDATA_BACKGROUND_VALIDATION_BYTES = 5 * 1024 * 1024
    html = steward_client.get(f"/staff/open-data/uploads/resource/{resource.pk}/").content.decode()
    assert "Up to 500 MB; files over 5 MB are checked in the background" in html


def test_only_data_stewards_see_progress_pages(
    client: Client, resource: Resource, steward_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        response = _upload(steward_client, resource, "spend-2026.csv", LARGE)
    officer = account_services.staff_create(
        email="officer@council.example", password=TEST_PASSWORD, roles=[StaffRole.CASE_OFFICER]
    )
    assert sign_in_with_mfa(Client(), officer).get(response["Location"]).status_code == 404
    assert (
        steward_client.get("/staff/open-data/uploads/checking/00000000-0000-0000-0000-000000000009/").status_code == 404
    )


def test_the_sweep_deletes_day_old_staged_files_and_month_old_records(
    steward_client: Client,
    resource: Resource,
    settings: Any,
    data_steward: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        _upload(steward_client, resource, "stuck.csv", LARGE)
        _upload(steward_client, resource, "fresh.csv", LARGE)
    stuck, fresh = StagedUpload.objects.order_by("created_at")
    StagedUpload.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    old = StagedUpload.objects.create(
        resource=resource, filename="old.csv", size=1, state=StagedUploadState.ACCEPTED,
        created_at=timezone.now() - dt.timedelta(days=40),
    )  # fmt: skip
    orphan = Path(settings.MEDIA_ROOT, "opendata/staging/lost/lost.csv")
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(LARGE)
    two_days_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    os.utime(orphan, (two_days_ago, two_days_ago))
    stuck_path = Path(stuck.file.path)

    call_command("opendata", "sweep-uploads", stdout=io.StringIO())

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == StagedUploadState.FAILED
    assert stuck.error == "Checking did not finish within a day. Upload the file again."
    assert not stuck_path.exists()
    assert not orphan.exists()
    assert Path(fresh.file.path).exists()
    assert fresh.state == StagedUploadState.QUEUED
    assert not StagedUpload.objects.filter(pk=old.pk).exists()


def test_the_uploader_is_in_their_data_download_and_erasure_anonymises_them(
    steward_client: Client, resource: Resource, data_steward: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        _upload(steward_client, resource, "spend-2026.csv", LARGE)
    label = "Large open data files you uploaded for checking"
    rows = personal_data.collect_all(data_steward)[label]["Open data files checked in the background"]
    assert [row["filename"] for row in rows] == ["spend-2026.csv"]
    assert "problems" not in rows[0]

    (provider,) = [provider for provider in personal_data.providers() if provider.label == label]
    (item,) = provider.erase(data_steward)
    assert (item.action, item.count) == (ErasureAction.ANONYMISED, 1)
    assert StagedUpload.objects.get().created_by is None
