"""/performance/: the public "how we are doing" page and its open data (CSV and JSON)."""

from django.urls import path

from townhall.insight import public_views

urlpatterns = [
    path("", public_views.performance, name="performance"),
    path("measures.csv", public_views.performance_csv, name="performance_csv"),
    path("measures.json", public_views.performance_json, name="performance_json"),
]
