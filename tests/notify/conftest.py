"""Real receivers for the outbox tests: an SMTP server, a webhook receiver and a fake GOV.UK Notify.

Each starts on a free port of 127.0.0.1 and is stopped after the test. Delivery runs
through the same services the task worker and `townhall notify deliver` call; time is
moved on by passing `now=` rather than by sleeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.fakes.smtp_server import FakeSmtpServer
from tests.notify.webhook_receiver import WebhookReceiver
from townhall.notify import services, tasks
from townhall.notify.models import OutboxMessage, WebhookEndpoint

ENDPOINT_SLUG = "highways-contractor"


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[FakeSmtpServer]:
    """A running SMTP server that Django's mail settings point at."""
    server = FakeSmtpServer().start()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.fixture
def smtp_down(settings: Settings) -> Iterator[FakeSmtpServer]:
    """Mail settings pointing at a port where nothing listens yet (call .start() to bring it up)."""
    server = FakeSmtpServer()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A running webhook receiver (its secret is set by the `endpoint` fixture)."""
    webhook_receiver = WebhookReceiver().start()
    yield webhook_receiver
    webhook_receiver.stop()


@pytest.fixture
def endpoint(db: None, receiver: WebhookReceiver) -> WebhookEndpoint:
    """The receiver registered as a webhook endpoint, sharing its signing secret."""
    created, secret = services.webhook_endpoint_create(
        acting_user=None, slug=ENDPOINT_SLUG, name="Highways contractor", url=receiver.url
    )
    receiver.secret = secret
    return created


@pytest.fixture
def no_delivery_on_commit() -> Iterator[None]:
    """Commit messages without the immediate task backend delivering them, as if the worker were stopped."""
    services.delivery_scheduler_install(None)
    yield
    services.delivery_scheduler_install(tasks.delivery_schedule)


def enqueue_email(number: int, *, to: str = "", **extra: Any) -> OutboxMessage:
    """One acknowledgement email, enqueued in its own transaction (a savepoint inside `db` tests)."""
    with transaction.atomic():
        return services.email_enqueue(
            to=to or f"resident{number}@example.org",
            subject=f"We have your report SR-{number}",
            text=f"Thank you. Your reference is SR-{number}.",
            idempotency_key=f"service_request:{number}:acknowledgement",
            related_type="service_requests.servicerequest",
            related_id=number,
            **extra,
        )


def enqueue_webhook(number: int, **extra: Any) -> OutboxMessage:
    with transaction.atomic():
        return services.webhook_enqueue(
            endpoint_slug=ENDPOINT_SLUG,
            event_type="service_request.created",
            body={"service_request_id": f"SR-{number}", "service_code": "POTHOLE"},
            idempotency_key=f"service_request:{number}:created:{ENDPOINT_SLUG}",
            related_type="service_requests.servicerequest",
            related_id=number,
            **extra,
        )


def later(**delta: float) -> dt.datetime:
    """A moment in the future, for `now=`."""
    return timezone.now() + dt.timedelta(**delta)


def states() -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in OutboxMessage.objects.values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return counts
