"""Statuses, channels and catalogue choices for service requests, and the rules that tie them together.

The status rules live here and nowhere else: which statuses are open or closed (Open311's
two values), which closures mean "fixed" and which mean "closed, not fixed" (honest
closure), and which moves between statuses are allowed.
"""

from __future__ import annotations

import re

from django.db import models


class Status(models.TextChoices):
    """Every status a service request can have, in the council's words.

    Values are FixMyStreet's extended Open311 statuses in lower case
    (`NOT_COUNCILS_RESPONSIBILITY` <-> `not_councils_responsibility`), so the Open311
    adapter maps them with `.upper()` and `.lower()`.
    """

    OPEN = "open", "Open"
    FOR_TRIAGE = "for_triage", "For triage"
    INVESTIGATING = "investigating", "Investigating"
    IN_PROGRESS = "in_progress", "In progress"
    ACTION_SCHEDULED = "action_scheduled", "Action scheduled"
    REOPENED = "reopened", "Reopened"
    FIXED = "fixed", "Fixed"
    CLOSED = "closed", "Closed (not fixed)"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    NOT_COUNCILS_RESPONSIBILITY = "not_councils_responsibility", "Not the council's responsibility"
    DUPLICATE = "duplicate", "Duplicate"
    INTERNAL_REFERRAL = "internal_referral", "Internal referral"
    CANCELLED = "cancelled", "Cancelled"


class Open311Status(models.TextChoices):
    """GeoReport v2 knows only these two; the extended status travels alongside."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Resolution(models.TextChoices):
    """Honest closure: a request is still open, was fixed, or was closed without being fixed."""

    OPEN = "open", "Not resolved yet"
    FIXED = "fixed", "Fixed"
    CLOSED_NOT_FIXED = "closed_not_fixed", "Closed, not fixed"


OPEN_STATUSES: frozenset[str] = frozenset(
    {
        Status.OPEN,
        Status.FOR_TRIAGE,
        Status.INVESTIGATING,
        Status.IN_PROGRESS,
        Status.ACTION_SCHEDULED,
        Status.REOPENED,
    }
)
FIXED_STATUSES: frozenset[str] = frozenset({Status.FIXED})
CLOSED_NOT_FIXED_STATUSES: frozenset[str] = frozenset(
    {
        Status.CLOSED,
        Status.NO_FURTHER_ACTION,
        Status.NOT_COUNCILS_RESPONSIBILITY,
        Status.DUPLICATE,
        Status.INTERNAL_REFERRAL,
        Status.CANCELLED,
    }
)
CLOSED_STATUSES: frozenset[str] = FIXED_STATUSES | CLOSED_NOT_FIXED_STATUSES
# Closures that say nothing about whether the problem was dealt with, so they do not
# count towards first-time resolution either way.
UNRESOLVED_CLOSURES: frozenset[str] = frozenset({Status.DUPLICATE, Status.CANCELLED})

# Statuses staff move an open request between while working on it (REOPENED is only
# ever reached from a closed status, so the history shows that it was reopened).
_WORKING_STATUSES = OPEN_STATUSES - {Status.REOPENED}

# The one place that says which moves are allowed: open requests may move to any other
# working status or be closed; a closed request can only be reopened (then closed again),
# so every closure and reopening is a visible step in its history.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    **{status: frozenset((_WORKING_STATUSES | CLOSED_STATUSES) - {status}) for status in OPEN_STATUSES},
    **{status: frozenset({Status.REOPENED}) for status in CLOSED_STATUSES},
}


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def open311_status(status: str) -> Open311Status:
    """The GeoReport v2 `status` field: open or closed."""
    return Open311Status.OPEN if status in OPEN_STATUSES else Open311Status.CLOSED


def open311_extended_status(status: str) -> str:
    """FixMyStreet's extended status, e.g. `NOT_COUNCILS_RESPONSIBILITY`."""
    return Status(status).value.upper()


