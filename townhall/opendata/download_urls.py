"""Uploaded resource files under /dataset/ (CKAN's download addresses), and each version's own address."""

from django.urls import path

from townhall.opendata import downloads

app_name = "opendata_download"

urlpatterns = [
    path(
        "<uuid:dataset_id>/resource/<uuid:resource_id>/download/<str:filename>",
        downloads.resource_download,
        name="resource",
    ),
    path(
        "<uuid:dataset_id>/resource/<uuid:resource_id>/version/<int:number>/download/<str:filename>",
        downloads.version_download,
        name="version",
    ),
]
