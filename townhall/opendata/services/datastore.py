"""Loading tabular resource versions into the datastore (CKAN's queryable tables).

The loader runs in the background: services sit below tasks in the app's layers, so
OpenDataConfig.ready installs the function that enqueues the task (as myaccount does).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import transaction

_schedule: Callable[[uuid.UUID], None] | None = None


def datastore_load_scheduler_install(schedule: Callable[[uuid.UUID], None]) -> None:
    global _schedule  # installed once at start-up
    _schedule = schedule


def datastore_load_schedule(*, version_id: uuid.UUID) -> None:
    """Queue loading this version into its resource's datastore table once the transaction commits."""
    if _schedule is not None:
        schedule = _schedule
        transaction.on_commit(lambda: schedule(version_id))
