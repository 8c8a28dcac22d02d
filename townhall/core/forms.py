"""Form plumbing shared by apps that confirm who is at the keyboard before something irreversible."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser


class PasswordConfirmationForm(forms.Form):
    """Asks for the account's password, when it has one, and checks it.

    Subclasses add what is being confirmed (a `confirm` checkbox with its own words).
    Accounts that sign in by emailed code only have no password field here; their views
    ask allauth to re-authenticate them by code instead.
    """

    password = forms.CharField(
        label="Enter your password to confirm",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password you entered is not correct")
        return password
