"""Every write to the service catalogue and to service requests.

The staff catalogue editor, the demo generator, and later the resident journey, the
back office, Open311 and the API all come through here, so validation, routing, SLA
and audit behave the same whichever door a change used. Each function is one
transaction: the change, its history and its audit entry commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlencode

import filetype
from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from townhall.accounts import selectors as account_selectors
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Team, User
from townhall.accounts.permissions import can_find_residents, has_role, is_council_staff
from townhall.audit.services import audit_record
from townhall.core import ratelimit
from townhall.core.crypto import derived_fernet
from townhall.notify import services as notify
from townhall.notify.constants import Topic
from townhall.places import selectors as place_selectors
from townhall.places.models import Address, Ward
from townhall.service_requests import selectors, sla
from townhall.service_requests.constants import (
    ACTION_CATEGORY_CREATED,
    ACTION_CATEGORY_UPDATED,
    ACTION_GROUP_CREATED,
    ACTION_GROUP_UPDATED,
    ACTION_QUESTION_CREATED,
    ACTION_QUESTION_DELETED,
    ACTION_QUESTION_UPDATED,
    ACTION_REQUEST_CREATED,
    ACTION_REQUEST_CREATED_ON_BEHALF,
    ACTION_REQUEST_SLA_PAUSED,
    ACTION_REQUEST_SLA_RESUMED,
    ACTION_REQUEST_STATUS_CHANGED,
    ACTION_ROUTING_RULE_CREATED,
    ACTION_ROUTING_RULE_DELETED,
    ACTION_ROUTING_RULE_UPDATED,
    ASSISTED_CHANNELS,
    CLOSED_STATUSES,
    DESCRIPTION_MAX_LENGTH,
    LIST_DATATYPES,
    MAX_SLA_HOURS,
    MAX_SLA_WORKING_DAYS,
    OBJECT_CATEGORY,
    OBJECT_GROUP,
    OBJECT_QUESTION,
    OBJECT_REQUEST,
    OBJECT_ROUTING_RULE,
    REFERENCE_DIGITS,
    STRING_ANSWER_MAX_LENGTH,
    TEXT_ANSWER_MAX_LENGTH,
    UNRESOLVED_CLOSURES,
    Channel,
    Datatype,
    PhotoPolicy,
    Priority,
    SlaUnit,
    Status,
    transition_allowed,
)
from townhall.service_requests.models import (
    AreaAlert,
    BlockedReporter,
    Category,
    CategoryGroup,
    CategoryWebhook,
    Question,
    QuestionChoice,
    ReferenceCounter,
    RequestAnswer,
    RequestDocument,
    RequestPhoto,
    RequestSubscription,
    RequestUpdate,
    ResponseTemplate,
    RoutingRule,
    SavedFilter,
    ServiceRequest,
)
from townhall.service_requests.photos import MAX_PHOTOS, PreparedPhoto
from townhall.service_requests.photos import photo_prepare as photo_prepare  # for other apps (Open311 photos)

Actor = User | AnonymousUser | None
AnswerValue = str | Sequence[str]
# Problems found while validating a new request, by the field to correct.
Errors = dict[str, list[ValidationError]]

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


# --- Catalogue: who may change it --------------------------------------------------------------


def _require_catalogue_editor(acting_user: Actor) -> None:
    """Administrators edit the catalogue; `None` is Townhall itself (demo, imports, commands)."""
    if acting_user is not None and not has_role(acting_user, StaffRole.ADMINISTRATOR):
        raise PermissionDenied("Only administrators can change the service catalogue.")


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


def _changes_reason(names: Sequence[str]) -> str:
    """Field names only: catalogue text is council vocabulary, but the audit log keeps to ids and names of fields."""
    return f"Changed: {', '.join(names)}." if names else ""


# --- Groups ------------------------------------------------------------------------------------


@transaction.atomic
def category_group_create(*, acting_user: Actor, name: str, description: str = "", order: int = 0) -> CategoryGroup:
    _require_catalogue_editor(acting_user)
    group = CategoryGroup(name=name.strip(), description=description.strip(), order=order)
    group.full_clean()
    group.save()
    audit_record(actor=acting_user, action=ACTION_GROUP_CREATED, object_type=OBJECT_GROUP, object_id=group.pk)
    return group


@transaction.atomic
def category_group_update(
    *, acting_user: Actor, group: CategoryGroup, name: str, description: str = "", order: int = 0
) -> CategoryGroup:
    _require_catalogue_editor(acting_user)
    locked = CategoryGroup.objects.select_for_update().get(pk=group.pk)
    before = {"name": locked.name, "description": locked.description, "order": locked.order}
    after = {"name": name.strip(), "description": description.strip(), "order": order}
    changed = _changed(before, after)
    if changed:
        for attribute in changed:
            setattr(locked, attribute, after[attribute])
        locked.full_clean()
        locked.save(update_fields=changed)
        audit_record(
            actor=acting_user,
            action=ACTION_GROUP_UPDATED,
            object_type=OBJECT_GROUP,
            object_id=locked.pk,
            reason=_changes_reason(changed),
        )
    return locked


# --- Categories --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryDetails:
    """Everything an administrator sets on a category (routing apart)."""

    service_code: str
    name: str
    group: CategoryGroup
    description: str = ""
    keywords: str = ""
    active: bool = True
    is_public: bool = True
    default_priority: int = Priority.NORMAL
    sla_unit: str = SlaUnit.WORKING_DAYS
    sla_amount: int = 10
    duplicate_radius_m: int = 50
    photos: str = PhotoPolicy.OPTIONAL
    handling_minutes: int = 30
    council_responsible: bool = True
    referral_body_name: str = ""
    referral_url: str = ""
    referral_message: str = ""
    anonymous_allowed: bool = True
    pause_sla_while_waiting: bool = False

    def cleaned(self) -> dict[str, Any]:
        """Field values with surrounding spaces removed and keywords tidied (", "-separated, no blanks)."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name, value in values.items():
            if isinstance(value, str):
                values[name] = value.strip()
        values["service_code"] = values["service_code"].lower()
        values["keywords"] = ", ".join(word.strip() for word in self.keywords.split(",") if word.strip())
        return values


def _category_rules(category: Category) -> None:
    """Rules that involve more than one field, keyed by the field to correct."""
    errors: dict[str, str] = {}
    if category.sla_unit == SlaUnit.HOURS and category.sla_amount > MAX_SLA_HOURS:
        errors["sla_amount"] = f"An SLA in hours must be {MAX_SLA_HOURS} hours or fewer; use working days instead"
    if category.sla_unit == SlaUnit.WORKING_DAYS and category.sla_amount > MAX_SLA_WORKING_DAYS:
        errors["sla_amount"] = f"An SLA in working days must be {MAX_SLA_WORKING_DAYS} days or fewer"
    if category.sla_amount < 1:
        errors["sla_amount"] = "The SLA must be at least 1"
    if not category.council_responsible:
        if not category.referral_body_name:
            errors["referral_body_name"] = "Enter who is responsible instead, for example National Highways"
        if not category.referral_message:
            errors["referral_message"] = "Enter the message residents see, telling them where to report this"
    if errors:
        raise ValidationError(errors)


def _category_validate(category: Category) -> None:
    errors: dict[str, list[str]] = {}
    try:
        category.full_clean(exclude=["created_at", "updated_at"])
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _category_rules(category)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def category_create(*, acting_user: Actor, details: CategoryDetails, default_team: Team) -> Category:
    """A new category with its default routing rule (every category needs one), audited."""
    _require_catalogue_editor(acting_user)
    now = timezone.now()
    category = Category(**details.cleaned(), created_at=now, updated_at=now)
    _category_validate(category)
    category.save()
    RoutingRule.objects.create(category=category, ward=None, team=default_team)
    audit_record(
        actor=acting_user,
        action=ACTION_CATEGORY_CREATED,
        object_type=OBJECT_CATEGORY,
        object_id=category.pk,
        reason=f"Service code: {category.service_code}.",
    )
    return category


@transaction.atomic
def category_update(
    *, acting_user: Actor, category: Category, details: CategoryDetails, default_team: Team | None = None
) -> Category:
    """Change a category (and, if given, its default team); audited with the names of the fields changed."""
    _require_catalogue_editor(acting_user)
    locked = Category.objects.select_for_update().get(pk=category.pk)
    after = details.cleaned()
    before = {name: getattr(locked, name) for name in after}
    changed = _changed(before, after)
    for name in changed:
        setattr(locked, name, after[name])
    if changed:
        _category_validate(locked)
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*changed, "updated_at"])
    if default_team is not None:
        rule = RoutingRule.objects.select_for_update().get(category=locked, ward__isnull=True)
        if rule.team_id != default_team.pk:
            rule.team = default_team
            rule.save(update_fields=["team"])
            changed.append("default_team")
    if changed:
        audit_record(
            actor=acting_user,
            action=ACTION_CATEGORY_UPDATED,
            object_type=OBJECT_CATEGORY,
            object_id=locked.pk,
            reason=_changes_reason(changed),
        )
    return locked


# --- Questions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceSpec:
    key: str
    name: str


@dataclass(frozen=True)
class QuestionDetails:
    code: str
    label: str
    datatype: str = Datatype.STRING
    hint: str = ""
    required: bool = False
    order: int = 1
    choices: tuple[ChoiceSpec, ...] = field(default_factory=tuple)


