"""Documents on a request: real-type sniffing, size limit, access-checked audited downloads, deletion rights."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.service_requests.conftest import Teams
from tests.service_requests.test_backoffice_queue import make_staff, report, signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.service_requests import services
from townhall.service_requests.models import RequestDocument, ServiceRequest

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def north_officer(teams: Teams) -> User:
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(client: Client, request: ServiceRequest, name: str, content: bytes, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/staff/requests/{request.pk}/documents/",
        {"document-file": SimpleUploadedFile(name, content), **{f"document-{k}": v for k, v in extra.items()}},
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("photo.png", png(), "image/png"),
        ("letter.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("notes.txt", "Crew visited at 10:00. Café closed.".encode(), "text/plain"),
        ("readings.csv", b"depth,width\n4,30\n", "text/csv"),
        ("misnamed.txt", PDF, "application/pdf"),  # the content decides, not the name
    ],
)
def test_accepted_documents_are_stored_listed_and_audited(
    pothole, north_officer: User, media_root: Path, name: str, content: bytes, content_type: str
) -> None:
    created = report(pothole)
    client = signed_in(north_officer)

    response = upload(client, created, name, content, description="From the contractor")

    assert response.status_code == 302
    document = RequestDocument.objects.get()
    assert (document.filename, document.content_type, document.size_bytes) == (name, content_type, len(content))
    assert document.uploaded_by == north_officer
    stored = Path(document.file.path)
    assert stored.is_relative_to(media_root)
    assert stored.read_bytes() == content
    assert name not in stored.name  # stored under a random name
    html = client.get(f"/staff/requests/{created.pk}/").content.decode()
    assert name in html
    assert f"/staff/requests/{created.pk}/documents/{document.pk}/" in html
    assert "/media/" not in html
    assert AuditEntry.objects.filter(action=services.ACTION_DOCUMENT_ATTACHED, object_id=created.reference).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 200, "The file must be a PDF"),  # a program calling itself a PDF
        ("archive.zip", b"PK\x05\x06" + b"\x00" * 18, "The file must be a PDF"),
        ("binary.txt", b"\x00\x01\x02\xff\xfe", "The file must be a PDF"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_refused_documents_store_nothing(
    pothole, north_officer: User, media_root: Path, name: str, content: bytes, message: str
) -> None:
    created = report(pothole)
    response = upload(signed_in(north_officer), created, name, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert message in html
    assert not RequestDocument.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*")) if media_root.exists() else True


def test_more_than_20_mb_is_refused(pothole, north_officer: User) -> None:
    created = report(pothole)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (services.DOCUMENT_MAX_BYTES))
    with pytest.raises(ValidationError, match="smaller than 20 MB"):
        services.request_document_attach(acting_user=north_officer, service_request=created, upload=big)
    assert not RequestDocument.objects.exists()


def test_no_file_chosen_is_an_error(pothole, north_officer: User) -> None:
    created = report(pothole)
    html = signed_in(north_officer).post(f"/staff/requests/{created.pk}/documents/", {}).content.decode()
    assert "Select a document" in html


def test_download_is_an_audited_attachment(pothole, north_officer: User) -> None:
    created = report(pothole)
    client = signed_in(north_officer)
    upload(client, created, "report.pdf", PDF)
    document = RequestDocument.objects.get()

    response = client.get(f"/staff/requests/{created.pk}/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="report.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    entry = AuditEntry.objects.get(action=services.ACTION_DOCUMENT_DOWNLOADED)
    assert (entry.actor_id, entry.object_id) == (north_officer.pk, created.reference)


def test_download_refused_outside_the_officers_teams(pothole, teams: Teams, north_officer: User) -> None:
    created = report(pothole)
    upload(signed_in(north_officer), created, "report.pdf", PDF)
    document = RequestDocument.objects.get()
    other = report(pothole)
    outsider = make_staff("waste@council.example", StaffRole.CASE_OFFICER, teams.waste)

    assert signed_in(outsider).get(f"/staff/requests/{created.pk}/documents/{document.pk}/").status_code == 404
    # Another request's id in the path does not reach this document either.
    officer = signed_in(north_officer)
    assert officer.get(f"/staff/requests/{other.pk}/documents/{document.pk}/").status_code == 404
    assert Client().get(f"/staff/requests/{created.pk}/documents/{document.pk}/").status_code in (302, 404)
    assert Client().get(f"/media/{document.file.name}").status_code == 404
    assert not AuditEntry.objects.filter(action=services.ACTION_DOCUMENT_DOWNLOADED).exists()


def test_delete_by_uploader_or_manager_only(
    pothole, teams: Teams, north_officer: User, django_capture_on_commit_callbacks
) -> None:
    created = report(pothole)
    upload(signed_in(north_officer), created, "report.pdf", PDF)
    document = RequestDocument.objects.get()
    stored = Path(document.file.path)
    colleague = make_staff("colleague@council.example", StaffRole.CASE_OFFICER, teams.highways_north)
    path = f"/staff/requests/{created.pk}/documents/{document.pk}/"

    assert signed_in(colleague).post(path).status_code == 403
    with pytest.raises(PermissionDenied):
        services.request_document_delete(acting_user=colleague, document=document)
    assert "Delete<span" not in signed_in(colleague).get(f"/staff/requests/{created.pk}/").content.decode()

    manager = make_staff("manager@council.example", StaffRole.TEAM_MANAGER, teams.highways_north)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row's deletion commits
        assert signed_in(manager).post(path).status_code == 302
    assert not RequestDocument.objects.exists()
    assert not stored.exists()
    assert AuditEntry.objects.filter(action=services.ACTION_DOCUMENT_DELETED).count() == 1


def test_uploader_deletes_their_own(pothole, north_officer: User) -> None:
    created = report(pothole)
    client = signed_in(north_officer)
    upload(client, created, "notes.txt", b"hello")
    document = RequestDocument.objects.get()
    assert client.post(f"/staff/requests/{created.pk}/documents/{document.pk}/").status_code == 302
    assert not RequestDocument.objects.exists()
