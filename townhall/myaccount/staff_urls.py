"""/staff/erasure/ (information governance reviews what erasure requests kept), /staff/subject-access/
(requests for council records), /staff/volunteers/, and advisers changing a resident's contact preferences
at their request."""

from django.urls import path

from townhall.myaccount.views import staff_erasure, staff_preferences, staff_subject_access, staff_volunteers

urlpatterns = [
    path("erasure/", staff_erasure.erasure_list, name="staff_erasure_list"),
    path("erasure/<int:erasure_request_id>/", staff_erasure.erasure_detail, name="staff_erasure_detail"),
    path("subject-access/", staff_subject_access.subject_access_list, name="staff_subject_access_list"),
    path(
        "subject-access/<int:request_id>/",
        staff_subject_access.subject_access_detail,
        name="staff_subject_access_detail",
    ),
    path("volunteers/", staff_volunteers.volunteer_list, name="staff_volunteers"),
    path(
        "residents/contact-preferences/<int:pk>/",
        staff_preferences.resident_preferences,
        name="staff_resident_preferences",
    ),
]
