"""/staff/open311/: Open311 API key management (administrators). Object URLs end with the key's id."""

from django.urls import path

from townhall.open311 import staff_views

urlpatterns = [
    path("", staff_views.key_list, name="open311_keys"),
    path("new/", staff_views.key_create, name="open311_key_create"),
    path("<int:pk>/", staff_views.key_detail, name="open311_key"),
    path("revoke/<int:pk>/", staff_views.key_revoke, name="open311_key_revoke"),
]
