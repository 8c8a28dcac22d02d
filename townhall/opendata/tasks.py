"""Background work of the open data portal (django-tasks): loading tabular versions into the datastore, and
checking large uploads.

Tasks carry ids only and call services; the DatastoreTable row records progress and the
outcome, so a load that runs twice just loads again (the swap makes that harmless). A
StagedUpload row likewise records a check's progress and outcome; a second run finds it
no longer waiting and does nothing.
"""

from __future__ import annotations

import uuid

from django_tasks import task

from townhall.opendata.services import datastore, staged


@task()
def datastore_load(version_id: str) -> str | None:
    table = datastore.datastore_load_version(version_id=version_id)
    return table.state if table is not None else None


def datastore_load_enqueue(version_id: uuid.UUID) -> None:
    """Enqueue the load (installed into the service by OpenDataConfig.ready)."""
    datastore_load.enqueue(str(version_id))


@task()
def staged_upload_check(staged_id: str) -> str | None:
    checked = staged.staged_upload_check(staged_id=uuid.UUID(staged_id))
    return checked.state if checked is not None else None


def staged_upload_check_enqueue(staged_id: uuid.UUID) -> None:
    """Enqueue the check (installed into the service by OpenDataConfig.ready)."""
    staged_upload_check.enqueue(str(staged_id))
