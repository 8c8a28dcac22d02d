"""Uploaded resource files, at the address CKAN gives them: /dataset/<id>/resource/<id>/download/<filename>.

Each version also has its own address, .../version/<n>/download/<filename>.
Served only while the dataset is showable to the visitor (selectors.datasets_showable);
anything else is a 404, so unpublished files are not discoverable.
"""

from __future__ import annotations

import uuid

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from townhall.opendata import selectors
from townhall.opendata.selectors import versions as version_selectors


@require_GET
def resource_download(
    request: HttpRequest, dataset_id: uuid.UUID, resource_id: uuid.UUID, filename: str
) -> FileResponse:
    user = request.user if request.user.is_authenticated else None
    resource = selectors.resource_for_show(user=user, resource_id=str(resource_id))
    if resource is None or resource.dataset_id != dataset_id or not resource.upload:
        raise Http404("No such file")
    stored_name = (resource.upload.name or "").rsplit("/", 1)[-1]
    if stored_name != filename:
        raise Http404("No such file")
    return FileResponse(
        resource.upload.open("rb"),
        as_attachment=True,
        filename=stored_name,
        content_type=resource.mimetype or "application/octet-stream",
    )


@require_GET
def version_download(
    request: HttpRequest, dataset_id: uuid.UUID, resource_id: uuid.UUID, number: int, filename: str
) -> FileResponse:
    """One version of a resource's file, at an address that keeps working after newer versions arrive."""
    user = request.user if request.user.is_authenticated else None
    version = version_selectors.version_for_show(user=user, resource_id=str(resource_id), number=number)
    if version is None or version.resource.dataset_id != dataset_id:
        raise Http404("No such file")
    stored_name = (version.file.name or "").rsplit("/", 1)[-1]
    if stored_name != filename:
        raise Http404("No such file")
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=stored_name,
        content_type=version.mimetype or "application/octet-stream",
    )
