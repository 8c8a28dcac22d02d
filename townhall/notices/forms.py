"""Forms for the notice pages: the public filters (GET) and the staff editor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from townhall.notices.constants import NoticeKind
from townhall.notices.services import NoticeFields
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class NoticeFilterForm(forms.Form):
    """The public list's filters. A value that is not a choice (an edited URL) is ignored, not an error."""

    kind = forms.ChoiceField(label="Type", required=False)
    ward = forms.ChoiceField(label="Ward", required=False)

    def __init__(self, data: QueryDict, *, wards: Sequence[Ward]) -> None:
        self.wards = {ward.code: ward for ward in wards}
        choices = {
            "kind": [("", "All types"), *NoticeKind.choices],
            "ward": [("", "All wards"), *((code, ward.name) for code, ward in self.wards.items())],
        }
        known = {name: {value for value, _ in options} for name, options in choices.items()}
        super().__init__({name: data[name] for name in known if data.get(name) in known[name]})
        for name, options in choices.items():
            self.fields[name].choices = options  # type: ignore[attr-defined]

    def chosen(self) -> tuple[str, Ward | None]:
        self.is_valid()
        given: dict[str, Any] = self.cleaned_data
        return given.get("kind", ""), self.wards.get(given.get("ward", ""))


def _when(label: str, help_text: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        required=False,
        input_formats=DATETIME_FORMATS,
        error_messages={"invalid": f"{label} must be a real date and time, for example 2027-03-31 10:00"},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of notice is it?",
        choices=NoticeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of notice it is"},
    )
    title = forms.CharField(label="Title", max_length=150, error_messages={"required": "Enter a title"})
    summary = forms.CharField(
        label="Summary",
        max_length=300,
        help_text="One or two sentences, shown in lists, feeds and residents' timelines.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter a summary"},
    )
    body = forms.CharField(
        label="Full text",
        help_text="Plain text. Leave a blank line between paragraphs.",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter the full text"},
    )
    wards = forms.ModelMultipleChoiceField(
        label="Which wards is it for?",
        help_text="Leave every ward unticked if it is for the whole borough.",
        queryset=Ward.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    category_group = forms.ModelChoiceField(
        label="Service area (optional)",
        help_text="Residents who follow this service area in their account are shown the notice.",
        queryset=CategoryGroup.objects.none(),
        required=False,
        empty_label="None",
    )
    starts_at = _when("Starts", "Events: when it starts. Service changes: when the change applies from.")
    ends_at = _when("Ends", "Events: when it ends. Service changes: when it stops applying (empty if open-ended).")
    location = forms.CharField(label="Where (optional)", max_length=200, required=False)

    def __init__(self, *args: Any, wards: Sequence[Ward], groups: Sequence[CategoryGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wards"].queryset = Ward.objects.filter(pk__in=[ward.pk for ward in wards])  # type: ignore[attr-defined]
        self.fields["category_group"].queryset = CategoryGroup.objects.filter(  # type: ignore[attr-defined]
            pk__in=[group.pk for group in groups]
        )

    def notice_fields(self) -> NoticeFields:
        data = self.cleaned_data
        return NoticeFields(
            kind=data["kind"],
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            wards=list(data["wards"]),
            category_group=data["category_group"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data["location"],
        )


class PublishForm(forms.Form):
    when = forms.ChoiceField(
        label="When should it be published?",
        choices=[("now", "Now"), ("later", "At a set time")],
        widget=forms.RadioSelect,
        initial="now",
        error_messages={"required": "Choose when to publish it"},
    )
    publish_at = _when("Publishing time", "For example 2027-03-31 09:00")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "later" and not data.get("publish_at"):
            raise ValidationError({"publish_at": "Enter the publishing time"})
        return data

    def publish_at_or_now(self) -> Any:
        return self.cleaned_data["publish_at"] if self.cleaned_data["when"] == "later" else None


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError beside the field it names, else at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)
