"""/api/v1/: ninja's URLs, each answering Django-level 404/405 as problems, then a problem 404 for the rest."""

from django.urls import URLPattern, URLResolver, path, re_path

from townhall.api.api import api
from townhall.api.api.problems import not_found_view, with_problems

# Not named app_name/namespace: include() would read a module-level app_name as this module's own.
_patterns, _ninja_app, _api_namespace = api.urls
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        _pattern.callback = with_problems(_pattern.callback)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", (_patterns, _ninja_app, _api_namespace)),
    re_path(r"^(?P<path>.*)$", not_found_view),
]