def resolution(status: str) -> Resolution:
    if status in FIXED_STATUSES:
        return Resolution.FIXED
    if status in CLOSED_NOT_FIXED_STATUSES:
        return Resolution.CLOSED_NOT_FIXED
    return Resolution.OPEN


def transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


class Channel(models.TextChoices):
    """How the request reached the council (recorded on every request, for channel shift)."""

    WEB = "web", "Website"
    PHONE = "phone", "Phone"
    FACE_TO_FACE = "face_to_face", "Face to face"
    EMAIL = "email", "Email"
    KIOSK = "kiosk", "Self-service kiosk"
    OPEN311 = "open311", "Open311"
    API = "api", "Townhall API"


# Channels where a member of staff records the request on a resident's behalf.
ASSISTED_CHANNELS: frozenset[str] = frozenset({Channel.PHONE, Channel.FACE_TO_FACE, Channel.EMAIL})


class Priority(models.IntegerChoices):
    """Lower numbers first, so queues sort by priority with a plain ORDER BY."""

    URGENT = 1, "Urgent"
    HIGH = 2, "High"
    NORMAL = 3, "Normal"
    LOW = 4, "Low"


class SlaUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "Working days"
    HOURS = "hours", "Hours"


class PhotoPolicy(models.TextChoices):
    NOT_ALLOWED = "not_allowed", "Not allowed"
    OPTIONAL = "optional", "Optional"
    REQUIRED = "required", "Required"


class Datatype(models.TextChoices):
    """Open311 GeoReport v2 attribute datatypes (service definition)."""

    STRING = "string", "Short answer (string)"
    NUMBER = "number", "Number"
    DATETIME = "datetime", "Date and time"
    TEXT = "text", "Long answer (text)"
    SINGLEVALUELIST = "singlevaluelist", "Choose one (single value list)"
    MULTIVALUELIST = "multivaluelist", "Choose one or more (multi value list)"


LIST_DATATYPES: frozenset[str] = frozenset({Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST})

# Service codes, question codes and choice keys travel in URLs and Open311 attribute names.
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
CODE_MAX_LENGTH = 50
STRING_ANSWER_MAX_LENGTH = 255
TEXT_ANSWER_MAX_LENGTH = 5000
DESCRIPTION_MAX_LENGTH = 5000
# A year's requests are numbered from 1: DB-2026-000001.
REFERENCE_DIGITS = 6
MAX_SLA_HOURS = 24 * 14
MAX_SLA_WORKING_DAYS = 260
MAX_DUPLICATE_RADIUS_M = 5000
MAX_HANDLING_MINUTES = 10000  # about 20 working days of one officer

# Audit actions.
ACTION_GROUP_CREATED = "catalogue.group.created"
ACTION_GROUP_UPDATED = "catalogue.group.updated"
ACTION_CATEGORY_CREATED = "catalogue.category.created"
ACTION_CATEGORY_UPDATED = "catalogue.category.updated"
ACTION_QUESTION_CREATED = "catalogue.question.created"
ACTION_QUESTION_UPDATED = "catalogue.question.updated"
ACTION_QUESTION_DELETED = "catalogue.question.deleted"
ACTION_ROUTING_RULE_CREATED = "catalogue.routing_rule.created"
ACTION_ROUTING_RULE_UPDATED = "catalogue.routing_rule.updated"
ACTION_ROUTING_RULE_DELETED = "catalogue.routing_rule.deleted"
ACTION_REQUEST_CREATED = "service_request.created"
ACTION_REQUEST_CREATED_ON_BEHALF = "service_request.created_on_behalf"
ACTION_REQUEST_STATUS_CHANGED = "service_request.status.changed"
ACTION_REQUEST_SLA_PAUSED = "service_request.sla.paused"
ACTION_REQUEST_SLA_RESUMED = "service_request.sla.resumed"

OBJECT_GROUP = "service_requests.category_group"
OBJECT_CATEGORY = "service_requests.category"
OBJECT_QUESTION = "service_requests.question"
OBJECT_ROUTING_RULE = "service_requests.routing_rule"
OBJECT_REQUEST = "service_requests.service_request"
