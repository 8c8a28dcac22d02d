"""Per-category webhooks: what partner systems (contractors, FixMyStreet) are sent about requests, and which."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.audit.services import audit_record
from townhall.notify import services as notify
from townhall.service_requests.models import Category, CategoryWebhook, RequestUpdate, ServiceRequest
from townhall.service_requests.services._shared import Actor, require_catalogue_editor, site_url

ACTION_CATEGORY_WEBHOOK_ADDED = "catalogue.webhook.added"
ACTION_CATEGORY_WEBHOOK_REMOVED = "catalogue.webhook.removed"
OBJECT_CATEGORY_WEBHOOK = "service_requests.category_webhook"


def public_photo_path(*, reference: str, photo_id: int) -> str:
    """Where a public photo is served (the report pages' photo view)."""
    return f"/report/{reference}/photos/{photo_id}/"


def _utc(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment is not None else None


def _public_photo_urls(photos: Sequence[Any], reference: str) -> list[str]:
    return [site_url(public_photo_path(reference=reference, photo_id=p.pk)) for p in photos if p.is_public]


def webhook_request_body(request: ServiceRequest) -> dict[str, Any]:
    """A request as a contractor receives it: its Open311 fields (extended status included), the
    place in both grids, the ward, the answers and public photos. Never the reporter's details."""
    answers = {answer.question_code: answer.value for answer in request.answers.order_by("id")}
    return {
        "service_request_id": request.reference,
        "status": "open" if request.is_open else "closed",
        "extended_status": request.status.upper(),
        "service_code": request.category.service_code,
        "service_name": request.category.name,
        "description": request.redacted_description or request.description,
        "requested_datetime": _utc(request.received_at),
        "updated_datetime": _utc(request.updated_at),
        "expected_datetime": _utc(request.sla_due_at),
        "address": request.address_string or None,
        "address_id": str(request.uprn) if request.uprn is not None else None,
        "lat": request.lat,
        "long": request.lng,
        "easting": request.easting,
        "northing": request.northing,
        "ward": request.ward.code,
        "is_public": request.is_public and request.category.is_public,
        "attributes": answers,
        "media_url": _public_photo_urls(list(request.photos.all()), request.reference),
    }


def webhook_update_body(update: RequestUpdate) -> dict[str, Any]:
    """An update as Open311 servicerequestupdates lists it, with the request it belongs to."""
    request = update.request
    status = update.status_to or request.status
    return {
        "update_id": str(update.pk),
        "service_request_id": request.reference,
        "status": status.upper(),
        "updated_datetime": _utc(update.created_at),
        "description": update.redacted_message or update.public_message or None,
        "media_url": _public_photo_urls(list(update.photos.all()), request.reference),
        "service_request": webhook_request_body(request),
    }


def _category_webhooks_send(
    *, request: ServiceRequest, updates_only: bool, event_type: str, body: dict[str, Any], key: str, skip: str = ""
) -> None:
    hooks = request.category.webhooks.all()
    for hook in hooks:
        if hook.endpoint_slug == skip or (updates_only and not hook.send_updates):
            continue
        try:
            notify.webhook_enqueue(
                endpoint_slug=hook.endpoint_slug,
                event_type=event_type,
                body=body,
                idempotency_key=f"{key}:{hook.endpoint_slug}",
                related_type="service_requests.servicerequest",
                related_id=request.pk,
            )
        except notify.WebhookEndpointNotFoundError:
            continue  # endpoint switched off in notify: nothing to send to


def category_webhooks_request_enqueue(*, request: ServiceRequest) -> None:
    """Tell the category's partner systems about a new live request (in the creating transaction)."""
    if request.awaiting_confirmation:
        return
    _category_webhooks_send(
        request=request,
        updates_only=False,
        event_type="service_request.created",
        body=webhook_request_body(request),
        key=f"service_request:{request.reference}:created",
    )


def category_webhooks_update_enqueue(*, update: RequestUpdate, skip_endpoint: str = "") -> None:
    """Tell partner systems (those with send_updates) about a status change or public update.

    Internal notes alone are never sent; nor is anything about a request awaiting confirmation.
    """
    request = update.request
    if request.awaiting_confirmation or not (update.status_to or update.public_message):
        return
    _category_webhooks_send(
        request=request,
        updates_only=True,
        event_type="service_request.updated",
        body=webhook_update_body(update),
        key=f"service_request:{request.reference}:update:{update.pk}",
        skip=skip_endpoint,
    )


@transaction.atomic
def category_webhook_add(
    *, acting_user: Actor, category: Category, endpoint_slug: str, send_updates: bool
) -> CategoryWebhook:
    """Send a category's new requests (and, with send_updates, its updates) to a notify webhook endpoint."""
    require_catalogue_editor(acting_user)
    if category.webhooks.filter(endpoint_slug=endpoint_slug).exists():
        raise ValidationError({"endpoint_slug": "This category already sends to that endpoint"})
    hook = category.webhooks.create(endpoint_slug=endpoint_slug, send_updates=send_updates, created_at=timezone.now())
    audit_record(
        actor=acting_user,
        action=ACTION_CATEGORY_WEBHOOK_ADDED,
        object_type=OBJECT_CATEGORY_WEBHOOK,
        object_id=hook.pk,
        reason=f"Category id {category.pk}, endpoint {endpoint_slug}, updates {'yes' if send_updates else 'no'}.",
    )
    return hook


@transaction.atomic
def category_webhook_remove(*, acting_user: Actor, category: Category, hook_id: int) -> None:
    require_catalogue_editor(acting_user)
    hook = category.webhooks.filter(pk=hook_id).first()
    if hook is None:
        raise ValidationError("That webhook is not on this category")
    slug = hook.endpoint_slug
    hook.delete()
    audit_record(
        actor=acting_user,
        action=ACTION_CATEGORY_WEBHOOK_REMOVED,
        object_type=OBJECT_CATEGORY_WEBHOOK,
        object_id=hook_id,
        reason=f"Category id {category.pk}, endpoint {slug}.",
    )
