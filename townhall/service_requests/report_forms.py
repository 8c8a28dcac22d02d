"""Forms for the resident reporting journey at /report/: one question per page, GOV.UK wording.

They parse what the resident typed; the rules about answers live in the Question
definitions and are checked by services.answers_clean, so the journey, Open311 and the
API refuse exactly the same things.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from townhall.places import selectors as place_selectors
from townhall.places.models import Address
from townhall.service_requests import services
from townhall.service_requests.constants import (
    DESCRIPTION_MAX_LENGTH,
    STRING_ANSWER_MAX_LENGTH,
    TEXT_ANSWER_MAX_LENGTH,
    Datatype,
)
from townhall.service_requests.models import Category, Question
from townhall.service_requests.photos import PreparedPhoto

_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm)?$", re.IGNORECASE)


class ReportForm(forms.Form):
    """No maxlength attributes: a browser would cut pasted text short without saying so (GOV.UK advice).

    The length limits are still checked on the server and shown as errors.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._drop_maxlength()

    def _drop_maxlength(self) -> None:
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)


def _grouped_choices(categories: list[Category]) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in categories:
        groups.setdefault(category.group.name, []).append((str(category.pk), category.name))
    return list(groups.items())


class CategoryChoiceForm(ReportForm):
    category = forms.ChoiceField(
        label="What is the problem?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the problem you want to report",
            "invalid_choice": "Select the problem you want to report",
        },
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {str(category.pk): category for category in categories}
        cast(forms.ChoiceField, self.fields["category"]).choices = _grouped_choices(categories)

    def chosen(self) -> Category:
        return self.categories[self.cleaned_data["category"]]


class PostcodeForm(ReportForm):
    postcode = forms.CharField(
        label="What is the postcode where the problem is?",
        help_text="Give the postcode of the nearest address, for example TS1 2AB",
        max_length=20,
        error_messages={"required": "Enter a postcode", "max_length": "Enter a real postcode, like TS1 2AB"},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )

    def clean_postcode(self) -> str:
        try:
            return place_selectors.postcode_normalise(self.cleaned_data["postcode"])
        except place_selectors.InvalidPostcodeError:
            raise ValidationError("Enter a real postcode, like TS1 2AB", code="invalid") from None


class AddressSearchForm(ReportForm):
    query = forms.CharField(
        label="Search for the street or place",
        help_text="For example, 12 Station Road or Station Road, Demoton",
        max_length=100,
        error_messages={
            "required": "Enter a street name, address or postcode",
            "max_length": "Search must be 100 characters or fewer",
        },
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )


def email_field(
    *, label: str, help_text: str = "", required: bool = True, autocomplete: str = "email"
) -> forms.EmailField:
    """An email address field with the GOV.UK error messages, for every form that asks for one."""
    messages = {
        "invalid": "Enter an email address in the correct format, like name@example.com",
        "max_length": "Email address must be 254 characters or fewer",
    }
    if required:
        messages["required"] = "Enter your email address"
    return forms.EmailField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=254,
        error_messages=messages,
        widget=forms.EmailInput(attrs={"autocomplete": autocomplete, "spellcheck": "false"}),
    )


