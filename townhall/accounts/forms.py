"""Forms for the account and staff pages owned by accounts (allauth's own forms live in allauth)."""

from __future__ import annotations

from typing import Any

from django import forms

from townhall.accounts.constants import Relationship
from townhall.accounts.selectors import RESIDENT_SEARCH_MIN_LENGTH
from townhall.core.forms import PasswordConfirmationForm


class ResidentSearchForm(forms.Form):
    q = forms.CharField(
        label="Name or email address",
        help_text="For example, Rita Resident or rita@example.org. You can search for part of a name or address.",
        min_length=RESIDENT_SEARCH_MIN_LENGTH,
        max_length=100,
        strip=True,
        error_messages={
            "required": "Enter a name or email address",
            "min_length": f"Enter at least {RESIDENT_SEARCH_MIN_LENGTH} characters",
            "max_length": "Enter 100 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ViewingReasonForm(forms.Form):
    """Why a member of staff needs a resident's personal details; the answer goes in the audit log."""

    CONTACTED = "contacted"
    CASE_WORK = "case_work"
    INFORMATION_REQUEST = "information_request"
    OTHER = "other"
    CHOICES = (
        (CONTACTED, "Resident contacted us"),
        (CASE_WORK, "Case work"),
        (INFORMATION_REQUEST, "Information request"),
        (OTHER, "Other"),
    )

    reason = forms.ChoiceField(
        label="Why do you need to see this resident's personal details?",
        choices=CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why you need to see these details"},
    )
    other_reason = forms.CharField(
        label="If you chose other, give the reason",
        help_text="Do not include the resident's name, contact details or other personal information.",
        required=False,
        max_length=200,
        error_messages={"max_length": "Reason must be 200 characters or fewer"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reason") == self.OTHER and not cleaned.get("other_reason", "").strip():
            self.add_error("other_reason", "Enter the reason you need to see these details")
        return cleaned

    def audit_reason(self) -> str:
        """The reason as it is written to the audit log, e.g. "Other: complaint review"."""
        label = dict(self.CHOICES)[self.cleaned_data["reason"]]
        if self.cleaned_data["reason"] == self.OTHER:
            return f"{label}: {self.cleaned_data['other_reason'].strip()}"
        return label


class AccountDeletionForm(PasswordConfirmationForm):
    """Confirms the person at the keyboard holds the account: their password, if they have one."""

    confirm = forms.BooleanField(
        label="I understand that my account will be closed and my personal data erased",
        error_messages={"required": "Confirm that you want to delete your account"},
    )


class StaffRepresentationForm(forms.Form):
    """Staff record that someone may act for a resident, after seeing the legal evidence."""

    email = forms.EmailField(
        label="Email address of the person who will act for the resident",
        max_length=254,
        help_text="They need their own account with this email address.",
        error_messages={
            "required": "Enter the email address of the person who will act for the resident",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    relationship = forms.ChoiceField(
        label="What gives them the right to act?",
        choices=Relationship.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what gives them the right to act"},
    )
    evidence = forms.CharField(
        label="Evidence you checked",
        help_text="For example, LPA registered 2024, Office of the Public Guardian reference 7000-1234-5678.",
        max_length=300,
        error_messages={
            "required": "Enter the evidence you checked",
            "max_length": "Evidence must be 300 characters or fewer",
        },
    )


class IdentityEvidenceForm(forms.Form):
    """Staff confirm a resident's identity after checking documents in person."""

    evidence = forms.CharField(
        label="What did you check?",
        help_text="For example, UK passport and a council tax bill for the address, seen at the Civic Centre.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter what you checked",
            "max_length": "What you checked must be 300 characters or fewer",
        },
    )
