"""The audit log viewer, mounted at /staff/audit/ (inside the MFA-guarded staff area)."""

from django.urls import path

from townhall.audit import views

urlpatterns = [
    path("", views.audit_log, name="audit_log"),
]