def _question_validate(question: Question, choices: Sequence[ChoiceSpec], *, exclude_id: int | None) -> None:
    errors: dict[str, list[str]] = {}
    try:
        question.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    clash = Question.objects.filter(category_id=question.category_id, code=question.code)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if question.code and clash.exists():
        errors.setdefault("code", []).append("This category already has a question with this code")
    if question.datatype in LIST_DATATYPES:
        if not choices:
            errors.setdefault("choices", []).append("Add at least one choice for a list question")
        keys = [choice.key for choice in choices]
        if len(set(keys)) != len(keys):
            errors.setdefault("choices", []).append("Give each choice a different key")
        for choice in choices:
            try:
                QuestionChoice(key=choice.key, name=choice.name).clean_fields(exclude=["question"])
            except ValidationError as error:
                messages = [f"Choice {choice.key or '(no key)'}: {m}" for ms in error.message_dict.values() for m in ms]
                errors.setdefault("choices", []).extend(messages)
    elif choices:
        errors.setdefault("choices", []).append("Only list questions have choices")
    if errors:
        raise ValidationError(errors)


def _question_choices_replace(question: Question, choices: Sequence[ChoiceSpec]) -> None:
    QuestionChoice.objects.filter(question=question).delete()
    QuestionChoice.objects.bulk_create(
        QuestionChoice(question=question, key=choice.key, name=choice.name, order=number)
        for number, choice in enumerate(choices, start=1)
    )


def _clean_choices(choices: Sequence[ChoiceSpec]) -> tuple[ChoiceSpec, ...]:
    return tuple(ChoiceSpec(key=c.key.strip().lower(), name=c.name.strip()) for c in choices)


@transaction.atomic
def question_create(*, acting_user: Actor, category: Category, details: QuestionDetails) -> Question:
    _require_catalogue_editor(acting_user)
    Category.objects.select_for_update().filter(pk=category.pk).first()  # serialise edits to one category's questions
    choices = _clean_choices(details.choices)
    question = Question(
        category=category,
        code=details.code.strip().lower(),
        label=details.label.strip(),
        hint=details.hint.strip(),
        datatype=details.datatype,
        required=details.required,
        order=details.order,
    )
    _question_validate(question, choices, exclude_id=None)
    question.save()
    _question_choices_replace(question, choices)
    audit_record(
        actor=acting_user,
        action=ACTION_QUESTION_CREATED,
        object_type=OBJECT_QUESTION,
        object_id=question.pk,
        reason=f"Category id {category.pk}, code {question.code}.",
    )
    return question


@transaction.atomic
def question_update(*, acting_user: Actor, question: Question, details: QuestionDetails) -> Question:
    """Change a question and replace its choices. Answers already given keep the question as it was asked."""
    _require_catalogue_editor(acting_user)
    Category.objects.select_for_update().filter(pk=question.category_id).first()
    locked = Question.objects.select_for_update().get(pk=question.pk)
    choices = _clean_choices(details.choices)
    after = {
        "code": details.code.strip().lower(),
        "label": details.label.strip(),
        "hint": details.hint.strip(),
        "datatype": details.datatype,
        "required": details.required,
        "order": details.order,
    }
    before = {name: getattr(locked, name) for name in after}
    changed = _changed(before, after)
    for name in changed:
        setattr(locked, name, after[name])
    _question_validate(locked, choices, exclude_id=locked.pk)
    old_choices = [ChoiceSpec(key=c.key, name=c.name) for c in locked.choices.order_by("order", "id")]
    if list(choices) != old_choices:
        changed.append("choices")
        _question_choices_replace(locked, choices)
    if changed:
        if columns := [name for name in changed if name != "choices"]:
            locked.save(update_fields=columns)
        audit_record(
            actor=acting_user,
            action=ACTION_QUESTION_UPDATED,
            object_type=OBJECT_QUESTION,
            object_id=locked.pk,
            reason=_changes_reason(changed),
        )
    return locked


@transaction.atomic
def question_delete(*, acting_user: Actor, question: Question) -> None:
    _require_catalogue_editor(acting_user)
    question_id, category_id, code = question.pk, question.category_id, question.code
    Question.objects.filter(pk=question_id).delete()
    audit_record(
        actor=acting_user,
        action=ACTION_QUESTION_DELETED,
        object_type=OBJECT_QUESTION,
        object_id=question_id,
        reason=f"Category id {category_id}, code {code}.",
    )


# --- Routing -----------------------------------------------------------------------------------


def _ward_rule_clash(*, category: Category, ward: Ward, exclude_id: int | None) -> None:
    clash = RoutingRule.objects.filter(category=category, ward=ward)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise ValidationError({"ward": f"This category already has a rule for {ward.name}"})


@transaction.atomic
def routing_rule_create(*, acting_user: Actor, category: Category, ward: Ward, team: Team) -> RoutingRule:
    """Send `category`'s requests in `ward` to `team` instead of the category's default team."""
    _require_catalogue_editor(acting_user)
    Category.objects.select_for_update().filter(pk=category.pk).first()
    _ward_rule_clash(category=category, ward=ward, exclude_id=None)
    rule = RoutingRule.objects.create(category=category, ward=ward, team=team)
    audit_record(
        actor=acting_user,
        action=ACTION_ROUTING_RULE_CREATED,
        object_type=OBJECT_ROUTING_RULE,
        object_id=rule.pk,
        reason=f"Category id {category.pk}, ward {ward.code}, team {team.slug}.",
    )
    return rule


@transaction.atomic
def routing_rule_update(*, acting_user: Actor, rule: RoutingRule, team: Team, ward: Ward | None = None) -> RoutingRule:
    """Change a rule's team (and a ward rule's ward). The default rule always stays the default."""
    _require_catalogue_editor(acting_user)
    Category.objects.select_for_update().filter(pk=rule.category_id).first()
    locked = RoutingRule.objects.select_for_update().select_related("category").get(pk=rule.pk)
    changed = []
    if locked.ward_id is None and ward is not None:
        raise ValidationError({"ward": "The default rule applies to every ward; add a ward rule instead"})
    if ward is not None and ward.pk != locked.ward_id:
        _ward_rule_clash(category=locked.category, ward=ward, exclude_id=locked.pk)
        locked.ward = ward
        changed.append("ward")
    if team.pk != locked.team_id:
        locked.team = team
        changed.append("team")
    if changed:
        locked.save(update_fields=changed)
        audit_record(
            actor=acting_user,
            action=ACTION_ROUTING_RULE_UPDATED,
            object_type=OBJECT_ROUTING_RULE,
            object_id=locked.pk,
            reason=f"{_changes_reason(changed)} Ward {locked.ward.code if locked.ward else 'default'}, "
            f"team {locked.team.slug}.",
        )
    return locked


@transaction.atomic
def routing_rule_delete(*, acting_user: Actor, rule: RoutingRule) -> None:
    """Remove a ward rule (that ward falls back to the default team). The default rule cannot go."""
    _require_catalogue_editor(acting_user)
    if rule.ward_id is None:
        raise ValidationError("The default rule cannot be deleted: every category needs a team")
    rule_id, category_id = rule.pk, rule.category_id
    RoutingRule.objects.filter(pk=rule_id).delete()
    audit_record(
        actor=acting_user,
        action=ACTION_ROUTING_RULE_DELETED,
        object_type=OBJECT_ROUTING_RULE,
        object_id=rule_id,
        reason=f"Category id {category_id}.",
    )


# --- Service requests: creation ----------------------------------------------------------------


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


def _clean_datetime(text: str) -> dt.datetime | None:
    """ISO 8601 date or date-time; a time without an offset is London time."""
    text = text.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                return None
            moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, sla.COUNCIL_TIME_ZONE)
    return moment


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
        moment = _clean_datetime(text)
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


def _add(errors: Errors, field_name: str, message: str, *, code: str) -> None:
    errors.setdefault(field_name, []).append(ValidationError(message, code=code))


