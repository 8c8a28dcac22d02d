"""Recording a new service request: validate, locate, route, set its SLA, number it (every door comes here)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from townhall.accounts import selectors as account_selectors
from townhall.accounts.models import User
from townhall.accounts.permissions import is_council_staff
from townhall.audit.services import audit_record
from townhall.core.dates import parse_iso_moment
from townhall.open311.models import ApiKey
from townhall.places import selectors as place_selectors
from townhall.places.models import Address
from townhall.service_requests import selectors, sla
from townhall.service_requests.constants import (
    ACTION_REQUEST_CREATED,
    ACTION_REQUEST_CREATED_ON_BEHALF,
    ASSISTED_CHANNELS,
    DESCRIPTION_MAX_LENGTH,
    LIST_DATATYPES,
    OBJECT_REQUEST,
    REFERENCE_DIGITS,
    STRING_ANSWER_MAX_LENGTH,
    TEXT_ANSWER_MAX_LENGTH,
    Channel,
    Datatype,
    Status,
)
from townhall.service_requests.models import Category, Question, ReferenceCounter, RequestAnswer, ServiceRequest
from townhall.service_requests.photos import PreparedPhoto
from townhall.service_requests.services._shared import Actor, Errors, error_add
from townhall.service_requests.services.acknowledgement import new_request_messages_enqueue
from townhall.service_requests.services.confirmation import await_confirmation
from townhall.service_requests.services.media import request_photo_store

AnswerValue = str | Sequence[str]

# Residents' own channels: without an account they must give an email address to confirm the report.
_EMAIL_CONFIRMED_CHANNELS = frozenset({Channel.WEB, Channel.KIOSK})
_PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{6,30}$")
_REFERENCE_STOP_WORDS = frozenset({"council", "of", "the", "and", "city", "county"})
_REQUEST_CLEAN_EXCLUDE = [
    "reference",
    "category",
    "ward",
    "street",
    "reporter",
    "recorded_by",
    "assigned_team",
    "assigned_officer",
    "duplicate_of",
]
# A received_at this far ahead of the server clock is a mistake, not clock drift.
_FUTURE_TOLERANCE = dt.timedelta(minutes=5)

BLOCKED_REPORTER_MESSAGE = "We could not accept this report online. Please contact the council by phone or in person"


@dataclass(frozen=True)
class ReporterContact:
    """Contact details given by someone reporting without an account (or to a member of staff)."""

    name: str = ""
    email: str = ""
    phone: str = ""


def reference_prefix() -> str:
    """TOWNHALL_REFERENCE_PREFIX, else the initials of the council's name: Demo Borough Council -> DB."""
    configured = str(getattr(settings, "TOWNHALL_REFERENCE_PREFIX", "") or "").strip().upper()
    if configured:
        return configured
    words = re.findall(r"[A-Za-z]+", settings.TOWNHALL_BRANDING.council_short_name)
    initials = "".join(word[0] for word in words if word.lower() not in _REFERENCE_STOP_WORDS).upper()
    return initials[:4] or "SR"


def _reference_allocate(*, year: int) -> str:
    """The next reference for `year`, e.g. DB-2026-000123: unique and gap-free even under concurrency.

    The year's counter row is locked until the creating transaction ends (PostgreSQL: SELECT ...
    FOR UPDATE; SQLite: Townhall's BEGIN IMMEDIATE already admits one writer). The first request
    of a year inserts the row; a concurrent first request loses the insert race inside
    get_or_create's savepoint and then locks the winner's row. Call it as late as possible,
    so the lock is held briefly.
    """
    counter = ReferenceCounter.objects.select_for_update().filter(year=year).first()
    if counter is None:
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{reference_prefix()}-{year}-{counter.last_number:0{REFERENCE_DIGITS}d}"


def _answer_error(message: str, *, code: str, question: Question | None, key: str) -> ValidationError:
    label = question.label if question is not None else key
    return ValidationError(message, code=code, params={"question": key, "label": label})


def _is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, Sequence):
        return not [item for item in raw if isinstance(item, str) and item.strip()]
    return False


