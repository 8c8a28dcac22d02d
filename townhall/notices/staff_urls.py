"""/staff/notices/: write, publish and withdraw council notices (team managers and administrators).

Every URL that names a notice ends with its id.
"""

from django.urls import path

from townhall.notices import views

app_name = "notices_staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_create, name="create"),
    path("edit/<int:notice_id>/", views.staff_edit, name="edit"),
    path("publish/<int:notice_id>/", views.staff_publish, name="publish"),
]
