"""Issue 4, "What it must show" item 3, in small form: receivers down during 500 submissions lose nothing.

Each submission is its own committed transaction enqueuing an acknowledgement email and a
contractor webhook, exactly as a service request will. After each commit the immediate
task backend tries delivery at once and fails (the SMTP server and the webhook receiver
are stopped: connections are refused). The receivers then come back and the sweep runs
until nothing is waiting, with the clock moved forward instead of sleeping. Both
receivers count what arrived by idempotency key: every message once, none missing.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.fakes.smtp_server import FakeSmtpServer
from tests.notify.conftest import ENDPOINT_SLUG, later, states
from tests.notify.webhook_receiver import WebhookReceiver
from townhall.notify import services
from townhall.notify.backends.email_smtp import message_id_domain
from townhall.notify.crypto import email_message_id
from townhall.notify.models import OutboxMessage, WebhookEndpoint

SUBMISSIONS = 500


def submit(number: int) -> None:
    """What a report submission will do: its change, then both messages, in one transaction."""
    with transaction.atomic():
        services.email_enqueue(
            to=f"resident{number}@example.org",
            subject=f"We have your report SR-{number}",
            text=f"Your reference is SR-{number}.",
            idempotency_key=f"service_request:{number}:acknowledgement",
            related_type="service_requests.servicerequest",
            related_id=number,
        )
        services.webhook_enqueue(
            endpoint_slug=ENDPOINT_SLUG,
            event_type="service_request.created",
            body={"service_request_id": f"SR-{number}"},
            idempotency_key=f"service_request:{number}:created:{ENDPOINT_SLUG}",
            related_type="service_requests.servicerequest",
            related_id=number,
        )


@pytest.mark.django_db(transaction=True)
def test_no_message_is_lost_or_sent_twice_when_receivers_are_down_during_submissions(
    smtp_down: FakeSmtpServer, receiver: WebhookReceiver, endpoint: WebhookEndpoint
) -> None:
    receiver.stop()

    for number in range(SUBMISSIONS):
        submit(number)

    # Every message was tried once, straight after its commit, and is waiting to retry.
    assert states() == {"retrying": 2 * SUBMISSIONS}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    # A sweep while they are still down: everything fails again and waits longer.
    still_down = services.outbox_deliver_until_idle(now=later(minutes=10))
    assert (still_down.claimed, still_down.retrying) == (2 * SUBMISSIONS, 2 * SUBMISSIONS)

    smtp_down.start()
    receiver.start()
    minutes = 10
    while OutboxMessage.objects.exclude(state="delivered").exists():
        minutes += 15
        assert minutes < 24 * 60, f"still not delivered after a simulated day: {states()}"
        services.outbox_deliver_until_idle(now=later(minutes=minutes))

    assert states() == {"delivered": 2 * SUBMISSIONS}
    domain = message_id_domain()
    expected_emails = {
        email_message_id(f"service_request:{n}:acknowledgement", domain=domain): 1 for n in range(SUBMISSIONS)
    }
    expected_webhooks = {f"service_request:{n}:created:{ENDPOINT_SLUG}": 1 for n in range(SUBMISSIONS)}
    assert smtp_down.message_id_counts() == expected_emails
    assert receiver.key_counts() == expected_webhooks
    assert all(item.signature_valid for item in receiver.received)
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {3}
