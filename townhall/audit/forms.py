"""The audit log viewer's filter form (GET, so filtered pages can be bookmarked and shared)."""

from __future__ import annotations

from typing import Any

from django import forms

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        required=False,
        max_length=100,
        help_text="For example, resident.personal_data.viewed, or resident for every resident action.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    object_type = forms.CharField(
        label="Object type",
        required=False,
        max_length=100,
        help_text="For example, resident or service_request.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    object_id = forms.CharField(
        label="Object id",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    actor_id = forms.IntegerField(
        label="Actor id",
        required=False,
        min_value=1,
        help_text="The user id of the person who acted.",
        error_messages={"invalid": "Actor id must be a whole number, like 42."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}),
    )
    occurred_from = forms.DateField(
        label="From date",
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text="For example, 27/3/2026",
        error_messages={"invalid": "From date must be a real date, like 27/3/2026."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    occurred_to = forms.DateField(
        label="To date",
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text="For example, 31/3/2026",
        error_messages={"invalid": "To date must be a real date, like 31/3/2026."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_action(self) -> str:
        return str(self.cleaned_data["action"]).lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("occurred_from"), cleaned.get("occurred_to")
        if start and end and end < start:
            self.add_error("occurred_to", "To date must be the same as or after the from date.")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.audit_entries; call after is_valid()."""
        data = self.cleaned_data
        return {
            "action": data["action"],
            "object_type": data["object_type"],
            "object_id": data["object_id"],
            "actor_id": data["actor_id"],
            "occurred_from": data["occurred_from"],
            "occurred_to": data["occurred_to"],
        }