def _location_clean(
    *, lat: float | None, lng: float | None, uprn: int | None, address_string: str, errors: Errors
) -> _Location | None:
    address = None
    if uprn is not None:
        address = Address.objects.select_related("street").filter(uprn=uprn).first()
        if address is None:
            _add(errors, "uprn", "We do not know an address with this UPRN in the borough", code="unknown_uprn")
            return None
    if lat is None or lng is None:
        if address is None:
            _add(errors, "location", "Choose a location on the map or enter an address", code="required")
            return None
        lat, lng = address.lat, address.lng
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        _add(errors, "location", "Enter a real latitude and longitude", code="invalid")
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
            _add(
                errors,
                "contact_email",
                "Enter an email address in the correct format, like name@example.com",
                code="invalid",
            )
    if cleaned.phone and not _PHONE_PATTERN.match(cleaned.phone):
        _add(errors, "contact_phone", "Enter a telephone number, like 01632 960 001 or 07700 900 982", code="invalid")
    if reporter is None and channel not in ASSISTED_CHANNELS:
        if not category.anonymous_allowed and channel != Channel.OPEN311:
            _add(errors, "reporter", "Sign in to report this problem", code="sign_in_required")
        elif not category.anonymous_allowed and not cleaned.email:
            message = "Give the reporter's email address: they confirm this report by email"
            _add(errors, "contact_email", message, code="required")
        elif channel in _EMAIL_CONFIRMED_CHANNELS and not cleaned.email:
            _add(errors, "contact_email", "Enter your email address so we can confirm your report", code="required")
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
) -> ServiceRequest:
    """Record a new service request: validate, locate, route, set its SLA, number it, and audit staff entries.

    `confirm_by_email` (anonymous web reports) holds the request out of every queue and
    list until the emailed link is used (service_request_confirm); it is then acknowledged.

    Location is a WGS84 point, or a UPRN from the gazetteer (its point is used). The point
    must fall inside one of the council's wards. Requests made by a member of staff on
    someone's behalf (phone, face to face, email) must be made by staff and are audited.
    Every problem found is raised at once in one ValidationError keyed by field
    (`category`, `description`, `location`, `uprn`, `answers`, `contact_email`, ...).
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
        _add(errors, "category", "This category is no longer taking reports; choose another", code="inactive")
    elif not category.council_responsible:
        message = category.referral_message or f"Report this to {category.referral_body_name}"
        _add(errors, "category", message, code="not_councils_responsibility")
    description = description.strip()
    if not description:
        _add(errors, "description", "Enter a description of the problem", code="required")
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        message = f"The description must be {DESCRIPTION_MAX_LENGTH} characters or fewer"
        _add(errors, "description", message, code="max_length")
    location = _location_clean(lat=lat, lng=lng, uprn=uprn, address_string=address_string, errors=errors)
    ward = None
    if location is not None:
        ward = place_selectors.ward_for_point(lat=location.lat, lng=location.lng)
        if ward is None:
            _add(errors, "location", _outside_borough_message(), code="outside_borough")
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
        _await_confirmation(request)
    else:
        _after_create(request)
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


def _after_create(request: ServiceRequest) -> None:
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
    _email_person(
        user=request.reporter,
        email=request.contact_email,
        subject=message.subject,
        text=message.text,
        idempotency_key=f"service_request:{request.reference}:acknowledgement",
        request=request,
    )


def _email_person(
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


ACKNOWLEDGEMENT_WINDOW = dt.timedelta(days=7)


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str


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


# --- Service requests: status and SLA ---------------------------------------------------------


def _author(acting_user: Actor) -> User | None:
    return acting_user if isinstance(acting_user, User) else None


def _original_of(candidate: ServiceRequest) -> ServiceRequest:
    """Follow duplicate links to the request everything points at (chains stay one step long)."""
    seen = {candidate.pk}
    while candidate.duplicate_of_id is not None and candidate.duplicate_of_id not in seen:
        seen.add(candidate.duplicate_of_id)
        candidate = ServiceRequest.objects.get(pk=candidate.duplicate_of_id)
    return candidate


@transaction.atomic
def service_request_status_change(
    *,
    acting_user: Actor,
    service_request: ServiceRequest,
    to: Status | str,
    public_message: str = "",
    internal_note: str = "",
    duplicate_of: ServiceRequest | None = None,
    external_id: str = "",
    webhook_skip_endpoint: str = "",
) -> RequestUpdate:
    """Move a request to another status, refusing moves constants.ALLOWED_TRANSITIONS does not allow.

    Closing records closed_at, ends a running SLA pause and sets first-time resolution (true
    unless the request was ever reopened; duplicates and cancellations do not count).
    Reopening clears closed_at and marks the request as not resolved first time. A
    duplicate must name its original. `external_id` makes a client's re-sent update
    (Open311 update_id) return the first one instead of applying it twice.
    """
    external_id = external_id.strip()
    if external_id:
        existing = RequestUpdate.objects.filter(request_id=service_request.pk, external_id=external_id).first()
        if existing is not None:
            return existing
    try:
        target = Status(to)
    except ValueError:
        raise ValidationError({"status": ValidationError(f"{to!r} is not a status", code="unknown_status")}) from None
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    source = Status(locked.status)
    if not transition_allowed(source, target):
        message = f"A request that is {source.label.lower()} cannot be moved to {target.label.lower()}"
        raise ValidationError({"status": ValidationError(message, code="invalid_transition")})
    original = None
    if target == Status.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": "Give the reference of the request this duplicates"})
        original = _original_of(duplicate_of)
        if original.pk == locked.pk:
            raise ValidationError({"duplicate_of": "A request cannot be a duplicate of itself"})
    elif duplicate_of is not None:
        raise ValidationError({"duplicate_of": "Only a duplicate names another request"})

    now = timezone.now()
    fields = ["status", "updated_at"]
    locked.status = target
    locked.updated_at = now
    if target in CLOSED_STATUSES:
        locked.closed_at = now
        fields.append("closed_at")
        if locked.sla_paused_since is not None:
            locked.sla_paused_seconds += sla.paused_seconds_until(paused_since=locked.sla_paused_since, now=now)
            locked.sla_paused_since = None
            fields += ["sla_paused_seconds", "sla_paused_since"]
        if target not in UNRESOLVED_CLOSURES and locked.first_time_resolved is None:
            locked.first_time_resolved = True
            fields.append("first_time_resolved")
        if original is not None:
            locked.duplicate_of = original
            fields.append("duplicate_of")
    elif source in CLOSED_STATUSES:  # reopened
        locked.closed_at = None
        locked.duplicate_of = None
        locked.first_time_resolved = False
        fields += ["closed_at", "duplicate_of", "first_time_resolved"]
    locked.save(update_fields=fields)
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=_author(acting_user),
        status_from=source,
        status_to=target,
        public_message=public_message.strip(),
        internal_note=internal_note.strip(),
        external_id=external_id,
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_STATUS_CHANGED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"{source.value} -> {target.value}.",
    )
    _subscribers_notify(update)
    category_webhooks_update_enqueue(update=update, skip_endpoint=webhook_skip_endpoint)
    service_request.refresh_from_db()
    return update


@transaction.atomic
def service_request_sla_pause(
    *, acting_user: Actor, service_request: ServiceRequest, internal_note: str = ""
) -> RequestUpdate:
    """Stop the SLA clock while the council waits for the resident (only where the category allows it)."""
    locked = ServiceRequest.objects.select_for_update().select_related("category").get(pk=service_request.pk)
    if not locked.category.pause_sla_while_waiting:
        raise ValidationError("This category's SLA clock does not pause while waiting for the resident")
    if not locked.is_open:
        raise ValidationError("A closed request has no SLA clock to pause")
    if locked.sla_paused_since is not None:
        raise ValidationError("The SLA clock is already paused")
    now = timezone.now()
    locked.sla_paused_since = now
    locked.updated_at = now
    locked.save(update_fields=["sla_paused_since", "updated_at"])
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=_author(acting_user),
        internal_note=internal_note.strip() or "Waiting for the resident: SLA clock paused.",
    )
    audit_record(
        actor=acting_user, action=ACTION_REQUEST_SLA_PAUSED, object_type=OBJECT_REQUEST, object_id=locked.reference
    )
    service_request.refresh_from_db()
    return update


@transaction.atomic
def service_request_sla_resume(
    *, acting_user: Actor, service_request: ServiceRequest, internal_note: str = ""
) -> RequestUpdate:
    """Restart the SLA clock; the time it stood still is added to the due time."""
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.sla_paused_since is None:
        raise ValidationError("The SLA clock is not paused")
    now = timezone.now()
    paused = sla.paused_seconds_until(paused_since=locked.sla_paused_since, now=now)
    locked.sla_paused_seconds += paused
    locked.sla_paused_since = None
    locked.updated_at = now
    locked.save(update_fields=["sla_paused_seconds", "sla_paused_since", "updated_at"])
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=_author(acting_user),
        internal_note=internal_note.strip() or "SLA clock restarted.",
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_SLA_RESUMED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"Paused for {paused} seconds.",
    )
    service_request.refresh_from_db()
    return update


# --- Back office: assignment and the reporter's details ----------------------------------------

ACTION_REQUEST_ASSIGNED = "service_request.assigned"
ACTION_REQUEST_REPORTER_VIEWED = "service_request.reporter_details.viewed"


def _require_request_staff(acting_user: Actor) -> None:
    """Council staff work on requests; `None` is Townhall itself (imports, routing jobs)."""
    if acting_user is not None and not is_council_staff(acting_user):
        raise PermissionDenied("Only council staff can do this.")


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
    _require_request_staff(acting_user)
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
        author=_author(acting_user),
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
    _require_request_staff(acting_user)
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


# --- Resident journey: photos, email confirmation, following, reporters' updates ---------------

ACTION_REQUEST_CONFIRMED = "service_request.confirmed"
ACTION_REQUEST_REPORTER_UPDATE = "service_request.reporter_update"
CONFIRMATION_WINDOW = dt.timedelta(days=7)
DRAFT_PHOTO_LIFETIME = dt.timedelta(days=1)
REOPEN_WINDOW = dt.timedelta(days=28)
_MANAGE_SALT = "service_requests.manage"
_FOLLOW_SALT = "service_requests.follow"
FOLLOW_LINK_MAX_AGE = int(CONFIRMATION_WINDOW.total_seconds())


def _photo_owner_count(*, request: ServiceRequest | None, draft_key: str, update: RequestUpdate | None) -> int:
    if request is None:
        return RequestPhoto.objects.filter(request__isnull=True, draft_key=draft_key).count()
    return RequestPhoto.objects.filter(request=request, update=update).count()


@transaction.atomic
def request_photo_store(
    *,
    prepared: PreparedPhoto,
    request: ServiceRequest | None = None,
    draft_key: str = "",
    update: RequestUpdate | None = None,
    order: int = 1,
) -> RequestPhoto:
    """Store a prepared photo on a request (or an update of it), or on a draft report still being written.

    At most MAX_PHOTOS per report (per update for updates). The file gets a random name;
    if the row cannot be written the file is removed again.
    """
    if (request is None) == (not draft_key):
        raise ValueError("A photo belongs to a request or to a draft, not both or neither.")
    if update is not None and (request is None or update.request_id != request.pk):
        raise ValueError("An update's photo belongs to the update's request.")
    if _photo_owner_count(request=request, draft_key=draft_key, update=update) >= MAX_PHOTOS:
        raise ValidationError({"photo": f"You can add up to {MAX_PHOTOS} photos"})
    photo = RequestPhoto(
        request=request,
        update=update,
        draft_key=draft_key if request is None else "",
        content_type=prepared.content_type,
        width=prepared.width,
        height=prepared.height,
        size_bytes=prepared.size_bytes,
        original_name=prepared.original_name[:255],
        exif_lat=prepared.exif_lat,
        exif_lng=prepared.exif_lng,
        uploaded_at=timezone.now(),
        order=order,
    )
    photo.image.save("photo.jpg", ContentFile(prepared.content), save=False)
    try:
        photo.save()
    except Exception:
        photo.image.delete(save=False)
        raise
    return photo


@transaction.atomic
def draft_photos_attach(*, draft_key: str, request: ServiceRequest) -> int:
    """Move a submitted draft's photos onto its new request, numbered in upload order; how many moved."""
    photos = list(RequestPhoto.objects.filter(request__isnull=True, draft_key=draft_key).order_by("uploaded_at", "id"))
    for number, photo in enumerate(photos[:MAX_PHOTOS], start=1):
        photo.request = request
        photo.draft_key = ""
        photo.order = number
        photo.save(update_fields=["request", "draft_key", "order"])
    return min(len(photos), MAX_PHOTOS)


