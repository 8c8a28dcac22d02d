"""The back office's work on one request: assignment, reporter details, priority, notes, merging, referral,
and finding a caller (assisted digital). Staff act only on requests they can see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from townhall.accounts import selectors as account_selectors
from townhall.accounts.models import Team, User
from townhall.accounts.permissions import can_find_residents
from townhall.audit.services import audit_record
from townhall.places import selectors as place_selectors
from townhall.service_requests import selectors
from townhall.service_requests.constants import OBJECT_REQUEST, Priority, Status
from townhall.service_requests.models import RequestSubscription, RequestUpdate, ServiceRequest
from townhall.service_requests.services._shared import (
    UPDATE_TEXT_MAX_LENGTH,
    Actor,
    email_person,
    history_note_add,
    require_council_staff,
    require_request_access,
    staff_text_clean,
    update_author,
)
from townhall.service_requests.services.status import service_request_status_change
from townhall.service_requests.services.subscriptions import subscribers_notify

ACTION_REQUEST_ASSIGNED = "service_request.assigned"
ACTION_REQUEST_REPORTER_VIEWED = "service_request.reporter_details.viewed"
ACTION_REQUEST_PRIORITY_CHANGED = "service_request.priority.changed"
ACTION_REQUEST_UPDATE_ADDED = "service_request.update.added"
ACTION_REQUEST_MERGED = "service_request.merged"
ACTION_REQUEST_REFERRED = "service_request.referred"
ACTION_CALLER_SEARCHED = "service_request.caller.searched"


def _officer_label(officer: User) -> str:
    return officer.get_full_name() or officer.email


@transaction.atomic
def service_request_assign(
    *,
    acting_user: Actor,
    service_request: ServiceRequest,
    team: Team,
    officer: User | None = None,
    internal_note: str = "",
) -> RequestUpdate:
    """Give a request to a team and, optionally, to one of its members; both steps are in the history.

    The officer must belong to the team. The history gets an internal note (staff only);
    the audit entry keeps to ids.
    """
    require_council_staff(acting_user)
    if officer is not None and not team.members.filter(pk=officer.pk).exists():
        raise ValidationError({"officer": "Choose an officer who is in the team"})
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.assigned_team_id == team.pk and locked.assigned_officer_id == (officer.pk if officer else None):
        raise ValidationError({"team": "The request is already assigned to this team and officer"})
    now = timezone.now()
    locked.assigned_team = team
    locked.assigned_officer = officer
    locked.updated_at = now
    locked.save(update_fields=["assigned_team", "assigned_officer", "updated_at"])
    summary = f"Assigned to {team.name}" + (f" ({_officer_label(officer)})" if officer is not None else "") + "."
    note = internal_note.strip()
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=update_author(acting_user),
        internal_note=f"{summary}\n\n{note}" if note else summary,
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_ASSIGNED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"Team {team.pk}, officer {officer.pk if officer is not None else 'none'}.",
    )
    service_request.refresh_from_db()
    return update


@dataclass(frozen=True)
class ReporterDetails:
    """Who reported a request and how to reach them: shown to staff only after the viewing is audited."""

    name: str
    email: str
    phone: str
    account_id: int | None


def service_request_reporter_view(*, acting_user: Actor, service_request: ServiceRequest) -> ReporterDetails:
    """The reporter's contact details, recorded in the audit log (with the request's id) before they are returned."""
    require_council_staff(acting_user)
    reporter = User.objects.filter(pk=service_request.reporter_id).first() if service_request.reporter_id else None
    with transaction.atomic():
        audit_record(
            actor=acting_user,
            action=ACTION_REQUEST_REPORTER_VIEWED,
            object_type=OBJECT_REQUEST,
            object_id=service_request.reference,
            reason=f"Service request id {service_request.pk}.",
        )
    return ReporterDetails(
        name=service_request.contact_name or (reporter.get_full_name() if reporter is not None else ""),
        email=service_request.contact_email or (reporter.email if reporter is not None else ""),
        phone=service_request.contact_phone,
        account_id=reporter.pk if reporter is not None else None,
    )


@transaction.atomic
def service_request_priority_change(
    *, acting_user: Actor, service_request: ServiceRequest, priority: int
) -> RequestUpdate:
    """Set a request's priority; the history says what it was and what it became (an internal note)."""
    require_request_access(acting_user, service_request)
    try:
        target = Priority(int(priority))
    except (TypeError, ValueError):
        raise ValidationError({"priority": "Choose a priority"}) from None
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    source = Priority(locked.priority)
    if source == target:
        raise ValidationError({"priority": f"The priority is already {target.label.lower()}"})
    now = timezone.now()
    locked.priority = target
    locked.updated_at = now
    locked.save(update_fields=["priority", "updated_at"])
    update = history_note_add(locked, acting_user, f"Priority changed from {source.label} to {target.label}.", now=now)
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_PRIORITY_CHANGED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"{source.value} -> {target.value}.",
    )
    service_request.refresh_from_db()
    return update


