"""Background delivery with django-tasks: one task per message, and the sweep.

Tasks carry ids only and call services; the outbox row is the source of truth, so a
task that runs twice, late, or never loses nothing (the sweep finds what is due).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django_tasks import task

from townhall.notify import services


@task()
def outbox_message_deliver(message_id: int) -> dict[str, int]:
    return dataclasses.asdict(services.outbox_message_deliver(message_id=message_id))


@task()
def outbox_deliver_until_idle() -> dict[str, int]:
    return dataclasses.asdict(services.outbox_deliver_until_idle())


def delivery_schedule(message_id: int, run_after: dt.datetime | None) -> None:
    """Enqueue a delivery; a retry time is honoured where the backend can defer (the database backend).

    Where it cannot (the immediate backend in tests), a retry is left to the sweep rather
    than run at once.
    """
    deliver = outbox_message_deliver
    if run_after is not None:
        if not deliver.get_backend().supports_defer:
            return
        deliver = deliver.using(run_after=run_after)
    deliver.enqueue(message_id)
