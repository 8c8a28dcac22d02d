"""Following a request: follow links for email addresses, subscriptions, and emailing followers about updates."""

from __future__ import annotations

import json
import secrets

from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from townhall.accounts.models import User
from townhall.core import ratelimit
from townhall.core.crypto import derived_fernet
from townhall.notify import services as notify
from townhall.notify.constants import Topic
from townhall.service_requests.constants import Status
from townhall.service_requests.models import RequestSubscription, RequestUpdate, ServiceRequest
from townhall.service_requests.services._shared import CONFIRMATION_WINDOW, email_person, site_url

_FOLLOW_SALT = "service_requests.follow"
FOLLOW_LINK_MAX_AGE = int(CONFIRMATION_WINDOW.total_seconds())


def _follow_fernet() -> MultiFernet:
    return derived_fernet(info=_FOLLOW_SALT.encode(), purpose="follow links")


def follow_token(*, request: ServiceRequest, email: str) -> str:
    """An encrypted (not merely signed) link token: the address must not be readable from the URL or logs."""
    payload = json.dumps({"r": request.reference, "e": email.strip().lower()}).encode()
    return _follow_fernet().encrypt(payload).decode("ascii")


def follow_token_read(*, token: str) -> tuple[str, str] | None:
    """(reference, email) from a follow link no older than 7 days, else None."""
    try:
        data = json.loads(_follow_fernet().decrypt(token.encode("ascii"), ttl=FOLLOW_LINK_MAX_AGE))
    except (InvalidToken, UnicodeEncodeError, ValueError):
        return None
    return str(data["r"]), str(data["e"])


FOLLOW_EMAILS_PER_DAY = 3


def follow_email_send(*, request: ServiceRequest, email: str) -> None:
    """Email a link that, once opened and confirmed, makes `email` follow the request."""
    email = email.strip().lower()
    validate_email(email)
    # Anyone can type any address here: at most a few links a day, so the form cannot flood an inbox.
    # The page says the same either way, so it reveals nothing about earlier requests.
    if not ratelimit.hit(bucket=f"follow-email:{email}", limit=FOLLOW_EMAILS_PER_DAY, window_seconds=86400).allowed:
        return
    context = {
        "reference": request.reference,
        "category": request.category.name,
        "follow_url": site_url(reverse("report:follow_confirm", args=[follow_token(request=request, email=email)])),
        "days": CONFIRMATION_WINDOW.days,
        "council": settings.TOWNHALL_BRANDING.council_name,
    }
    with transaction.atomic():
        notify.email_enqueue(
            to=email,
            subject=f"Confirm you want updates on report {request.reference}",
            text=render_to_string("service_requests/emails/confirm_follow.txt", context),
            idempotency_key=f"service_request:{request.reference}:follow:{email}:{secrets.token_hex(8)}",
            related_type="service_requests.servicerequest",
            related_id=request.pk,
        )


@transaction.atomic
def request_subscribe(*, request: ServiceRequest, user: User | None = None, email: str = "") -> RequestSubscription:
    """Follow a request's public updates (an account, or a confirmed email address); following twice is one."""
    if (user is None) == (not email):
        raise ValueError("Subscribe an account or an email address.")
    if user is not None:
        found, _ = RequestSubscription.objects.get_or_create(
            request=request, user=user, defaults={"created_at": timezone.now()}
        )
        return found
    found, _ = RequestSubscription.objects.get_or_create(
        request=request, email=email.strip().lower(), user=None, defaults={"created_at": timezone.now()}
    )
    return found


def subscribers_notify(update: RequestUpdate) -> None:
    """Email everyone following a public request about a status change or public message (the one place it is sent).

    Never for requests the public cannot see; never to the person who wrote the update.
    """
    message = update.redacted_message or update.public_message
    if not (update.status_to or message):
        return
    request = ServiceRequest.objects.select_related("category").get(pk=update.request_id)
    if not (request.is_public and request.category.is_public) or request.awaiting_confirmation:
        return
    subscriptions = RequestSubscription.objects.filter(request=request).select_related("user")
    context = {
        "reference": request.reference,
        "category": request.category.name,
        "status": Status(update.status_to).label if update.status_to else "",
        "message": message,
        "tracking_url": site_url(reverse("report:track", args=[request.reference])),
        "council": settings.TOWNHALL_BRANDING.council_name,
    }
    text = render_to_string("service_requests/emails/request_updated.txt", context)
    for subscription in subscriptions:
        if subscription.user is not None and subscription.user_id == update.author_id:
            continue
        email_person(
            user=subscription.user,
            email=subscription.email,
            subject=f"Update on report {request.reference}: {request.category.name}",
            text=text,
            idempotency_key=f"service_request:{request.reference}:update:{update.pk}:sub:{subscription.pk}",
            request=request,
            topic=Topic.SERVICE_UPDATES,
        )