@transaction.atomic
def service_request_staff_update_add(
    *, acting_user: Actor, service_request: ServiceRequest, public_message: str = "", internal_note: str = ""
) -> RequestUpdate:
    """An internal note (staff only), a public update, or both, without changing the status."""
    require_request_access(acting_user, service_request)
    public_message = staff_text_clean(public_message, field_name="public_message", label="the public update")
    internal_note = staff_text_clean(internal_note, field_name="internal_note", label="the internal note")
    if not public_message and not internal_note:
        raise ValidationError({"internal_note": "Enter an internal note or a public update"})
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    now = timezone.now()
    locked.updated_at = now
    locked.save(update_fields=["updated_at"])
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=update_author(acting_user),
        public_message=public_message,
        internal_note=internal_note,
    )
    kinds = [kind for kind, text in (("public update", public_message), ("internal note", internal_note)) if text]
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_UPDATE_ADDED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"Update {update.pk}: {' and '.join(kinds)}.",
    )
    subscribers_notify(update)
    service_request.refresh_from_db()
    return update


# Merging duplicates and referring elsewhere.


def _subscribe(request: ServiceRequest, *, user: User | None, email: str, now: dt.datetime) -> bool:
    """Add a follower to `request` unless they already follow it or reported it; True when added."""
    if user is not None:
        if request.reporter_id == user.pk:
            return False
        _, created = RequestSubscription.objects.get_or_create(request=request, user=user, defaults={"created_at": now})
        return created
    email = email.strip().lower()
    if not email or (request.reporter_id is None and request.contact_email.lower() == email):
        return False
    _, created = RequestSubscription.objects.get_or_create(
        request=request, user=None, email=email, defaults={"created_at": now}
    )
    return created


@transaction.atomic
def service_request_merge(
    *,
    acting_user: Actor,
    service_request: ServiceRequest,
    original: ServiceRequest,
    public_message: str = "",
    internal_note: str = "",
) -> RequestUpdate:
    """Close `service_request` as a duplicate of `original`; its reporter and followers now follow the original.

    Both requests must be visible to the officer. Duplicates of the duplicate are pointed
    at the original too, so chains stay one step long and can never loop. Both requests
    get a public update; the one on the original names no other report.
    """
    require_request_access(acting_user, service_request)
    if (
        acting_user is not None
        and not selectors.staff_visible_requests(acting_user=acting_user).filter(pk=original.pk).exists()
    ):
        raise ValidationError({"duplicate_of": "There is no request with this reference in your teams' queues"})
    public_message = staff_text_clean(public_message, field_name="public_message", label="the public update")
    target = ServiceRequest.objects.select_for_update().get(pk=original.pk)
    seen = {target.pk}
    while target.duplicate_of_id is not None:  # follow the original's own chain, refusing loops
        if target.duplicate_of_id in seen or target.duplicate_of_id == service_request.pk:
            raise ValidationError({"duplicate_of": "Merging these requests would make a loop of duplicates"})
        seen.add(target.duplicate_of_id)
        target = ServiceRequest.objects.select_for_update().get(pk=target.duplicate_of_id)
    if target.pk == service_request.pk:
        raise ValidationError({"duplicate_of": "A request cannot be a duplicate of itself"})
    update = service_request_status_change(
        acting_user=acting_user,
        service_request=service_request,
        to=Status.DUPLICATE,
        duplicate_of=target,
        public_message=public_message
        or f"This problem has already been reported as {target.reference}. Updates will be posted there.",
        internal_note="\n\n".join(part for part in (f"Merged into {target.reference}.", internal_note.strip()) if part),
    )
    now = timezone.now()
    moved = 0
    if service_request.reporter_id is not None or service_request.contact_email:
        reporter = User.objects.filter(pk=service_request.reporter_id).first() if service_request.reporter_id else None
        moved += _subscribe(target, user=reporter, email=service_request.contact_email, now=now)
    for subscription in RequestSubscription.objects.filter(request=service_request).select_related("user"):
        moved += _subscribe(target, user=subscription.user, email=subscription.email, now=now)
    RequestSubscription.objects.filter(request=service_request).delete()
    ServiceRequest.objects.filter(duplicate_of=service_request).update(duplicate_of=target, updated_at=now)
    target.updated_at = now
    target.save(update_fields=["updated_at"])
    RequestUpdate.objects.create(
        request=target,
        created_at=now,
        author=update_author(acting_user),
        public_message="Another report of the same problem has been added to this one.",
        internal_note=f"{service_request.reference} merged into this request.",
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_MERGED,
        object_type=OBJECT_REQUEST,
        object_id=service_request.reference,
        reason=f"Into {target.reference}; {moved} follower(s) added.",
    )
    return update


