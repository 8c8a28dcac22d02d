"""Uploaded resource files, at the address CKAN gives them: /dataset/<id>/resource/<id>/download/<filename>.

Served only while the dataset is showable to the visitor (selectors.datasets_showable);
anything else is a 404, so unpublished files are not discoverable.
"""

from __future__ import annotations

import uuid

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from townhall.opendata import selectors


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
