"""/news/: council news, local events and service changes (public)."""

from django.urls import path

from townhall.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:notice_id>/", views.notice_detail, name="detail"),
]
