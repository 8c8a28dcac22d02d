"""/staff/requests/: the back-office queue and request pages. Object URLs end with the object's id."""

from django.urls import path

from townhall.service_requests import backoffice_views

urlpatterns = [
    path("", backoffice_views.queue, name="backoffice_queue"),
    path("<int:pk>/", backoffice_views.request_detail, name="backoffice_request"),
    path("<int:pk>/reporter/", backoffice_views.reporter_details, name="backoffice_request_reporter"),
    path("<int:pk>/status/", backoffice_views.status_change, name="backoffice_request_status"),
    path("<int:pk>/assign/", backoffice_views.assign, name="backoffice_request_assign"),
]