def _clean_answer(question: Question, raw: AnswerValue) -> tuple[Any, str]:
    """(stored value, display value) for one non-blank answer; ValidationError says what is wrong."""
    code = question.code
    datatype = question.datatype
    if datatype == Datatype.MULTIVALUELIST:
        items = [raw] if isinstance(raw, str) else list(raw)
        if not all(isinstance(item, str) for item in items):
            raise _answer_error(
                "Select from the choices given for: %(label)s", code="invalid", question=question, key=code
            )
        names = {choice.key: choice.name for choice in question.choices.all()}
        wanted = {item.strip() for item in items if item.strip()}
        unknown = wanted - names.keys()
        if unknown:
            raise _answer_error(
                "Select from the choices given for: %(label)s", code="invalid_choice", question=question, key=code
            )
        keys = [key for key in names if key in wanted]  # in the question's own order
        return keys, ", ".join(names[key] for key in keys)
    if not isinstance(raw, str):
        raise _answer_error("Give one answer to: %(label)s", code="invalid", question=question, key=code)
    text = raw.strip()
    if datatype == Datatype.SINGLEVALUELIST:
        names = {choice.key: choice.name for choice in question.choices.all()}
        if text not in names:
            raise _answer_error(
                "Select one of the choices given for: %(label)s", code="invalid_choice", question=question, key=code
            )
        return text, names[text]
    if datatype == Datatype.NUMBER:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise _answer_error("Enter a number for: %(label)s", code="invalid_number", question=question, key=code)
        stored = format(number, "f")
        if "." in stored:
            stored = stored.rstrip("0").rstrip(".")
        return stored, stored
    if datatype == Datatype.DATETIME:
        moment = parse_iso_moment(text, default_zone=sla.COUNCIL_TIME_ZONE)
        if moment is None:
            raise _answer_error(
                "Enter a real date and time for: %(label)s", code="invalid_datetime", question=question, key=code
            )
        local = moment.astimezone(sla.COUNCIL_TIME_ZONE)
        return moment.astimezone(dt.UTC).isoformat(), f"{local.day} {local:%B %Y %H:%M}"
    limit = STRING_ANSWER_MAX_LENGTH if datatype == Datatype.STRING else TEXT_ANSWER_MAX_LENGTH
    if len(text) > limit:
        raise _answer_error(
            f"The answer to %(label)s must be {limit} characters or fewer",
            code="max_length",
            question=question,
            key=code,
        )
    return text, text


def answers_clean(*, category: Category, answers: Mapping[str, AnswerValue]) -> list[RequestAnswer]:
    """Check answers against the category's questions by datatype; unsaved RequestAnswer rows, in question order.

    Raises ValidationError({"answers": [...]}) naming every problem; each error's params
    carry the question code (`question`), so a form can show it beside the right field.
    """
    questions = selectors.category_questions(category=category)
    by_code = {question.code: question for question in questions}
    errors = [
        _answer_error(
            "%(question)s is not a question for this category", code="unknown_question", question=None, key=key
        )
        for key in answers
        if key not in by_code
    ]
    rows = []
    for question in questions:
        raw = answers.get(question.code)
        if raw is None or _is_blank(raw):
            if question.required:
                verb = "Select an answer to" if question.datatype in LIST_DATATYPES else "Answer the question"
                errors.append(
                    _answer_error(f"{verb}: %(label)s", code="required", question=question, key=question.code)
                )
            continue
        try:
            value, display = _clean_answer(question, raw)
        except ValidationError as error:
            errors.append(error)
            continue
        rows.append(
            RequestAnswer(
                question=question,
                question_code=question.code,
                question_label=question.label,
                datatype=question.datatype,
                value=value,
                display_value=display,
            )
        )
    if errors:
        raise ValidationError({"answers": errors})
    return rows


@dataclass(frozen=True)
class _Location:
    lat: float
    lng: float
    uprn: int | None
    address_string: str


def _location_clean(
    *, lat: float | None, lng: float | None, uprn: int | None, address_string: str, errors: Errors
) -> _Location | None:
    address = None
    if uprn is not None:
        address = Address.objects.select_related("street").filter(uprn=uprn).first()
        if address is None:
            error_add(errors, "uprn", "We do not know an address with this UPRN in the borough", code="unknown_uprn")
            return None
    if lat is None or lng is None:
        if address is None:
            error_add(errors, "location", "Choose a location on the map or enter an address", code="required")
            return None
        lat, lng = address.lat, address.lng
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        error_add(errors, "location", "Enter a real latitude and longitude", code="invalid")
        return None
    if not address_string and address is not None:
        address_string = address.single_line
    return _Location(lat=float(lat), lng=float(lng), uprn=uprn, address_string=address_string.strip())


