"""Sensitive requests, blocked reporters, and moderation of public text and photos."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.accounts.permissions import has_role
from townhall.audit.services import audit_record
from townhall.service_requests import selectors
from townhall.service_requests.constants import DESCRIPTION_MAX_LENGTH, OBJECT_REQUEST
from townhall.service_requests.models import BlockedReporter, RequestPhoto, RequestUpdate, ServiceRequest
from townhall.service_requests.services._shared import (
    MANAGER_ROLES,
    Actor,
    history_note_add,
    require_request_access,
    staff_text_clean,
    update_author,
)

ACTION_REQUEST_SENSITIVE_CHANGED = "service_request.sensitive.changed"
ACTION_REQUEST_DESCRIPTION_REDACTED = "service_request.description.redacted"
ACTION_UPDATE_MESSAGE_REDACTED = "service_request.update.redacted"
ACTION_PHOTO_VISIBILITY_CHANGED = "service_request.photo.visibility.changed"
ACTION_REPORTER_BLOCKED = "service_request.reporter.blocked"
ACTION_REPORTER_BLOCK_LIFTED = "service_request.reporter.block_lifted"
OBJECT_BLOCKED_REPORTER = "service_requests.blocked_reporter"


@transaction.atomic
def service_request_sensitive_set(
    *, acting_user: Actor, service_request: ServiceRequest, sensitive: bool
) -> RequestUpdate:
    """Hide a request from every public list, map, feed and API at once (is_public=False), or show it again."""
    require_request_access(acting_user, service_request)
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.is_public == (not sensitive):
        raise ValidationError(
            "The request is already marked so" if sensitive else "The request is not marked as sensitive"
        )
    now = timezone.now()
    locked.is_public = not sensitive
    locked.updated_at = now
    locked.save(update_fields=["is_public", "updated_at"])
    note = "Marked as sensitive: hidden from the public." if sensitive else "No longer marked as sensitive."
    update = history_note_add(locked, acting_user, note, now=now)
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_SENSITIVE_CHANGED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason="Sensitive." if sensitive else "Not sensitive.",
    )
    service_request.refresh_from_db()
    return update


def can_block_reporters(user: Actor) -> bool:
    return user is None or has_role(user, *MANAGER_ROLES)


@transaction.atomic
def reporter_block(*, acting_user: Actor, service_request: ServiceRequest, reason: str) -> BlockedReporter:
    """Block this request's reporter (their account, else the email they gave) from reporting again; audited."""
    require_request_access(acting_user, service_request)
    if not can_block_reporters(acting_user):
        raise PermissionDenied("Only team managers and administrators can block reporters.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the reporter is being blocked"})
    if len(reason) > 500:
        raise ValidationError({"reason": "The reason must be 500 characters or fewer"})
    user = User.objects.filter(pk=service_request.reporter_id).first() if service_request.reporter_id else None
    email = "" if user is not None else service_request.contact_email.strip().lower()
    if user is None and not email:
        raise ValidationError({"reason": "This request has no account or email address to block"})
    if selectors.reporter_block_active(user=user, email=email) is not None:
        raise ValidationError({"reason": "This reporter is already blocked"})
    block = BlockedReporter.objects.create(
        user=user, email=email, reason=reason, blocked_by=update_author(acting_user), blocked_at=timezone.now()
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REPORTER_BLOCKED,
        object_type=OBJECT_BLOCKED_REPORTER,
        object_id=block.pk,
        reason=f"From request {service_request.reference}; {'account ' + str(user.pk) if user else 'email address'}.",
    )
    return block


@transaction.atomic
def reporter_block_lift(*, acting_user: Actor, block: BlockedReporter) -> BlockedReporter:
    if not can_block_reporters(acting_user):
        raise PermissionDenied("Only team managers and administrators can lift blocks.")
    locked = BlockedReporter.objects.select_for_update().get(pk=block.pk)
    if locked.lifted_at is not None:
        raise ValidationError("This block has already been lifted")
    locked.lifted_at = timezone.now()
    locked.save(update_fields=["lifted_at"])
    audit_record(
        actor=acting_user, action=ACTION_REPORTER_BLOCK_LIFTED, object_type=OBJECT_BLOCKED_REPORTER, object_id=locked.pk
    )
    return locked


@transaction.atomic
def service_request_description_redact(
    *, acting_user: Actor, service_request: ServiceRequest, redacted_description: str
) -> ServiceRequest:
    """What the public sees instead of the description (empty shows the original again); staff keep both."""
    require_request_access(acting_user, service_request)
    text = redacted_description.strip()
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {"redacted_description": f"The text must be {DESCRIPTION_MAX_LENGTH} characters or fewer"}
        )
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.redacted_description == text:
        raise ValidationError({"redacted_description": "Nothing has changed"})
    now = timezone.now()
    locked.redacted_description = text
    locked.updated_at = now
    locked.save(update_fields=["redacted_description", "updated_at"])
    history_note_add(locked, acting_user, "Public description moderated." if text else "Moderation removed.", now=now)
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_DESCRIPTION_REDACTED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason="Redacted." if text else "Redaction removed.",
    )
    service_request.refresh_from_db()
    return locked


@transaction.atomic
def request_update_redact(*, acting_user: Actor, update: RequestUpdate, redacted_message: str) -> RequestUpdate:
    """What the public sees instead of an update's public message (empty shows the original again)."""
    require_request_access(acting_user, update.request)
    locked = RequestUpdate.objects.select_for_update().get(pk=update.pk)
    if not locked.public_message:
        raise ValidationError({"redacted_message": "Only public updates can be moderated"})
    text = staff_text_clean(redacted_message, field_name="redacted_message", label="the text")
    if locked.redacted_message == text:
        raise ValidationError({"redacted_message": "Nothing has changed"})
    locked.redacted_message = text
    locked.save(update_fields=["redacted_message"])
    audit_record(
        actor=acting_user,
        action=ACTION_UPDATE_MESSAGE_REDACTED,
        object_type=OBJECT_REQUEST,
        object_id=update.request.reference,
        reason=f"Update {locked.pk}: {'redacted' if text else 'redaction removed'}.",
    )
    return locked


@transaction.atomic
def request_photo_visibility_set(*, acting_user: Actor, photo: RequestPhoto, is_public: bool) -> RequestPhoto:
    """Hide a photo from the public (staff still see it), or show it again."""
    if photo.request is None:
        raise ValidationError("This photo is not part of a request yet")
    require_request_access(acting_user, photo.request)
    locked = RequestPhoto.objects.select_for_update().get(pk=photo.pk)
    if locked.is_public == is_public:
        raise ValidationError("The photo is already shown" if is_public else "The photo is already hidden")
    locked.is_public = is_public
    locked.save(update_fields=["is_public"])
    audit_record(
        actor=acting_user,
        action=ACTION_PHOTO_VISIBILITY_CHANGED,
        object_type=OBJECT_REQUEST,
        object_id=photo.request.reference,
        reason=f"Photo {locked.pk}: {'shown' if is_public else 'hidden'}.",
    )
    return locked
