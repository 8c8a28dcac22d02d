"""/report/: the resident reporting journey and the public tracking page (report_views.py)."""

from django.urls import path

from townhall.service_requests import report_map_views, report_step_views, report_track_views, report_views

app_name = "report"

urlpatterns = [
    path("", report_views.start, name="start"),
    path("draft/<str:draft_id>/category/", report_views.category, name="category"),
    path("draft/<str:draft_id>/not-ours/", report_views.not_ours, name="not_ours"),
    path("draft/<str:draft_id>/location/", report_views.location, name="location"),
    path("draft/<str:draft_id>/location/search/", report_views.location_search, name="location_search"),
    path("draft/<str:draft_id>/location/point/", report_map_views.location_point, name="location_point"),
    path("draft/<str:draft_id>/location/address/", report_views.address, name="address"),
    path("draft/<str:draft_id>/questions/", report_views.questions, name="questions"),
    path("draft/<str:draft_id>/description/", report_views.description, name="description"),
    path("draft/<str:draft_id>/contact/", report_views.contact, name="contact"),
    path("draft/<str:draft_id>/check/", report_views.check, name="check"),
    # Photos, "is it one of these?", following, email confirmation, the reporter's update/reopen.
    path("draft/<str:draft_id>/nearby/", report_step_views.nearby, name="nearby"),
    path("draft/<str:draft_id>/photos/", report_step_views.photos, name="photos"),
    path("draft/<str:draft_id>/photos/remove/", report_step_views.photo_remove, name="photo_remove"),
    path("draft/<str:draft_id>/photos/<int:photo_id>/", report_step_views.draft_photo, name="draft_photo"),
    path("draft/<str:draft_id>/follow/<str:reference>/", report_step_views.follow, name="follow"),
    path("draft/<str:draft_id>/follow/<str:reference>/email/", report_step_views.follow_email, name="follow_email"),
    path("follow/<str:token>/", report_step_views.follow_confirm, name="follow_confirm"),
    path("confirm/<str:token>/", report_track_views.confirm, name="confirm"),
    path("<str:reference>/following/", report_step_views.following, name="following"),
    path("<str:reference>/photos/<int:photo_id>/", report_step_views.request_photo, name="photo"),
    path("<str:reference>/manage/<str:token>/", report_track_views.manage, name="manage"),
    path("<str:reference>/update/", report_track_views.reporter_update, name="reporter_update"),
    path("<str:reference>/reopen/", report_track_views.reporter_reopen, name="reporter_reopen"),
    path("<str:reference>/confirmation/", report_views.confirmation, name="confirmation"),
    path("<str:reference>/", report_views.track, name="track"),
]
