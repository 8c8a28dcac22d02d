"""Moderation: redacted descriptions and update text reach every public door; originals stay with staff; photos hide."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.service_requests.conftest import Teams
from tests.service_requests.test_backoffice_queue import make_staff, report, signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import RequestPhoto, RequestUpdate, ServiceRequest

pytestmark = pytest.mark.django_db

PERSONAL = "Outside number 12, where Jo Bloggs lives"
REDACTED = "Outside a house on the street"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def north_officer(teams: Teams) -> User:
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


def live(request: ServiceRequest) -> ServiceRequest:
    ServiceRequest.objects.filter(pk=request.pk).update(awaiting_confirmation=False)
    request.refresh_from_db()
    return request


def test_redacted_description_is_what_the_public_and_open311_see(pothole, north_officer: User) -> None:
    created = live(report(pothole, description=PERSONAL))
    client = signed_in(north_officer)
    moderation = f"/staff/requests/moderation/{created.pk}/"
    assert PERSONAL in client.get(moderation).content.decode()

    response = client.post(moderation, {"moderation-redacted_description": REDACTED})

    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.description, created.redacted_description) == (PERSONAL, REDACTED)
    row = selectors.public_service_requests().get(pk=created.pk)
    assert row.public_description == REDACTED  # type: ignore[attr-defined]
    body = Client().get("/open311/v2/requests.json").content.decode()
    assert REDACTED in body
    assert "Jo Bloggs" not in body
    # Staff see both, labelled.
    html = client.get(f"/staff/requests/{created.pk}/").content.decode()
    assert PERSONAL in html
    assert REDACTED in html
    assert "Original: staff only" in html
    assert AuditEntry.objects.filter(action=services.ACTION_REQUEST_DESCRIPTION_REDACTED).count() == 1

    # Saving the original text again removes the redaction.
    client.post(moderation, {"moderation-redacted_description": PERSONAL})
    created.refresh_from_db()
    assert created.redacted_description == ""
    assert selectors.public_service_requests().get(pk=created.pk).public_description == PERSONAL  # type: ignore[attr-defined]


def test_redacted_public_update_on_tracking_page_and_open311(pothole, north_officer: User) -> None:
    created = live(report(pothole))
    update = services.service_request_status_change(
        acting_user=north_officer,
        service_request=created,
        to=Status.INVESTIGATING,
        public_message="Jo Bloggs at 07700 900 111 told us more.",
    )
    client = signed_in(north_officer)
    path = f"/staff/requests/{created.pk}/updates/{update.pk}/"

    response = client.post(path, {"moderation-redacted_message": "A neighbour told us more."})

    assert response.status_code == 302
    update.refresh_from_db()
    assert update.redacted_message == "A neighbour told us more."
    public = Client().get(f"/report/{created.reference}/").content.decode()
    assert "A neighbour told us more." in public
    assert "Jo Bloggs" not in public
    row = selectors.public_service_requests().get(pk=created.pk)
    assert row.latest_public_message == "A neighbour told us more."  # type: ignore[attr-defined]
    html = client.get(f"/staff/requests/{created.pk}/").content.decode()
    assert "Jo Bloggs at 07700 900 111" in html
    assert "Public sees (moderated)" in html
    assert AuditEntry.objects.filter(action=services.ACTION_UPDATE_MESSAGE_REDACTED).exists()


def test_only_public_updates_can_be_moderated(pothole, north_officer: User) -> None:
    created = report(pothole)
    note = services.service_request_staff_update_add(
        acting_user=north_officer, service_request=created, internal_note="Internal only"
    )
    client = signed_in(north_officer)
    assert client.get(f"/staff/requests/{created.pk}/updates/{note.pk}/").status_code == 404
    with pytest.raises(ValidationError):
        services.request_update_redact(acting_user=north_officer, update=note, redacted_message="x")


def test_moderation_outside_the_officers_teams_is_not_found(pothole, north_officer: User) -> None:
    south = report(pothole, north=False)
    update = services.service_request_status_change(
        acting_user=None, service_request=south, to=Status.INVESTIGATING, public_message="Looking"
    )
    client = signed_in(north_officer)
    assert client.get(f"/staff/requests/moderation/{south.pk}/").status_code == 404
    assert client.post(f"/staff/requests/{south.pk}/updates/{update.pk}/", {}).status_code == 404
    assert RequestUpdate.objects.get(pk=update.pk).redacted_message == ""


def _photo(request: ServiceRequest) -> RequestPhoto:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "blue").save(buffer, "JPEG")
    photo = RequestPhoto(
        request=request,
        content_type="image/jpeg",
        width=8,
        height=6,
        size_bytes=len(buffer.getvalue()),
        uploaded_at=timezone.now(),
    )
    photo.image.save("p.jpg", ContentFile(buffer.getvalue()), save=False)
    photo.save()
    return photo


def test_hidden_photo_leaves_public_pages_but_staff_still_see_it(pothole, north_officer: User) -> None:
    created = live(report(pothole))
    photo = _photo(created)
    photo_url = f"/report/{created.reference}/photos/{photo.pk}/"
    assert Client().get(photo_url).status_code == 200
    client = signed_in(north_officer)
    assert "Hide from the public" in client.get(f"/staff/requests/{created.pk}/").content.decode()

    response = client.post(f"/staff/requests/{created.pk}/photos/{photo.pk}/", {"public": "no"})

    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.is_public is False
    assert Client().get(photo_url).status_code == 404
    assert client.get(photo_url).status_code == 404  # hidden photos are served to staff only from the back office
    assert client.get(f"/staff/requests/{created.pk}/photos/{photo.pk}/").status_code == 200
    assert "Hidden from the public" in client.get(f"/staff/requests/{created.pk}/").content.decode()
    assert AuditEntry.objects.filter(action=services.ACTION_PHOTO_VISIBILITY_CHANGED).count() == 1

    client.post(f"/staff/requests/{created.pk}/photos/{photo.pk}/", {"public": "yes"})
    assert Client().get(photo_url).status_code == 200
