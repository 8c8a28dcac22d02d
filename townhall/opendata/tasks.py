"""Background work of the open data portal (django-tasks): loading tabular versions into the datastore.

Tasks carry ids only and call services; the DatastoreTable row records progress and the
outcome, so a load that runs twice just loads again (the swap makes that harmless).
"""

from __future__ import annotations

import uuid

from django_tasks import task

from townhall.opendata.services import datastore


@task()
def datastore_load(version_id: str) -> str | None:
    table = datastore.datastore_load_version(version_id=version_id)
    return table.state if table is not None else None


def datastore_load_enqueue(version_id: uuid.UUID) -> None:
    """Enqueue the load (installed into the service by OpenDataConfig.ready)."""
    datastore_load.enqueue(str(version_id))