def draft_photo_remove(*, draft_key: str, photo_id: int) -> bool:
    """Remove one photo from a draft (the resident pressed "Remove"); False when it is not that draft's."""
    photo = RequestPhoto.objects.filter(pk=photo_id, request__isnull=True, draft_key=draft_key).first()
    if photo is None or not draft_key:
        return False
    _photos_delete([photo])
    return True


def _photos_delete(photos: Sequence[RequestPhoto]) -> None:
    """Rows first; files once the deletion has committed (a rollback must not leave rows without files)."""
    files = [(photo.image.storage, photo.image.name) for photo in photos if photo.image.name]
    RequestPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(str(name))

    transaction.on_commit(remove_files)


@transaction.atomic
def draft_photos_delete_stale(*, now: dt.datetime | None = None) -> int:
    """Delete photos of drafts nobody submitted within a day (run daily: `townhall reports_cleanup`)."""
    cutoff = (now or timezone.now()) - DRAFT_PHOTO_LIFETIME
    stale = list(RequestPhoto.objects.filter(request__isnull=True, uploaded_at__lt=cutoff))
    _photos_delete(stale)
    return len(stale)


# Files younger than this are left alone by the orphan sweep: their row may be in a transaction still running.
ORPHAN_FILE_GRACE = dt.timedelta(days=1)
_FILE_FOLDERS = ((RequestPhoto, "image", "request-photos"), (RequestDocument, "file", "request-documents"))


def media_orphans_delete(*, now: dt.datetime | None = None) -> int:
    """Delete photo and document files that no row points to, once older than a day (run daily).

    A file is written before its row, so a transaction that rolls back after storing a photo
    (a later photo refused, the database gone) leaves the file behind; this is where it goes.
    """
    cutoff = (now or timezone.now()) - ORPHAN_FILE_GRACE
    deleted = 0
    for model, field_name, folder in _FILE_FOLDERS:
        storage = model._meta.get_field(field_name).storage  # type: ignore[union-attr]
        if not storage.exists(folder):
            continue
        _, names = storage.listdir(folder)
        candidates = {f"{folder}/{name}" for name in names}
        known = set(model.objects.filter(**{f"{field_name}__in": candidates}).values_list(field_name, flat=True))
        for name in sorted(candidates - known):
            if storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                deleted += 1
    return deleted


@transaction.atomic
def unconfirmed_requests_delete(*, now: dt.datetime | None = None) -> int:
    """Delete anonymous reports never confirmed by email within 7 days, with their photos (run daily)."""
    cutoff = (now or timezone.now()) - CONFIRMATION_WINDOW
    stale = ServiceRequest.objects.filter(awaiting_confirmation=True, received_at__lt=cutoff)
    _photos_delete(list(RequestPhoto.objects.filter(request__in=stale)))
    count = 0
    for request in stale:  # one by one: updates and answers cascade
        request.delete()
        count += 1
    return count


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


def _await_confirmation(request: ServiceRequest) -> None:
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
    _after_create(locked)
    return locked


def manage_token(request: ServiceRequest) -> str:
    """The signed token in an anonymous reporter's "update or reopen your report" link."""
    return signing.dumps(request.reference, salt=_MANAGE_SALT)


def manage_token_reference(*, token: str) -> str | None:
    """The reference a manage link was signed for, or None when the signature does not hold."""
    try:
        return str(signing.loads(token, salt=_MANAGE_SALT))
    except signing.BadSignature:
        return None


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


def _subscribers_notify(update: RequestUpdate) -> None:
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
        _email_person(
            user=subscription.user,
            email=subscription.email,
            subject=f"Update on report {request.reference}: {request.category.name}",
            text=text,
            idempotency_key=f"service_request:{request.reference}:update:{update.pk}:sub:{subscription.pk}",
            request=request,
            topic=Topic.SERVICE_UPDATES,
        )


def reopen_deadline(request: ServiceRequest) -> dt.datetime | None:
    """Until when the reporter may reopen a closed request (28 days from closing); None while open."""
    return request.closed_at + REOPEN_WINDOW if request.closed_at is not None else None


@transaction.atomic
def service_request_reporter_update(
    *, acting_user: Actor, service_request: ServiceRequest, message: str, photo: PreparedPhoto | None = None
) -> RequestUpdate:
    """The reporter adds something to their open report (text, optionally a photo). Views check it is theirs."""
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    text = message.strip()
    if not locked.is_open:
        raise ValidationError({"message": "This report is closed: you can reopen it instead"})
    if not text:
        raise ValidationError({"message": "Enter your update"})
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"message": f"Your update must be {DESCRIPTION_MAX_LENGTH} characters or fewer"})
    now = timezone.now()
    locked.updated_at = now
    locked.save(update_fields=["updated_at"])
    update = RequestUpdate.objects.create(
        request=locked, created_at=now, author=_author(acting_user), public_message=text, channel=Channel.WEB
    )
    if photo is not None:
        request_photo_store(prepared=photo, request=locked, update=update)
    audit_record(
        actor=_author(acting_user),
        action=ACTION_REQUEST_REPORTER_UPDATE,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
    )
    _subscribers_notify(update)
    service_request.refresh_from_db()
    return update


def service_request_reporter_reopen(
    *, acting_user: Actor, service_request: ServiceRequest, reason: str, now: dt.datetime | None = None
) -> RequestUpdate:
    """The reporter reopens a closed report within 28 days of its closing, saying why."""
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
        acting_user=acting_user, service_request=service_request, to=Status.REOPENED, public_message=text
    )


# --- Partner systems: inbound updates (Open311 servicerequestupdates) and per-category webhooks ----

ACTION_REQUEST_UPDATED_EXTERNALLY = "service_request.updated_externally"
ACTION_CATEGORY_WEBHOOK_ADDED = "catalogue.webhook.added"
ACTION_CATEGORY_WEBHOOK_REMOVED = "catalogue.webhook.removed"
OBJECT_CATEGORY_WEBHOOK = "service_requests.category_webhook"
# FixMyStreet's spellings that are not Townhall status values.
_EXTERNAL_STATUS_ALIASES = {"reopen": Status.REOPENED, "planned": Status.ACTION_SCHEDULED}


def public_photo_path(*, reference: str, photo_id: int) -> str:
    """Where a public photo is served (the report pages' photo view)."""
    return f"/report/{reference}/photos/{photo_id}/"


def external_status_target(*, current: str, requested: str) -> Status | None:
    """The status an outside system asks for, or None when it asks for no change.

    Any case; FixMyStreet's plain OPEN/CLOSED mean "no change" when the request is already
    open/closed, and OPEN on a closed request reopens it.
    """
    value = requested.strip().lower().replace(" ", "_")
    if not value:
        return None
    closed_now = current in CLOSED_STATUSES
    if value == Status.OPEN:
        return Status.REOPENED if closed_now else None
    if value == Status.CLOSED and closed_now:
        return None
    try:
        target = _EXTERNAL_STATUS_ALIASES.get(value) or Status(value)
    except ValueError:
        message = f"{requested!r} is not a status; use one of {', '.join(s.upper() for s in Status.values)}"
        raise ValidationError({"status": ValidationError(message, code="unknown_status")}) from None
    return None if target == current else target


@transaction.atomic
def service_request_update_external(
    *,
    service_request: ServiceRequest,
    external_id: str,
    status: str = "",
    description: str = "",
    channel: Channel | str = Channel.OPEN311,
    source_label: str = "",
    source_endpoint: str = "",
    photos: Sequence[PreparedPhoto] = (),
) -> tuple[RequestUpdate, bool]:
    """An update from a partner system (FixMyStreet, a contractor): (the update, whether it is new).

    `external_id` is the client's own id for the update: posting it again returns the
    first update and changes nothing. A status that differs goes through
    service_request_status_change (so its rules apply); otherwise the description is a
    public message. `source_label` (who sent it) is kept as an internal note for staff.
    Webhooks for the update skip `source_endpoint`, so a partner is not told what it said.
    """
    external_id = external_id.strip()
    if not external_id:
        raise ValidationError({"update_id": ValidationError("Give the update's id", code="required")})
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    existing = RequestUpdate.objects.filter(request=locked, external_id=external_id).first()
    if existing is not None:
        return existing, False
    target = external_status_target(current=locked.status, requested=status)
    description = description.strip()
    note = f"Update from {source_label}." if source_label.strip() else ""
    if target is not None:
        update = service_request_status_change(
            acting_user=None,
            service_request=locked,
            to=target,
            public_message=description,
            internal_note=note,
            external_id=external_id,
            webhook_skip_endpoint=source_endpoint,
        )
        update.channel = Channel(channel)
        update.save(update_fields=["channel"])
    else:
        if not description:
            raise ValidationError(
                {"description": ValidationError("Enter the update's text, or a new status", code="required")}
            )
        now = timezone.now()
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
        update = RequestUpdate.objects.create(
            request=locked,
            created_at=now,
            public_message=description,
            internal_note=note,
            channel=Channel(channel),
            external_id=external_id,
        )
        category_webhooks_update_enqueue(update=update, skip_endpoint=source_endpoint)
        _subscribers_notify(update)
    for order, prepared in enumerate(photos, start=1):
        request_photo_store(prepared=prepared, request=locked, update=update, order=order)
    audit_record(
        actor=None,
        action=ACTION_REQUEST_UPDATED_EXTERNALLY,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason=f"Update {update.pk} through {Channel(channel).value}.",
    )
    return update, True


