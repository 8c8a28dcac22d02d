"""DCAT at the site root: /catalog.<fmt> and /dataset/<name>.<fmt>, fmt one of ttl, jsonld, rdf.

`/dataset/<name>.<fmt>` has no slash after the name, so it never meets CKAN's download
addresses (`/dataset/<uuid>/resource/<uuid>/download/<file>`, download_urls.py).
"""

from django.urls import re_path

from townhall.opendata import dcat_views

urlpatterns = [
    re_path(r"^catalog\.(?P<suffix>ttl|jsonld|rdf)$", dcat_views.catalogue, name="opendata_dcat_catalogue"),
    re_path(
        r"^dataset/(?P<name>[a-z0-9_-]{2,100})\.(?P<suffix>ttl|jsonld|rdf)$",
        dcat_views.dataset,
        name="opendata_dcat_dataset",
    ),
]
