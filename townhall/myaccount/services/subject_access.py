"""Subject access to records other council systems hold, through the Citizen Index (UK GDPR Art. 15).

A resident's own download (data_rights.py) is instant because it holds only what they
gave Townhall. Records from council tax, housing and the rest are different: they may
mention other people or be covered by an exemption, so they are never released
automatically. A request here goes to an information governance officer, who sees the
citizen's source records (people.selectors.citizen_records_for_disclosure, audited on
every showing), redacts values with a reason, adds a covering note and releases, refuses
or extends. The released copy (`SubjectAccessRequest.package`) holds "[redacted: reason]"
in place of every withheld value, so the value is never stored with the request.

Only an account whose identity was verified and which is linked to a citizen can ask
(see services/identity.py): matching names and dates proves nothing.

Deadlines: one calendar month from the day the request arrives (the corresponding date
next month, or that month's last day when it has no such date), moved to the next
working day when it falls on a weekend or bank holiday (the ICO's reading of Art. 12(3));
an extension adds up to two further months.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role, is_council_staff
from townhall.audit.services import audit_record
from townhall.core.working_days import is_working_day
from townhall.myaccount.constants import (
    SUBJECT_ACCESS_MAX_EXTENSION_MONTHS,
    SUBJECT_ACCESS_MONTHS,
    RedactionReason,
    SubjectAccessState,
)
from townhall.myaccount.models import SubjectAccessRedaction, SubjectAccessRequest
from townhall.myaccount.selectors.subject_access import (
    linked_citizen_id,
    subject_access_queue,
    subject_access_recently_closed,
)
from townhall.notify.services import correspondence_send
from townhall.people import selectors as people_selectors
from townhall.people.constants import PERSON_FIELDS
from townhall.service_requests.services import site_url

OBJECT_TYPE_SUBJECT_ACCESS = "myaccount.subjectaccessrequest"
ACTION_REQUESTED = "myaccount.subject_access.requested"
ACTION_VIEWED = "myaccount.subject_access.viewed"
ACTION_QUEUE_VIEWED = "myaccount.subject_access.queue_viewed"
ACTION_REDACTED = "myaccount.subject_access.redacted"
ACTION_UNREDACTED = "myaccount.subject_access.unredacted"
ACTION_NOTE_CHANGED = "myaccount.subject_access.note_changed"
ACTION_EXTENDED = "myaccount.subject_access.extended"
ACTION_RELEASED = "myaccount.subject_access.released"
ACTION_REFUSED = "myaccount.subject_access.refused"
ACTION_DOWNLOADED = "myaccount.subject_access.downloaded"

NOTE_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 2000


class SubjectAccessError(ValueError):
    """The request cannot be made or changed; the message says why, in words fit for the person."""


def redaction_text(reason: str) -> str:
    """What the released copy shows in place of a withheld value."""
    return f"[redacted: {RedactionReason(reason).label}]"


def subject_access_due_on(received_on: dt.date, *, months: int = SUBJECT_ACCESS_MONTHS) -> dt.date:
    """The corresponding date `months` later (the month's last day if it has none), then the next working day."""
    due = received_on + relativedelta(months=months)
    while not is_working_day(due):
        due += dt.timedelta(days=1)
    return due


def _audit(*, acting_user: User | None, action: str, sar: SubjectAccessRequest, reason: str = "") -> None:
    audit_record(
        actor=acting_user, action=action, object_type=OBJECT_TYPE_SUBJECT_ACCESS, object_id=sar.pk, reason=reason
    )


def _officer_only(acting_user: User) -> None:
    if not has_role(acting_user, StaffRole.INFORMATION_GOVERNANCE_OFFICER):
        raise PermissionDenied("Only information governance officers handle subject access requests.")


def _open_for_update(request_id: int) -> SubjectAccessRequest:
    sar = SubjectAccessRequest.objects.select_for_update().select_related("user").filter(pk=request_id).first()
    if sar is None:
        raise SubjectAccessError("There is no such request.")
    if sar.state != SubjectAccessState.OPEN:
        raise SubjectAccessError(f"{sar.reference} is already closed ({sar.get_state_display().lower()}).")
    return sar


# --- the resident asks ----------------------------------------------------------------------------------


@transaction.atomic
def subject_access_request_create(
    *, acting_user: User, user: User, now: dt.datetime | None = None
) -> SubjectAccessRequest:
    """Ask for the records other council systems hold about `user`; the open request if there already is one."""
    if acting_user.pk != user.pk:
        raise PermissionDenied("Only the account holder may ask for their council records.")
    if user.is_superuser or is_council_staff(user) or user.role_assignments.exists():
        raise SubjectAccessError("Staff accounts are handled by the council's HR and information governance teams.")
    User.objects.select_for_update().filter(pk=user.pk).first()  # one open request per account
    open_request = SubjectAccessRequest.objects.filter(user=user, state=SubjectAccessState.OPEN).first()
    if open_request is not None:
        return open_request
    citizen_id = linked_citizen_id(user=user)
    if citizen_id is None:
        raise SubjectAccessError("Confirm your identity first, so that we can find your records in other systems.")
    moment = now or timezone.now()
    received_on = timezone.localdate(moment)
    try:
        with transaction.atomic():
            sar = SubjectAccessRequest.objects.create(
                user=user, citizen_ref=citizen_id, requested_at=moment, due_on=subject_access_due_on(received_on)
            )
    except IntegrityError:  # a second request raced this one past the lock (SQLite without BEGIN IMMEDIATE)
        return SubjectAccessRequest.objects.get(user=user, state=SubjectAccessState.OPEN)
    _audit(acting_user=acting_user, action=ACTION_REQUESTED, sar=sar)
    correspondence_send(
        recipient=user,
        subject=f"We have your request for your council records ({sar.reference})",
        text=(
            "You asked for a copy of the records other council systems, such as council tax or housing, hold "
            "about you.\n\n"
            "Our information governance team will review them. The law lets us withhold some information, for "
            "example about other people; if we do, we will say so and why.\n\n"
            f"We will reply by {sar.due_on:%-d %B %Y}. You can see how your request is going here: "
            f"{site_url(reverse('myaccount:subject_access'))}"
        ),
        idempotency_key=f"myaccount:subject_access:{sar.pk}:received",
        related_type=OBJECT_TYPE_SUBJECT_ACCESS,
        related_id=sar.pk,
    )
    return sar


# --- the information governance officer reviews ---------------------------------------------------------


@dataclass(frozen=True)
class ReviewedField:
    name: str
    label: str
    value: str
    redaction: SubjectAccessRedaction | None


@dataclass(frozen=True)
class ReviewedRecord:
    source_code: str
    source_name: str
    source_record_id: str
    changed_at: dt.datetime
    fields: tuple[ReviewedField, ...]


@dataclass(frozen=True)
class SubjectAccessReview:
    request: SubjectAccessRequest
    records: list[ReviewedRecord]


def _reviewed(sar: SubjectAccessRequest) -> list[ReviewedRecord]:
    redactions = {(r.source_code, r.source_record_id, r.field): r for r in sar.redactions.all()}
    return [
        ReviewedRecord(
            source_code=record.source_code,
            source_name=record.source_name,
            source_record_id=record.source_record_id,
            changed_at=record.changed_at,
            fields=tuple(
                ReviewedField(
                    f.name, f.label, f.value, redactions.get((record.source_code, record.source_record_id, f.name))
                )
                for f in record.fields
            ),
        )
        for record in people_selectors.citizen_records_for_disclosure(citizen_id=sar.citizen_ref)
    ]


@dataclass(frozen=True)
class SubjectAccessQueue:
    open_requests: list[SubjectAccessRequest]
    closed_requests: list[SubjectAccessRequest]


@transaction.atomic
def subject_access_queue_view(*, acting_user: User) -> SubjectAccessQueue:
    """An officer opens the queue (references, account numbers and dates); audited like every staff view."""
    _officer_only(acting_user)
    queue = SubjectAccessQueue(open_requests=subject_access_queue(), closed_requests=subject_access_recently_closed())
    audit_record(
        actor=acting_user,
        action=ACTION_QUEUE_VIEWED,
        object_type=OBJECT_TYPE_SUBJECT_ACCESS,
        object_id="list",
        reason=f"{len(queue.open_requests)} open, {len(queue.closed_requests)} recently answered shown",
    )
    return queue


@transaction.atomic
def subject_access_review_view(*, acting_user: User, request_id: int) -> SubjectAccessReview | None:
    """An officer opens a request: the citizen's records with any redactions. Every showing is audited."""
    _officer_only(acting_user)
    sar = SubjectAccessRequest.objects.select_related("user", "decided_by").filter(pk=request_id).first()
    if sar is None:
        return None
    records = _reviewed(sar) if sar.state == SubjectAccessState.OPEN else []
    _audit(acting_user=acting_user, action=ACTION_VIEWED, sar=sar, reason=f"{len(records)} source record(s) shown")
    return SubjectAccessReview(request=sar, records=records)


@transaction.atomic
def subject_access_redact(
    *, acting_user: User, request_id: int, source_code: str, source_record_id: str, fields: list[str], reason: str
) -> list[SubjectAccessRedaction]:
    """Withhold these fields of one source record from the response, for `reason` (a RedactionReason)."""
    _officer_only(acting_user)
    sar = _open_for_update(request_id)
    if reason not in RedactionReason.values:
        raise SubjectAccessError("Choose why the information is withheld.")
    if not fields:
        raise SubjectAccessError("Choose at least one piece of information to redact.")
    unknown = sorted(set(fields) - set(PERSON_FIELDS))
    if unknown:
        raise SubjectAccessError(f"Unknown field(s): {', '.join(unknown)}.")
    records = people_selectors.citizen_records_for_disclosure(citizen_id=sar.citizen_ref)
    if not any(r.source_code == source_code and r.source_record_id == source_record_id for r in records):
        raise SubjectAccessError("That record is not one of this person's records.")
    made = []
    for name in dict.fromkeys(fields):
        redaction, _created = SubjectAccessRedaction.objects.update_or_create(
            request=sar,
            source_code=source_code,
            source_record_id=source_record_id,
            field=name,
            defaults={"reason": reason, "redacted_by": acting_user, "redacted_at": timezone.now()},
        )
        made.append(redaction)
    _audit(
        acting_user=acting_user,
        action=ACTION_REDACTED,
        sar=sar,
        reason=f"{source_code} record: {', '.join(dict.fromkeys(fields))} ({reason})",
    )
    return made


@transaction.atomic
def subject_access_unredact(*, acting_user: User, request_id: int, redaction_id: int) -> None:
    """Take a redaction back before release."""
    _officer_only(acting_user)
    sar = _open_for_update(request_id)
    redaction = SubjectAccessRedaction.objects.filter(request=sar, pk=redaction_id).first()
    if redaction is None:
        raise SubjectAccessError("There is no such redaction on this request.")
    redaction.delete()
    _audit(
        acting_user=acting_user,
        action=ACTION_UNREDACTED,
        sar=sar,
        reason=f"{redaction.source_code} record: {redaction.field}",
    )


@transaction.atomic
def subject_access_note_set(*, acting_user: User, request_id: int, note: str) -> SubjectAccessRequest:
    """The covering note the resident receives with their records."""
    _officer_only(acting_user)
    sar = _open_for_update(request_id)
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise SubjectAccessError(f"The covering note must be {NOTE_MAX_LENGTH} characters or fewer.")
    sar.covering_note = note
    sar.save(update_fields=["covering_note"])
    _audit(acting_user=acting_user, action=ACTION_NOTE_CHANGED, sar=sar)
    return sar


def _reason(text: str, *, what: str) -> str:
    text = text.strip()
    if not text:
        raise SubjectAccessError(f"Enter the reason for the {what}; the resident is told it.")
    if len(text) > REASON_MAX_LENGTH:
        raise SubjectAccessError(f"The reason must be {REASON_MAX_LENGTH} characters or fewer.")
    return text


@transaction.atomic
def subject_access_extend(
    *, acting_user: User, request_id: int, months: int, reason: str, today: dt.date | None = None
) -> SubjectAccessRequest:
    """Extend the deadline by one or two further months (complex or numerous requests, Art. 12(3)).

    Only once, and only before the first month is up: the resident must be told within it.
    """
    _officer_only(acting_user)
    sar = _open_for_update(request_id)
    if months not in range(1, SUBJECT_ACCESS_MAX_EXTENSION_MONTHS + 1):
        raise SubjectAccessError(f"An extension is 1 to {SUBJECT_ACCESS_MAX_EXTENSION_MONTHS} further months.")
    text = _reason(reason, what="extension")
    if sar.extended_to is not None:
        raise SubjectAccessError("This request has already been extended.")
    if (today or timezone.localdate()) > sar.due_on:
        raise SubjectAccessError("The first month is over: an extension had to be made within it.")
    received_on = timezone.localdate(sar.requested_at)
    sar.extended_to = subject_access_due_on(received_on, months=SUBJECT_ACCESS_MONTHS + months)
    sar.extension_reason = text
    sar.save(update_fields=["extended_to", "extension_reason"])
    _audit(acting_user=acting_user, action=ACTION_EXTENDED, sar=sar, reason=f"{months} month(s)")
    correspondence_send(
        recipient=sar.user,
        subject=f"We need more time for your request for your council records ({sar.reference})",
        text=(
            f"We need more time to answer your request. We will now reply by {sar.extended_to:%-d %B %Y}.\n\n"
            f"Why: {text}\n\n"
            "If you are unhappy with this, you can complain to us or to the Information Commissioner's Office "
            "(ico.org.uk)."
        ),
        idempotency_key=f"myaccount:subject_access:{sar.pk}:extended",
        related_type=OBJECT_TYPE_SUBJECT_ACCESS,
        related_id=sar.pk,
    )
    return sar


@transaction.atomic
def subject_access_refuse(*, acting_user: User, request_id: int, reason: str) -> SubjectAccessRequest:
    """Refuse the request (manifestly unfounded or excessive, Art. 12(5)), telling the resident why."""
    _officer_only(acting_user)
    sar = _open_for_update(request_id)
    text = _reason(reason, what="refusal")
    sar.state = SubjectAccessState.REFUSED
    sar.refusal_reason = text
    sar.decided_by = acting_user
    sar.decided_at = timezone.now()
    sar.save(update_fields=["state", "refusal_reason", "decided_by", "decided_at"])
    _audit(acting_user=acting_user, action=ACTION_REFUSED, sar=sar)
    correspondence_send(
        recipient=sar.user,
        subject=f"Your request for your council records ({sar.reference})",
        text=(
            "We have decided not to provide the records you asked for.\n\n"
            f"Why: {text}\n\n"
            "You can ask us to review this decision, complain to the Information Commissioner's Office "
            "(ico.org.uk), or ask a court to enforce your right of access."
        ),
        idempotency_key=f"myaccount:subject_access:{sar.pk}:refused",
        related_type=OBJECT_TYPE_SUBJECT_ACCESS,
        related_id=sar.pk,
    )
    return sar


def _package(sar: SubjectAccessRequest, released_at: dt.datetime) -> dict[str, object]:
    """The released copy: every redacted value replaced by its reason, here and nowhere else."""
    records = []
    redacted = 0
    for record in _reviewed(sar):
        fields: dict[str, str] = {}
        for field in record.fields:
            if field.redaction is not None:
                fields[field.label] = redaction_text(field.redaction.reason)
                redacted += 1
            else:
                fields[field.label] = field.value
        records.append(
            {
                "system": record.source_name,
                "record_reference": record.source_record_id,
                "last_changed": record.changed_at.isoformat(),
                "fields": fields,
            }
        )
    return {
        "reference": sar.reference,
        "requested_at": sar.requested_at.isoformat(),
        "released_at": released_at.isoformat(),
        "covering_note": sar.covering_note,
        "records": records,
        "redacted_values": redacted,
    }


@transaction.atomic
def subject_access_release(
    *, acting_user: User, request_id: int, now: dt.datetime | None = None
) -> SubjectAccessRequest:
    """Release the reviewed records to the resident: the copy is kept for them to download, and they are told."""
    _officer_only(acting_user)
    sar = _open_for_update(request_id)
    moment = now or timezone.now()
    sar.package = _package(sar, moment)
    sar.state = SubjectAccessState.RELEASED
    sar.decided_by = acting_user
    sar.decided_at = moment
    sar.save(update_fields=["package", "state", "decided_by", "decided_at"])
    records = len(sar.package["records"])
    _audit(
        acting_user=acting_user,
        action=ACTION_RELEASED,
        sar=sar,
        reason=f"{records} record(s), {sar.package['redacted_values']} value(s) redacted",
    )
    correspondence_send(
        recipient=sar.user,
        subject=f"The council records you asked for are ready ({sar.reference})",
        text=(
            "We have reviewed the records other council systems hold about you.\n\n"
            f"Sign in and download them here: {site_url(reverse('myaccount:subject_access'))}\n\n"
            "Where we have withheld information, the copy says so and why. If you think something is missing "
            "or wrong, contact us; you can also complain to the Information Commissioner's Office (ico.org.uk)."
        ),
        idempotency_key=f"myaccount:subject_access:{sar.pk}:released",
        related_type=OBJECT_TYPE_SUBJECT_ACCESS,
        related_id=sar.pk,
    )
    return sar


# --- the resident downloads -----------------------------------------------------------------------------


def subject_access_package_files(*, sar: SubjectAccessRequest) -> dict[str, str]:
    """The files of a released copy: records.json (machine-readable) and records.html (to read)."""
    council = str(getattr(settings, "TOWNHALL_COUNCIL_NAME", "") or "the council")
    package = sar.package
    return {
        "records.json": json.dumps(package, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        "records.html": render_to_string(
            "myaccount/data/subject_access_package.html", {"council": council, "package": package}
        ),
    }


@transaction.atomic
def subject_access_downloaded(*, acting_user: User, sar: SubjectAccessRequest) -> None:
    """Record that the resident downloaded their released records."""
    if sar.downloaded_at is None:
        SubjectAccessRequest.objects.filter(pk=sar.pk).update(downloaded_at=timezone.now())
    _audit(acting_user=acting_user, action=ACTION_DOWNLOADED, sar=sar)
