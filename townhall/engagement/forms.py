"""Forms for responding and for the staff pages. They parse input; the services check the rules again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from townhall.engagement import services
from townhall.engagement.constants import MAX_TEXT_ANSWER, QuestionKind
from townhall.engagement.models import Consultation, Question, Response
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"]


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError beside the field it names, else at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


# --- responding ------------------------------------------------------------------------------------------


class ResponseForm(forms.Form):
    """One field per question (`question_<id>`), plus an optional email for people without an account."""

    def __init__(
        self, *args: Any, questions: list[Question], signed_in: bool, previous: Response | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        initial = _initial_answers(previous) if previous is not None else {}
        for question in questions:
            name = f"question_{question.pk}"
            label = question.text if question.required else f"{question.text} (optional)"
            required_message = {"required": f"Answer the question: {question.text}"}
            choices = [(str(option.pk), option.label) for option in question.options.all()]
            field: forms.Field
            if question.kind == QuestionKind.SINGLE:
                field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, error_messages=required_message)
            elif question.kind == QuestionKind.MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=choices, widget=forms.CheckboxSelectMultiple, error_messages=required_message
                )
            else:
                field = forms.CharField(
                    max_length=MAX_TEXT_ANSWER,
                    widget=forms.Textarea(attrs={"rows": 5}),
                    error_messages={
                        **required_message,
                        "max_length": f"Your answer must be {MAX_TEXT_ANSWER} characters or fewer",
                    },
                )
            field.label = label
            field.required = question.required
            field.help_text = question.hint
            if name in initial:
                field.initial = initial[name]
            self.fields[name] = field
        if not signed_in:
            self.fields["email"] = forms.EmailField(
                label="Email address (optional)",
                required=False,
                help_text="We will email you a receipt with your reference. We do not use it for anything else.",
                widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
                error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
            )

    def answers(self) -> dict[int, services.AnswerValue]:
        answers: dict[int, services.AnswerValue] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"question_{question.pk}")
            if question.kind == QuestionKind.SINGLE:
                if value:
                    answers[question.pk] = int(value)
            elif question.kind == QuestionKind.MULTIPLE:
                answers[question.pk] = [int(choice) for choice in value or []]
            else:
                answers[question.pk] = value or ""
        return answers


def _initial_answers(response: Response) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for answer in response.answers.all():
        name = f"question_{answer.question_id}"
        if answer.option_id is not None:
            initial.setdefault(name, []).append(str(answer.option_id))
        else:
            initial[name] = answer.text
    for question in response.consultation.questions.all():
        name = f"question_{question.pk}"
        if question.kind == QuestionKind.SINGLE and isinstance(initial.get(name), list):
            initial[name] = initial[name][0]
    return initial


class PublicFilterForm(forms.Form):
    ward = forms.ModelChoiceField(
        queryset=Ward.objects.order_by("name"),
        required=False,
        empty_label="All wards",
        label="Ward",
        error_messages={"invalid_choice": "Choose a ward from the list"},
    )


# --- staff -----------------------------------------------------------------------------------------------


def _date(label: str, help_text: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        error_messages={
            "invalid": f"{label} must be a real date, for example 2027-03-31",
            "required": f"Enter the {label.lower()}",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def opening_moment(day: dt.date) -> dt.datetime:
    """A consultation opens at the start of its first day (council time)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def closing_moment(day: dt.date) -> dt.datetime:
    """It closes at 11:59pm on its last day (council time)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


class ConsultationForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    slug = forms.SlugField(
        label="Web address",
        max_length=100,
        help_text="The end of its address, like town-centre-parking. Lower case letters, numbers and hyphens.",
        error_messages={
            "required": "Enter the web address",
            "invalid": "The web address can only have lower case letters, numbers and hyphens",
        },
    )
    summary = forms.CharField(
        max_length=300,
        help_text="One or two sentences, shown in lists.",
        error_messages={"required": "Enter a summary"},
    )
    body = forms.CharField(
        label="What we are proposing",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Separate paragraphs with a blank line.",
        error_messages={"required": "Enter what the council is proposing"},
    )
    wards = forms.ModelMultipleChoiceField(
        queryset=Ward.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for a borough-wide consultation.",
    )
    category_group = forms.ModelChoiceField(
        queryset=CategoryGroup.objects.order_by("order", "name"),
        required=False,
        label="Service (optional)",
        empty_label="Not about one service",
        help_text="Residents who follow this service will have it suggested to them.",
    )
    opens_on = _date("Opening date", "It opens at the start of this day, for example 2027-03-01.")
    closes_on = _date("Closing date", "It closes at 11:59pm on this day, for example 2027-03-31.")

    @classmethod
    def for_consultation(cls, consultation: Consultation) -> dict[str, Any]:
        return {
            "title": consultation.title,
            "slug": consultation.slug,
            "summary": consultation.summary,
            "body": consultation.body,
            "wards": list(consultation.wards.all()),
            "category_group": consultation.category_group,
            "opens_on": timezone.localtime(consultation.opens_at).date(),
            "closes_on": timezone.localtime(consultation.closes_at).date(),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "The closing date must be on or after the opening date")
        return cleaned

    def details(self, *, keep_opening: dt.datetime | None = None) -> services.ConsultationDetails:
        """The service's input. `keep_opening`: an open consultation keeps its exact opening moment."""
        data = self.cleaned_data
        opens_at = opening_moment(data["opens_on"])
        if keep_opening is not None and timezone.localtime(keep_opening).date() == data["opens_on"]:
            opens_at = keep_opening
        return services.ConsultationDetails(
            title=data["title"],
            slug=data["slug"],
            summary=data["summary"],
            body=data["body"],
            opens_at=opens_at,
            closes_at=closing_moment(data["closes_on"]),
            wards=list(data["wards"]),
            category_group=data["category_group"],
        )


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", max_length=300, error_messages={"required": "Enter the question"})
    hint = forms.CharField(label="Hint (optional)", max_length=300, required=False)
    kind = forms.ChoiceField(
        label="Kind of answer", choices=QuestionKind.choices, initial=QuestionKind.SINGLE, required=False
    )
    options = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For radios and checkboxes: one option a line.",
    )
    required = forms.BooleanField(label="An answer is required", required=False)

    def has_changed(self) -> bool:
        """A blank extra question is unchanged even when the browser sent its default kind (or none)."""
        return any(name in self.changed_data for name in ("text", "hint", "options", "required"))

    def spec(self) -> services.QuestionSpec:
        data = self.cleaned_data
        return services.QuestionSpec(
            text=data["text"],
            hint=data["hint"],
            kind=data["kind"] or QuestionKind.SINGLE,
            required=data["required"],
            options=tuple(line for line in data["options"].splitlines() if line.strip()),
        )


class BaseQuestionFormSet(forms.BaseFormSet):
    """Blank extra forms are ignored; a question can be removed by ticking its Remove box."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this question"


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=3, can_delete=True, max_num=50, validate_max=True
)


def question_initial(questions: list[Question]) -> list[dict[str, Any]]:
    return [
        {
            "text": question.text,
            "hint": question.hint,
            "kind": question.kind,
            "required": question.required,
            "options": "\n".join(option.label for option in question.options.all()),
        }
        for question in questions
    ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why (optional, kept in the audit log)",
        max_length=200,
        required=False,
        help_text="Do not name anyone.",
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label="We asked, you said, we did",
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="What the council asked, what people said and what it decided. Blank lines separate paragraphs.",
        error_messages={"required": "Enter what you asked, what people said and what the council did"},
    )