def _contact_clean(
    *, category: Category, channel: str, reporter: User | None, contact: ReporterContact, errors: Errors
) -> ReporterContact:
    cleaned = ReporterContact(
        name=contact.name.strip(), email=contact.email.strip().lower(), phone=" ".join(contact.phone.split())
    )
    if cleaned.email:
        try:
            validate_email(cleaned.email)
        except ValidationError:
            error_add(
                errors,
                "contact_email",
                "Enter an email address in the correct format, like name@example.com",
                code="invalid",
            )
    if cleaned.phone and not _PHONE_PATTERN.match(cleaned.phone):
        error_add(
            errors, "contact_phone", "Enter a telephone number, like 01632 960 001 or 07700 900 982", code="invalid"
        )
    if reporter is None and channel not in ASSISTED_CHANNELS:
        if not category.anonymous_allowed and channel != Channel.OPEN311:
            error_add(errors, "reporter", "Sign in to report this problem", code="sign_in_required")
        elif not category.anonymous_allowed and not cleaned.email:
            message = "Give the reporter's email address: they confirm this report by email"
            error_add(errors, "contact_email", message, code="required")
        elif channel in _EMAIL_CONFIRMED_CHANNELS and not cleaned.email:
            error_add(
                errors, "contact_email", "Enter your email address so we can confirm your report", code="required"
            )
    return cleaned


def phone_is_valid(phone: str) -> bool:
    """The same check service_request_create makes on a contact phone number, for forms to ask first."""
    return bool(_PHONE_PATTERN.match(" ".join(phone.split())))


def _outside_borough_message() -> str:
    council = settings.TOWNHALL_BRANDING.council_name
    return f"This location is outside the area {council} looks after. Choose a place inside the borough"


def outside_borough_message() -> str:
    """What a resident is told when a location is outside every ward (forms check before submitting)."""
    return _outside_borough_message()


