"""/bin-collections/: the public lookup of collection days (no sign-in, nothing personal)."""

from django.urls import path

from townhall.waste import views

app_name = "waste"

urlpatterns = [
    path("", views.start, name="start"),
    path("address/", views.choose_address, name="address"),
    path("<int:uprn>/", views.collections, name="collections"),
    path("<int:uprn>.ics", views.calendar, name="calendar"),
]
