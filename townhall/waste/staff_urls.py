"""/staff/bin-collections/: rounds and changed collection dates (team managers)."""

from django.urls import path

from townhall.waste import views

app_name = "waste_staff"

urlpatterns = [
    path("", views.staff_overview, name="overview"),
    path("changes/new/", views.staff_change_create, name="change_create"),
    path("changes/<int:pk>/remove/", views.staff_change_remove, name="change_remove"),
]
