"""/reports/: public reports list and map, Atom feeds and area alerts (public_views.py, public_feeds.py)."""

from django.urls import path

from townhall.service_requests import public_feeds, public_views

app_name = "public_reports"

urlpatterns = [
    path("", public_views.reports, name="list"),
    path("wards.geojson", public_views.wards_geojson, name="wards"),
    path("feeds/all.atom", public_feeds.ReportsFeed(), name="feed_all"),
    path("feeds/ward/<str:gss_code>.atom", public_feeds.WardReportsFeed(), name="feed_ward"),
    path("feeds/category/<str:service_code>.atom", public_feeds.CategoryReportsFeed(), name="feed_category"),
    path("alerts/", public_views.alerts, name="alerts"),
    path("alerts/check-your-email/", public_views.alert_sent, name="alert_sent"),
    path("alerts/confirm/<str:token>/", public_views.alert_confirm, name="alert_confirm"),
    path("alerts/unsubscribe/<str:token>/", public_views.alert_unsubscribe, name="alert_unsubscribe"),
]
