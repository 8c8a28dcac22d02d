"""/report/: the resident reporting journey and the public tracking page (report_views.py)."""

from django.urls import path

from townhall.service_requests import report_views

app_name = "report"

urlpatterns = [
    path("", report_views.start, name="start"),
    path("draft/<str:draft_id>/category/", report_views.category, name="category"),
    path("draft/<str:draft_id>/not-ours/", report_views.not_ours, name="not_ours"),
    path("draft/<str:draft_id>/location/", report_views.location, name="location"),
    path("draft/<str:draft_id>/location/search/", report_views.location_search, name="location_search"),
    path("draft/<str:draft_id>/location/address/", report_views.address, name="address"),
    path("draft/<str:draft_id>/questions/", report_views.questions, name="questions"),
    path("draft/<str:draft_id>/description/", report_views.description, name="description"),
    path("draft/<str:draft_id>/contact/", report_views.contact, name="contact"),
    path("draft/<str:draft_id>/check/", report_views.check, name="check"),
    path("<str:reference>/confirmation/", report_views.confirmation, name="confirmation"),
    path("<str:reference>/", report_views.track, name="track"),
]
