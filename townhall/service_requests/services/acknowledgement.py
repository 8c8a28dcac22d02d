"""What is sent when a request goes live: the reporter's acknowledgement and the partner webhooks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from townhall.service_requests import sla
from townhall.service_requests.constants import SlaUnit
from townhall.service_requests.models import ServiceRequest
from townhall.service_requests.services._shared import email_person, site_url
from townhall.service_requests.services.reporter import manage_token
from townhall.service_requests.services.webhooks import category_webhooks_request_enqueue

ACKNOWLEDGEMENT_WINDOW = dt.timedelta(days=7)


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str


def sla_due_in_words(request: ServiceRequest) -> str:
    """ "by the end of Monday 5 January 2026" (working days), "by 3:15pm on Tuesday 1 December 2026" (hours)."""
    due = request.sla_due_at.astimezone(sla.COUNCIL_TIME_ZONE)
    day = f"{due:%A} {due.day} {due:%B %Y}"
    if request.category.sla_unit == SlaUnit.HOURS:
        hour = due.hour % 12 or 12
        return f"by {hour}:{due:%M}{'am' if due.hour < 12 else 'pm'} on {day}"
    return f"by the end of {day}"


def acknowledgement_email(request: ServiceRequest) -> EmailContent:
    """The acknowledgement a reporter receives: reference, category, what happens next, target date, link."""
    received = request.received_at.astimezone(sla.COUNCIL_TIME_ZONE)
    name = request.reporter.given_name if request.reporter is not None else request.contact_name.split(" ")[0]
    context = {
        "name": name,
        "reference": request.reference,
        "category": request.category.name,
        "received": f"{received.day} {received:%B %Y}",
        "due": sla_due_in_words(request),
        "sla_label": request.category.sla_label,
        "urgent": request.category.sla_unit == SlaUnit.HOURS,
        "tracking_url": site_url(reverse("report:track", args=[request.reference])) if request.is_public else "",
        "manage_url": site_url(reverse("report:manage", args=[request.reference, manage_token(request)]))
        if request.is_public and request.reporter_id is None
        else "",
        "council": settings.TOWNHALL_BRANDING.council_name,
        "contact_email": settings.TOWNHALL_BRANDING.contact_email,
    }
    return EmailContent(
        subject=f"We have your report {request.reference}: {request.category.name}",
        text=render_to_string("service_requests/emails/acknowledgement.txt", context),
    )


def new_request_messages_enqueue(request: ServiceRequest) -> None:
    """The new request's outbox messages, written in the creating transaction (sent after commit, retried).

    Today: the acknowledgement email to the reporter (the account's address, else the
    contact email), when there is one, and the category's partner webhooks. A request
    received more than ACKNOWLEDGEMENT_WINDOW ago is history being loaded (imports, the
    demo generator), and nobody is told today that we have it.
    """
    if request.received_at < timezone.now() - ACKNOWLEDGEMENT_WINDOW:
        return
    category_webhooks_request_enqueue(request=request)
    if request.reporter is None and not request.contact_email:
        return
    message = acknowledgement_email(request)
    email_person(
        user=request.reporter,
        email=request.contact_email,
        subject=message.subject,
        text=message.text,
        idempotency_key=f"service_request:{request.reference}:acknowledgement",
        request=request,
    )
