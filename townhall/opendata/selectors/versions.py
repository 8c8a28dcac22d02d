"""Reads of resource versions: one version for download or the API, a dataset's version history, upload progress.

A version is visible exactly when its resource's dataset is (selectors.resource_for_show),
so an unpublished dataset's old files are as hidden as its current one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from townhall.opendata import ckan_shapes
from townhall.opendata.models import (
    Dataset,
    DatasetState,
    DatastoreTable,
    Resource,
    ResourceVersion,
    StagedUpload,
)
from townhall.opendata.selectors import AnyUser, resource_for_show


@dataclass(frozen=True)
class VersionRow:
    """One line of a resource's version history, ready for a page."""

    number: int
    created_at: Any
    row_count: int | None
    size: int
    changes: str
    note: str
    download_url: str
    filename: str
    is_current: bool


def version_for_show(*, user: AnyUser, resource_id: str, number: int) -> ResourceVersion | None:
    resource = resource_for_show(user=user, resource_id=resource_id)
    if resource is None:
        return None
    return ResourceVersion.objects.select_related("resource").filter(resource=resource, number=number).first()


def changes_text(summary: dict[str, Any]) -> str:
    """A version's change summary in words: "First version", "3 rows added, 1 removed, 2 changed"."""
    if not summary:
        return ""
    if summary.get("by") == "first":
        return "First version"
    parts = [f"{summary.get('rows_added', 0):,} added", f"{summary.get('rows_removed', 0):,} removed"]
    if summary.get("rows_changed") is not None:
        parts.append(f"{summary['rows_changed']:,} changed")
    text = "Rows: " + ", ".join(parts)
    if summary.get("by") == "whole_rows":
        text += " (whole rows compared; no primary key)"
    return text


def _row(version: ResourceVersion, *, dataset_id: Any, site_url: str, current_id: Any) -> VersionRow:
    return VersionRow(
        number=version.number,
        created_at=version.created_at,
        row_count=version.row_count,
        size=version.size,
        changes=changes_text(version.change_summary),
        note=version.change_note,
        download_url=ckan_shapes.version_url(version, dataset_id=dataset_id, site_url=site_url),
        filename=version.filename,
        is_current=version.pk == current_id,
    )


def version_history(*, resource_ids: list[str], site_url: str) -> list[dict[str, Any]]:
    """[{"id", "name", "versions": [VersionRow, newest first]}] for the given (already visible) resources, in order."""
    ids = [uuid.UUID(str(resource_id)) for resource_id in resource_ids]
    resources = {resource.pk: resource for resource in Resource.objects.filter(pk__in=ids)}
    by_resource: dict[uuid.UUID, list[ResourceVersion]] = {}
    for version in ResourceVersion.objects.filter(resource_id__in=ids).order_by("resource_id", "-number"):
        by_resource.setdefault(version.resource_id, []).append(version)
    history = []
    for resource_id in ids:
        resource = resources.get(resource_id)
        if resource is None or resource_id not in by_resource:
            continue
        history.append(
            {
                "id": str(resource_id),
                "name": resource.name or "Untitled file",
                "versions": [
                    _row(v, dataset_id=resource.dataset_id, site_url=site_url, current_id=resource.current_version_id)
                    for v in by_resource[resource_id]
                ],
            }
        )
    return history


def version_dict(version: ResourceVersion, *, dataset_id: Any, site_url: str) -> dict[str, Any]:
    """A version as the API shows it (resource_show with `version`, resource_version_list)."""
    return {
        "number": version.number,
        "url": ckan_shapes.version_url(version, dataset_id=dataset_id, site_url=site_url),
        "filename": version.filename,
        "format": version.format,
        "mimetype": version.mimetype or None,
        "size": version.size,
        "hash": "sha256:" + version.sha256,
        "row_count": version.row_count,
        "schema": version.table_schema,
        "change_summary": version.change_summary,
        "change_note": version.change_note,
        "created": ckan_shapes.ckan_time(version.created_at),
    }


def resource_version_show(*, user: AnyUser, resource_id: str, number: int, site_url: str) -> dict[str, Any] | None:
    """CKAN's resource dict as it was at version `number`: that version's url, size, hash and format."""
    version = version_for_show(user=user, resource_id=resource_id, number=number)
    if version is None:
        return None
    resource = version.resource
    shown = ckan_shapes.resource_dict(resource, site_url=site_url)
    shown.update(
        url=ckan_shapes.version_url(version, dataset_id=resource.dataset_id, site_url=site_url),
        url_type="upload",
        format=version.format,
        mimetype=version.mimetype or None,
        size=version.size,
        hash="sha256:" + version.sha256,
        last_modified=ckan_shapes.ckan_time(version.created_at),
        version=version_dict(version, dataset_id=resource.dataset_id, site_url=site_url),
    )
    return shown


def resource_version_list(*, user: AnyUser, resource_id: str, site_url: str) -> list[dict[str, Any]] | None:
    resource = resource_for_show(user=user, resource_id=resource_id)
    if resource is None:
        return None
    return [
        version_dict(version, dataset_id=resource.dataset_id, site_url=site_url)
        for version in resource.versions.order_by("-number")
    ]


# --- the steward's pages ------------------------------------------------------------------------------


def resource_for_upload(*, resource_id: uuid.UUID) -> Resource | None:
    """Any resource (the upload pages are for data stewards, who see every dataset)."""
    return Resource.objects.select_related("dataset", "current_version").filter(pk=resource_id).first()


def datasets_for_upload() -> list[Dataset]:
    """Every dataset but deleted ones, with its resources and their current versions, by title."""
    resources = Resource.objects.select_related("current_version").order_by("position", "created")
    return list(
        Dataset.objects.exclude(state=DatasetState.DELETED)
        .prefetch_related(Prefetch("resources", queryset=resources))
        .order_by("title", "name")
    )


def dataset_for_upload(*, dataset_id: uuid.UUID) -> Dataset | None:
    return Dataset.objects.exclude(state=DatasetState.DELETED).filter(pk=dataset_id).first()


def version_of(*, resource: Resource, number: int) -> ResourceVersion | None:
    return resource.versions.filter(number=number).first()


@dataclass(frozen=True)
class LoadState:
    """Where a tabular version's datastore load has got to, for the steward's version page."""

    label: str
    rows_loaded: int
    row_count: int | None
    error: str
    finished: bool


def datastore_state(*, version: ResourceVersion) -> LoadState | None:
    """The datastore table's state for this version; None for files that are not loaded (not tabular)."""
    if version.row_count is None:
        return None
    table = DatastoreTable.objects.filter(resource_id=version.resource_id).first()
    if table is None or table.version_id != version.pk:
        is_current = Resource.objects.filter(pk=version.resource_id, current_version=version).exists()
        label = "Waiting to load" if is_current else "Not loaded (a newer version is current)"
        return LoadState(label, 0, version.row_count, "", finished=not is_current)
    return LoadState(
        table.get_state_display(),
        table.rows_loaded,
        version.row_count,
        table.error,
        finished=table.state in ("active", "failed"),
    )


def staged_upload(*, staged_id: uuid.UUID) -> StagedUpload | None:
    """A large upload being (or done being) checked in the background, for the steward's progress page."""
    return StagedUpload.objects.select_related("resource__dataset", "dataset", "version").filter(pk=staged_id).first()
