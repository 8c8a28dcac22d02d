"""Signed webhooks: what a partner receives, how it verifies it, and which answers end the retries."""

from __future__ import annotations

import datetime as dt
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from tests.fakes.smtp_server import free_port
from tests.notify.conftest import ENDPOINT_SLUG, enqueue_webhook, later
from tests.notify.webhook_receiver import WebhookReceiver, verify_signature
from townhall.audit.models import AuditEntry
from townhall.notify import services
from townhall.notify.constants import MessageState
from townhall.notify.crypto import decrypt_secret, webhook_signature
from townhall.notify.models import OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_a_webhook_arrives_signed_with_its_idempotency_key_and_a_stable_envelope(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    message = enqueue_webhook(42)

    services.outbox_deliver_due()

    [received] = receiver.received
    assert received.signature_valid
    assert received.path == "/townhall-events"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["Idempotency-Key"] == "service_request:42:created:highways-contractor"
    assert received.headers["X-Townhall-Event"] == "service_request.created"
    assert received.headers["X-Townhall-Message-Id"] == str(message.pk)
    assert received.headers["User-Agent"] == "Townhall-Notify/1"
    assert received.json() == {
        "id": "service_request:42:created:highways-contractor",
        "type": "service_request.created",
        "created_at": message.created_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "data": {"service_request_id": "SR-42", "service_code": "POTHOLE"},
    }
    signature = received.headers["X-Townhall-Signature"]
    timestamp = int(signature.split(",")[0].removeprefix("t="))
    assert abs(timestamp - time.time()) < 60


def test_every_attempt_sends_the_same_body(endpoint: WebhookEndpoint, receiver: WebhookReceiver) -> None:
    """Only the signature's timestamp may differ, so a receiver can compare repeats byte for byte."""
    bodies: list[bytes] = []
    enqueue_webhook(1)
    receiver.fail_with(500)
    services.outbox_deliver_due()
    receiver.fail_with(200)
    services.outbox_deliver_due(now=later(hours=1))
    bodies.append(receiver.received[0].body)
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(state=MessageState.PENDING)  # force a repeat, for the test
    services.outbox_deliver_due(now=later(hours=2))
    bodies.append(receiver.received[1].body)

    assert bodies[0] == bodies[1]


def test_the_verification_recipe_refuses_tampering_and_replays() -> None:
    secret = "whsec_test"
    body = b'{"id":"k","type":"a.b","data":{}}'
    now = int(time.time())
    header = webhook_signature(secret, timestamp=now, body=body)

    assert verify_signature(secret, header, body)
    assert not verify_signature(secret, header, body.replace(b"a.b", b"a.c"))
    assert not verify_signature("whsec_other", header, body)
    assert not verify_signature(secret, header.replace(f"t={now}", f"t={now + 1}"), body)
    assert not verify_signature(secret, header, body, now=now + 301)  # too old: a replay
    assert not verify_signature(secret, "garbage", body)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (400, MessageState.DEAD),
        (404, MessageState.DEAD),
        (410, MessageState.DEAD),
        (422, MessageState.DEAD),
        (401, MessageState.RETRYING),
        (403, MessageState.RETRYING),
        (408, MessageState.RETRYING),
        (429, MessageState.RETRYING),
        (500, MessageState.RETRYING),
        (502, MessageState.RETRYING),
    ],
)
def test_the_receivers_answer_decides_between_retrying_and_dead(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver, status: int, state: str
) -> None:
    enqueue_webhook(1)
    receiver.fail_with(status)

    services.outbox_deliver_due()

    message = OutboxMessage.objects.get()
    assert message.state == state
    assert message.last_error == f"The receiver answered HTTP {status}."


def test_a_redirect_is_not_followed(endpoint: WebhookEndpoint, receiver: WebhookReceiver) -> None:
    """Following it would send the signed body somewhere nobody configured."""

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(302)
            self.send_header("Location", receiver.url)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Redirect)
    Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{server.server_port}/hook")
        enqueue_webhook(1)
        services.outbox_deliver_due()
    finally:
        server.shutdown()
        server.server_close()

    message = OutboxMessage.objects.get()
    assert message.state == MessageState.DEAD
    assert "redirect, not followed" in message.last_error
    assert receiver.received == []


def test_a_receiver_that_is_down_means_retrying(endpoint: WebhookEndpoint, receiver: WebhookReceiver) -> None:
    enqueue_webhook(1)
    receiver.stop()

    services.outbox_deliver_due()

    message = OutboxMessage.objects.get()
    assert message.state == MessageState.RETRYING
    assert message.last_error == "Could not connect: ConnectionRefusedError."


def test_a_switched_off_endpoint_sends_nothing_more(endpoint: WebhookEndpoint, receiver: WebhookReceiver) -> None:
    enqueue_webhook(1)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    services.outbox_deliver_due()

    message = OutboxMessage.objects.get()
    assert message.state == MessageState.DEAD
    assert message.last_error == f"Webhook endpoint '{ENDPOINT_SLUG}' does not exist or is switched off."
    assert receiver.received == []


def test_the_signing_secret_is_encrypted_at_rest_and_creation_is_audited(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    stored = WebhookEndpoint.objects.get()

    assert receiver.secret.startswith("whsec_")
    assert receiver.secret not in stored.secret_encrypted
    assert decrypt_secret(stored.secret_encrypted) == receiver.secret
    entry = AuditEntry.objects.get(action="notify.webhook_endpoint.created")
    assert (entry.actor_id, entry.actor_role, entry.object_id) == (None, "system", str(stored.pk))


def test_after_rotating_the_secret_the_old_one_no_longer_verifies(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    old = receiver.secret
    new = services.webhook_endpoint_rotate_secret(acting_user=None, slug=ENDPOINT_SLUG)
    enqueue_webhook(1)

    services.outbox_deliver_due()
    assert OutboxMessage.objects.get().state == MessageState.RETRYING  # the receiver still holds the old secret
    receiver.secret = new
    services.outbox_deliver_due(now=later(hours=1))

    assert new != old
    assert OutboxMessage.objects.get().state == MessageState.DELIVERED
    assert AuditEntry.objects.filter(action="notify.webhook_endpoint.secret_rotated").count() == 1


def test_endpoint_urls_must_be_https_except_on_this_machine() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="https"):
        services.webhook_endpoint_create(acting_user=None, slug="x", name="X", url="http://contractor.example/hook")
    endpoint, _ = services.webhook_endpoint_create(
        acting_user=None, slug="y", name="Y", url="https://contractor.example/hook"
    )
    assert endpoint.url == "https://contractor.example/hook"


def test_the_body_is_canonical_json(endpoint: WebhookEndpoint, receiver: WebhookReceiver) -> None:
    enqueue_webhook(1)

    services.outbox_deliver_due()

    body = receiver.received[0].body
    assert body == json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
