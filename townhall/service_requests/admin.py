"""Django admin (superusers only): read-only views of the catalogue and requests.

Changes go through the staff catalogue editor and the services, so they are validated and
audited; the admin is for looking, not for editing behind the services' backs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from townhall.service_requests.models import Category, CategoryGroup, RoutingRule, ServiceRequest


class ReadOnlyAdmin(admin.ModelAdmin[Model]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CategoryGroup)
class CategoryGroupAdmin(ReadOnlyAdmin):
    list_display = ("name", "order")


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "service_code", "group", "active", "sla_unit", "sla_amount", "council_responsible")
    list_filter = ("group", "active", "council_responsible")
    search_fields = ("=service_code", "name")


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReadOnlyAdmin):
    list_display = ("category", "ward", "team")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdmin):
    # No reporter contact details here: staff read those through audited views.
    list_display = ("reference", "category", "status", "assigned_team", "received_at", "sla_due_at")
    list_filter = ("status", "channel")
    search_fields = ("=reference",)
    exclude = ("contact_name", "contact_email", "contact_phone", "reporter")
    show_full_result_count = False
