"""A case officer's question to the reporter: the request waits for their reply (`awaiting_reporter_since`).

The question is an update only the reporter sees (their tracking page, their email); it is
never public, so it goes to no follower, feed, webhook or Open311 client. The reporter's
next update (services/reporter.py) is the reply and ends the wait.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from townhall.audit.services import audit_record
from townhall.service_requests.constants import OBJECT_REQUEST
from townhall.service_requests.models import RequestUpdate, ServiceRequest
from townhall.service_requests.services._shared import (
    Actor,
    email_person,
    require_request_access,
    site_url,
    staff_text_clean,
    update_author,
)
from townhall.service_requests.services.reporter import manage_token

ACTION_REQUEST_REPORTER_QUESTION = "service_request.reporter_question.asked"
REPORTER_QUESTION_MAX_LENGTH = 2000


def _reply_url(request: ServiceRequest) -> str:
    """Where the reporter replies: the tracking page, through the manage link when they have no account."""
    if not request.is_public:
        return ""  # sensitive requests have no public tracking page
    if request.reporter_id is None:
        return site_url(reverse("report:manage", args=[request.reference, manage_token(request)]))
    return site_url(reverse("report:track", args=[request.reference]))


@transaction.atomic
def service_request_reporter_question_ask(
    *, acting_user: Actor, service_request: ServiceRequest, question: str
) -> RequestUpdate:
    """Ask the reporter a question: an update only they see, the request marked as waiting for them,
    an email through the outbox (about their own request, so sent whatever their marketing choices).

    Refused for closed requests and for reporters the council has no email address for.
    """
    require_request_access(acting_user, service_request)
    text = staff_text_clean(question, field_name="question", label="your question", required=True)
    if len(text) > REPORTER_QUESTION_MAX_LENGTH:
        raise ValidationError({"question": f"Your question must be {REPORTER_QUESTION_MAX_LENGTH} characters or fewer"})
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of the reporter join.
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if not locked.is_open:
        raise ValidationError({"question": "This request is closed: reopen it before asking the reporter anything"})
    to = locked.reporter.email if locked.reporter is not None else locked.contact_email
    if not to:
        raise ValidationError(
            {"question": "We have no email address for the reporter, so they cannot be asked here: phone them instead"}
        )
    now = timezone.now()
    locked.updated_at = now
    locked.awaiting_reporter_since = now
    locked.save(update_fields=["updated_at", "awaiting_reporter_since"])
    update = RequestUpdate.objects.create(
        request=locked, created_at=now, author=update_author(acting_user), reporter_question=text
    )
    name = locked.reporter.given_name if locked.reporter is not None else locked.contact_name.split(" ")[0]
    context = {
        "name": name,
        "reference": locked.reference,
        "category": locked.category.name,
        "question": text,
        "reply_url": _reply_url(locked),
        "council": settings.TOWNHALL_BRANDING.council_name,
    }
    email_person(
        user=locked.reporter,
        email=locked.contact_email,
        subject=f"Your report {locked.reference}: we need more information",
        text=render_to_string("service_requests/emails/reporter_question.txt", context),
        idempotency_key=f"service_request:{locked.reference}:question:{update.pk}",
        request=locked,
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_REPORTER_QUESTION,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"Update {update.pk}: question to the reporter; reporter emailed.",
    )
    service_request.refresh_from_db()
    return update