@dataclass(frozen=True)
class Referral:
    """Who the resident should contact instead, and what to tell them."""

    body_name: str
    message: str
    url: str = ""


def referral_public_message(referral: Referral) -> str:
    text = f"This is not something the council is responsible for. {referral.body_name} deals with it.\n\n"
    text += referral.message
    return f"{text}\n\n{referral.url}" if referral.url else text


def _referral_clean(referral: Referral) -> Referral:
    errors: dict[str, str] = {}
    body_name, message, url = referral.body_name.strip(), referral.message.strip(), referral.url.strip()
    if not body_name:
        errors["body_name"] = "Enter who is responsible instead, for example National Highways"
    elif len(body_name) > 200:
        errors["body_name"] = "The name must be 200 characters or fewer"
    if not message:
        errors["message"] = "Enter the message the resident sees"
    elif len(message) > UPDATE_TEXT_MAX_LENGTH:
        errors["message"] = f"The message must be {UPDATE_TEXT_MAX_LENGTH} characters or fewer"
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = "Enter a web address in the correct format, like https://www.example.org/report"
    if errors:
        raise ValidationError(errors)
    return Referral(body_name=body_name, message=message, url=url)


@transaction.atomic
def service_request_refer(*, acting_user: Actor, service_request: ServiceRequest, referral: Referral) -> RequestUpdate:
    """Close as not the council's responsibility, telling the public who is and emailing the reporter (outbox)."""
    require_request_access(acting_user, service_request)
    referral = _referral_clean(referral)
    update = service_request_status_change(
        acting_user=acting_user,
        service_request=service_request,
        to=Status.NOT_COUNCILS_RESPONSIBILITY,
        public_message=referral_public_message(referral),
    )
    request = ServiceRequest.objects.select_related("reporter", "category").get(pk=service_request.pk)
    to = request.reporter.email if request.reporter is not None else request.contact_email
    if to:
        context = {
            "name": request.reporter.given_name if request.reporter is not None else request.contact_name.split(" ")[0],
            "reference": request.reference,
            "category": request.category.name,
            "referral": referral,
            "council": settings.TOWNHALL_BRANDING.council_name,
        }
        email_person(
            user=request.reporter,
            email=request.contact_email,
            subject=f"Your report {request.reference}: who to contact",
            text=render_to_string("service_requests/emails/referral.txt", context),
            idempotency_key=f"service_request:{request.reference}:referral:{update.pk}",
            request=request,
        )
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_REFERRED,
        object_type=OBJECT_REQUEST,
        object_id=request.reference,
        reason=f"Update {update.pk}; reporter emailed: {'yes' if to else 'no'}.",
    )
    return update


def caller_search(*, acting_user: Actor, query: str) -> account_selectors.ResidentSearchResults:
    """Find the resident a caller says they are: by name or email, or by a postcode they reported at.

    Names and partly masked emails are personal data, so each search is audited (the ids
    shown, never the words searched for). Only staff who may find residents can search.
    """
    actor = acting_user if acting_user is not None else AnonymousUser()
    if not can_find_residents(actor):
        raise PermissionDenied("Not allowed to search for residents.")
    try:
        postcode = place_selectors.postcode_normalise(query)
    except place_selectors.InvalidPostcodeError:
        postcode = ""
    if postcode:
        limit = account_selectors.RESIDENT_SEARCH_LIMIT
        ids = selectors.reporter_ids_at_postcode(postcode=postcode)
        rows = list(account_selectors.residents().filter(pk__in=ids).order_by("family_name", "given_name", "pk"))
        results = account_selectors.ResidentSearchResults(
            residents=[
                account_selectors.ResidentSummary(
                    id=user.pk,
                    name=user.get_full_name() or "(no name given)",
                    masked_email=account_selectors.mask_email(user.email),
                )
                for user in rows[:limit]
            ],
            truncated=len(rows) > limit,
        )
    else:
        results = account_selectors.resident_search(acting_user=actor, query=query)
    shown = ", ".join(str(resident.id) for resident in results.residents) or "none"
    with transaction.atomic():
        audit_record(
            actor=acting_user,
            action=ACTION_CALLER_SEARCHED,
            object_type="accounts.user",
            object_id="",
            reason=f"Assisted digital caller search by {'postcode' if postcode else 'name or email'}; "
            f"resident ids shown: {shown}.",
        )
    return results
