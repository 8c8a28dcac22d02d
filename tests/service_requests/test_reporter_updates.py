"""The reporter's own update (text, optional photo) while open, and reopening within 28 days of closing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.service_requests.test_backoffice_queue import report
from tests.service_requests.test_photos import jpeg, upload
from townhall.audit.models import AuditEntry
from townhall.notify.models import OutboxMessage
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import RequestPhoto, RequestUpdate, ServiceRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def track(client: Client, created: ServiceRequest) -> str:
    response = client.get(f"/report/{created.reference}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return html


def closed(created: ServiceRequest, *, days_ago: float) -> ServiceRequest:
    services.service_request_status_change(acting_user=None, service_request=created, to=Status.FIXED)
    ServiceRequest.objects.filter(pk=created.pk).update(closed_at=timezone.now() - dt.timedelta(days=days_ago))
    created.refresh_from_db()
    return created


def test_owner_adds_an_update_with_a_photo(client: Client, pothole, resident) -> None:
    created = report(pothole, reporter=resident, contact=None)
    services.request_subscribe(request=created, email="fay@example.org")
    client.force_login(resident)
    assert "Tell us more about your report" in track(client, created)
    response = client.post(
        f"/report/{created.reference}/update/", {"message": "It is deeper now", "photo": upload(jpeg())}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/report/{created.reference}/#updates"
    update = RequestUpdate.objects.get(request=created, public_message="It is deeper now")
    assert (update.author, update.channel, update.status_to) == (resident, Channel.WEB, "")
    photo = RequestPhoto.objects.get(update=update)
    assert photo.request == created
    html = track(Client(), created)  # public: anyone sees the update and its photo
    assert "It is deeper now" in html
    assert f"/report/{created.reference}/photos/{photo.pk}/" in html
    assert OutboxMessage.objects.filter(destination="fay@example.org").count() == 1


def test_an_empty_update_gets_an_error_summary(client: Client, pothole, resident) -> None:
    created = report(pothole, reporter=resident, contact=None)
    client.force_login(resident)
    response = client.post(f"/report/{created.reference}/update/", {"message": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter your update" in html
    assert "<title>Error: " in html
    response = client.post(
        f"/report/{created.reference}/update/", {"message": "x", "photo": upload(b"GIF89a fake", name="a.jpg")}
    )
    assert "The selected file must be a JPG, PNG or WebP" in response.content.decode()
    assert not RequestUpdate.objects.filter(request=created, public_message__gt="").exists()


def test_another_resident_gets_404(client: Client, pothole, resident, other_resident) -> None:
    created = report(pothole, reporter=resident, contact=None)
    client.force_login(other_resident)
    assert "Tell us more" not in track(client, created)
    assert client.post(f"/report/{created.reference}/update/", {"message": "Mine now"}).status_code == 404
    closed(created, days_ago=1)
    assert client.post(f"/report/{created.reference}/reopen/", {"reason": "Still there"}).status_code == 404
    assert Client().post(f"/report/{created.reference}/reopen/", {"reason": "Still there"}).status_code == 404
    created.refresh_from_db()
    assert created.status == Status.FIXED
    assert not RequestUpdate.objects.filter(public_message__in=["Mine now", "Still there"]).exists()


def test_anonymous_reporter_uses_the_manage_link_from_the_acknowledgement(pothole) -> None:
    created = report(pothole)
    text = OutboxMessage.objects.get(idempotency_key=f"service_request:{created.reference}:acknowledgement").payload[
        "text"
    ]
    link = re.search(r"http://testserver(/report/[^/]+/manage/\S+/)", text)
    assert link is not None, text
    reporter = Client()
    assert reporter.post(f"/report/{created.reference}/update/", {"message": "More"}).status_code == 404
    response = reporter.get(link.group(1))
    assert response.status_code == 302
    assert response["Location"] == f"/report/{created.reference}/"
    assert "Tell us more about your report" in track(reporter, created)
    assert reporter.post(f"/report/{created.reference}/update/", {"message": "More"}).status_code == 302
    assert RequestUpdate.objects.filter(request=created, public_message="More", author=None).exists()

    signed = link.group(1)
    tampered = signed[:-3] + ("A" if signed[-3] != "A" else "B") + signed[-2:]
    assert Client().get(tampered).status_code == 404
    other = report(pothole)
    assert Client().get(signed.replace(created.reference, other.reference)).status_code == 404


def test_reopening_a_fixed_report_within_28_days(client: Client, pothole, resident) -> None:
    created = closed(report(pothole, reporter=resident, contact=None), days_ago=27)
    assert created.first_time_resolved is True
    client.force_login(resident)
    html = track(client, created)
    assert "Reopen report" in html
    assert "Tell us more" not in html
    response = client.post(f"/report/{created.reference}/reopen/", {"reason": ""})
    assert response.status_code == 400
    assert "Enter why you are reopening the report" in response.content.decode()
    assert client.post(f"/report/{created.reference}/reopen/", {"reason": "The hole is back"}).status_code == 302
    created.refresh_from_db()
    assert created.status == Status.REOPENED
    assert created.closed_at is None
    assert created.first_time_resolved is False  # a reopened report was not resolved first time
    reopening = RequestUpdate.objects.filter(request=created).latest("id")
    assert (reopening.status_from, reopening.status_to) == (Status.FIXED, Status.REOPENED)
    assert reopening.public_message == "The hole is back"
    assert reopening.author == resident


def test_after_28_days_the_page_says_to_make_a_new_report(client: Client, pothole, resident) -> None:
    created = closed(report(pothole, reporter=resident, contact=None), days_ago=28.01)
    client.force_login(resident)
    html = track(client, created)
    assert "closed more than 28 days ago" in html
    assert "Make a new report" in html
    assert "Reopen report" not in html
    response = client.post(f"/report/{created.reference}/reopen/", {"reason": "Back again"})
    assert response.status_code == 400
    assert "make a new report instead" in response.content.decode()
    created.refresh_from_db()
    assert created.status == Status.FIXED


def test_the_28_day_boundary_is_inclusive(pothole, resident) -> None:
    created = closed(report(pothole, reporter=resident, contact=None), days_ago=0)
    assert created.closed_at is not None
    deadline = created.closed_at + dt.timedelta(days=28)
    with pytest.raises(ValidationError, match="more than 28 days ago"):
        services.service_request_reporter_reopen(
            acting_user=resident,
            service_request=created,
            reason="Back",
            now=deadline + dt.timedelta(microseconds=1),
        )
    services.service_request_reporter_reopen(acting_user=resident, service_request=created, reason="Back", now=deadline)
    created.refresh_from_db()
    assert created.status == Status.REOPENED


def test_updates_only_while_open_and_reopening_only_when_closed(pothole, resident) -> None:
    created = report(pothole, reporter=resident, contact=None)
    with pytest.raises(ValidationError, match="still open"):
        services.service_request_reporter_reopen(acting_user=resident, service_request=created, reason="Why")
    closed(created, days_ago=1)
    with pytest.raises(ValidationError, match="you can reopen it instead"):
        services.service_request_reporter_update(acting_user=resident, service_request=created, message="More")


def manage_link(created: ServiceRequest) -> str:
    key = f"service_request:{created.reference}:acknowledgement"
    found = re.search(
        r"http://testserver(/report/[^/]+/manage/\S+/)", OutboxMessage.objects.get(idempotency_key=key).payload["text"]
    )
    assert found is not None
    return found.group(1)


def test_changes_through_the_manage_link_are_audited_as_the_reporter_using_it(pothole) -> None:
    """No account, so no actor id: the entry's role says who acted (the reporter, through the link), not "system"."""
    created = report(pothole)
    reporter = Client()
    reporter.get(manage_link(created))
    assert reporter.post(f"/report/{created.reference}/update/", {"message": "More"}).status_code == 302
    entry = AuditEntry.objects.get(action=services.ACTION_REQUEST_REPORTER_UPDATE, object_id=created.reference)
    assert (entry.actor_id, entry.actor_role) == (None, services.AUDIT_ROLE_MANAGE_LINK)
    assert entry.reason == "Through the signed manage link."

    closed(created, days_ago=1)
    assert reporter.post(f"/report/{created.reference}/reopen/", {"reason": "It is back"}).status_code == 302
    reopened = AuditEntry.objects.filter(action="service_request.status.changed", object_id=created.reference).latest(
        "sequence"
    )
    assert (reopened.actor_id, reopened.actor_role) == (None, services.AUDIT_ROLE_MANAGE_LINK)
    assert reopened.reason == "fixed -> reopened. Through the signed manage link."
    fixed = AuditEntry.objects.filter(action="service_request.status.changed", object_id=created.reference).earliest(
        "sequence"
    )
    assert fixed.actor_role == "system", "Townhall's own changes are still Townhall's"


def test_the_manage_link_route_is_refused_for_a_report_made_with_an_account(pothole, resident) -> None:
    created = report(pothole, reporter=resident, contact=None)
    with pytest.raises(PermissionDenied):
        services.service_request_reporter_update(
            acting_user=None, service_request=created, message="More", through_manage_link=True
        )
    assert not RequestUpdate.objects.filter(public_message="More").exists()
