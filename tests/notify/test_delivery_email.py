"""Email delivery to a real SMTP server: what arrives, and how refusals and outages are treated."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from pytest_django.fixtures import Settings

from tests.fakes.smtp_server import FakeSmtpServer
from tests.notify.conftest import enqueue_email, later
from townhall.notify import services
from townhall.notify.constants import MessageState
from townhall.notify.crypto import email_message_id
from townhall.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_an_email_arrives_with_its_subject_bodies_and_a_message_id_from_its_key(
    smtp_server: FakeSmtpServer, settings: Settings
) -> None:
    settings.DEFAULT_FROM_EMAIL = "Test Borough Council <noreply@council.example>"
    with transaction.atomic():
        message = services.email_enqueue(
            to="rita@example.org",
            subject="We have your report SR-1",
            text="Thank you, Rita.",
            html="<p>Thank you, Rita.</p>",
            idempotency_key="service_request:1:acknowledgement",
        )

    report = services.outbox_deliver_due()

    assert (report.claimed, report.delivered) == (1, 1)
    [mail] = smtp_server.messages
    assert mail.recipients == ("rita@example.org",)
    assert mail.message["Subject"] == "We have your report SR-1"
    assert mail.message["To"] == "rita@example.org"
    assert mail.message["From"] == "Test Borough Council <noreply@council.example>"
    expected_id = email_message_id("service_request:1:acknowledgement", domain="council.example")
    assert mail.message_id == expected_id
    assert mail.message.get_body(("plain",)).get_content().strip() == "Thank you, Rita."
    assert mail.message.get_body(("html",)).get_content().strip() == "<p>Thank you, Rita.</p>"
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED
    assert message.provider_reference == expected_id
    assert message.delivered_at is not None
    assert message.claim_token is None


def test_an_unsubscribe_url_becomes_one_click_list_unsubscribe_headers(smtp_server: FakeSmtpServer) -> None:
    with transaction.atomic():
        services.email_enqueue(
            to="rita@example.org",
            subject="3 new reports near you",
            text="Stop these emails: https://council.example/reports/alerts/unsubscribe/abc/",
            unsubscribe_url="https://council.example/reports/alerts/unsubscribe/abc/",
            idempotency_key="area_alert:1:digest:1",
        )
        services.email_enqueue(to="sam@example.org", subject="Hello", text="Hi", idempotency_key="plain:1")

    services.outbox_deliver_due()

    by_recipient = {mail.recipients[0]: mail.message for mail in smtp_server.messages}
    alert = by_recipient["rita@example.org"]
    assert alert["List-Unsubscribe"] == "<https://council.example/reports/alerts/unsubscribe/abc/>"
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert by_recipient["sam@example.org"]["List-Unsubscribe"] is None


@pytest.mark.parametrize(
    "url",
    ["http://council.example/unsubscribe/", "https://council.example/a>b", "https://council.example/a\r\nBcc: x", 7],
)
def test_an_unsubscribe_url_must_be_https_and_header_safe(url: object) -> None:
    with pytest.raises(ValidationError, match="unsubscribe_url"), transaction.atomic():
        services.outbox_enqueue(
            channel="email",
            destination="rita@example.org",
            payload={"subject": "Hi", "text": "Hi", "unsubscribe_url": url},
            idempotency_key="bad:1",
        )
    assert not OutboxMessage.objects.exists()


def test_a_batch_shares_one_smtp_connection(smtp_server: FakeSmtpServer) -> None:
    for number in range(5):
        enqueue_email(number)

    report = services.outbox_deliver_due()

    assert report.delivered == 5
    assert len({mail.message_id for mail in smtp_server.messages}) == 5


def test_a_temporary_refusal_is_retried_later_and_then_delivered(smtp_server: FakeSmtpServer) -> None:
    message = enqueue_email(1)
    smtp_server.refuse_with("451 4.3.0 Mail system busy, try again later")

    first = services.outbox_deliver_due()

    message.refresh_from_db()
    assert (first.retrying, message.state, message.attempts) == (1, MessageState.RETRYING, 1)
    assert message.last_error == "The mail server answered SMTP 451."
    assert services.outbox_deliver_due().claimed == 0  # not due yet

    smtp_server.refuse_with("")
    second = services.outbox_deliver_due(now=later(hours=1))

    message.refresh_from_db()
    assert (second.delivered, message.state, message.attempts) == (1, MessageState.DELIVERED, 2)
    assert len(smtp_server.messages) == 1


def test_a_recipient_the_server_will_never_accept_goes_straight_to_the_dead_letters(
    smtp_server: FakeSmtpServer,
) -> None:
    message = enqueue_email(1, to="nobody@example.org")
    smtp_server.refuse_recipients_with("550 5.1.1 <nobody@example.org>: Recipient address rejected")

    report = services.outbox_deliver_due()

    message.refresh_from_db()
    assert (report.dead, message.state, message.attempts) == (1, MessageState.DEAD, 1)
    assert message.last_error == "The mail server refused the recipient (SMTP 550)."
    assert "nobody@example.org" not in message.last_error


def test_a_mail_server_that_is_down_means_retrying_not_losing(smtp_down: FakeSmtpServer) -> None:
    message = enqueue_email(1)

    report = services.outbox_deliver_due()

    message.refresh_from_db()
    assert (report.retrying, message.state) == (1, MessageState.RETRYING)
    assert message.last_error == "Could not connect to the mail server: ConnectionRefusedError."
    smtp_down.start()
    assert services.outbox_deliver_until_idle(now=later(hours=1)).delivered == 1
    assert len(smtp_down.messages) == 1


def test_a_message_is_delivered_once_however_often_delivery_is_asked_for(smtp_server: FakeSmtpServer) -> None:
    message = enqueue_email(1)

    services.outbox_message_deliver(message_id=message.pk)
    services.outbox_message_deliver(message_id=message.pk)
    services.outbox_deliver_due(now=later(days=30))

    assert len(smtp_server.messages) == 1
    assert OutboxMessage.objects.get().attempts == 1
