"""Scheduling through django-tasks: a task after commit, a deferred task for each retry, the sweep as safety net.

Production and `make run` use django-tasks-db's DatabaseBackend (the queue is a table);
these tests switch to it and run the real `db_worker --batch`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from tests.fakes.smtp_server import FakeSmtpServer
from tests.notify.conftest import enqueue_email
from townhall.notify import selectors, services, tasks
from townhall.notify.constants import MessageState
from townhall.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db

TASK_PATH = "townhall.notify.tasks.outbox_message_deliver"


@pytest.fixture
def database_tasks(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


@pytest.mark.django_db(transaction=True)  # real commits; the worker also closes its connection
def test_a_delivery_task_is_queued_only_when_the_caller_commits(
    database_tasks: None, smtp_server: FakeSmtpServer
) -> None:
    with transaction.atomic():
        message = enqueue_email(1)
        assert not DBTaskResult.objects.exists()

    task_row = DBTaskResult.objects.get()
    assert task_row.task_path == TASK_PATH
    assert task_row.args_kwargs == {"args": [message.pk], "kwargs": {}}

    run_worker()

    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED
    assert len(smtp_server.messages) == 1


def test_a_failed_attempt_queues_its_retry_for_the_backoff_time(
    database_tasks: None, smtp_down: FakeSmtpServer, django_capture_on_commit_callbacks: pytest.FixtureDef
) -> None:
    message = enqueue_email(1)

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.outbox_deliver_due()

    message.refresh_from_db()
    assert message.state == MessageState.RETRYING
    retry = DBTaskResult.objects.get()
    assert retry.task_path == TASK_PATH
    assert retry.run_after == message.next_attempt_at


def test_the_immediate_backend_leaves_retries_to_the_sweep(smtp_down: FakeSmtpServer) -> None:
    """Running a retry at once would defeat the backoff; tests and the sweep move the clock instead."""
    message = enqueue_email(1)
    services.outbox_deliver_due()
    message.refresh_from_db()

    tasks.delivery_schedule(message.pk, message.next_attempt_at)

    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.RETRYING, 1)


@pytest.fixture
def broken_scheduler() -> Iterator[None]:
    def refuse(message_id: int, run_after: object) -> None:
        raise ConnectionError("the task queue is unreachable")

    services.delivery_scheduler_install(refuse)
    yield
    services.delivery_scheduler_install(tasks.delivery_schedule)


def test_a_lost_task_does_not_lose_the_message(
    broken_scheduler: None, smtp_server: FakeSmtpServer, django_capture_on_commit_callbacks: pytest.FixtureDef
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        enqueue_email(1)  # the caller's commit succeeds although the enqueue failed

    assert OutboxMessage.objects.get().state == MessageState.PENDING
    assert services.outbox_deliver_due().delivered == 1
    assert len(smtp_server.messages) == 1


def test_the_sweep_task_delivers_everything_due(smtp_server: FakeSmtpServer) -> None:
    for number in range(3):
        enqueue_email(number)

    result = tasks.outbox_deliver_until_idle.enqueue()

    assert result.return_value == {"claimed": 3, "delivered": 3, "retrying": 0, "dead": 0, "released": 0}


@pytest.mark.django_db(transaction=True)
def test_messages_recorded_as_history_before_commit_get_no_task_and_are_never_sent(
    database_tasks: None, smtp_server: FakeSmtpServer
) -> None:
    """The demo replays past actions through the services; their receipts must not go out at start-up."""
    earlier = enqueue_email(1)
    DBTaskResult.objects.all().delete()
    with transaction.atomic():
        mark = selectors.outbox_last_id()
        replayed = [enqueue_email(number) for number in (2, 3)]
        assert services.outbox_record_as_history(after_id=mark) == 2

    assert list(DBTaskResult.objects.values_list("args_kwargs", flat=True)) == []
    for message in replayed:
        message.refresh_from_db()
        assert message.state == MessageState.DELIVERED
        assert message.delivered_at == message.created_at
        assert message.provider_reference == "history (not sent)"
    earlier.refresh_from_db()
    assert earlier.state == MessageState.PENDING  # written before the mark: left to be sent
    assert services.outbox_deliver_due().delivered == 1
    assert [mail.message["To"] for mail in smtp_server.messages] == [earlier.destination]
