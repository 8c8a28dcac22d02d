"""Background work of the resident account (django-tasks): preparing a subject access download.

Tasks carry ids only and call services; the DataExport row is the source of truth, so a
task that runs twice builds once, and one that never runs is failed by the daily cleanup.
"""

from __future__ import annotations

from django_tasks import task

from townhall.myaccount.services import data_rights


@task()
def data_export_build(export_id: int) -> str | None:
    export = data_rights.data_export_build(export_id=export_id)
    return export.state if export is not None else None


def data_export_schedule(export_id: int) -> None:
    """Enqueue the build (installed into the service by MyAccountConfig.ready)."""
    data_export_build.enqueue(export_id)
