"""Townhall's URLs plus the bare comparison view of bench/open311_requests.py (bench settings only)."""

from django.urls import path

from bench.open311_requests import bare_requests_view
from townhall.urls import urlpatterns as townhall_urlpatterns

urlpatterns = [path("bench/bare-requests.json", bare_requests_view), *townhall_urlpatterns]
