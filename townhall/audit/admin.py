"""Django admin (superusers only): the audit log is readable there, never editable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from townhall.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ("sequence", "occurred_at", "actor_id", "actor_role", "action", "object_type", "object_id")
    list_filter = ("actor_role",)
    search_fields = ("=action", "=object_type", "=object_id", "=request_id")
    ordering = ("-sequence",)
    show_full_result_count = False  # a COUNT(*) over millions of rows on every page is not worth it

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
