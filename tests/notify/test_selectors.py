"""Reads: masking, a record's messages, the backlog, and the settings they depend on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.notify.conftest import enqueue_email
from townhall.notify import selectors
from townhall.notify.conf import outbox_settings
from townhall.notify.models import OutboxMessage


@pytest.mark.parametrize(
    ("channel", "destination", "masked"),
    [
        ("email", "rita.resident@example.org", "r•••@example.org"),
        ("email", "a@b.example", "a•••@b.example"),
        ("sms", "07700 900123", "•••123"),
        ("sms", "12", "•••"),
        ("webhook", "highways-contractor", "highways-contractor"),
        ("email", "", "(removed)"),
    ],
)
def test_destinations_are_masked(channel: str, destination: str, masked: str) -> None:
    assert selectors.mask_destination(channel, destination) == masked


@pytest.mark.django_db
def test_a_records_messages_are_found_oldest_first() -> None:
    first = enqueue_email(1)
    enqueue_email(2)
    second = OutboxMessage.objects.create(
        channel="email",
        destination="x@example.org",
        payload={"subject": "s", "text": "t"},
        idempotency_key="service_request:1:fixed",
        related_type="service_requests.servicerequest",
        related_id="1",
    )

    found = selectors.outbox_messages_for(related_type="service_requests.servicerequest", related_id=1)

    assert list(found) == [first, second]


@pytest.mark.django_db
def test_the_backlog_counts_waiting_and_dead_and_dates_the_oldest_due() -> None:
    due = enqueue_email(1)
    enqueue_email(2)
    OutboxMessage.objects.filter(pk=due.pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=5))
    dead = enqueue_email(3)
    OutboxMessage.objects.filter(pk=dead.pk).update(state="dead")

    backlog = selectors.outbox_backlog()

    assert (backlog.waiting, backlog.dead) == (2, 1)
    assert backlog.oldest_waiting_since is not None
    assert backlog.oldest_waiting_since < timezone.now() - dt.timedelta(minutes=4)


@pytest.mark.django_db
def test_state_counts_include_every_state() -> None:
    enqueue_email(1)

    assert selectors.outbox_state_counts() == {"pending": 1, "sending": 0, "delivered": 0, "retrying": 0, "dead": 0}


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("NOTIFY_MAX_ATTEMPTS", 0, "NOTIFY_MAX_ATTEMPTS"),
        ("NOTIFY_MAX_ATTEMPTS", "8", "NOTIFY_MAX_ATTEMPTS"),
        ("NOTIFY_RETRY_CAP_SECONDS", 10, "must not be less"),
        ("NOTIFY_EMAIL_BACKEND", "sendgrid", "'smtp' or 'govuk_notify'"),
        ("NOTIFY_API_KEY", "abc", "not a GOV.UK Notify API key"),
    ],
)
def test_wrong_settings_are_named(settings: Settings, name: str, value: object, problem: str) -> None:
    setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=problem):
        outbox_settings()


def test_a_wrong_setting_fails_the_system_check(settings: Settings) -> None:
    from django.core.checks import run_checks

    settings.NOTIFY_MAX_ATTEMPTS = 0

    errors = [message for message in run_checks() if message.id == "notify.E001"]

    assert len(errors) == 1
    assert "NOTIFY_MAX_ATTEMPTS" in errors[0].msg
