"""/staff/erasure/ (information governance reviews what erasure requests kept) and /staff/volunteers/."""

from django.urls import path

from townhall.myaccount.views import staff_erasure, staff_volunteers

urlpatterns = [
    path("erasure/", staff_erasure.erasure_list, name="staff_erasure_list"),
    path("erasure/<int:erasure_request_id>/", staff_erasure.erasure_detail, name="staff_erasure_detail"),
    path("volunteers/", staff_volunteers.volunteer_list, name="staff_volunteers"),
]