@transaction.atomic
def service_request_create_with_photos(*, photos: Sequence[PreparedPhoto], **fields: Any) -> ServiceRequest:
    """service_request_create plus photos already prepared (Open311 photo1..photo3), all or nothing."""
    created = service_request_create(**fields)
    for order, prepared in enumerate(photos, start=1):
        request_photo_store(prepared=prepared, request=created, order=order)
    return created


def _utc(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment is not None else None


def _public_photo_urls(photos: Sequence[Any], reference: str) -> list[str]:
    return [site_url(public_photo_path(reference=reference, photo_id=p.pk)) for p in photos if p.is_public]


def webhook_request_body(request: ServiceRequest) -> dict[str, Any]:
    """A request as a contractor receives it: its Open311 fields (extended status included), the
    place in both grids, the ward, the answers and public photos. Never the reporter's details."""
    answers = {answer.question_code: answer.value for answer in request.answers.order_by("id")}
    return {
        "service_request_id": request.reference,
        "status": "open" if request.is_open else "closed",
        "extended_status": request.status.upper(),
        "service_code": request.category.service_code,
        "service_name": request.category.name,
        "description": request.redacted_description or request.description,
        "requested_datetime": _utc(request.received_at),
        "updated_datetime": _utc(request.updated_at),
        "expected_datetime": _utc(request.sla_due_at),
        "address": request.address_string or None,
        "address_id": str(request.uprn) if request.uprn is not None else None,
        "lat": request.lat,
        "long": request.lng,
        "easting": request.easting,
        "northing": request.northing,
        "ward": request.ward.code,
        "is_public": request.is_public and request.category.is_public,
        "attributes": answers,
        "media_url": _public_photo_urls(list(request.photos.all()), request.reference),
    }


def webhook_update_body(update: RequestUpdate) -> dict[str, Any]:
    """An update as Open311 servicerequestupdates lists it, with the request it belongs to."""
    request = update.request
    status = update.status_to or request.status
    return {
        "update_id": str(update.pk),
        "service_request_id": request.reference,
        "status": status.upper(),
        "updated_datetime": _utc(update.created_at),
        "description": update.redacted_message or update.public_message or None,
        "media_url": _public_photo_urls(list(update.photos.all()), request.reference),
        "service_request": webhook_request_body(request),
    }


def _category_webhooks_send(
    *, request: ServiceRequest, updates_only: bool, event_type: str, body: dict[str, Any], key: str, skip: str = ""
) -> None:
    hooks = request.category.webhooks.all()
    for hook in hooks:
        if hook.endpoint_slug == skip or (updates_only and not hook.send_updates):
            continue
        try:
            notify.webhook_enqueue(
                endpoint_slug=hook.endpoint_slug,
                event_type=event_type,
                body=body,
                idempotency_key=f"{key}:{hook.endpoint_slug}",
                related_type="service_requests.servicerequest",
                related_id=request.pk,
            )
        except notify.WebhookEndpointNotFoundError:
            continue  # endpoint switched off in notify: nothing to send to


def category_webhooks_request_enqueue(*, request: ServiceRequest) -> None:
    """Tell the category's partner systems about a new live request (in the creating transaction)."""
    if request.awaiting_confirmation:
        return
    _category_webhooks_send(
        request=request,
        updates_only=False,
        event_type="service_request.created",
        body=webhook_request_body(request),
        key=f"service_request:{request.reference}:created",
    )


def category_webhooks_update_enqueue(*, update: RequestUpdate, skip_endpoint: str = "") -> None:
    """Tell partner systems (those with send_updates) about a status change or public update.

    Internal notes alone are never sent; nor is anything about a request awaiting confirmation.
    """
    request = update.request
    if request.awaiting_confirmation or not (update.status_to or update.public_message):
        return
    _category_webhooks_send(
        request=request,
        updates_only=True,
        event_type="service_request.updated",
        body=webhook_update_body(update),
        key=f"service_request:{request.reference}:update:{update.pk}",
        skip=skip_endpoint,
    )


@transaction.atomic
def category_webhook_add(
    *, acting_user: Actor, category: Category, endpoint_slug: str, send_updates: bool
) -> CategoryWebhook:
    """Send a category's new requests (and, with send_updates, its updates) to a notify webhook endpoint."""
    _require_catalogue_editor(acting_user)
    if category.webhooks.filter(endpoint_slug=endpoint_slug).exists():
        raise ValidationError({"endpoint_slug": "This category already sends to that endpoint"})
    hook = category.webhooks.create(endpoint_slug=endpoint_slug, send_updates=send_updates, created_at=timezone.now())
    audit_record(
        actor=acting_user,
        action=ACTION_CATEGORY_WEBHOOK_ADDED,
        object_type=OBJECT_CATEGORY_WEBHOOK,
        object_id=hook.pk,
        reason=f"Category id {category.pk}, endpoint {endpoint_slug}, updates {'yes' if send_updates else 'no'}.",
    )
    return hook


@transaction.atomic
def category_webhook_remove(*, acting_user: Actor, category: Category, hook_id: int) -> None:
    _require_catalogue_editor(acting_user)
    hook = category.webhooks.filter(pk=hook_id).first()
    if hook is None:
        raise ValidationError("That webhook is not on this category")
    slug = hook.endpoint_slug
    hook.delete()
    audit_record(
        actor=acting_user,
        action=ACTION_CATEGORY_WEBHOOK_REMOVED,
        object_type=OBJECT_CATEGORY_WEBHOOK,
        object_id=hook_id,
        reason=f"Category id {category.pk}, endpoint {slug}.",
    )


# --- Back office: the request page (priority, notes, templates, merging, referral, documents,
# SLA, sensitivity, blocked reporters, moderation). Staff act only on requests they can see.

ACTION_REQUEST_PRIORITY_CHANGED = "service_request.priority.changed"
ACTION_REQUEST_UPDATE_ADDED = "service_request.update.added"
ACTION_REQUEST_MERGED = "service_request.merged"
ACTION_REQUEST_REFERRED = "service_request.referred"
ACTION_REQUEST_SENSITIVE_CHANGED = "service_request.sensitive.changed"
ACTION_REQUEST_DESCRIPTION_REDACTED = "service_request.description.redacted"
ACTION_UPDATE_MESSAGE_REDACTED = "service_request.update.redacted"
ACTION_PHOTO_VISIBILITY_CHANGED = "service_request.photo.visibility.changed"
ACTION_DOCUMENT_ATTACHED = "service_request.document.attached"
ACTION_DOCUMENT_DOWNLOADED = "service_request.document.downloaded"
ACTION_DOCUMENT_DELETED = "service_request.document.deleted"
ACTION_REPORTER_BLOCKED = "service_request.reporter.blocked"
ACTION_REPORTER_BLOCK_LIFTED = "service_request.reporter.block_lifted"
ACTION_RESPONSE_TEMPLATE_CREATED = "catalogue.response_template.created"
ACTION_RESPONSE_TEMPLATE_UPDATED = "catalogue.response_template.updated"
OBJECT_RESPONSE_TEMPLATE = "service_requests.response_template"
OBJECT_BLOCKED_REPORTER = "service_requests.blocked_reporter"
OBJECT_DOCUMENT = "service_requests.request_document"

UPDATE_TEXT_MAX_LENGTH = 5000
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# Sniffed from the content (filetype), never from the name the uploader gave.
DOCUMENT_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "text/plain": "Plain text",
    "text/csv": "CSV",
}
DOCUMENT_TYPES_HINT = "PDF, JPEG, PNG, GIF, WebP, Word, Excel, OpenDocument, plain text or CSV"
BLOCKED_REPORTER_MESSAGE = "We could not accept this report online. Please contact the council by phone or in person"
_BLOCK_ROLES = (StaffRole.TEAM_MANAGER, StaffRole.ADMINISTRATOR)


def _require_request_access(acting_user: Actor, service_request: ServiceRequest) -> None:
    """Council staff act on the requests they can see (their teams'; every team's for administrators)."""
    _require_request_staff(acting_user)
    if acting_user is None:
        return
    if not selectors.staff_visible_requests(acting_user=acting_user).filter(pk=service_request.pk).exists():
        raise PermissionDenied("This request is not in your teams' queues.")