class AddressChoiceForm(ReportForm):
    uprn = forms.ChoiceField(
        label="Select the address nearest the problem",
        widget=forms.RadioSelect,
        error_messages={"required": "Select an address", "invalid_choice": "Select an address"},
    )

    def __init__(self, *args: Any, addresses: list[Address], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addresses = {str(address.uprn): address for address in addresses}
        cast(forms.ChoiceField, self.fields["uprn"]).choices = [
            (str(address.uprn), address.single_line) for address in addresses
        ]

    def chosen(self) -> Address:
        return self.addresses[self.cleaned_data["uprn"]]

    def chosen_location(self) -> dict[str, Any] | None:
        """The chosen address as a draft's location, or None (with the error added) when no ward contains it."""
        chosen = self.chosen()
        ward = place_selectors.ward_for_point(lat=chosen.lat, lng=chosen.lng)
        if ward is None:
            self.add_error("uprn", services.outside_borough_message())
            return None
        return {
            "uprn": chosen.uprn,
            "lat": chosen.lat,
            "lng": chosen.lng,
            "address": chosen.single_line,
            "ward": ward.name,
        }


class DateTimeWidget(forms.MultiWidget):
    """Day, month, year and an optional time: rendered by report/_date_time_field.html as GOV.UK date input."""

    def __init__(self) -> None:
        super().__init__(widgets=[forms.TextInput(), forms.TextInput(), forms.TextInput(), forms.TextInput()])

    def decompress(self, value: Any) -> list[str]:
        return list(value) if isinstance(value, list | tuple) else ["", "", "", ""]

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else ""


def _parse_time(text: str) -> dt.time | None:
    match = _TIME.match(text.strip().replace(" ", ""))
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"].lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


class DateTimeAnswerField(forms.MultiValueField):
    """A date (and optional time) answer, given to the service as "YYYY-MM-DDTHH:MM" (London time)."""

    widget = DateTimeWidget

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        self.question_label = label
        fields = (forms.CharField(), forms.CharField(), forms.CharField(), forms.CharField())
        kwargs["required"] = False  # the service decides what is required
        super().__init__(fields=fields, require_all_fields=False, label=label, **kwargs)

    def clean(self, value: Any) -> str:
        parts = [str(part or "").strip() for part in (value or ["", "", "", ""])]
        day, month, year, time_text = ([*parts, "", "", "", ""])[:4]
        if not any(parts):
            return ""
        if not (day and month and year):
            raise ValidationError(f"Enter a day, month and year for: {self.question_label}", code="incomplete")
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"Enter a real date for: {self.question_label}", code="invalid_date") from None
        if len(year) != 4:
            raise ValidationError(f"Enter the year with 4 digits for: {self.question_label}", code="invalid_year")
        moment = dt.time(0, 0)
        if time_text:
            parsed = _parse_time(time_text)
            if parsed is None:
                raise ValidationError(
                    f"Enter a real time, like 14:30 or 2:30pm, for: {self.question_label}", code="invalid_time"
                )
            moment = parsed
        return dt.datetime.combine(date, moment).strftime("%Y-%m-%dT%H:%M")

    def compress(self, data_list: list[Any]) -> str:  # clean() is overridden; kept for the interface
        return ""


@dataclass(frozen=True)
class QuestionRow:
    field: forms.BoundField
    is_date: bool
    date_parts: tuple[str, str, str, str]


def _label(question: Question) -> str:
    return question.label if question.required else f"{question.label} (optional)"


def _question_field(question: Question) -> forms.Field:
    common: dict[str, Any] = {"label": _label(question), "help_text": question.hint, "required": False}
    datatype = question.datatype
    choices = [(choice.key, choice.name) for choice in question.choices.all()]
    if datatype == Datatype.SINGLEVALUELIST:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if datatype == Datatype.MULTIVALUELIST:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if datatype == Datatype.DATETIME:
        if not question.hint:
            common["help_text"] = "For example, 27 3 2026. Add a time if you know it, for example 14:30"
        return DateTimeAnswerField(**common)
    if datatype == Datatype.NUMBER:
        return forms.CharField(
            widget=forms.TextInput(
                attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}
            ),
            max_length=30,
            **common,
        )
    if datatype == Datatype.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_ANSWER_MAX_LENGTH, **common)
    return forms.CharField(max_length=STRING_ANSWER_MAX_LENGTH, **common)