@transaction.atomic
def service_request_create(
    *,
    acting_user: Actor,
    category: Category,
    description: str,
    channel: Channel | str,
    lat: float | None = None,
    lng: float | None = None,
    uprn: int | None = None,
    address_string: str = "",
    answers: Mapping[str, AnswerValue] | None = None,
    reporter: User | None = None,
    contact: ReporterContact | None = None,
    received_at: dt.datetime | None = None,
    confirm_by_email: bool = False,
    received_through: ApiKey | None = None,
) -> ServiceRequest:
    """Record a new service request: validate, locate, route, set its SLA, number it, and audit staff entries.

    `confirm_by_email` (anonymous web reports) holds the request out of every queue and
    list until the emailed link is used (service_request_confirm); it is then acknowledged.

    Location is a WGS84 point, or a UPRN from the gazetteer (its point is used). The point
    must fall inside one of the council's wards. Requests made by a member of staff on
    someone's behalf (phone, face to face, email) must be made by staff and are audited.
    Every problem found is raised at once in one ValidationError keyed by field
    (`category`, `description`, `location`, `uprn`, `answers`, `contact_email`, ...).
    `received_through` is the client application (API key) that sent it, kept for staff.
    """
    errors: Errors = {}
    channel = Channel(channel)
    staff_actor = acting_user if isinstance(acting_user, User) and is_council_staff(acting_user) else None
    if channel in ASSISTED_CHANNELS and staff_actor is None:
        raise PermissionDenied("Only council staff can record requests made by phone, face to face or email.")
    representative = _representative_of(acting_user=acting_user, reporter=reporter, staff_actor=staff_actor)
    now = timezone.now()
    received_at = received_at or now
    if timezone.is_naive(received_at) or received_at > now + _FUTURE_TOLERANCE:
        raise ValueError("received_at must be timezone-aware and not in the future.")

    category = Category.objects.select_related("group").get(pk=category.pk)  # current settings, not a stale copy
    if not category.active:
        error_add(errors, "category", "This category is no longer taking reports; choose another", code="inactive")
    elif not category.council_responsible:
        message = category.referral_message or f"Report this to {category.referral_body_name}"
        error_add(errors, "category", message, code="not_councils_responsibility")
    description = description.strip()
    if not description:
        error_add(errors, "description", "Enter a description of the problem", code="required")
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        message = f"The description must be {DESCRIPTION_MAX_LENGTH} characters or fewer"
        error_add(errors, "description", message, code="max_length")
    location = _location_clean(lat=lat, lng=lng, uprn=uprn, address_string=address_string, errors=errors)
    ward = None
    if location is not None:
        ward = place_selectors.ward_for_point(lat=location.lat, lng=location.lng)
        if ward is None:
            error_add(errors, "location", _outside_borough_message(), code="outside_borough")
    cleaned_contact = _contact_clean(
        category=category, channel=channel, reporter=reporter, contact=contact or ReporterContact(), errors=errors
    )
    # Blocked reporters (staff decide when recording by phone or in person); the message says nothing of a block.
    if channel not in ASSISTED_CHANNELS and selectors.reporter_block_active(user=reporter, email=cleaned_contact.email):
        errors = {"reporter": [ValidationError(BLOCKED_REPORTER_MESSAGE, code="not_accepted")]}
        raise ValidationError(errors)
    answer_rows: list[RequestAnswer] = []
    try:
        answer_rows = answers_clean(category=category, answers=answers or {})
    except ValidationError as error:
        errors["answers"] = error.error_dict["answers"]
    if errors or location is None or ward is None:
        raise ValidationError(errors)

    easting, northing = place_selectors.grid_reference(lng=location.lng, lat=location.lat)
    request = ServiceRequest(
        category=category,
        description=description,
        lat=location.lat,
        lng=location.lng,
        easting=round(easting, 2),
        northing=round(northing, 2),
        ward=ward,
        street=place_selectors.nearest_street(lat=location.lat, lng=location.lng),
        uprn=location.uprn,
        address_string=location.address_string,
        channel=channel,
        received_through=received_through,
        reporter=reporter,
        contact_name=cleaned_contact.name,
        contact_email=cleaned_contact.email,
        contact_phone=cleaned_contact.phone,
        # An adviser may also record a report at a kiosk for someone (a resident there has no staff_actor).
        recorded_by=staff_actor if channel in ASSISTED_CHANNELS or channel == Channel.KIOSK else None,
        status=Status.OPEN,
        priority=category.default_priority,
        assigned_team=selectors.team_for(category=category, ward=ward),
        received_at=received_at,
        updated_at=received_at,
        sla_due_at=sla.due_at(received_at=received_at, unit=category.sla_unit, amount=category.sla_amount),
        is_public=category.is_public,
    )
    # Numbered last, so the year's counter row stays locked for as short a time as possible.
    request.reference = _reference_allocate(year=received_at.astimezone(sla.COUNCIL_TIME_ZONE).year)
    # Related rows were fetched above, so skip full_clean's one existence query per foreign key.
    request.full_clean(exclude=_REQUEST_CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
    request.save(force_insert=True)
    for row in answer_rows:
        row.request = request
    RequestAnswer.objects.bulk_create(answer_rows)
    if staff_actor is not None:
        audit_record(
            actor=staff_actor,
            action=ACTION_REQUEST_CREATED,
            object_type=OBJECT_REQUEST,
            object_id=request.reference,
            reason=f"Channel: {channel.value}.",
        )
    elif representative is not None:
        audit_record(
            actor=representative,
            action=ACTION_REQUEST_CREATED_ON_BEHALF,
            object_type=OBJECT_REQUEST,
            object_id=request.reference,
            reason=f"Reported for user {request.reporter_id}, whom they are authorised to act for.",
        )
    # Open311 clients cannot sign anyone in: where a category needs a known reporter, they confirm by email.
    if channel == Channel.OPEN311 and not category.anonymous_allowed:
        confirm_by_email = True
    if confirm_by_email and reporter is None and cleaned_contact.email:
        await_confirmation(request)
    else:
        new_request_messages_enqueue(request)
    return request


def _representative_of(*, acting_user: Actor, reporter: User | None, staff_actor: User | None) -> User | None:
    """The resident reporting for someone else (MyAccount's "acting for"), checked against their authorisation.

    None when people report for themselves or staff record a report; PermissionDenied when a
    resident names a reporter they may not act for.
    """
    if staff_actor is not None or reporter is None or not isinstance(acting_user, User):
        return None
    if acting_user.pk == reporter.pk:
        return None
    if account_selectors.represented_by(representative=acting_user, represented_id=reporter.pk) is None:
        raise PermissionDenied("You can only report for someone whose account you are authorised to use.")
    return acting_user


@transaction.atomic
def service_request_create_with_photos(*, photos: Sequence[PreparedPhoto], **fields: Any) -> ServiceRequest:
    """service_request_create plus photos already prepared (Open311 photo1..photo3), all or nothing."""
    created = service_request_create(**fields)
    for order, prepared in enumerate(photos, start=1):
        request_photo_store(prepared=prepared, request=created, order=order)
    return created
