"""Two delivery workers at once on PostgreSQL: SKIP LOCKED claims split the work, nothing is sent twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from tests.notify.conftest import ENDPOINT_SLUG, states
from tests.notify.webhook_receiver import WebhookReceiver
from townhall.notify import services
from townhall.notify.models import WebhookEndpoint

MESSAGES = 300
WORKERS = 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_every_message_exactly_once(
    receiver: WebhookReceiver, endpoint: WebhookEndpoint, no_delivery_on_commit: None
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite admits one writer at a time by design (BEGIN IMMEDIATE)")
    receiver.delay_seconds = 0.002  # long enough for the workers' batches to overlap
    with transaction.atomic():
        for number in range(MESSAGES):
            services.webhook_enqueue(
                endpoint_slug=ENDPOINT_SLUG,
                event_type="service_request.created",
                body={"n": number},
                idempotency_key=f"k{number}",
            )
    assert states() == {"pending": MESSAGES}
    barrier = threading.Barrier(WORKERS)
    claimed_by: list[int] = [0] * WORKERS
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            while True:
                report = services.outbox_deliver_due(limit=10)
                if not report.claimed:
                    return
                claimed_by[index] += report.claimed
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert states() == {"delivered": MESSAGES}
    assert receiver.key_counts() == {f"k{number}": 1 for number in range(MESSAGES)}
    assert sum(claimed_by) == MESSAGES
    assert all(claimed_by), f"one worker did all the work: {claimed_by}"
