"""The CKAN Action API, mounted at /api/: `/api/3/action/<name>` and CKAN's unversioned `/api/action/<name>`.

No trailing slash and no redirects: ckanapi POSTs to exactly these paths and follows no redirect.
"""

from django.urls import re_path

from townhall.opendata import ckan_api

app_name = "ckan"

ACTION = r"(?P<name>[A-Za-z0-9_]+)$"

urlpatterns = [
    re_path(r"^3/action/" + ACTION, ckan_api.action, name="action"),
    re_path(r"^action/" + ACTION, ckan_api.action, name="action_unversioned"),
]
