"""Anonymous reports wait for email confirmation: hidden everywhere until then, live from the moment of confirming."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.service_requests.conftest import Teams
from tests.service_requests.test_backoffice_queue import make_staff, report, signed_in
from townhall.accounts.constants import StaffRole
from townhall.audit.models import AuditEntry
from townhall.notify.models import OutboxMessage
from townhall.service_requests import selectors, services
from townhall.service_requests.models import ServiceRequest

pytestmark = pytest.mark.django_db


def waiting_report(category) -> tuple[ServiceRequest, str]:
    """An anonymous web report waiting for confirmation, and the confirmation link's path from its email."""
    created = report(category, confirm_by_email=True)
    message = OutboxMessage.objects.get(idempotency_key=f"service_request:{created.reference}:confirmation")
    assert message.destination == "ann.secret@example.org"
    link = re.search(r"http://testserver(/report/confirm/(\S+)/)", message.payload["text"])
    assert link is not None, message.payload["text"]
    return created, link.group(1)


def test_an_anonymous_report_waits_with_only_a_digest_of_its_token(pothole) -> None:
    created, link = waiting_report(pothole)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    created.refresh_from_db()
    assert created.awaiting_confirmation
    assert created.confirmation_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ServiceRequest.objects.filter(pk=created.pk).values().get())
    assert not OutboxMessage.objects.filter(idempotency_key__endswith=":acknowledgement").exists()


def test_a_signed_in_reporter_is_live_at_once(pothole, resident) -> None:
    created = report(pothole, reporter=resident, contact=None, confirm_by_email=True)
    assert not created.awaiting_confirmation
    assert OutboxMessage.objects.filter(idempotency_key=f"service_request:{created.reference}:acknowledgement").exists()


def test_unconfirmed_reports_are_in_no_queue_list_map_or_api(pothole, teams: Teams, staff_by_role) -> None:
    created, _ = waiting_report(pothole)
    live = report(pothole)
    admin = staff_by_role[StaffRole.ADMINISTRATOR]
    officer = make_staff("north@council.example", StaffRole.CASE_OFFICER, teams.highways_north)
    now = timezone.now()
    for user in (admin, officer):
        queue = set(selectors.service_request_queue(acting_user=user, now=now).values_list("reference", flat=True))
        assert queue == {live.reference}
        assert selectors.service_request_for_staff(acting_user=user, request_id=created.pk) is None
    assert set(selectors.public_service_requests().values_list("reference", flat=True)) == {live.reference}
    assert [r["reference"] for r in selectors.public_service_requests_search()] == [live.reference]
    assert selectors.public_request_by_reference(reference=created.reference) is None
    assert Client().get(f"/report/{created.reference}/").status_code == 404
    assert signed_in(officer).get(f"/staff/requests/{created.pk}/").status_code == 404
    listing = Client().get("/open311/v2/requests.json").json()
    assert [row["service_request_id"] for row in listing] == [live.reference]
    assert Client().get(f"/open311/v2/requests/{created.reference}.json").status_code == 404


def test_get_shows_a_button_and_post_puts_the_report_live(pothole, teams: Teams) -> None:
    created, link = waiting_report(pothole)
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    ServiceRequest.objects.filter(pk=created.pk).update(received_at=two_days_ago, assigned_team=teams.waste)
    client = Client()
    response = client.get(link)
    assert response.status_code == 200
    assert "Confirm my report" in response.content.decode()
    created.refresh_from_db()
    assert created.awaiting_confirmation  # a mail scanner following the link confirms nothing

    before = timezone.now()
    done = client.post(link)
    assert done.status_code == 302
    assert done["Location"] == f"/report/{created.reference}/confirmation/"
    created.refresh_from_db()
    assert not created.awaiting_confirmation
    assert created.confirmation_digest == ""
    assert created.received_at >= before  # the clock starts when the resident confirms
    assert created.sla_due_at == selectors.sla_due_at(received_at=created.received_at, unit="working_days", amount=5)
    assert created.assigned_team == teams.highways_north  # routed again
    assert OutboxMessage.objects.filter(idempotency_key=f"service_request:{created.reference}:acknowledgement").exists()
    assert AuditEntry.objects.filter(action="service_request.confirmed", object_id=created.reference).exists()
    html = client.get(done["Location"]).content.decode()
    assert "Report sent" in html
    assert created.reference in html
    assert Client().get(f"/report/{created.reference}/").status_code == 200


def test_a_used_or_unknown_link_gets_a_clear_page(pothole) -> None:
    _created, link = waiting_report(pothole)
    assert Client().post(link).status_code == 302
    for attempt in (Client().get(link), Client().post(link), Client().get("/report/confirm/made-up-token/")):
        assert attempt.status_code == 404
        assert "This link is not valid" in attempt.content.decode()
    assert OutboxMessage.objects.filter(idempotency_key__endswith=":acknowledgement").count() == 1


def test_an_expired_link_says_so(pothole) -> None:
    created, link = waiting_report(pothole)
    ServiceRequest.objects.filter(pk=created.pk).update(received_at=timezone.now() - dt.timedelta(days=7, minutes=1))
    response = Client().post(link)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    created.refresh_from_db()
    assert created.awaiting_confirmation


def test_unconfirmed_reports_older_than_7_days_are_deleted(pothole) -> None:
    old, _ = waiting_report(pothole)
    recent, _ = waiting_report(pothole)
    live = report(pothole)
    week_ago = timezone.now() - dt.timedelta(days=7, minutes=1)
    ServiceRequest.objects.filter(pk__in=[old.pk, live.pk]).update(received_at=week_ago)
    assert services.unconfirmed_requests_delete() == 1
    assert set(ServiceRequest.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}


def test_the_daily_cleanup_command(pothole, capsys) -> None:
    old, _ = waiting_report(pothole)
    ServiceRequest.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=8))
    call_command("reports_cleanup")
    assert "Deleted 0 draft photo(s), 1 unconfirmed report(s) and 0 orphaned file(s)." in capsys.readouterr().out
    assert not ServiceRequest.objects.exists()
