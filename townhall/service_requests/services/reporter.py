"""The reporter's own changes from the tracking page: add an update, reopen within 28 days, the manage link."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts import selectors as account_selectors
from townhall.audit.services import audit_record
from townhall.service_requests.constants import DESCRIPTION_MAX_LENGTH, OBJECT_REQUEST, Channel, Status
from townhall.service_requests.models import RequestUpdate, ServiceRequest
from townhall.service_requests.photos import PreparedPhoto
from townhall.service_requests.services._shared import Actor, update_author
from townhall.service_requests.services.media import request_photo_store
from townhall.service_requests.services.status import service_request_status_change
from townhall.service_requests.services.subscriptions import subscribers_notify

ACTION_REQUEST_REPORTER_UPDATE = "service_request.reporter_update"
# The audit log's role for a reporter without an account, acting through the signed manage link.
AUDIT_ROLE_MANAGE_LINK = "reporter_manage_link"
REOPEN_WINDOW = dt.timedelta(days=28)
_MANAGE_SALT = "service_requests.manage"


def manage_token(request: ServiceRequest) -> str:
    """The signed token in an anonymous reporter's "update or reopen your report" link."""
    return signing.dumps(request.reference, salt=_MANAGE_SALT)


def manage_token_reference(*, token: str) -> str | None:
    """The reference a manage link was signed for, or None when the signature does not hold."""
    try:
        return str(signing.loads(token, salt=_MANAGE_SALT))
    except signing.BadSignature:
        return None


def _reporter_audit(
    *, acting_user: Actor, service_request: ServiceRequest, through_manage_link: bool
) -> tuple[str | None, str]:
    """(audit role, note) for the reporter's own change: the manage link (no account), a representative
    acting for the reporter (authorisation checked now), or (None, "") for the reporter themself."""
    if through_manage_link:
        if service_request.reporter_id is not None:
            raise PermissionDenied("The manage link is only for reports made without an account.")
        return AUDIT_ROLE_MANAGE_LINK, "Through the signed manage link."
    author = update_author(acting_user)
    if author is None or service_request.reporter_id is None or author.pk == service_request.reporter_id:
        return None, ""
    if account_selectors.represented_by(representative=author, represented_id=service_request.reporter_id) is None:
        raise PermissionDenied("Only the reporter, or someone authorised to act for them, can change this report.")
    return None, f"On behalf of user {service_request.reporter_id}, whom they are authorised to act for."


def reopen_deadline(request: ServiceRequest) -> dt.datetime | None:
    """Until when the reporter may reopen a closed request (28 days from closing); None while open."""
    return request.closed_at + REOPEN_WINDOW if request.closed_at is not None else None


@transaction.atomic
def service_request_reporter_update(
    *,
    acting_user: Actor,
    service_request: ServiceRequest,
    message: str,
    photo: PreparedPhoto | None = None,
    through_manage_link: bool = False,
) -> RequestUpdate:
    """The reporter adds something to their open report (text, optionally a photo). Views check it is theirs.

    `through_manage_link`: a reporter without an account, who opened the signed link from the
    acknowledgement email; the audit entry names them so. It ends any wait for the reporter
    (`awaiting_reporter_since`): the reporter's next update answers a case officer's question.
    A representative's update is audited as made on the reporter's behalf, and refused once
    their authorisation has ended.
    """
    role, note = _reporter_audit(
        acting_user=acting_user, service_request=service_request, through_manage_link=through_manage_link
    )
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    text = message.strip()
    if not locked.is_open:
        raise ValidationError({"message": "This report is closed: you can reopen it instead"})
    if not text:
        raise ValidationError({"message": "Enter your update"})
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"message": f"Your update must be {DESCRIPTION_MAX_LENGTH} characters or fewer"})
    now = timezone.now()
    answered = locked.awaiting_reporter_since is not None
    locked.updated_at = now
    locked.awaiting_reporter_since = None  # their update is the reply the case officer was waiting for
    locked.save(update_fields=["updated_at", "awaiting_reporter_since"])
    update = RequestUpdate.objects.create(
        request=locked, created_at=now, author=update_author(acting_user), public_message=text, channel=Channel.WEB
    )
    if answered:
        note = " ".join(part for part in (note, "Replies to the council's question.") if part)
    if photo is not None:
        request_photo_store(prepared=photo, request=locked, update=update)
    audit_record(
        actor=update_author(acting_user),
        action=ACTION_REQUEST_REPORTER_UPDATE,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=note,
        role=role,
    )
    subscribers_notify(update)
    service_request.refresh_from_db()
    return update


def service_request_reporter_reopen(
    *,
    acting_user: Actor,
    service_request: ServiceRequest,
    reason: str,
    now: dt.datetime | None = None,
    through_manage_link: bool = False,
) -> RequestUpdate:
    """The reporter reopens a closed report within 28 days of its closing, saying why (audited as
    service_request_reporter_update is)."""
    role, note = _reporter_audit(
        acting_user=acting_user, service_request=service_request, through_manage_link=through_manage_link
    )
    text = reason.strip()
    deadline = reopen_deadline(service_request)
    if deadline is None:
        raise ValidationError({"reason": "This report is still open"})
    if (now or timezone.now()) > deadline:
        raise ValidationError({"reason": "This report was closed more than 28 days ago: make a new report instead"})
    if not text:
        raise ValidationError({"reason": "Enter why you are reopening the report"})
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"reason": f"Your reason must be {DESCRIPTION_MAX_LENGTH} characters or fewer"})
    return service_request_status_change(
        acting_user=acting_user,
        service_request=service_request,
        to=Status.REOPENED,
        public_message=text,
        audit_role=role,
        audit_note=note,
    )
