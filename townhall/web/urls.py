from django.urls import path

from townhall.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility-statement", views.accessibility_statement, name="accessibility_statement"),
    path("privacy", views.privacy, name="privacy"),
    path("cookies", views.cookies, name="cookies"),
    path("help", views.help_page, name="help"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
