"""Status changes and the SLA clock: the one way a request moves between statuses."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.audit.services import audit_record
from townhall.service_requests import sla
from townhall.service_requests.constants import (
    ACTION_REQUEST_SLA_PAUSED,
    ACTION_REQUEST_SLA_RESUMED,
    ACTION_REQUEST_STATUS_CHANGED,
    CLOSED_STATUSES,
    OBJECT_REQUEST,
    UNRESOLVED_CLOSURES,
    Status,
    transition_allowed,
)
from townhall.service_requests.models import RequestUpdate, ServiceRequest
from townhall.service_requests.services._shared import Actor, update_author
from townhall.service_requests.services.subscriptions import subscribers_notify
from townhall.service_requests.services.webhooks import category_webhooks_update_enqueue


def _original_of(candidate: ServiceRequest) -> ServiceRequest:
    """Follow duplicate links to the request everything points at (chains stay one step long)."""
    seen = {candidate.pk}
    while candidate.duplicate_of_id is not None and candidate.duplicate_of_id not in seen:
        seen.add(candidate.duplicate_of_id)
        candidate = ServiceRequest.objects.get(pk=candidate.duplicate_of_id)
    return candidate


@transaction.atomic
def service_request_status_change(
    *,
    acting_user: Actor,
    service_request: ServiceRequest,
    to: Status | str,
    public_message: str = "",
    internal_note: str = "",
    duplicate_of: ServiceRequest | None = None,
    external_id: str = "",
    webhook_skip_endpoint: str = "",
    audit_role: str | None = None,
    audit_note: str = "",
) -> RequestUpdate:
    """Move a request to another status, refusing moves constants.ALLOWED_TRANSITIONS does not allow.

    Closing records closed_at, ends a running SLA pause and sets first-time resolution (true
    unless the request was ever reopened; duplicates and cancellations do not count).
    Reopening clears closed_at and marks the request as not resolved first time. A
    duplicate must name its original. `external_id` makes a client's re-sent update
    (Open311 update_id) return the first one instead of applying it twice. `audit_role` and
    `audit_note` say in the audit entry how someone without a staff role acted (the reporter's manage link).
    """
    external_id = external_id.strip()
    if external_id:
        existing = RequestUpdate.objects.filter(request_id=service_request.pk, external_id=external_id).first()
        if existing is not None:
            return existing
    try:
        target = Status(to)
    except ValueError:
        raise ValidationError({"status": ValidationError(f"{to!r} is not a status", code="unknown_status")}) from None
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    source = Status(locked.status)
    if not transition_allowed(source, target):
        message = f"A request that is {source.label.lower()} cannot be moved to {target.label.lower()}"
        raise ValidationError({"status": ValidationError(message, code="invalid_transition")})
    original = None
    if target == Status.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": "Give the reference of the request this duplicates"})
        original = _original_of(duplicate_of)
        if original.pk == locked.pk:
            raise ValidationError({"duplicate_of": "A request cannot be a duplicate of itself"})
    elif duplicate_of is not None:
        raise ValidationError({"duplicate_of": "Only a duplicate names another request"})

    now = timezone.now()
    fields = ["status", "updated_at"]
    locked.status = target
    locked.updated_at = now
    if target in CLOSED_STATUSES:
        locked.closed_at = now
        fields.append("closed_at")
        if locked.awaiting_reporter_since is not None:  # a closed request waits for nobody
            locked.awaiting_reporter_since = None
            fields.append("awaiting_reporter_since")
        if locked.sla_paused_since is not None:
            locked.sla_paused_seconds += sla.paused_seconds_until(paused_since=locked.sla_paused_since, now=now)
            locked.sla_paused_since = None
            fields += ["sla_paused_seconds", "sla_paused_since"]
        if target not in UNRESOLVED_CLOSURES and locked.first_time_resolved is None:
            locked.first_time_resolved = True
            fields.append("first_time_resolved")
        if original is not None:
            locked.duplicate_of = original
            fields.append("duplicate_of")
    elif source in CLOSED_STATUSES:  # reopened
        locked.closed_at = None
        locked.duplicate_of = None
        locked.first_time_resolved = False
        fields += ["closed_at", "duplicate_of", "first_time_resolved"]
    locked.save(update_fields=fields)
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=update_author(acting_user),
        status_from=source,
        status_to=target,
        public_message=public_message.strip(),
        internal_note=internal_note.strip(),
        external_id=external_id,
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_STATUS_CHANGED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=" ".join(part for part in (f"{source.value} -> {target.value}.", audit_note) if part),
        role=audit_role,
    )
    subscribers_notify(update)
    category_webhooks_update_enqueue(update=update, skip_endpoint=webhook_skip_endpoint)
    service_request.refresh_from_db()
    return update


@transaction.atomic
def service_request_sla_pause(
    *, acting_user: Actor, service_request: ServiceRequest, internal_note: str = ""
) -> RequestUpdate:
    """Stop the SLA clock while the council waits for the resident (only where the category allows it)."""
    locked = ServiceRequest.objects.select_for_update().select_related("category").get(pk=service_request.pk)
    if not locked.category.pause_sla_while_waiting:
        raise ValidationError("This category's SLA clock does not pause while waiting for the resident")
    if not locked.is_open:
        raise ValidationError("A closed request has no SLA clock to pause")
    if locked.sla_paused_since is not None:
        raise ValidationError("The SLA clock is already paused")
    now = timezone.now()
    locked.sla_paused_since = now
    locked.updated_at = now
    locked.save(update_fields=["sla_paused_since", "updated_at"])
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=update_author(acting_user),
        internal_note=internal_note.strip() or "Waiting for the resident: SLA clock paused.",
    )
    audit_record(
        actor=acting_user, action=ACTION_REQUEST_SLA_PAUSED, object_type=OBJECT_REQUEST, object_id=locked.reference
    )
    service_request.refresh_from_db()
    return update


@transaction.atomic
def service_request_sla_resume(
    *, acting_user: Actor, service_request: ServiceRequest, internal_note: str = ""
) -> RequestUpdate:
    """Restart the SLA clock; the time it stood still is added to the due time."""
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.sla_paused_since is None:
        raise ValidationError("The SLA clock is not paused")
    now = timezone.now()
    paused = sla.paused_seconds_until(paused_since=locked.sla_paused_since, now=now)
    locked.sla_paused_seconds += paused
    locked.sla_paused_since = None
    locked.updated_at = now
    locked.save(update_fields=["sla_paused_seconds", "sla_paused_since", "updated_at"])
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=update_author(acting_user),
        internal_note=internal_note.strip() or "SLA clock restarted.",
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_SLA_RESUMED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"Paused for {paused} seconds.",
    )
    service_request.refresh_from_db()
    return update
