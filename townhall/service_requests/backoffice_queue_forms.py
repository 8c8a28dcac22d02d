"""Forms for the queue's extras: saving a filter, renaming it, and the bulk action under the queue table.

The bulk form is one form so it works without JavaScript: the row checkboxes, the new
team or status, and two submit buttons saying which change to make.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from townhall.accounts.models import Team, User
from townhall.service_requests import services
from townhall.service_requests.backoffice_forms import MESSAGE_MAX_LENGTH, _NamedChoice, _OfficerChoice
from townhall.service_requests.constants import Status

BULK_ASSIGN = "assign"
BULK_STATUS = "status"


class SavedFilterForm(forms.Form):
    name = forms.CharField(
        label="Name this filter",
        help_text="For example, Overdue in Northfield",
        max_length=services.SAVED_FILTER_NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter a name for the filter",
            "max_length": f"Name must be {services.SAVED_FILTER_NAME_MAX_LENGTH} characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "govuk-input--width-20"}),
    )
    # The queue's query string when the filter was saved; the service keeps only known filters.
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    prefix = "saved"


class SavedFilterRenameForm(forms.Form):
    name = forms.CharField(
        label="New name",
        max_length=services.SAVED_FILTER_NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter a name for the filter",
            "max_length": f"Name must be {services.SAVED_FILTER_NAME_MAX_LENGTH} characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "govuk-input--width-20"}),
    )


class RequestIdsField(forms.Field):
    """The ids of the ticked rows (checkboxes named `requests`, drawn by the queue table itself)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return [int(item) for item in values]
        except (TypeError, ValueError):
            raise ValidationError("Select requests from the list", code="invalid") from None

    def validate(self, value: Any) -> None:
        if not value:
            raise ValidationError("Select at least one request", code="required")


def bulk_status_choices() -> list[tuple[str, str]]:
    """Every status a batch may be moved to: duplicates need an original each, so they are marked one by one."""
    return [(value, label) for value, label in Status.choices if value != Status.DUPLICATE]


class BulkActionForm(forms.Form):
    requests = RequestIdsField()
    team = _NamedChoice(queryset=Team.objects.none(), required=False, empty_label="Choose a team")
    officer = _OfficerChoice(
        queryset=User.objects.none(), required=False, empty_label="Nobody in particular", label="Officer (optional)"
    )
    status = forms.ChoiceField(label="New status", required=False, choices=[])
    public_message = forms.CharField(
        label="Public update (optional)",
        help_text="Shown to each reporter and on the public tracking pages.",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    action = forms.ChoiceField(
        choices=[(BULK_ASSIGN, "Assign"), (BULK_STATUS, "Change status")], widget=forms.HiddenInput
    )

    def __init__(self, data: Any = None, *, teams: QuerySet[Team], officers: QuerySet[User]) -> None:
        super().__init__(data, prefix="bulk")
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams
        cast(forms.ModelChoiceField, self.fields["officer"]).queryset = officers
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", "Choose a status"), *bulk_status_choices()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == BULK_ASSIGN and not cleaned.get("team") and "team" not in self.errors:
            self.add_error("team", "Choose the team to assign the selected requests to")
        if cleaned.get("action") == BULK_STATUS and not cleaned.get("status") and "status" not in self.errors:
            self.add_error("status", "Choose the new status for the selected requests")
        return cleaned