def _text(value: str, *, field_name: str, label: str, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationError({field_name: f"Enter {label}"})
    if len(value) > UPDATE_TEXT_MAX_LENGTH:
        raise ValidationError(
            {field_name: f"{label[0].upper()}{label[1:]} must be {UPDATE_TEXT_MAX_LENGTH} characters or fewer"}
        )
    return value


def _history_note(request: ServiceRequest, acting_user: Actor, note: str, *, now: dt.datetime) -> RequestUpdate:
    return RequestUpdate.objects.create(
        request=request, created_at=now, author=_author(acting_user), internal_note=note
    )


@transaction.atomic
def service_request_priority_change(
    *, acting_user: Actor, service_request: ServiceRequest, priority: int
) -> RequestUpdate:
    """Set a request's priority; the history says what it was and what it became (an internal note)."""
    _require_request_access(acting_user, service_request)
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
    update = _history_note(locked, acting_user, f"Priority changed from {source.label} to {target.label}.", now=now)
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
    _require_request_access(acting_user, service_request)
    public_message = _text(public_message, field_name="public_message", label="the public update")
    internal_note = _text(internal_note, field_name="internal_note", label="the internal note")
    if not public_message and not internal_note:
        raise ValidationError({"internal_note": "Enter an internal note or a public update"})
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    now = timezone.now()
    locked.updated_at = now
    locked.save(update_fields=["updated_at"])
    update = RequestUpdate.objects.create(
        request=locked,
        created_at=now,
        author=_author(acting_user),
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
    _subscribers_notify(update)
    service_request.refresh_from_db()
    return update


# Response templates (administrators edit them under /staff/catalogue/templates/).


@dataclass(frozen=True)
class ResponseTemplateDetails:
    title: str
    text: str
    category: Category | None = None
    status: str = ""
    active: bool = True


def _response_template_fill(template: ResponseTemplate, details: ResponseTemplateDetails) -> list[str]:
    after = {
        "title": details.title.strip(),
        "text": details.text.strip(),
        "category_id": details.category.pk if details.category is not None else None,
        "status": details.status,
        "active": details.active,
    }
    changed = _changed({name: getattr(template, name) for name in after}, after)
    for name in changed:
        setattr(template, name, after[name])
    errors: dict[str, list[str]] = {}
    try:
        template.full_clean(exclude=["created_at", "updated_at", "category"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if template.status and template.status not in Status.values:
        errors["status"] = ["Choose a status from the list"]
    if errors:
        raise ValidationError(errors)
    return [name.removesuffix("_id") for name in changed]


@transaction.atomic
def response_template_create(*, acting_user: Actor, details: ResponseTemplateDetails) -> ResponseTemplate:
    _require_catalogue_editor(acting_user)
    now = timezone.now()
    template = ResponseTemplate(created_at=now, updated_at=now)
    _response_template_fill(template, details)
    template.save()
    audit_record(
        actor=acting_user,
        action=ACTION_RESPONSE_TEMPLATE_CREATED,
        object_type=OBJECT_RESPONSE_TEMPLATE,
        object_id=template.pk,
    )
    return template


@transaction.atomic
def response_template_update(
    *, acting_user: Actor, template: ResponseTemplate, details: ResponseTemplateDetails
) -> ResponseTemplate:
    """Change a template (deactivating is `active=False`: it stays listed for administrators, offered to nobody)."""
    _require_catalogue_editor(acting_user)
    locked = ResponseTemplate.objects.select_for_update().get(pk=template.pk)
    changed = _response_template_fill(locked, details)
    if changed:
        locked.updated_at = timezone.now()
        locked.save()
        audit_record(
            actor=acting_user,
            action=ACTION_RESPONSE_TEMPLATE_UPDATED,
            object_type=OBJECT_RESPONSE_TEMPLATE,
            object_id=locked.pk,
            reason=_changes_reason(changed),
        )
    return locked


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
    _require_request_access(acting_user, service_request)
    if (
        acting_user is not None
        and not selectors.staff_visible_requests(acting_user=acting_user).filter(pk=original.pk).exists()
    ):
        raise ValidationError({"duplicate_of": "There is no request with this reference in your teams' queues"})
    public_message = _text(public_message, field_name="public_message", label="the public update")
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
        author=_author(acting_user),
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
    _require_request_access(acting_user, service_request)
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
        _email_person(
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


# Documents (never public; downloads go through a view that checks access, and are audited).


def document_content_type(upload: File) -> str:
    """The real type of an upload from its bytes; ValidationError when it is not one Townhall accepts."""
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in DOCUMENT_TYPES:
            upload.seek(0)
            return str(kind.mime)
        raise ValidationError({"file": f"The file must be a {DOCUMENT_TYPES_HINT} file"})
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"file": f"The file must be a {DOCUMENT_TYPES_HINT} file"}) from None
    if b"\x00" in content:
        raise ValidationError({"file": f"The file must be a {DOCUMENT_TYPES_HINT} file"})
    name = str(getattr(upload, "name", "") or "")
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def request_document_attach(
    *, acting_user: Actor, service_request: ServiceRequest, upload: File, description: str = ""
) -> RequestDocument:
    """Store a document on a request after checking its real type and size; audited.

    The file is written first; if the row then fails to commit the file is removed again,
    so nothing is left half-written.
    """
    _require_request_access(acting_user, service_request)
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": "The selected file is empty"})
    if size > DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": "The selected file must be smaller than 20 MB"})
    content_type = document_content_type(upload)
    description = description.strip()
    if len(description) > 300:
        raise ValidationError({"description": "The description must be 300 characters or fewer"})
    filename = str(upload.name or "document").replace("\\", "/").rsplit("/", 1)[-1][:255] or "document"
    document = RequestDocument(
        request=service_request,
        filename=filename,
        content_type=content_type,
        size_bytes=size,
        description=description,
        uploaded_by=_author(acting_user),
        uploaded_at=timezone.now(),
    )
    document.file.save(filename, upload, save=False)
    try:
        with transaction.atomic():
            document.save()
            audit_record(
                actor=acting_user,
                action=ACTION_DOCUMENT_ATTACHED,
                object_type=OBJECT_REQUEST,
                object_id=service_request.reference,
                reason=f"Document {document.pk}, {content_type}, {size} bytes.",
            )
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


def request_document_download(*, acting_user: Actor, document: RequestDocument) -> RequestDocument:
    """Record that a member of staff is downloading a document, before the view sends it."""
    _require_request_access(acting_user, document.request)
    with transaction.atomic():
        audit_record(
            actor=acting_user,
            action=ACTION_DOCUMENT_DOWNLOADED,
            object_type=OBJECT_REQUEST,
            object_id=document.request.reference,
            reason=f"Document {document.pk}.",
        )
    return document


def can_delete_document(user: Actor, document: RequestDocument) -> bool:
    """The member of staff who uploaded it, or a team manager or administrator."""
    if user is None:
        return True
    return (document.uploaded_by_id is not None and document.uploaded_by_id == user.pk) or has_role(user, *_BLOCK_ROLES)


@transaction.atomic
def request_document_delete(*, acting_user: Actor, document: RequestDocument) -> None:
    _require_request_access(acting_user, document.request)
    if not can_delete_document(acting_user, document):
        raise PermissionDenied("Only the person who attached a document, or a manager, can delete it.")
    name, document_id, reference = document.file.name or "", document.pk, document.request.reference
    RequestDocument.objects.filter(pk=document_id).delete()
    audit_record(
        actor=acting_user,
        action=ACTION_DOCUMENT_DELETED,
        object_type=OBJECT_REQUEST,
        object_id=reference,
        reason=f"Document {document_id}.",
    )
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


# Sensitivity, blocked reporters and moderation of public text.


@transaction.atomic
def service_request_sensitive_set(
    *, acting_user: Actor, service_request: ServiceRequest, sensitive: bool
) -> RequestUpdate:
    """Hide a request from every public list, map, feed and API at once (is_public=False), or show it again."""
    _require_request_access(acting_user, service_request)
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.is_public == (not sensitive):
        raise ValidationError(
            "The request is already marked so" if sensitive else "The request is not marked as sensitive"
        )
    now = timezone.now()
    locked.is_public = not sensitive
    locked.updated_at = now
    locked.save(update_fields=["is_public", "updated_at"])
    note = "Marked as sensitive: hidden from the public." if sensitive else "No longer marked as sensitive."
    update = _history_note(locked, acting_user, note, now=now)
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_SENSITIVE_CHANGED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason="Sensitive." if sensitive else "Not sensitive.",
    )
    service_request.refresh_from_db()
    return update


def can_block_reporters(user: Actor) -> bool:
    return user is None or has_role(user, *_BLOCK_ROLES)


@transaction.atomic
def reporter_block(*, acting_user: Actor, service_request: ServiceRequest, reason: str) -> BlockedReporter:
    """Block this request's reporter (their account, else the email they gave) from reporting again; audited."""
    _require_request_access(acting_user, service_request)
    if not can_block_reporters(acting_user):
        raise PermissionDenied("Only team managers and administrators can block reporters.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the reporter is being blocked"})
    if len(reason) > 500:
        raise ValidationError({"reason": "The reason must be 500 characters or fewer"})
    user = User.objects.filter(pk=service_request.reporter_id).first() if service_request.reporter_id else None
    email = "" if user is not None else service_request.contact_email.strip().lower()
    if user is None and not email:
        raise ValidationError({"reason": "This request has no account or email address to block"})
    if selectors.reporter_block_active(user=user, email=email) is not None:
        raise ValidationError({"reason": "This reporter is already blocked"})
    block = BlockedReporter.objects.create(
        user=user, email=email, reason=reason, blocked_by=_author(acting_user), blocked_at=timezone.now()
    )
    audit_record(
        actor=acting_user,
        action=ACTION_REPORTER_BLOCKED,
        object_type=OBJECT_BLOCKED_REPORTER,
        object_id=block.pk,
        reason=f"From request {service_request.reference}; {'account ' + str(user.pk) if user else 'email address'}.",
    )
    return block


@transaction.atomic
def reporter_block_lift(*, acting_user: Actor, block: BlockedReporter) -> BlockedReporter:
    if not can_block_reporters(acting_user):
        raise PermissionDenied("Only team managers and administrators can lift blocks.")
    locked = BlockedReporter.objects.select_for_update().get(pk=block.pk)
    if locked.lifted_at is not None:
        raise ValidationError("This block has already been lifted")
    locked.lifted_at = timezone.now()
    locked.save(update_fields=["lifted_at"])
    audit_record(
        actor=acting_user, action=ACTION_REPORTER_BLOCK_LIFTED, object_type=OBJECT_BLOCKED_REPORTER, object_id=locked.pk
    )
    return locked


@transaction.atomic
def service_request_description_redact(
    *, acting_user: Actor, service_request: ServiceRequest, redacted_description: str
) -> ServiceRequest:
    """What the public sees instead of the description (empty shows the original again); staff keep both."""
    _require_request_access(acting_user, service_request)
    text = redacted_description.strip()
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {"redacted_description": f"The text must be {DESCRIPTION_MAX_LENGTH} characters or fewer"}
        )
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.redacted_description == text:
        raise ValidationError({"redacted_description": "Nothing has changed"})
    now = timezone.now()
    locked.redacted_description = text
    locked.updated_at = now
    locked.save(update_fields=["redacted_description", "updated_at"])
    _history_note(locked, acting_user, "Public description moderated." if text else "Moderation removed.", now=now)
    audit_record(
        actor=acting_user,
        action=ACTION_REQUEST_DESCRIPTION_REDACTED,
        object_type=OBJECT_REQUEST,
        object_id=locked.reference,
        reason="Redacted." if text else "Redaction removed.",
    )
    service_request.refresh_from_db()
    return locked


