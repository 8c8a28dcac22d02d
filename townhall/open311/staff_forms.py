"""Forms for /staff/open311/: creating an API key and changing its rate limit or contact address."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from townhall.open311.services import DEFAULT_RATE_LIMIT

MAX_RATE_LIMIT = 100_000


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError beside the field it names, else at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class ApiKeyChangeForm(forms.Form):
    contact_email = forms.EmailField(
        label="Contact email address (optional)",
        required=False,
        help_text="Who to tell about changes or problems with this client",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    rate_limit_per_minute = forms.IntegerField(
        label="Requests allowed per minute",
        min_value=1,
        max_value=MAX_RATE_LIMIT,
        initial=DEFAULT_RATE_LIMIT,
        help_text="Beyond this, Open311 answers 429 Too Many Requests until the minute ends",
        error_messages={
            "required": "Enter how many requests a minute the client may make",
            "invalid": "Enter a whole number, like 120",
            "min_value": "The limit must be at least 1",
            "max_value": f"The limit must be {MAX_RATE_LIMIT:,} or fewer",
        },
    )


class ApiKeyCreateForm(ApiKeyChangeForm):
    name = forms.CharField(
        label="Client application",
        max_length=100,
        help_text="For example, FixMyStreet or the highways contractor",
        error_messages={
            "required": "Enter the name of the client application",
            "max_length": "The name must be 100 characters or fewer",
        },
    )

    field_order = ["name", "contact_email", "rate_limit_per_minute"]
