"""Retries with backoff, dead letters after N attempts, resending, and claims left by a dead worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.notify.conftest import enqueue_webhook, later, states
from tests.notify.webhook_receiver import WebhookReceiver
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.notify import services
from townhall.notify.conf import outbox_settings
from townhall.notify.constants import MessageState
from townhall.notify.models import OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def test_retry_delays_double_from_the_base_up_to_the_cap_with_jitter() -> None:
    base, cap = dt.timedelta(minutes=5), dt.timedelta(hours=6)

    def delay(attempt: int, fraction: float) -> dt.timedelta:
        return services.retry_delay(attempt=attempt, base=base, cap=cap, fraction=fraction)

    assert [delay(n, 1.0) for n in (1, 2, 3, 4)] == [base, 2 * base, 4 * base, 8 * base]
    assert delay(1, 0.0) == base / 2  # half fixed, half jitter
    assert delay(3, 0.5) == 4 * base * 0.75
    assert delay(8, 1.0) == cap
    assert delay(500, 1.0) == cap  # no overflow on silly attempt counts


def test_defaults_give_eight_attempts_over_several_hours() -> None:
    config = outbox_settings()
    worst = sum(
        (
            services.retry_delay(attempt=n, base=config.retry_base, cap=config.retry_cap, fraction=1.0)
            for n in range(1, config.max_attempts)
        ),
        dt.timedelta(),
    )

    assert config.max_attempts == 8
    assert dt.timedelta(hours=8) < worst < dt.timedelta(hours=12)


def test_a_failing_receiver_is_retried_with_growing_delays_then_succeeds(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver, settings: Settings
) -> None:
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    message = enqueue_webhook(1)
    receiver.fail_with(500)
    clock = timezone.now()
    gaps = []
    for _ in range(3):
        report = services.outbox_deliver_due(now=clock)
        assert report.retrying == 1
        message.refresh_from_db()
        gaps.append(message.next_attempt_at - clock)
        assert services.outbox_deliver_due(now=message.next_attempt_at - dt.timedelta(seconds=1)).claimed == 0
        clock = message.next_attempt_at

    assert message.last_error == "The receiver answered HTTP 500."
    assert 0.5 * MINUTE <= gaps[0] <= MINUTE
    assert 1 * MINUTE <= gaps[1] <= 2 * MINUTE
    assert 2 * MINUTE <= gaps[2] <= 4 * MINUTE

    receiver.fail_with(200)
    assert services.outbox_deliver_due(now=clock).delivered == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (MessageState.DELIVERED, 4, "")
    assert receiver.refused == 3
    assert receiver.key_counts() == {message.idempotency_key: 1}


def test_after_the_last_attempt_a_message_is_dead_and_stays_dead(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver, settings: Settings
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 3
    message = enqueue_webhook(1)
    receiver.fail_with(503)

    total = services.outbox_deliver_until_idle(now=later(days=1))
    total.add(services.outbox_deliver_until_idle(now=later(days=2)))
    total.add(services.outbox_deliver_until_idle(now=later(days=3)))
    total.add(services.outbox_deliver_until_idle(now=later(days=30)))

    message.refresh_from_db()
    assert (total.retrying, total.dead) == (2, 1)
    assert (message.state, message.attempts) == (MessageState.DEAD, 3)
    assert receiver.refused == 3


@pytest.fixture
def administrator(staff_by_role: dict[StaffRole, User]) -> User:
    return staff_by_role[StaffRole.ADMINISTRATOR]


def test_resending_a_dead_message_gives_it_fresh_attempts_and_is_audited(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver, settings: Settings, administrator: User
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 1
    message = enqueue_webhook(1)
    receiver.fail_with(500)
    services.outbox_deliver_due()
    receiver.fail_with(200)

    resent = services.outbox_message_resend(acting_user=administrator, message_id=message.pk)

    assert (resent.state, resent.attempts) == (MessageState.PENDING, 0)
    entry = AuditEntry.objects.get(action="notify.message.resent")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        administrator.pk,
        "notify.outboxmessage",
        str(message.pk),
    )
    assert entry.reason == "Dead after 1 attempt(s)."
    assert services.outbox_deliver_due().delivered == 1
    assert receiver.key_counts() == {message.idempotency_key: 1}


@pytest.mark.parametrize("state", [MessageState.PENDING, MessageState.RETRYING, MessageState.DELIVERED])
def test_only_dead_messages_can_be_resent(endpoint: WebhookEndpoint, administrator: User, state: str) -> None:
    message = enqueue_webhook(1)
    OutboxMessage.objects.filter(pk=message.pk).update(state=state, delivered_at=timezone.now())

    with pytest.raises(services.OutboxMessageNotResendableError):
        services.outbox_message_resend(acting_user=administrator, message_id=message.pk)

    assert OutboxMessage.objects.get().state == state
    assert not AuditEntry.objects.filter(action="notify.message.resent").exists()


def test_a_resent_webhook_goes_to_the_endpoints_corrected_url(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver, settings: Settings, administrator: User
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 1
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/wrong")
    message = enqueue_webhook(1)
    services.outbox_deliver_due()
    assert OutboxMessage.objects.get().state == MessageState.DEAD

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
    services.outbox_message_resend(acting_user=administrator, message_id=message.pk)
    services.outbox_deliver_due()

    assert receiver.key_counts() == {message.idempotency_key: 1}


def _claim_and_crash(now: dt.datetime) -> OutboxMessage:
    """A worker claims the message, then dies before recording anything (as if killed mid-send)."""
    claimed = services._claim(now=now, config=outbox_settings(), limit=10)
    assert len(claimed) == 1
    return claimed[0]


def test_a_claim_left_by_a_dead_worker_is_released_after_its_lease(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    message = enqueue_webhook(1)
    start = timezone.now()
    _claim_and_crash(start)

    assert services.outbox_deliver_due(now=start + dt.timedelta(minutes=9)).claimed == 0  # still leased
    report = services.outbox_deliver_due(now=start + dt.timedelta(minutes=11))

    assert (report.released, report.delivered) == (1, 1)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.DELIVERED, 2)
    assert receiver.key_counts() == {message.idempotency_key: 1}


def test_a_claim_released_on_the_last_attempt_is_dead(endpoint: WebhookEndpoint, settings: Settings) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 1
    enqueue_webhook(1)
    start = timezone.now()
    _claim_and_crash(start)

    report = services.outbox_deliver_due(now=start + dt.timedelta(hours=1))

    assert (report.released, report.claimed) == (1, 0)
    message = OutboxMessage.objects.get()
    assert message.state == MessageState.DEAD
    assert message.last_error == services.RELEASED_CLAIM_ERROR


def test_a_slow_worker_that_finishes_after_its_lease_still_records_the_delivery(
    endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    enqueue_webhook(1)
    start = timezone.now()
    config = outbox_settings()
    slow = _claim_and_crash(start)
    assert services._release_expired_claims(now=start + dt.timedelta(hours=1), config=config) == 1

    services._record_delivery(slow, reference="", now=start + dt.timedelta(hours=1))

    assert states() == {"delivered": 1}
    assert services.outbox_deliver_due(now=start + dt.timedelta(days=1)).claimed == 0
