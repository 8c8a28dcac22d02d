"""/staff/insight/: dashboards, the metric catalogue and CSVs, forecasts, pins and alerts (any staff role)."""

from django.urls import path

from townhall.insight import views

app_name = "insight"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("areas/<int:group_id>/", views.area, name="area"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("metrics/csv/", views.metrics_csv, name="csv"),
    path("pins/", views.pin_toggle, name="pin"),
    path("forecasts/", views.forecasts, name="forecasts"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:rule_id>/", views.alert_delete, name="alert_delete"),
]
