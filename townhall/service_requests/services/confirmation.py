"""Anonymous reports wait for their reporter to confirm by email before they go live."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from townhall.audit.services import audit_record
from townhall.notify import services as notify
from townhall.service_requests import selectors, sla
from townhall.service_requests.constants import OBJECT_REQUEST
from townhall.service_requests.models import RequestPhoto, ServiceRequest
from townhall.service_requests.services._shared import CONFIRMATION_WINDOW, site_url
from townhall.service_requests.services.acknowledgement import new_request_messages_enqueue
from townhall.service_requests.services.media import photos_delete

ACTION_REQUEST_CONFIRMED = "service_request.confirmed"


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _confirmation_email(request: ServiceRequest, token: str) -> None:
    context = {
        "name": request.contact_name.split(" ")[0],
        "category": request.category.name,
        "confirm_url": site_url(reverse("report:confirm", args=[token])),
        "days": CONFIRMATION_WINDOW.days,
        "council": settings.TOWNHALL_BRANDING.council_name,
    }
    notify.email_enqueue(
        to=request.contact_email,
        subject=f"Confirm your report: {request.category.name}",
        text=render_to_string("service_requests/emails/confirm_report.txt", context),
        idempotency_key=f"service_request:{request.reference}:confirmation",
        related_type="service_requests.servicerequest",
        related_id=request.pk,
    )


def await_confirmation(request: ServiceRequest) -> None:
    """Hold a new anonymous report until its reporter confirms by email (called by service_request_create)."""
    token = secrets.token_urlsafe(32)
    request.awaiting_confirmation = True
    request.confirmation_digest = _token_digest(token)
    request.save(update_fields=["awaiting_confirmation", "confirmation_digest"])
    _confirmation_email(request, token)


class ConfirmationError(Exception):
    """A confirmation link that is unknown, already used, or too old."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unknown" (never issued or already used) or "expired"


def awaiting_request_for_token(*, token: str) -> ServiceRequest:
    """The report a confirmation link is for, still waiting; ConfirmationError otherwise. Reads only."""
    found = (
        ServiceRequest.objects.select_related("category")
        .filter(awaiting_confirmation=True, confirmation_digest=_token_digest(token))
        .first()
        if token
        else None
    )
    if found is None:
        raise ConfirmationError("unknown")
    if found.received_at < timezone.now() - CONFIRMATION_WINDOW:
        raise ConfirmationError("expired")
    return found


@transaction.atomic
def service_request_confirm(*, token: str) -> ServiceRequest:
    """Put an anonymous report live: received (and its SLA counted) from now, routed, acknowledged. Once only."""
    waiting = awaiting_request_for_token(token=token)
    locked = ServiceRequest.objects.select_for_update().select_related("category", "ward").get(pk=waiting.pk)
    if not locked.awaiting_confirmation:
        raise ConfirmationError("unknown")
    now = timezone.now()
    locked.awaiting_confirmation = False
    locked.confirmation_digest = ""
    locked.received_at = now
    locked.updated_at = now
    locked.sla_due_at = sla.due_at(received_at=now, unit=locked.category.sla_unit, amount=locked.category.sla_amount)
    locked.assigned_team = selectors.team_for(category=locked.category, ward=locked.ward)
    locked.save(
        update_fields=[
            "awaiting_confirmation",
            "confirmation_digest",
            "received_at",
            "updated_at",
            "sla_due_at",
            "assigned_team",
        ]
    )
    audit_record(actor=None, action=ACTION_REQUEST_CONFIRMED, object_type=OBJECT_REQUEST, object_id=locked.reference)
    new_request_messages_enqueue(locked)
    return locked


@transaction.atomic
def unconfirmed_requests_delete(*, now: dt.datetime | None = None) -> int:
    """Delete anonymous reports never confirmed by email within 7 days, with their photos (run daily)."""
    cutoff = (now or timezone.now()) - CONFIRMATION_WINDOW
    stale = ServiceRequest.objects.filter(awaiting_confirmation=True, received_at__lt=cutoff)
    photos_delete(list(RequestPhoto.objects.filter(request__in=stale)))
    count = 0
    for request in stale:  # one by one: updates and answers cascade
        request.delete()
        count += 1
    return count
