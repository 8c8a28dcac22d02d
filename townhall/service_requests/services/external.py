"""Updates from partner systems (Open311 servicerequestupdates POST): idempotent on the client's update id."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.audit.services import audit_record
from townhall.open311.models import ApiKey
from townhall.service_requests.constants import CLOSED_STATUSES, OBJECT_REQUEST, Channel, Status
from townhall.service_requests.models import RequestUpdate, ServiceRequest
from townhall.service_requests.photos import PreparedPhoto
from townhall.service_requests.services.media import request_photo_store
from townhall.service_requests.services.status import service_request_status_change
from townhall.service_requests.services.subscriptions import subscribers_notify
from townhall.service_requests.services.webhooks import category_webhooks_update_enqueue

ACTION_REQUEST_UPDATED_EXTERNALLY = "service_request.updated_externally"
# FixMyStreet's spellings that are not Townhall status values.
_EXTERNAL_STATUS_ALIASES = {"reopen": Status.REOPENED, "planned": Status.ACTION_SCHEDULED}


def external_status_target(*, current: str, requested: str) -> Status | None:
    """The status an outside system asks for, or None when it asks for no change.

    Any case; FixMyStreet's plain OPEN/CLOSED mean "no change" when the request is already
    open/closed, and OPEN on a closed request reopens it.
    """
    value = requested.strip().lower().replace(" ", "_")
    if not value:
        return None
    closed_now = current in CLOSED_STATUSES
    if value == Status.OPEN:
        return Status.REOPENED if closed_now else None
    if value == Status.CLOSED and closed_now:
        return None
    try:
        target = _EXTERNAL_STATUS_ALIASES.get(value) or Status(value)
    except ValueError:
        message = f"{requested!r} is not a status; use one of {', '.join(s.upper() for s in Status.values)}"
        raise ValidationError({"status": ValidationError(message, code="unknown_status")}) from None
    return None if target == current else target


@transaction.atomic
def service_request_update_external(
    *,
    service_request: ServiceRequest,
    external_id: str,
    status: str = "",
    description: str = "",
    channel: Channel | str = Channel.OPEN311,
    source_label: str = "",
    source_endpoint: str = "",
    photos: Sequence[PreparedPhoto] = (),
    received_through: ApiKey | None = None,
) -> tuple[RequestUpdate, bool]:
    """An update from a partner system (FixMyStreet, a contractor): (the update, whether it is new).

    `external_id` is the client's own id for the update: posting it again returns the
    first update and changes nothing. A status that differs goes through
    service_request_status_change (so its rules apply); otherwise the description is a
    public message. `source_label` (who sent it) is kept as an internal note for staff.
    Webhooks for the update skip `source_endpoint`, so a partner is not told what it said.
    `received_through` is the client application (API key) that posted it, kept on the update for staff.
    """
    external_id = external_id.strip()
    if not external_id:
        raise ValidationError({"update_id": ValidationError("Give the update's id", code="required")})
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    existing = RequestUpdate.objects.filter(request=locked, external_id=external_id).first()
    if existing is not None:
        return existing, False
    target = external_status_target(current=locked.status, requested=status)
    description = description.strip()
    note = f"Update from {source_label}." if source_label.strip() else ""
    if target is not None:
        update = service_request_status_change(
            acting_user=None,
            service_request=locked,
            to=target,
            public_message=description,
            internal_note=note,
            external_id=external_id,
            webhook_skip_endpoint=source_endpoint,
        )
        update.channel = Channel(channel)
        update.received_through = received_through
        update.save(update_fields=["channel", "received_through"])
    else:
        if not description:
            raise ValidationError(
                {"description": ValidationError("Enter the update's text, or a new status", code="required")}
            )
        now = timezone.now()
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
        update = RequestUpdate.objects.create(
            request=locked,
            created_at=now,
            public_message=description,
            internal_note=note,
            channel=Channel(channel),
            received_through=received_through,
            external_id=external_id,
        )
        category_webhooks_update_enqueue(update=update, skip_endpoint=source_endpoint)
        subscribers_notify(update)
    for order, prepared in enumerate(photos, start=1):
        request_photo_store(prepared=prepared, request=locked, update=update, order=order)
    audit_record(
        actor=None,
        action=ACTION_REQUEST_UPDATED_EXTERNALLY,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"Update {update.pk} through {Channel(channel).value}.",
    )
    return update, True
