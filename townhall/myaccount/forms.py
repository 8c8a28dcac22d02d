"""Forms of the resident account pages. They parse input; the services do the writing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone

from townhall.accounts.constants import Relationship
from townhall.myaccount.constants import (
    SUBJECT_ACCESS_MAX_EXTENSION_MONTHS,
    AskedBy,
    ContactChannel,
    RedactionReason,
    TimelineKind,
)
from townhall.myaccount.models import CommunicationPreferences
from townhall.myaccount.services import DetailsInput, PreferencesInput
from townhall.notify.constants import Topic
from townhall.people.constants import PERSON_FIELDS
from townhall.places import selectors as place_selectors
from townhall.places.models import Address, Ward
from townhall.service_requests.models import CategoryGroup

_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")
_DATE_HINT = "Use the date picker, or type the date as day, month and year."


class PreferencesForm(forms.Form):
    channel = forms.ChoiceField(
        label="How should we contact you about things you did not ask for?",
        choices=ContactChannel.choices,
        widget=forms.RadioSelect,
        help_text="Messages about something you did (like a report you made) always come by email.",
        error_messages={"required": "Choose how we should contact you"},
    )
    topics = forms.MultipleChoiceField(
        label="What would you like to hear about?",
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )
    no_marketing = forms.BooleanField(
        label="No marketing: only contact me about things I asked for",
        required=False,
        help_text="This overrides consultations, ward news and digital volunteering above.",
    )
    interests = forms.ModelMultipleChoiceField(
        label="Which services are you interested in?",
        queryset=CategoryGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="We use these, and your ward, to suggest things on your timeline.",
    )
    personalised_timeline = forms.BooleanField(
        label="Suggest things on my timeline that I might find interesting",
        required=False,
        help_text="If you untick this, your timeline only shows things between you and the council.",
    )
    large_print = forms.BooleanField(label="Large print", required=False)
    easy_read = forms.BooleanField(label="Easy read", required=False)
    british_sign_language = forms.BooleanField(label="British Sign Language (BSL)", required=False)
    preferred_language = forms.CharField(
        label="Preferred language (optional)",
        required=False,
        max_length=60,
        help_text="For example, Polish or Urdu. We will use it where we can.",
        error_messages={"max_length": "Preferred language must be 60 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interests"].queryset = CategoryGroup.objects.all()  # type: ignore[attr-defined]
        self.fields["interests"].label_from_instance = lambda group: group.name  # type: ignore[attr-defined]

    def values(self) -> PreferencesInput:
        data = self.cleaned_data
        return PreferencesInput(
            channel=data["channel"],
            topics=frozenset(data["topics"]),
            no_marketing=data["no_marketing"],
            large_print=data["large_print"],
            easy_read=data["easy_read"],
            british_sign_language=data["british_sign_language"],
            preferred_language=data["preferred_language"],
            personalised_timeline=data["personalised_timeline"],
            interests=tuple(group.pk for group in data["interests"]),
        )


def preferences_initial(current: CommunicationPreferences) -> dict[str, Any]:
    """The preferences form's starting values (the resident's own page and the adviser's)."""
    return {
        "channel": current.channel,
        "topics": [
            topic
            for topic in ("service_updates", "consultations", "ward_news", "digital_volunteering")
            if getattr(current, topic)
        ],
        "no_marketing": current.no_marketing,
        "interests": list(current.interests.all()) if current.pk else [],
        "personalised_timeline": current.personalised_timeline,
        "large_print": current.large_print,
        "easy_read": current.easy_read,
        "british_sign_language": current.british_sign_language,
        "preferred_language": current.preferred_language,
    }


class StaffPreferencesForm(PreferencesForm):
    """The resident's preferences form, for an adviser changing them at the resident's request."""

    asked_by = forms.ChoiceField(
        label="How did the resident ask for this change?",
        choices=AskedBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the resident asked for this change"},
    )
    note = forms.CharField(
        label="Note for the record (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, what the resident said. Do not write anything they would not expect us to keep.",
        error_messages={"max_length": "Note must be 500 characters or fewer"},
    )