class AnswersForm(ReportForm):
    """The category's extra questions on one page; answers are checked against the Question definitions."""

    def __init__(self, *args: Any, category: Category, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        self.questions = questions
        for question in questions:
            field = _question_field(question)
            field.error_messages = {
                **field.error_messages,
                "invalid_choice": f"Select from the choices given for: {question.label}",
            }
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = (
                    f"The answer to {question.label} must be {field.max_length} characters or fewer"
                )
            self.fields[question.code] = field
        self._drop_maxlength()

    @property
    def rows(self) -> list[QuestionRow]:
        rows = []
        for name in self.fields:
            bound = self[name]
            is_date = isinstance(bound.field, DateTimeAnswerField)
            parts: tuple[str, str, str, str] = ("", "", "", "")
            if is_date:
                value = bound.value()
                if isinstance(value, list | tuple):
                    padded = [str(part or "") for part in value] + ["", "", "", ""]
                    parts = (padded[0], padded[1], padded[2], padded[3])
            rows.append(QuestionRow(field=bound, is_date=is_date, date_parts=parts))
        return rows

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        answers = {code: value for code, value in cleaned.items() if value not in ("", [], None)}
        try:
            services.answers_clean(category=self.category, answers=answers)
        except ValidationError as error:
            for problem in error.error_dict.get("answers", []):
                code = (problem.params or {}).get("question")
                self.add_error(code if code in self.fields else None, problem)
        return cleaned

    def answers(self) -> dict[str, str | list[str]]:
        """Non-blank answers, as the service takes them (strings, lists for multi value lists)."""
        return {code: value for code, value in self.cleaned_data.items() if value not in ("", [], None)}

    @staticmethod
    def initial_for(questions: list[Question], answers: dict[str, Any]) -> dict[str, Any]:
        """Form initial values from stored answers (dates back into day, month, year and time)."""
        initial: dict[str, Any] = {}
        for question in questions:
            value = answers.get(question.code)
            if value in (None, "", []):
                continue
            if question.datatype == Datatype.DATETIME and isinstance(value, str):
                moment = dt.datetime.fromisoformat(value)
                time_text = f"{moment:%H:%M}" if (moment.hour, moment.minute) != (0, 0) else ""
                initial[question.code] = [str(moment.day), str(moment.month), str(moment.year), time_text]
            else:
                initial[question.code] = value
        return initial


class DescriptionForm(ReportForm):
    description = forms.CharField(
        label="Describe the problem",
        help_text="Say what the problem is and exactly where it is, for example outside number 12, by the bus "
        "stop. Do not include personal information such as names or phone numbers.",
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Enter a description of the problem",
            "max_length": f"Description must be {DESCRIPTION_MAX_LENGTH} characters or fewer",
        },
    )


class ContactForm(ReportForm):
    name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter your full name", "max_length": "Name must be 200 characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    email = email_field(label="Email address", help_text="We will send you a confirmation and tell you about progress")
    phone = forms.CharField(
        label="Phone number (optional)",
        help_text="Only if you are happy for us to call you about this report",
        required=False,
        max_length=30,
        error_messages={"max_length": "Enter a telephone number, like 01632 960 001 or 07700 900 982"},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        phone = " ".join(str(self.cleaned_data.get("phone", "")).split())
        if phone and not services.phone_is_valid(phone):
            raise ValidationError("Enter a telephone number, like 01632 960 001 or 07700 900 982", code="invalid")
        return phone


class PhotoForm(ReportForm):
    """One photo at a time (works without JavaScript); photos.photo_prepare checks the content."""

    photo = forms.FileField(
        label="Upload a photo",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic"}),
        error_messages={"invalid": "The selected file could not be uploaded: try again"},
    )

    def clean_photo(self) -> PreparedPhoto | None:
        upload = self.cleaned_data.get("photo")
        return services.photo_prepare(upload) if upload else None


class FollowEmailForm(ReportForm):
    email = email_field(
        label="What is your email address?",
        help_text="We will send you a link to confirm you want updates on this report",
    )


class ReporterUpdateForm(PhotoForm):
    message = forms.CharField(
        label="Add an update",
        help_text="For example, the problem has got worse. Do not include personal information.",
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter your update",
            "max_length": f"Your update must be {DESCRIPTION_MAX_LENGTH} characters or fewer",
        },
    )
    field_order = ("message", "photo")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo"].label = "Add a photo (optional)"
        self.order_fields(self.field_order)


class ReopenForm(ReportForm):
    reason = forms.CharField(
        label="Why are you reopening this report?",
        help_text="For example, the pothole has opened up again",
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter why you are reopening the report",
            "max_length": f"Your reason must be {DESCRIPTION_MAX_LENGTH} characters or fewer",
        },
    )
