"""The service catalogue: groups, categories, questions, routing rules and response templates.

Administrators edit it at /staff/catalogue/; `acting_user=None` is Townhall itself (demo, imports).
Every write is audited with the names of the fields that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import Team
from townhall.audit.services import audit_record
from townhall.places.models import Ward
from townhall.service_requests.constants import (
    ACTION_CATEGORY_CREATED,
    ACTION_CATEGORY_UPDATED,
    ACTION_GROUP_CREATED,
    ACTION_GROUP_UPDATED,
    ACTION_QUESTION_CREATED,
    ACTION_QUESTION_DELETED,
    ACTION_QUESTION_UPDATED,
    ACTION_ROUTING_RULE_CREATED,
    ACTION_ROUTING_RULE_DELETED,
    ACTION_ROUTING_RULE_UPDATED,
    LIST_DATATYPES,
    MAX_SLA_HOURS,
    MAX_SLA_WORKING_DAYS,
    OBJECT_CATEGORY,
    OBJECT_GROUP,
    OBJECT_QUESTION,
    OBJECT_ROUTING_RULE,
    Datatype,
    PhotoPolicy,
    Priority,
    SlaUnit,
    Status,
)
from townhall.service_requests.models import (
    Category,
    CategoryGroup,
    Question,
    QuestionChoice,
    ResponseTemplate,
    RoutingRule,
)
from townhall.service_requests.services._shared import Actor, changed_fields, changes_reason, require_catalogue_editor

# --- Groups ------------------------------------------------------------------------------------


@transaction.atomic
def category_group_create(*, acting_user: Actor, name: str, description: str = "", order: int = 0) -> CategoryGroup:
    require_catalogue_editor(acting_user)
    group = CategoryGroup(name=name.strip(), description=description.strip(), order=order)
    group.full_clean()
    group.save()
    audit_record(actor=acting_user, action=ACTION_GROUP_CREATED, object_type=OBJECT_GROUP, object_id=group.pk)
    return group


@transaction.atomic
def category_group_update(
    *, acting_user: Actor, group: CategoryGroup, name: str, description: str = "", order: int = 0
) -> CategoryGroup:
    require_catalogue_editor(acting_user)
    locked = CategoryGroup.objects.select_for_update().get(pk=group.pk)
    before = {"name": locked.name, "description": locked.description, "order": locked.order}
    after = {"name": name.strip(), "description": description.strip(), "order": order}
    changed = changed_fields(before, after)
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
            reason=changes_reason(changed),
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
    require_catalogue_editor(acting_user)
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
    require_catalogue_editor(acting_user)
    locked = Category.objects.select_for_update().get(pk=category.pk)
    after = details.cleaned()
    before = {name: getattr(locked, name) for name in after}
    changed = changed_fields(before, after)
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
            reason=changes_reason(changed),
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
    require_catalogue_editor(acting_user)
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
    require_catalogue_editor(acting_user)
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
    changed = changed_fields(before, after)
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
            reason=changes_reason(changed),
        )
    return locked


@transaction.atomic
def question_delete(*, acting_user: Actor, question: Question) -> None:
    require_catalogue_editor(acting_user)
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
    require_catalogue_editor(acting_user)
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
    require_catalogue_editor(acting_user)
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
            reason=f"{changes_reason(changed)} Ward {locked.ward.code if locked.ward else 'default'}, "
            f"team {locked.team.slug}.",
        )
    return locked


@transaction.atomic
def routing_rule_delete(*, acting_user: Actor, rule: RoutingRule) -> None:
    """Remove a ward rule (that ward falls back to the default team). The default rule cannot go."""
    require_catalogue_editor(acting_user)
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


# --- Response templates (administrators edit them under /staff/catalogue/templates/) -------------

ACTION_RESPONSE_TEMPLATE_CREATED = "catalogue.response_template.created"
ACTION_RESPONSE_TEMPLATE_UPDATED = "catalogue.response_template.updated"
OBJECT_RESPONSE_TEMPLATE = "service_requests.response_template"


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
    changed = changed_fields({name: getattr(template, name) for name in after}, after)
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
    require_catalogue_editor(acting_user)
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
    require_catalogue_editor(acting_user)
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
            reason=changes_reason(changed),
        )
    return locked
