"""/staff/open-data/uploads/: new files and versions, large files being checked, validation reports, Table Schemas
(data stewards)."""

from django.urls import path

from townhall.opendata import upload_views

app_name = "opendata_uploads"

urlpatterns = [
    path("", upload_views.upload_index, name="index"),
    path("dataset/new/<uuid:dataset_id>/", upload_views.resource_new, name="new"),
    path("resource/<uuid:resource_id>/", upload_views.resource_upload, name="upload"),
    path("resource/<uuid:resource_id>/version/<int:number>/", upload_views.version_detail, name="version"),
    path("resource/schema/<uuid:resource_id>/", upload_views.schema_edit, name="schema"),
    path("report/<uuid:token>/", upload_views.report_download, name="report"),
    path("checking/<uuid:staged_id>/", upload_views.staged_detail, name="staged"),
]
