"""`townhall notify`: the sweep, status, purge and webhook endpoints from the command line."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.fakes.smtp_server import FakeSmtpServer
from tests.notify.conftest import enqueue_email
from townhall.audit.models import AuditEntry
from townhall.notify.crypto import decrypt_secret
from townhall.notify.models import OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("notify", *args, stdout=out)
    return out.getvalue()


def test_deliver_sends_everything_due_and_says_what_it_did(smtp_server: FakeSmtpServer) -> None:
    for number in range(7):
        enqueue_email(number)

    output = run("deliver", "--limit", "3")

    assert output.strip() == "Delivered 7, retrying 0, dead 0 (of 7 attempted; 0 expired claims released)."
    assert len(smtp_server.messages) == 7


@pytest.mark.django_db(transaction=True)
def test_deliver_loop_keeps_sweeping_until_it_is_stopped(
    smtp_server: FakeSmtpServer, no_delivery_on_commit: None
) -> None:
    for number in range(3):
        enqueue_email(number)  # committed, with no task: only the loop can deliver them
    handler_before = signal.getsignal(signal.SIGTERM)
    stopper = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGTERM))
    stopper.start()
    started = time.monotonic()

    output = run("deliver", "--loop", "--interval", "0.2")

    assert time.monotonic() - started >= 2.5  # it kept sweeping until SIGTERM came at 3 s
    assert output.splitlines() == [
        "Delivered 3, retrying 0, dead 0 (of 3 attempted; 0 expired claims released).",
        "Stopped.",
    ]
    assert len(smtp_server.messages) == 3
    assert signal.getsignal(signal.SIGTERM) == handler_before


def test_deliver_reports_failures(smtp_down: FakeSmtpServer) -> None:
    enqueue_email(1)

    assert "retrying 1" in run("deliver")
    assert OutboxMessage.objects.get().state == "retrying"


def test_deliver_refuses_a_nonsense_limit() -> None:
    with pytest.raises(CommandError, match="--limit"):
        run("deliver", "--limit", "0")


def test_status_counts_every_state() -> None:
    enqueue_email(1)

    output = run("status")

    assert "pending: 1" in output
    assert "dead: 0" in output
    assert "oldest due since: " in output


def test_purge_removes_personal_data_from_old_finished_messages_only() -> None:
    old, recent, waiting = enqueue_email(1), enqueue_email(2), enqueue_email(3)
    long_ago = timezone.now() - dt.timedelta(days=31)
    OutboxMessage.objects.filter(pk=old.pk).update(state="delivered", delivered_at=long_ago)
    OutboxMessage.objects.filter(pk=recent.pk).update(state="delivered", delivered_at=timezone.now())

    assert run("purge").strip() == "Removed recipients and contents from 1 message(s)."

    old.refresh_from_db()
    assert (old.destination, old.payload, old.idempotency_key) == ("", {}, "service_request:1:acknowledgement")
    assert old.redacted_at is not None
    recent.refresh_from_db()
    waiting.refresh_from_db()
    assert recent.destination == "resident2@example.org"
    assert waiting.destination == "resident3@example.org"
    assert enqueue_email(1).pk == old.pk  # the key is still recognised after redaction


def test_endpoint_add_prints_the_secret_last_and_list_never_shows_it() -> None:
    output = run("endpoint", "add", "contractor", "https://contractor.example/hooks", "--name", "Highways contractor")

    secret = output.strip().splitlines()[-1]
    endpoint = WebhookEndpoint.objects.get()
    assert decrypt_secret(endpoint.secret_encrypted) == secret
    assert (endpoint.slug, endpoint.name) == ("contractor", "Highways contractor")
    listing = run("endpoint", "list")
    assert "contractor\thttps://contractor.example/hooks\tactive\tHighways contractor" in listing
    assert secret not in listing

    rotated = run("endpoint", "rotate", "contractor").strip().splitlines()[-1]
    endpoint.refresh_from_db()
    assert rotated != secret
    assert decrypt_secret(endpoint.secret_encrypted) == rotated
    assert AuditEntry.objects.filter(action__startswith="notify.webhook_endpoint.").count() == 2


def test_endpoint_errors_are_one_line() -> None:
    with pytest.raises(CommandError, match="https"):
        run("endpoint", "add", "x", "http://contractor.example/hooks")
    with pytest.raises(CommandError, match="no webhook endpoint 'nobody'"):
        run("endpoint", "rotate", "nobody")