@transaction.atomic
def request_update_redact(*, acting_user: Actor, update: RequestUpdate, redacted_message: str) -> RequestUpdate:
    """What the public sees instead of an update's public message (empty shows the original again)."""
    _require_request_access(acting_user, update.request)
    locked = RequestUpdate.objects.select_for_update().get(pk=update.pk)
    if not locked.public_message:
        raise ValidationError({"redacted_message": "Only public updates can be moderated"})
    text = _text(redacted_message, field_name="redacted_message", label="the text")
    if locked.redacted_message == text:
        raise ValidationError({"redacted_message": "Nothing has changed"})
    locked.redacted_message = text
    locked.save(update_fields=["redacted_message"])
    audit_record(
        actor=acting_user,
        action=ACTION_UPDATE_MESSAGE_REDACTED,
        object_type=OBJECT_REQUEST,
        object_id=update.request.reference,
        reason=f"Update {locked.pk}: {'redacted' if text else 'redaction removed'}.",
    )
    return locked


@transaction.atomic
def request_photo_visibility_set(*, acting_user: Actor, photo: RequestPhoto, is_public: bool) -> RequestPhoto:
    """Hide a photo from the public (staff still see it), or show it again."""
    if photo.request is None:
        raise ValidationError("This photo is not part of a request yet")
    _require_request_access(acting_user, photo.request)
    locked = RequestPhoto.objects.select_for_update().get(pk=photo.pk)
    if locked.is_public == is_public:
        raise ValidationError("The photo is already shown" if is_public else "The photo is already hidden")
    locked.is_public = is_public
    locked.save(update_fields=["is_public"])
    audit_record(
        actor=acting_user,
        action=ACTION_PHOTO_VISIBILITY_CHANGED,
        object_type=OBJECT_REQUEST,
        object_id=photo.request.reference,
        reason=f"Photo {locked.pk}: {'shown' if is_public else 'hidden'}.",
    )
    return locked


# --- Back office: saved queue filters, bulk actions, finding a caller (assisted digital) -------

# The queue's own GET parameters: a saved filter keeps these and nothing else.
SAVED_FILTER_PARAMETERS = ("team", "category", "ward", "status", "priority", "sla", "mine", "sort")
SAVED_FILTER_NAME_MAX_LENGTH = 100
SAVED_FILTER_QUERY_MAX_LENGTH = 1000
# One bulk action changes at most this many requests (a page of the queue is 50).
BULK_LIMIT = 200
ACTION_CALLER_SEARCHED = "service_request.caller.searched"


def saved_filter_query_clean(query: str) -> str:
    """The queue filters in a query string, in a fixed order, blanks and unknown parameters dropped."""
    data = parse_qs(query.strip().lstrip("?"))
    kept = [(name, (data.get(name) or [""])[0].strip()) for name in SAVED_FILTER_PARAMETERS]
    return urlencode([(name, value) for name, value in kept if value])