class DetailsForm(forms.Form):
    given_name = forms.CharField(
        label="First name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
        error_messages={"max_length": "First name must be 150 characters or fewer"},
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
        error_messages={"max_length": "Last name must be 150 characters or fewer"},
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        required=False,
        max_length=20,
        help_text="For text messages, if you choose them. For example, 07700 900 982.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        error_messages={"max_length": "Enter a phone number, like 07700 900 982"},
    )
    date_of_birth = forms.DateField(
        label="Date of birth (optional)",
        required=False,
        help_text=_DATE_HINT,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date of birth"},
    )

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError("Enter a phone number, like 07700 900 982 or +44 808 157 0192")
        return phone

    def clean_date_of_birth(self) -> dt.date | None:
        born: dt.date | None = self.cleaned_data["date_of_birth"]
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError("Date of birth must be in the past")
        if born is not None and born.year < 1900:
            raise forms.ValidationError("Date of birth must be after 1900")
        return born

    def values(self) -> DetailsInput:
        data = self.cleaned_data
        return DetailsInput(
            given_name=data["given_name"],
            family_name=data["family_name"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
        )


class PostcodeForm(forms.Form):
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        error_messages={"required": "Enter your new postcode", "max_length": "Enter a real postcode"},
    )

    def clean_postcode(self) -> str:
        try:
            return place_selectors.postcode_normalise(self.cleaned_data["postcode"])
        except place_selectors.InvalidPostcodeError as error:
            raise forms.ValidationError(str(error)) from error


class AddressChoiceForm(forms.Form):
    address = forms.ChoiceField(
        label="Select your address",
        widget=forms.RadioSelect,
        error_messages={"required": "Select your address", "invalid_choice": "Select your address"},
    )
    effective_from = forms.DateField(
        label="When did you move, or when will you move?",
        help_text=_DATE_HINT,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date you moved", "invalid": "Enter a real date"},
    )

    def __init__(self, *args: Any, addresses: list[Address], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addresses = {str(address.uprn): address for address in addresses}
        choices = [(uprn, address.single_line) for uprn, address in self.addresses.items()]
        self.fields["address"].choices = choices  # type: ignore[attr-defined]

    def clean_effective_from(self) -> dt.date:
        moved: dt.date = self.cleaned_data["effective_from"]
        today = timezone.localdate()
        if abs((moved - today).days) > 366:
            raise forms.ValidationError("The date you moved must be within a year of today")
        return moved

    def chosen_address(self) -> Address:
        return self.addresses[self.cleaned_data["address"]]


class TimelineFilterForm(forms.Form):
    """The timeline's filters (GET). Unknown values are errors shown above the list."""

    kind = forms.MultipleChoiceField(
        label="Show", choices=TimelineKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    since = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date to show items from"},
    )
    until = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date to show items to"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The 'to' date must be the same as or after the 'from' date")
        return data


class ConsentForm(forms.Form):
    """One purpose: the text version shown, and the choice."""

    text_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("give", "Yes, I agree"), ("withdraw", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no"},
    )


class VolunteeringForm(forms.Form):
    ward = forms.ModelChoiceField(
        label="Which ward can you help in?",
        queryset=Ward.objects.none(),
        empty_label="Choose a ward",
        error_messages={"required": "Choose the ward you can help in", "invalid_choice": "Choose a ward from the list"},
    )
    availability = forms.CharField(
        label="When can you help?",
        max_length=300,
        help_text="For example, weekday mornings, or an hour on Saturdays.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Tell us when you can help",
            "max_length": "When you can help must be 300 characters or fewer",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = Ward.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["ward"].label_from_instance = lambda ward: ward.name  # type: ignore[attr-defined]


class RepresentativeForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        max_length=254,
        help_text="They need their own account with this email address.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the email address of the person who will help you",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    relationship = forms.ChoiceField(
        label="How do they help you?",
        choices=Relationship.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they help you"},
    )


class PinForm(forms.Form):
    pin = forms.CharField(
        label="PIN from our letter",
        max_length=12,
        help_text="8 letters and numbers, for example ABCD-2345.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={"required": "Enter the PIN from our letter", "max_length": "Enter the 8-character PIN"},
    )


# --- subject access to council records (staff) ---------------------------------------------------


class RedactForm(forms.Form):
    source_code = forms.CharField(max_length=50)
    source_record_id = forms.CharField(max_length=100)
    withhold = forms.MultipleChoiceField(
        label="Information to withhold",
        choices=[(name, name) for name in PERSON_FIELDS],
        error_messages={"required": "Choose at least one piece of information to redact"},
    )
    reason = forms.ChoiceField(
        label="Why it is withheld",
        choices=[("", "Choose a reason"), *RedactionReason.choices],
        error_messages={"required": "Choose why the information is withheld"},
    )


class NoteForm(forms.Form):
    covering_note = forms.CharField(
        label="Covering note to the resident", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label="Extend by",
        coerce=int,
        choices=[(n, f"{n} month{'s' if n > 1 else ''}") for n in range(1, SUBJECT_ACCESS_MAX_EXTENSION_MONTHS + 1)],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how long to extend by"},
    )
    extension_reason = forms.CharField(
        label="Why more time is needed (the resident is told)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why more time is needed"},
    )


class RefuseForm(forms.Form):
    refusal_reason = forms.CharField(
        label="Why the request is refused (the resident is told)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the request is refused"},
    )
