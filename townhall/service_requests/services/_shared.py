"""Helpers and types the services modules share: who may act, how history and audit name them, links and email.

Private to the package (other apps import from `townhall.service_requests.services`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role, is_council_staff
from townhall.notify import services as notify
from townhall.notify.constants import Topic
from townhall.service_requests import selectors
from townhall.service_requests.models import RequestUpdate, ServiceRequest

Actor = User | AnonymousUser | None
# Problems found while validating a new request, by the field to correct.
Errors = dict[str, list[ValidationError]]

# Anonymous reports and follow links wait this long for the email link to be used.
CONFIRMATION_WINDOW = dt.timedelta(days=7)
UPDATE_TEXT_MAX_LENGTH = 5000
# Team managers and administrators block reporters and delete anyone's documents.
MANAGER_ROLES = (StaffRole.TEAM_MANAGER, StaffRole.ADMINISTRATOR)


def error_add(errors: Errors, field_name: str, message: str, *, code: str) -> None:
    """Note one problem against a field, so a service can raise every problem at once."""
    errors.setdefault(field_name, []).append(ValidationError(message, code=code))


def require_catalogue_editor(acting_user: Actor) -> None:
    """Administrators edit the catalogue; `None` is Townhall itself (demo, imports, commands)."""
    if acting_user is not None and not has_role(acting_user, StaffRole.ADMINISTRATOR):
        raise PermissionDenied("Only administrators can change the service catalogue.")


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The names in `after` whose values differ from `before` (what an edit changed, for saving and audit)."""
    return [name for name in after if before.get(name) != after[name]]


def changes_reason(names: Sequence[str]) -> str:
    """Field names only: catalogue text is council vocabulary, but the audit log keeps to ids and names of fields."""
    return f"Changed: {', '.join(names)}." if names else ""


def require_council_staff(acting_user: Actor) -> None:
    """Council staff work on requests; `None` is Townhall itself (imports, routing jobs)."""
    if acting_user is not None and not is_council_staff(acting_user):
        raise PermissionDenied("Only council staff can do this.")


def require_request_access(acting_user: Actor, service_request: ServiceRequest) -> None:
    """Council staff act on the requests they can see (their teams'; every team's for administrators)."""
    require_council_staff(acting_user)
    if acting_user is None:
        return
    if not selectors.staff_visible_requests(acting_user=acting_user).filter(pk=service_request.pk).exists():
        raise PermissionDenied("This request is not in your teams' queues.")


def staff_text_clean(value: str, *, field_name: str, label: str, required: bool = False) -> str:
    """Staff-written text (notes, public updates, moderated text) trimmed and within UPDATE_TEXT_MAX_LENGTH."""
    value = value.strip()
    if required and not value:
        raise ValidationError({field_name: f"Enter {label}"})
    if len(value) > UPDATE_TEXT_MAX_LENGTH:
        raise ValidationError(
            {field_name: f"{label[0].upper()}{label[1:]} must be {UPDATE_TEXT_MAX_LENGTH} characters or fewer"}
        )
    return value


def history_note_add(request: ServiceRequest, acting_user: Actor, note: str, *, now: dt.datetime) -> RequestUpdate:
    """An internal note in the request's history (staff only), written by the acting user."""
    return RequestUpdate.objects.create(
        request=request, created_at=now, author=update_author(acting_user), internal_note=note
    )


def update_author(acting_user: Actor) -> User | None:
    """The account to name as an update's author: none for Townhall itself or someone without an account."""
    return acting_user if isinstance(acting_user, User) else None


def site_url(path: str) -> str:
    """An absolute link to `path` on the public site, for messages sent outside any web request.

    TOWNHALL_SITE_URL (e.g. "https://report.council.example") when set; otherwise the first
    concrete host in ALLOWED_HOSTS, with allauth's protocol setting (https in production)
    and, on this machine, the port `townhall serve` listens on.
    """
    configured = str(settings.TOWNHALL_SITE_URL).rstrip("/")
    if configured:
        return f"{configured}{path}"
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))]
    host = hosts[0] if hosts else "localhost"
    scheme = getattr(settings, "ACCOUNT_DEFAULT_HTTP_PROTOCOL", "https")
    port = getattr(settings, "TOWNHALL_PORT", None)
    if host in {"localhost", "127.0.0.1", "[::1]"} and port:
        host = f"{host}:{port}"
    return f"{scheme}://{host}{path}"


def email_person(
    *,
    user: User | None,
    email: str,
    subject: str,
    text: str,
    idempotency_key: str,
    request: ServiceRequest,
    topic: Topic | None = None,
) -> None:
    """Email an account holder through their account (inbox copy, preferences for optional
    topics), or a bare address given without an account (their own request for this mail)."""
    if user is not None:
        notify.correspondence_send(
            recipient=user,
            subject=subject,
            text=text,
            idempotency_key=idempotency_key,
            topic=topic,
            related_type="service_requests.servicerequest",
            related_id=request.pk,
        )
    elif email:
        notify.email_enqueue(
            to=email,
            subject=subject,
            text=text,
            idempotency_key=idempotency_key,
            related_type="service_requests.servicerequest",
            related_id=request.pk,
        )
