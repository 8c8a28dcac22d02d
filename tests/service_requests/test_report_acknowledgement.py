"""The acknowledgement email: enqueued in the creating transaction, delivered to a real local SMTP server."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tests.fakes.smtp_server import FakeSmtpServer
from tests.service_requests.conftest import NORTH_POINT, make_category
from tests.service_requests.test_report_helpers import describe, draft_url, path_of, to_check
from townhall.notify import services as notify
from townhall.notify.models import OutboxMessage
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, SlaUnit
from townhall.service_requests.models import ServiceRequest
from townhall.service_requests.services import ReporterContact

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer().start()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.mark.django_db
def test_acknowledgement_reaches_the_smtp_server_after_delivery(
    client: Client, pothole, smtp_server: FakeSmtpServer, settings: Settings, django_capture_on_commit_callbacks
) -> None:
    settings.DEFAULT_FROM_EMAIL = "Demo Borough Council <noreply@council.example>"
    first = to_check(client, pothole)
    describe(client, first, "Deep hole")
    path_of(client.post(draft_url(first, "contact"), {"name": "Ann Other", "email": "ann@example.org"}))
    with django_capture_on_commit_callbacks(execute=False):
        path_of(client.post(draft_url(first, "check")))
    created = ServiceRequest.objects.get()
    message = OutboxMessage.objects.get()
    assert message.idempotency_key == f"service_request:{created.reference}:confirmation"
    assert not smtp_server.messages  # nothing is sent inside the transaction

    # Reported without an account: first the email asking to confirm, read from the SMTP server.
    assert notify.outbox_deliver_due().delivered == 1
    [asking] = smtp_server.messages
    assert asking.recipients == ("ann@example.org",)
    link = re.search(r"http://testserver(/report/confirm/\S+/)", asking.message.get_body(("plain",)).get_content())
    assert link is not None
    with django_capture_on_commit_callbacks(execute=False):
        path_of(client.post(link.group(1)))
    created.refresh_from_db()
    message = OutboxMessage.objects.get(idempotency_key=f"service_request:{created.reference}:acknowledgement")
    assert message.related_id == str(created.pk)

    report = notify.outbox_deliver_due()

    assert report.delivered == 1
    mail = smtp_server.messages[-1]
    assert mail.recipients == ("ann@example.org",)
    assert mail.message["Subject"] == f"We have your report {created.reference}: Pothole"
    text = mail.message.get_body(("plain",)).get_content()
    due = created.sla_due_at.astimezone(LONDON)
    for expected in (
        "Dear Ann,",
        f"Your reference number is {created.reference}",
        "What you reported: Pothole",
        "What happens next",
        f"within 5 working days, that is by the end of {due:%A} {due.day} {due:%B %Y}.",
        f"http://testserver/report/{created.reference}/",
        f"http://testserver/report/{created.reference}/manage/",
    ):
        assert expected in text, (expected, text)
    assert "INVALID_TEMPLATE_VARIABLE" not in text


@pytest.mark.django_db
def test_signed_in_reporter_is_acknowledged_at_their_account_address(client: Client, pothole, resident) -> None:
    client.force_login(resident)
    first = to_check(client, pothole)
    describe(client, first, "Hole")
    path_of(client.post(draft_url(first, "check")))
    message = OutboxMessage.objects.get()
    assert message.destination == "resident@example.org"
    assert message.payload["text"].startswith("Dear Rita,")


@pytest.mark.django_db
def test_sla_due_date_in_words_across_a_bank_holiday(pothole, roads, teams) -> None:
    """Wed 24 Dec 2025 + 5 working days skips Christmas, Boxing Day, the weekend and New Year's Day."""
    with_contact = {
        "acting_user": None,
        "category": pothole,
        "description": "Hole",
        "channel": Channel.WEB,
        "lat": NORTH_POINT[0],
        "lng": NORTH_POINT[1],
        "answers": {"depth": "deep"},
        "contact": ReporterContact(name="Ann", email="ann@example.org"),
    }
    created = services.service_request_create(**with_contact, received_at=dt.datetime(2025, 12, 24, 10, tzinfo=LONDON))
    assert services.sla_due_in_words(created) == "by the end of Monday 5 January 2026"
    # Too long ago to acknowledge: history being loaded, not a report made today.
    assert not OutboxMessage.objects.exists()

    urgent = make_category(
        roads, teams.highways, service_code="urgent", name="Dangerous tree", sla_unit=SlaUnit.HOURS, sla_amount=4
    )
    received = dt.datetime.now(tz=LONDON) - dt.timedelta(minutes=1)
    made = services.service_request_create(**{**with_contact, "category": urgent, "answers": {}}, received_at=received)
    due = made.sla_due_at.astimezone(LONDON)
    assert services.sla_due_in_words(made).startswith(f"by {due.hour % 12 or 12}:{due:%M}")
    text = OutboxMessage.objects.get().payload["text"]
    assert "We treat this as urgent. We aim to deal with it within 4 hours" in text


@pytest.mark.django_db
def test_no_email_address_no_acknowledgement(pothole) -> None:
    services.service_request_create(
        acting_user=None,
        category=pothole,
        description="Hole",
        channel=Channel.OPEN311,
        lat=NORTH_POINT[0],
        lng=NORTH_POINT[1],
        answers={"depth": "deep"},
    )
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_non_public_report_is_acknowledged_without_a_tracking_link(roads, teams, borough) -> None:
    private = make_category(roads, teams.highways, service_code="concern", name="Welfare concern", is_public=False)
    created = services.service_request_create(
        acting_user=None,
        category=private,
        description="Worried about my neighbour",
        channel=Channel.WEB,
        lat=NORTH_POINT[0],
        lng=NORTH_POINT[1],
        contact=ReporterContact(name="Ann", email="ann@example.org"),
    )
    text = OutboxMessage.objects.get().payload["text"]
    assert created.reference in text
    assert "/report/" not in text
    assert "not shown on our website" in text