def _saved_filter_name_clean(*, owner: User, name: str, exclude_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter a name for the filter"})
    if len(name) > SAVED_FILTER_NAME_MAX_LENGTH:
        raise ValidationError({"name": f"Name must be {SAVED_FILTER_NAME_MAX_LENGTH} characters or fewer"})
    clash = SavedFilter.objects.filter(owner_id=owner.pk, name__iexact=name)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise ValidationError({"name": "You already have a filter with this name"})
    return name


def _require_filter_owner(acting_user: Actor, saved_filter: SavedFilter) -> User:
    if not isinstance(acting_user, User) or saved_filter.owner_id != acting_user.pk:
        raise PermissionDenied("Only the member of staff who saved a filter can change it.")
    return acting_user


@transaction.atomic
def saved_filter_create(*, acting_user: Actor, name: str, query: str) -> SavedFilter:
    """Save the queue's current filters under a name, for this member of staff only."""
    _require_request_staff(acting_user)
    if not isinstance(acting_user, User):
        raise PermissionDenied("Saved filters belong to a member of staff.")
    cleaned_name = _saved_filter_name_clean(owner=acting_user, name=name)
    cleaned_query = saved_filter_query_clean(query)
    if not cleaned_query:
        raise ValidationError({"name": "Apply at least one filter before saving it"})
    if len(cleaned_query) > SAVED_FILTER_QUERY_MAX_LENGTH:
        raise ValidationError({"name": "These filters are too long to save"})
    return SavedFilter.objects.create(
        owner=acting_user, name=cleaned_name, query=cleaned_query, created_at=timezone.now()
    )


@transaction.atomic
def saved_filter_rename(*, acting_user: Actor, saved_filter: SavedFilter, name: str) -> SavedFilter:
    owner = _require_filter_owner(acting_user, saved_filter)
    saved_filter.name = _saved_filter_name_clean(owner=owner, name=name, exclude_id=saved_filter.pk)
    saved_filter.save(update_fields=["name"])
    return saved_filter


@transaction.atomic
def saved_filter_delete(*, acting_user: Actor, saved_filter: SavedFilter) -> None:
    _require_filter_owner(acting_user, saved_filter)
    saved_filter.delete()


@dataclass(frozen=True)
class BulkProblem:
    """Why one selected request cannot take a bulk change; `reference` is blank for requests the user may not see."""

    reference: str
    message: str


class BulkActionError(Exception):
    """A bulk action changed nothing, because of these problems (every one found, not only the first)."""

    def __init__(self, problems: list[BulkProblem]) -> None:
        super().__init__("; ".join(f"{p.reference}: {p.message}" if p.reference else p.message for p in problems))
        self.problems = problems


def _error_text(error: ValidationError) -> str:
    return "; ".join(str(message) for message in error.messages)


def _bulk_requests(*, acting_user: Actor, request_ids: Sequence[int]) -> tuple[list[ServiceRequest], list[BulkProblem]]:
    """The selected requests the user may work on, and a problem naming how many others were selected."""
    wanted = set(request_ids)
    if not wanted:
        raise ValidationError({"requests": "Select at least one request"})
    if len(wanted) > BULK_LIMIT:
        raise ValidationError({"requests": f"Select {BULK_LIMIT} requests or fewer"})
    actor = acting_user if acting_user is not None else AnonymousUser()
    found = list(selectors.staff_visible_requests(acting_user=actor).filter(pk__in=wanted).order_by("reference"))
    problems = []
    hidden = len(wanted) - len(found)
    if hidden:
        problems.append(
            BulkProblem("", f"{hidden} of the selected requests are not in your teams' queues, or no longer exist")
        )
    return found, problems


@transaction.atomic
def service_requests_bulk_assign(
    *,
    acting_user: Actor,
    request_ids: Sequence[int],
    team: Team,
    officer: User | None = None,
    internal_note: str = "",
) -> int:
    """Assign every selected request to a team (and officer), or none of them: returns how many changed.

    Each change goes through service_request_assign (history and audit entry per request);
    requests already with that team and officer are left as they are. Any request the user
    may not work on, or that refuses the change, raises BulkActionError and rolls all back.
    """
    _require_request_staff(acting_user)
    actor = acting_user if acting_user is not None else AnonymousUser()
    if acting_user is not None and not selectors.staff_queue_teams(acting_user=actor).filter(pk=team.pk).exists():
        raise ValidationError({"team": "Choose one of your teams"})
    if officer is not None and not team.members.filter(pk=officer.pk).exists():
        raise ValidationError({"officer": "Choose an officer who is in the team"})
    found, problems = _bulk_requests(acting_user=acting_user, request_ids=request_ids)
    changed = 0
    for service_request in found:
        officer_id = officer.pk if officer is not None else None
        if service_request.assigned_team_id == team.pk and service_request.assigned_officer_id == officer_id:
            continue
        try:
            service_request_assign(
                acting_user=acting_user,
                service_request=service_request,
                team=team,
                officer=officer,
                internal_note=internal_note,
            )
        except ValidationError as error:
            problems.append(BulkProblem(service_request.reference, _error_text(error)))
        else:
            changed += 1
    if problems:
        raise BulkActionError(problems)
    return changed


@transaction.atomic
def service_requests_bulk_status_change(
    *,
    acting_user: Actor,
    request_ids: Sequence[int],
    to: Status | str,
    public_message: str = "",
    internal_note: str = "",
) -> int:
    """Move every selected request to one status, or none of them: returns how many changed.

    Each move goes through service_request_status_change (allowed moves, history, audit);
    a duplicate must name its original, so it is marked one request at a time.
    """
    _require_request_staff(acting_user)
    if to == Status.DUPLICATE:
        raise ValidationError({"status": "Mark duplicates one at a time, from the request's page"})
    found, problems = _bulk_requests(acting_user=acting_user, request_ids=request_ids)
    for service_request in found:
        try:
            service_request_status_change(
                acting_user=acting_user,
                service_request=service_request,
                to=to,
                public_message=public_message,
                internal_note=internal_note,
            )
        except ValidationError as error:
            problems.append(BulkProblem(service_request.reference, _error_text(error)))
    if problems:
        raise BulkActionError(problems)
    return len(found)


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


# --- Area alerts: email me about new public reports in a ward or near a postcode ------------------

AREA_ALERT_RADII_M = (250, 500, 1000, 2000)
AREA_ALERT_CONFIRM_MAX_AGE = dt.timedelta(days=7)
AREA_ALERT_DIGEST_LIMIT = 50  # reports listed in one email; the rest are counted and linked
# Unconfirmed sign-ups per address per day: the form cannot be used to flood someone's inbox.
AREA_ALERT_UNCONFIRMED_PER_DAY = 3
_ALERT_CONFIRM_SALT = "townhall.service_requests.area_alert.confirm"
_ALERT_UNSUBSCRIBE_SALT = "townhall.service_requests.area_alert.unsubscribe"


class AreaAlertTokenError(ValueError):
    """A confirmation or unsubscribe link that was altered, has expired, or names no alert."""


def area_alert_confirm_token(alert: AreaAlert) -> str:
    return signing.dumps(alert.pk, salt=_ALERT_CONFIRM_SALT)


def area_alert_unsubscribe_token(alert: AreaAlert) -> str:
    """Never expires: an alert email of any age must still unsubscribe in one click."""
    return signing.dumps(alert.pk, salt=_ALERT_UNSUBSCRIBE_SALT)


def _area_alert_from_token(token: str, *, salt: str, max_age: dt.timedelta | None) -> AreaAlert:
    try:
        alert_id = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature too
        raise AreaAlertTokenError(str(error)) from None
    alert = selectors.area_alert_get(alert_id=int(alert_id))
    if alert is None:
        raise AreaAlertTokenError("No such alert.")
    return alert


def area_alert_for_unsubscribe(*, token: str) -> AreaAlert:
    """The alert an unsubscribe link names (for the page that asks to confirm), or AreaAlertTokenError."""
    return _area_alert_from_token(token, salt=_ALERT_UNSUBSCRIBE_SALT, max_age=None)


def _area_alert_label(*, ward: Ward | None, radius_m: int | None, postcode: str, category: Category | None) -> str:
    where = f"in {ward.name} ward" if ward is not None else f"within {_distance_label(radius_m or 0)} of {postcode}"
    what = f"{category.name} reports" if category is not None else "New reports"
    return f"{what} {where}"


def _distance_label(metres: int) -> str:
    return f"{metres // 1000} km" if metres >= 1000 and metres % 1000 == 0 else f"{metres} m"


@transaction.atomic
def area_alert_create(
    *,
    email: str,
    user: User | None = None,
    ward: Ward | None = None,
    postcode: str = "",
    radius_m: int | None = None,
    category: Category | None = None,
) -> AreaAlert:
    """Sign someone up for an area alert (a ward, or a radius around a postcode) and email them to confirm it.

    Nothing is sent about reports until the emailed link is followed. Raises ValidationError
    keyed by field (`email`, `ward`, `postcode`, `radius_m`, `category`).
    """
    errors: Errors = {}
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        _add(errors, "email", "Enter an email address in the correct format, like name@example.com", code="invalid")
    if category is not None and not category.is_public:
        _add(errors, "category", "Choose a kind of problem from the list", code="not_public")
    recent = AreaAlert.objects.filter(
        email=email, confirmed_at__isnull=True, created_at__gte=timezone.now() - dt.timedelta(days=1)
    )
    if "email" not in errors and recent.count() >= AREA_ALERT_UNCONFIRMED_PER_DAY:
        message = "We have already sent several confirmation emails to this address today. Use one of those links"
        _add(errors, "email", message, code="too_many")
    centre: tuple[float, float] | None = None
    if ward is None:
        if radius_m not in AREA_ALERT_RADII_M:
            _add(errors, "radius_m", "Choose how far from the postcode", code="invalid")
        try:
            postcode = place_selectors.postcode_normalise(postcode)
            centre = selectors.postcode_centre(postcode=postcode)
        except place_selectors.InvalidPostcodeError:
            if postcode.strip():
                _add(errors, "postcode", "Enter a real postcode, like TS1 2AB", code="invalid")
            else:
                _add(errors, "postcode", "Enter a postcode", code="required")
        else:
            if centre is None:
                _add(errors, "postcode", f"Enter a postcode in the area {_council_name()} looks after", code="unknown")
    if errors:
        raise ValidationError(errors)
    alert = AreaAlert(
        email=email,
        user=user,
        ward=ward,
        centre_lat=centre[0] if centre else None,
        centre_lng=centre[1] if centre else None,
        radius_m=None if ward is not None else radius_m,
        label=_area_alert_label(ward=ward, radius_m=radius_m, postcode=postcode, category=category),
        category=category,
        created_at=timezone.now(),
    )
    alert.full_clean(exclude=["user", "ward", "category"], validate_constraints=False)
    alert.save(force_insert=True)
    link = site_url(reverse("public_reports:alert_confirm", args=[area_alert_confirm_token(alert)]))
    notify.email_enqueue(
        to=email,
        subject=f"Confirm your email alert: {alert.label}",
        text=render_to_string(
            "service_requests/emails/area_alert_confirm.txt",
            {"alert": alert, "link": link, "days": AREA_ALERT_CONFIRM_MAX_AGE.days, "council": _council_name()},
        ),
        idempotency_key=f"area_alert:{alert.pk}:confirm",
        related_type="service_requests.areaalert",
        related_id=alert.pk,
    )
    return alert


def _council_name() -> str:
    return str(settings.TOWNHALL_BRANDING.council_name)


@transaction.atomic
def area_alert_confirm(*, token: str, now: dt.datetime | None = None) -> AreaAlert:
    """Confirm an alert from its emailed link (valid for AREA_ALERT_CONFIRM_MAX_AGE); confirming twice is harmless.

    Reports are sent from the moment of confirmation, never older ones.
    """
    alert = _area_alert_from_token(token, salt=_ALERT_CONFIRM_SALT, max_age=AREA_ALERT_CONFIRM_MAX_AGE)
    alert = AreaAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.confirmed_at is None and alert.unsubscribed_at is None:
        alert.confirmed_at = now or timezone.now()
        alert.save(update_fields=["confirmed_at"])
    return alert


@transaction.atomic
def area_alert_unsubscribe(*, token: str, now: dt.datetime | None = None) -> AreaAlert:
    """Stop an alert from the link in any of its emails; unsubscribing twice is harmless."""
    alert = area_alert_for_unsubscribe(token=token)
    alert = AreaAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.unsubscribed_at is None:
        alert.unsubscribed_at = now or timezone.now()
        alert.save(update_fields=["unsubscribed_at"])
    return alert


def _area_alert_send_one(*, alert_id: int, now: dt.datetime) -> bool:
    """One alert's digest for the reports received since its last one; True when an email was enqueued.

    The alert row is locked, so two runs at once cannot send the same window twice, and the
    window's start names the email (idempotency key), so a retried run cannot either.
    """
    with transaction.atomic():
        alert = selectors.area_alerts_due().select_for_update().filter(pk=alert_id).first()
        if alert is None:
            return False
        since = alert.last_sent_at or alert.confirmed_at
        if since is None or since >= now:
            return False
        reports = selectors.area_alert_reports(alert=alert, since=since, until=now)
        alert.last_sent_at = now
        alert.save(update_fields=["last_sent_at"])
        if not reports:
            return False
        unsubscribe = site_url(reverse("public_reports:alert_unsubscribe", args=[area_alert_unsubscribe_token(alert)]))
        shown = [
            (report, site_url(reverse("report:track", args=[report.reference])))
            for report in reports[:AREA_ALERT_DIGEST_LIMIT]
        ]
        count = len(reports)
        notify.email_enqueue(
            to=alert.email,
            subject=f"{count} new report{'s' if count != 1 else ''}: {alert.label}",
            text=render_to_string(
                "service_requests/emails/area_alert_digest.txt",
                {
                    "alert": alert,
                    "reports": shown,
                    "more": count - len(shown),
                    "list_url": site_url(reverse("public_reports:list")),
                    "unsubscribe_url": unsubscribe,
                    "council": _council_name(),
                },
            ),
            idempotency_key=f"area_alert:{alert.pk}:digest:{since.timestamp():.6f}",
            unsubscribe_url=unsubscribe if unsubscribe.startswith("https://") else "",
            related_type="service_requests.areaalert",
            related_id=alert.pk,
        )
        return True


def area_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Email every confirmed alert the new public reports in its area since its last email; return emails sent.

    Run it regularly (`townhall alerts send`, e.g. every 15 minutes from cron or a systemd
    timer). Each alert is its own transaction, so one failure does not hold back the rest.
    """
    now = now or timezone.now()
    alert_ids = list(selectors.area_alerts_due().values_list("pk", flat=True))
    return sum(_area_alert_send_one(alert_id=alert_id, now=now) for alert_id in alert_ids)
