"""The outbound messages page's filter form (GET, so a filtered list can be bookmarked)."""

from __future__ import annotations

from typing import Any

from django import forms

from townhall.notify.constants import Channel, MessageState


class OutboxFilterForm(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *MessageState.choices])
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *Channel.choices])
    related_type = forms.CharField(
        label="Related record type",
        required=False,
        max_length=100,
        help_text="For example, service_requests.servicerequest.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    related_id = forms.CharField(
        label="Related record id",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    idempotency_key = forms.CharField(
        label="Idempotency key",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.outbox_messages; call after is_valid()."""
        return {name: self.cleaned_data[name].strip() for name in self.fields}
