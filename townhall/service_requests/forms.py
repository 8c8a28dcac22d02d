"""Forms for the staff catalogue editor. They parse input into the services' specs; they never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from townhall.accounts.models import Team
from townhall.places.models import Ward
from townhall.service_requests import selectors
from townhall.service_requests.constants import (
    CODE_MAX_LENGTH,
    LIST_DATATYPES,
    MAX_DUPLICATE_RADIUS_M,
    MAX_HANDLING_MINUTES,
    Datatype,
    PhotoPolicy,
    Priority,
    SlaUnit,
)
from townhall.service_requests.models import Category, CategoryGroup, Question, RoutingRule, validate_code
from townhall.service_requests.services import CategoryDetails, ChoiceSpec, QuestionDetails

_CODE_WIDGET = forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", "autocapitalize": "none"})


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: beside the field it names, else at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class CategoryGroupForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="For example, Roads and pavements",
        error_messages={"required": "Enter a name", "max_length": "Name must be 100 characters or fewer"},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=300,
        error_messages={"max_length": "Description must be 300 characters or fewer"},
    )
    order = forms.IntegerField(
        label="Position in the list",
        min_value=0,
        max_value=1000,
        initial=0,
        help_text="Groups with lower numbers are listed first",
        error_messages={
            "required": "Enter a position, like 10",
            "invalid": "Position must be a whole number, like 10",
            "min_value": "Position must be 0 or more",
            "max_value": "Position must be 1000 or less",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    @classmethod
    def for_group(cls, group: CategoryGroup, data: Any = None) -> CategoryGroupForm:
        return cls(data, initial={"name": group.name, "description": group.description, "order": group.order})


def _yes_no(label: str, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, help_text=help_text, required=False)


class CategoryForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What residents see, for example Pothole",
        error_messages={"required": "Enter a name", "max_length": "Name must be 100 characters or fewer"},
    )
    service_code = forms.CharField(
        label="Service code",
        max_length=CODE_MAX_LENGTH,
        validators=[validate_code],
        help_text="Used by Open311 and the API, for example pothole. Lower case letters, numbers, hyphens and "
        "underscores. Client systems rely on it, so change it only if you must.",
        error_messages={
            "required": "Enter a service code",
            "max_length": f"Service code must be {CODE_MAX_LENGTH} characters or fewer",
        },
        widget=_CODE_WIDGET,
    )
    group = forms.ModelChoiceField(
        label="Group",
        queryset=CategoryGroup.objects.none(),
        empty_label="Select a group",
        error_messages={"required": "Select a group", "invalid_choice": "Select a group"},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        help_text="Shown to residents choosing a category",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    keywords = forms.CharField(
        label="Search keywords (optional)",
        required=False,
        max_length=300,
        help_text="Other words residents might use, separated by commas, for example hole, crater",
        error_messages={"max_length": "Keywords must be 300 characters or fewer"},
    )
    default_team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        empty_label="Select a team",
        help_text="The team that handles these requests, unless a ward rule sends them elsewhere",
        error_messages={"required": "Select a team", "invalid_choice": "Select a team"},
    )
    default_priority = forms.TypedChoiceField(
        label="Priority",
        choices=Priority.choices,
        coerce=int,
        initial=Priority.NORMAL,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a priority", "invalid_choice": "Select a priority"},
    )
    sla_unit = forms.ChoiceField(
        label="Count the SLA in",
        choices=SlaUnit.choices,
        initial=SlaUnit.WORKING_DAYS,
        widget=forms.RadioSelect,
        help_text="Working days skip weekends and bank holidays: day 1 is the first working day after the report "
        "arrives. Use hours for urgent problems; they count around the clock.",
        error_messages={"required": "Select working days or hours", "invalid_choice": "Select working days or hours"},
    )
    sla_amount = forms.IntegerField(
        label="SLA target",
        min_value=1,
        initial=10,
        help_text="How many working days or hours, for example 5",
        error_messages={
            "required": "Enter the SLA target, like 5",
            "invalid": "SLA target must be a whole number, like 5",
            "min_value": "SLA target must be at least 1",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    duplicate_radius_m = forms.IntegerField(
        label="Look for similar reports within (metres)",
        min_value=0,
        max_value=MAX_DUPLICATE_RADIUS_M,
        initial=50,
        help_text="Before a report is sent, residents are shown open reports in this category this close; "
        "0 turns this off",
        error_messages={
            "required": "Enter a distance in metres, like 50",
            "invalid": "Distance must be a whole number of metres, like 50",
            "min_value": "Distance must be 0 or more",
            "max_value": f"Distance must be {MAX_DUPLICATE_RADIUS_M} metres or less",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    handling_minutes = forms.IntegerField(
        label="Average handling time (minutes)",
        min_value=1,
        max_value=MAX_HANDLING_MINUTES,
        initial=30,
        help_text="Officer time one request usually takes, from receipt to closure; "
        "forecasts use it to estimate the staff hours demand will need",
        error_messages={
            "required": "Enter the average handling time in minutes, like 30",
            "invalid": "Handling time must be a whole number of minutes, like 30",
            "min_value": "Handling time must be at least 1 minute",
            "max_value": f"Handling time must be {MAX_HANDLING_MINUTES} minutes or less",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    photos = forms.ChoiceField(
        label="Photos",
        choices=PhotoPolicy.choices,
        initial=PhotoPolicy.OPTIONAL,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether photos are allowed", "invalid_choice": "Select an option"},
    )
    active = _yes_no("Taking new reports")
    is_public = _yes_no(
        "Show reports publicly", "Untick for sensitive categories: their reports never appear in public lists or maps"
    )
    anonymous_allowed = _yes_no("Residents can report without signing in", "They confirm their report by email")
    pause_sla_while_waiting = _yes_no("Pause the SLA clock while waiting for the resident")
    council_responsible = _yes_no(
        "The council is responsible for this", "Untick to send residents to the right organisation instead"
    )
    referral_body_name = forms.CharField(
        label="Who is responsible instead",
        required=False,
        max_length=200,
        help_text="Only if the council is not responsible, for example National Highways",
        error_messages={"max_length": "Name must be 200 characters or fewer"},
    )
    referral_url = forms.URLField(
        label="Their website",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address, like https://nationalhighways.co.uk"},
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )
    referral_message = forms.CharField(
        label="Message to residents",
        required=False,
        help_text="Tell residents who to contact and how",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = selectors.category_groups()  # type: ignore[attr-defined]
        self.fields["default_team"].queryset = selectors.teams()  # type: ignore[attr-defined]

    @classmethod
    def blank(cls, data: Any = None) -> CategoryForm:
        """A new category: active, public and open to anonymous reports unless the administrator says otherwise."""
        initial = {"active": True, "is_public": True, "anonymous_allowed": True, "council_responsible": True}
        return cls(data, initial=initial)

    @classmethod
    def for_category(cls, category: Category, data: Any = None) -> CategoryForm:
        initial: dict[str, Any] = {
            name: getattr(category, name) for name in CategoryDetails.__dataclass_fields__ if name != "group"
        }
        initial["group"] = category.group_id
        team = selectors.category_default_team(category=category)
        initial["default_team"] = team.pk if team is not None else None
        return cls(data, initial=initial)

    def details(self) -> CategoryDetails:
        data = self.cleaned_data
        return CategoryDetails(**{name: data[name] for name in CategoryDetails.__dataclass_fields__})

    def chosen_team(self) -> Team:
        team: Team = self.cleaned_data["default_team"]
        return team


class QuestionForm(forms.Form):
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.none(),
        empty_label="Select a category",
        error_messages={"required": "Select a category", "invalid_choice": "Select a category"},
    )
    label = forms.CharField(
        label="Question",
        max_length=300,
        help_text="As residents will read it, for example How deep is the pothole?",
        error_messages={"required": "Enter the question", "max_length": "Question must be 300 characters or fewer"},
    )
    code = forms.CharField(
        label="Code",
        max_length=CODE_MAX_LENGTH,
        validators=[validate_code],
        help_text="The Open311 attribute code, for example depth. Unique within the category.",
        error_messages={
            "required": "Enter a code",
            "max_length": f"Code must be {CODE_MAX_LENGTH} characters or fewer",
        },
        widget=_CODE_WIDGET,
    )
    hint = forms.CharField(
        label="Hint (optional)",
        required=False,
        max_length=300,
        help_text="Shown under the question, for example Measure from the road surface",
        error_messages={"max_length": "Hint must be 300 characters or fewer"},
    )
    datatype = forms.ChoiceField(
        label="Type of answer",
        choices=Datatype.choices,
        initial=Datatype.STRING,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of answer", "invalid_choice": "Select the type of answer"},
    )
    choices = forms.CharField(
        label="Choices (for list questions)",
        required=False,
        help_text="One per line. Write key | name, for example shallow | Less than 4cm deep, or just the name and "
        "the key is made from it.",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    required = forms.BooleanField(label="Residents must answer this question", required=False)
    order = forms.IntegerField(
        label="Position",
        min_value=1,
        max_value=1000,
        initial=1,
        help_text="Questions with lower numbers are asked first",
        error_messages={
            "required": "Enter a position, like 1",
            "invalid": "Position must be a whole number, like 1",
            "min_value": "Position must be 1 or more",
            "max_value": "Position must be 1000 or less",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.categories()  # type: ignore[attr-defined]

    @classmethod
    def for_question(cls, question: Question, data: Any = None) -> QuestionForm:
        lines = [f"{choice.key} | {choice.name}" for choice in question.choices.all()]
        initial = {
            "category": question.category_id,
            "label": question.label,
            "code": question.code,
            "hint": question.hint,
            "datatype": question.datatype,
            "choices": "\n".join(lines),
            "required": question.required,
            "order": question.order,
        }
        form = cls(data, initial=initial)
        form.fields["category"].disabled = True  # a question stays with its category
        return form

    def clean_choices(self) -> tuple[ChoiceSpec, ...]:
        parsed = []
        for number, line in enumerate(str(self.cleaned_data["choices"]).splitlines(), start=1):
            if not line.strip():
                continue
            key, bar, name = line.partition("|")
            if not bar:
                name, key = key, slugify(key).replace("-", "_")[:CODE_MAX_LENGTH]
            key, name = key.strip().lower(), name.strip()
            if not key or not name:
                raise ValidationError(f"Line {number} needs a key and a name, like shallow | Less than 4cm deep")
            parsed.append(ChoiceSpec(key=key, name=name))
        return tuple(parsed)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("datatype") in LIST_DATATYPES and "choices" in cleaned and not cleaned["choices"]:
            self.add_error("choices", "Enter at least one choice for a list question")
        if cleaned.get("datatype") not in LIST_DATATYPES and cleaned.get("choices"):
            self.add_error("choices", "Only list questions have choices: remove them or choose a list type")
        return cleaned

    def details(self) -> QuestionDetails:
        data = self.cleaned_data
        return QuestionDetails(
            code=data["code"],
            label=data["label"],
            datatype=data["datatype"],
            hint=data["hint"],
            required=data["required"],
            order=data["order"],
            choices=data["choices"],
        )


class RoutingRuleForm(forms.Form):
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.none(),
        empty_label="Select a category",
        error_messages={"required": "Select a category", "invalid_choice": "Select a category"},
    )
    ward = forms.ModelChoiceField(
        label="Ward",
        queryset=Ward.objects.none(),
        empty_label="Select a ward",
        error_messages={"required": "Select a ward", "invalid_choice": "Select a ward"},
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        empty_label="Select a team",
        help_text="Requests in this category from this ward go to this team instead of the default team",
        error_messages={"required": "Select a team", "invalid_choice": "Select a team"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.categories()  # type: ignore[attr-defined]
        self.fields["ward"].queryset = selectors.wards()  # type: ignore[attr-defined]
        self.fields["team"].queryset = selectors.teams()  # type: ignore[attr-defined]

    @classmethod
    def for_rule(cls, rule: RoutingRule, data: Any = None) -> RoutingRuleForm:
        form = cls(data, initial={"category": rule.category_id, "ward": rule.ward_id, "team": rule.team_id})
        form.fields["category"].disabled = True
        if rule.ward_id is None:
            del form.fields["ward"]  # the default rule covers every ward
        return form
