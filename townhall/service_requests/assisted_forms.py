"""Forms for assisted digital (/staff/requests/new/): an adviser records a report for a caller.

The location, questions and description reuse the resident journey's forms, so a report
taken on the phone is checked exactly as one made online.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from townhall.accounts import selectors as account_selectors
from townhall.service_requests import services
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import Category
from townhall.service_requests.report_forms import ReportForm, email_field

# How a caller can reach an adviser; each is recorded on the request (channel shift).
ASSISTED_CHANNEL_CHOICES = [
    (Channel.PHONE.value, Channel.PHONE.label),
    (Channel.FACE_TO_FACE.value, Channel.FACE_TO_FACE.label),
    (Channel.EMAIL.value, Channel.EMAIL.label),
    (Channel.KIOSK.value, "At a self-service kiosk, with help"),
]


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(
        label="How did the caller contact us?",
        choices=ASSISTED_CHANNEL_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the caller contacted us", "invalid_choice": "Select a channel"},
    )


class CallerSearchForm(forms.Form):
    q = forms.CharField(
        label="Search for the caller's account",
        help_text="Their name, email address, or the postcode of a place they have reported a problem at",
        min_length=account_selectors.RESIDENT_SEARCH_MIN_LENGTH,
        max_length=100,
        error_messages={
            "required": "Enter a name, email address or postcode to search for",
            "min_length": f"Enter at least {account_selectors.RESIDENT_SEARCH_MIN_LENGTH} characters",
            "max_length": "Search must be 100 characters or fewer",
        },
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", "type": "search"}),
    )


class CallerChoiceForm(forms.Form):
    caller = forms.ChoiceField(
        label="Which account is the caller's?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the caller's account", "invalid_choice": "Select the caller's account"},
    )

    def __init__(self, *args: Any, residents: list[account_selectors.ResidentSummary], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.residents = {str(resident.id): resident for resident in residents}
        cast(forms.ChoiceField, self.fields["caller"]).choices = [
            (str(resident.id), f"{resident.name} ({resident.masked_email})") for resident in residents
        ]

    def chosen(self) -> account_selectors.ResidentSummary:
        return self.residents[self.cleaned_data["caller"]]


class CallerContactForm(ReportForm):
    name = forms.CharField(
        label="Caller's full name",
        max_length=200,
        error_messages={
            "required": "Enter the caller's full name",
            "max_length": "Name must be 200 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = email_field(
        label="Caller's email address (optional)",
        help_text="We will email them the reference and tell them about progress",
        required=False,
        autocomplete="off",
    )
    phone = forms.CharField(
        label="Caller's phone number (optional)",
        required=False,
        max_length=30,
        error_messages={"max_length": "Enter a telephone number, like 01632 960 001 or 07700 900 982"},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def clean_phone(self) -> str:
        phone = " ".join(str(self.cleaned_data.get("phone", "")).split())
        if phone and not services.phone_is_valid(phone):
            raise ValidationError("Enter a telephone number, like 01632 960 001 or 07700 900 982", code="invalid")
        return phone


class CategorySelectForm(forms.Form):
    """A select with a group per option group: advisers know the catalogue, and 25 radios are slow to tab through."""

    category = forms.ChoiceField(
        label="What is the problem?",
        error_messages={"required": "Select the problem", "invalid_choice": "Select the problem"},
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {str(category.pk): category for category in categories}
        groups: dict[str, list[tuple[str, str]]] = {}
        for category in categories:
            groups.setdefault(category.group.name, []).append((str(category.pk), category.name))
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", "Choose the problem"), *groups.items()]

    def chosen(self) -> Category:
        return self.categories[self.cleaned_data["category"]]

    def clean_category(self) -> str:
        value = str(self.cleaned_data["category"])
        category = self.categories.get(value)
        if category is not None and not category.council_responsible:
            referral = category.referral_message or f"Refer the caller to {category.referral_body_name}"
            raise ValidationError(f"The council does not deal with this. {referral}", code="not_ours")
        return value


class LocationSearchForm(ReportForm):
    query = forms.CharField(
        label="Where is the problem?",
        help_text="A postcode, or a street name or address, for example TS40 1AB or 12 Station Road",
        max_length=100,
        error_messages={
            "required": "Enter a postcode, street name or address",
            "max_length": "Search must be 100 characters or fewer",
        },
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
