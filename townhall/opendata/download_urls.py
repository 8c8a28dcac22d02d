"""Uploaded resource files under /dataset/ (CKAN's download addresses)."""

from django.urls import path

from townhall.opendata import downloads

app_name = "opendata_download"

urlpatterns = [
    path(
        "<uuid:dataset_id>/resource/<uuid:resource_id>/download/<str:filename>",
        downloads.resource_download,
        name="resource",
    ),
]
