"""outbox_enqueue: part of the caller's transaction, delivered after commit, idempotent by key."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tests.fakes.smtp_server import FakeSmtpServer
from tests.notify.conftest import enqueue_email
from townhall.notify import services
from townhall.notify.constants import Channel, MessageState
from townhall.notify.models import OutboxMessage


class CallerFailedError(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_caller_leaves_no_message_and_nothing_is_sent(smtp_server: FakeSmtpServer) -> None:
    def report_a_pothole() -> None:
        """A caller's service: it queues the acknowledgement, then fails (e.g. a validation error)."""
        with transaction.atomic():
            services.email_enqueue(
                to="rita@example.org", subject="Report received", text="Thanks", idempotency_key="sr:1:ack"
            )
            assert OutboxMessage.objects.count() == 1  # visible inside the caller's transaction
            raise CallerFailedError

    with pytest.raises(CallerFailedError):
        report_a_pothole()

    assert not OutboxMessage.objects.exists()
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_caller_gets_its_email_delivered_over_smtp_after_commit(smtp_server: FakeSmtpServer) -> None:
    with transaction.atomic():
        message = services.email_enqueue(
            to="rita@example.org", subject="Report received", text="Thanks", idempotency_key="sr:1:ack"
        )
        assert smtp_server.messages == []  # nothing leaves before the commit

    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED
    assert message.attempts == 1
    assert [mail.recipients for mail in smtp_server.messages] == [("rita@example.org",)]


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused() -> None:
    with pytest.raises(services.OutboxTransactionRequiredError):
        services.email_enqueue(to="rita@example.org", subject="Hello", text="Hi", idempotency_key="k1")

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_same_key_twice_is_one_message() -> None:
    first = enqueue_email(1)
    second = enqueue_email(1)

    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_for_a_different_message_is_refused() -> None:
    enqueue_email(1)

    with pytest.raises(services.OutboxKeyConflictError), transaction.atomic():
        services.email_enqueue(
            to="someone-else@example.org",
            subject="We have your report SR-1",
            text="Thank you. Your reference is SR-1.",
            idempotency_key="service_request:1:acknowledgement",
        )


@pytest.mark.django_db
def test_a_message_records_what_caused_it() -> None:
    message = enqueue_email(7)

    message.refresh_from_db()
    assert message.channel == Channel.EMAIL
    assert message.state == MessageState.PENDING
    assert message.related_type == "service_requests.servicerequest"
    assert message.related_id == "7"
    assert message.payload == {"subject": "We have your report SR-7", "text": "Thank you. Your reference is SR-7."}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel", "destination", "payload", "problem"),
    [
        ("email", "not-an-address", {"subject": "S", "text": "T"}, "valid email"),
        ("email", "a@example.org", {"subject": "", "text": "T"}, "subject"),
        ("email", "a@example.org", {"subject": "Two\nlines", "text": "T"}, "one line"),
        ("email", "a@example.org", {"subject": "S"}, "plain text body"),
        ("sms", "call me", {"text": "Hi"}, "phone number"),
        ("webhook", "x", {"url": "ftp://x", "event_type": "a.b", "body": {}}, "url"),
        ("webhook", "x", {"url": "https://x.example", "event_type": "Created", "body": {}}, "event_type"),
        ("letter", "1 High Street", {"text": "Dear resident", "subject": "S"}, "address lines"),
        ("letter", "x", {"address_lines": ["A", "1 High St", "TS1 1AA"], "text": "Dear resident"}, "subject"),
        ("letter", "x", {"address_lines": ["A", "", "TS1 1AA"], "subject": "S", "text": "T"}, "address lines"),
    ],
)
def test_invalid_messages_are_refused_before_they_are_stored(
    channel: str, destination: str, payload: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem), transaction.atomic():
        services.outbox_enqueue(channel=channel, destination=destination, payload=payload, idempotency_key="k")

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_payload_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValidationError, match="JSON"), transaction.atomic():
        services.outbox_enqueue(
            channel="email",
            destination="a@example.org",
            payload={"subject": "S", "text": "T", "when": object()},
            idempotency_key="k",
        )


@pytest.mark.django_db
def test_a_webhook_needs_an_active_endpoint() -> None:
    with pytest.raises(services.WebhookEndpointNotFoundError), transaction.atomic():
        services.webhook_enqueue(endpoint_slug="nobody", event_type="a.b", body={}, idempotency_key="k")
