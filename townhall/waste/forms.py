"""The lookup's two questions (postcode, then address) and staff's changed-date form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from townhall.places import selectors as place_selectors
from townhall.places.models import Address
from townhall.waste.constants import REASON_MAX_LENGTH
from townhall.waste.models import CollectionRound


class PostcodeForm(forms.Form):
    postcode = forms.CharField(
        label="What is your postcode?",
        help_text="For example, TS1 2AB",
        max_length=20,
        error_messages={"required": "Enter a postcode", "max_length": "Enter a real postcode, like TS1 2AB"},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )

    def clean_postcode(self) -> str:
        try:
            return place_selectors.postcode_normalise(self.cleaned_data["postcode"])
        except place_selectors.InvalidPostcodeError:
            raise ValidationError("Enter a real postcode, like TS1 2AB", code="invalid") from None


class AddressChoiceForm(forms.Form):
    uprn = forms.ChoiceField(
        label="Select your address",
        widget=forms.RadioSelect,
        error_messages={"required": "Select your address", "invalid_choice": "Select your address"},
    )

    def __init__(self, *args: Any, addresses: list[Address], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["uprn"]).choices = [
            (str(address.uprn), address.single_line) for address in addresses
        ]


class CollectionChangeForm(forms.Form):
    round = forms.ModelChoiceField(
        queryset=CollectionRound.objects.order_by("service", "weekday", "code"),
        label="Round",
        empty_label="Choose a round",
        error_messages={"required": "Choose a round", "invalid_choice": "Choose a round"},
    )
    original_date = forms.DateField(
        label="Usual collection date",
        help_text="A date the round normally collects on",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the usual collection date", "invalid": "Enter a real date"},
    )
    new_date = forms.DateField(
        label="New collection date",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the new collection date", "invalid": "Enter a real date"},
    )
    reason = forms.CharField(
        label="Reason residents will see",
        help_text='Residents see "Moved from Friday 25 December because of" and then your words, for example: '
        "Christmas Day",
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": "Enter the reason residents will see",
            "max_length": f"The reason must be {REASON_MAX_LENGTH} characters or fewer",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.pop("maxlength", None)
