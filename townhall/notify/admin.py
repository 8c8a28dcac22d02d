"""Django admin (superusers only): the outbox and webhook endpoints, read-only.

Changes go through services (resend on /staff/notify/, endpoints with `townhall notify
endpoint`), so they are audited and delivery state is never edited by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from townhall.notify.models import OutboxMessage, WebhookEndpoint


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(_ReadOnlyAdmin):
    list_display = ("id", "created_at", "channel", "state", "attempts", "next_attempt_at", "related_type", "related_id")
    list_filter = ("state", "channel")
    search_fields = ("=idempotency_key", "=related_id")
    exclude = ("destination", "payload")  # personal data stays off the admin, as on the staff pages
    show_full_result_count = False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_ReadOnlyAdmin):
    list_display = ("slug", "name", "url", "is_active", "created_at")
    exclude = ("secret_encrypted",)
