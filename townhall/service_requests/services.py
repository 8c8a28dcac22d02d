"""Every write to the service catalogue and to service requests.

The staff catalogue editor, the demo generator, and later the resident journey, the
back office, Open311 and the API all come through here, so validation, routing, SLA
and audit behave the same whichever door a change used. Each function is one
transaction: the change, its history and its audit entry commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Team, User
from townhall.accounts.permissions import has_role, is_council_staff
from townhall.audit.services import audit_record
from townhall.notify import services as notify
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
    Category,
    CategoryGroup,
    Question,
    QuestionChoice,
    ReferenceCounter,
    RequestAnswer,
    RequestUpdate,
    RoutingRule,
    ServiceRequest,
)

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
        if not category.anonymous_allowed:
            _add(errors, "reporter", "Sign in to report this problem", code="sign_in_required")
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
) -> ServiceRequest:
    """Record a new service request: validate, locate, route, set its SLA, number it, and audit staff entries.

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
        recorded_by=staff_actor if channel in ASSISTED_CHANNELS else None,
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
    _after_create(request)
    return request


def _after_create(request: ServiceRequest) -> None:
    """The new request's outbox messages, written in the creating transaction (sent after commit, retried).

    Today: the acknowledgement email to the reporter (the account's address, else the
    contact email), when there is one. The back-office webhook comes with per-category
    endpoints. A request received more than ACKNOWLEDGEMENT_WINDOW ago is history being
    loaded (imports, the demo generator), and nobody is told today that we have it.
    """
    if request.received_at < timezone.now() - ACKNOWLEDGEMENT_WINDOW:
        return
    to = request.reporter.email if request.reporter is not None else request.contact_email
    if not to:
        return
    message = acknowledgement_email(request)
    notify.email_enqueue(
        to=to,
        subject=message.subject,
        text=message.text,
        idempotency_key=f"service_request:{request.reference}:acknowledgement",
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
