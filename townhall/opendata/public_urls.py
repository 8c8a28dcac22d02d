"""/data/: the open data portal's pages (search with facets; a dataset)."""

from django.urls import path

from townhall.opendata import public_views

urlpatterns = [
    path("", public_views.dataset_search, name="opendata_search"),
    path("dataset/<slug:name>/", public_views.dataset_detail, name="opendata_dataset"),
]
