"""Django admin is for superusers only; council staff work in /staff/."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest


def restrict_admin_to_superusers(site: AdminSite) -> None:
    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = "Townhall technical administration"
