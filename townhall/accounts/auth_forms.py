"""allauth's sign-in, account and MFA forms, with GOV.UK Design System error messages.

Django's generic "This field is required." and "Enter a valid email address." tell people neither
which field is wrong nor how to put it right. GOV.UK asks for a specific message per field ("Enter
your email address"), with no "please" and no "valid". The error summary and the inline error both
read the form's errors, so setting the messages on the fields changes both in the same way.

Each form only rewords its fields' error_messages (in __init__, because allauth adds some fields
there) and allauth's "You must type the same password each time."; everything else is allauth's.
ACCOUNT_FORMS and MFA_FORMS in settings point allauth's views at these classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.totp import forms as mfa_totp_forms
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

EMAIL_FORMAT = _("Enter an email address in the correct format, like name@example.com")
EMAIL_TOO_LONG = _("Email address must be 320 characters or fewer")
PASSWORDS_DO_NOT_MATCH = _("Passwords do not match")
EMAILED_CODE_REQUIRED = _("Enter the code we sent to your email")
# The sign-in and "confirm it is you" MFA pages take a recovery code as well as the app's code.
MFA_CODE_REQUIRED = _("Enter the 6-digit code from your authenticator app, or a recovery code")
TOTP_CODE_REQUIRED = _("Enter the 6-digit code from your authenticator app")

# allauth's own wording for mismatched passwords (its msgid, so it matches in any language).
ALLAUTH_PASSWORDS_DIFFER = "You must type the same password each time."


def email_messages(required: StrOrPromise) -> dict[str, StrOrPromise]:
    """What an empty, malformed or overlong email address field says; only the empty case differs by page."""
    return {"required": required, "invalid": EMAIL_FORMAT, "max_length": EMAIL_TOO_LONG}


class GovukErrorMessagesMixin(forms.Form):
    """Rewords the errors of the fields named in `govuk_error_messages` ({field: {code: message}}).

    Runs after allauth's __init__, which adds or replaces some fields (login, password1, password2).
    Fields are deep-copied per form, so this changes only this form's messages.
    """

    govuk_error_messages: ClassVar[Mapping[str, Mapping[str, StrOrPromise]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, messages in self.govuk_error_messages.items():
            field = self.fields.get(name)
            if field is not None:
                field.error_messages.update(messages)


class GovukPasswordsMatchMixin(GovukErrorMessagesMixin):
    """Swaps allauth's "You must type the same password each time." on password2 for the GOV.UK wording.

    allauth adds that error in clean() as a plain string, not an error_messages entry, so it is
    reworded after allauth's checks have run rather than re-implementing them.
    """

    def clean(self) -> dict[str, Any]:
        cleaned_data: dict[str, Any] = super().clean() or {}
        # Inside clean(), `errors` is the ErrorDict being filled; it does not clean the form again.
        errors = self.errors.get("password2")
        if errors:
            allauth_message = gettext(ALLAUTH_PASSWORDS_DIFFER)
            for index, error in enumerate(errors.data):
                message = error.message if isinstance(error, ValidationError) else error
                if str(message) == allauth_message:
                    errors.data[index] = ValidationError(PASSWORDS_DO_NOT_MATCH, code="password_mismatch")
        return cleaned_data


# Account pages -----------------------------------------------------------------------------------


class LoginForm(GovukErrorMessagesMixin, account_forms.LoginForm):
    govuk_error_messages = {
        "login": email_messages(_("Enter your email address")),
        "password": {"required": _("Enter your password")},
    }


class SignupForm(GovukPasswordsMatchMixin, account_forms.SignupForm):
    govuk_error_messages = {
        "email": email_messages(_("Enter your email address")),
        "password1": {"required": _("Enter a password")},
        "password2": {"required": _("Confirm your password")},
    }


class RequestLoginCodeForm(GovukErrorMessagesMixin, account_forms.RequestLoginCodeForm):
    govuk_error_messages = {"email": email_messages(_("Enter your email address"))}


class ConfirmLoginCodeForm(GovukErrorMessagesMixin, account_forms.ConfirmLoginCodeForm):
    govuk_error_messages = {"code": {"required": EMAILED_CODE_REQUIRED}}


class ConfirmEmailVerificationCodeForm(GovukErrorMessagesMixin, account_forms.ConfirmEmailVerificationCodeForm):
    govuk_error_messages = {"code": {"required": EMAILED_CODE_REQUIRED}}


class ConfirmReauthenticationCodeForm(GovukErrorMessagesMixin, account_forms.ConfirmReauthenticationCodeForm):
    """The "confirm it is you" code sent by email: how people without a password reauthenticate."""

    govuk_error_messages = {"code": {"required": EMAILED_CODE_REQUIRED}}


class ResetPasswordForm(GovukErrorMessagesMixin, account_forms.ResetPasswordForm):
    govuk_error_messages = {"email": email_messages(_("Enter your email address"))}


class ResetPasswordKeyForm(GovukPasswordsMatchMixin, account_forms.ResetPasswordKeyForm):
    govuk_error_messages = {
        "password1": {"required": _("Enter a new password")},
        "password2": {"required": _("Confirm your new password")},
    }


class ChangePasswordForm(GovukPasswordsMatchMixin, account_forms.ChangePasswordForm):
    govuk_error_messages = {
        "oldpassword": {"required": _("Enter your current password")},
        "password1": {"required": _("Enter a new password")},
        "password2": {"required": _("Confirm your new password")},
    }


class SetPasswordForm(GovukPasswordsMatchMixin, account_forms.SetPasswordForm):
    govuk_error_messages = {
        "password1": {"required": _("Enter a password")},
        "password2": {"required": _("Confirm your password")},
    }


class AddEmailForm(GovukErrorMessagesMixin, account_forms.AddEmailForm):
    govuk_error_messages = {"email": email_messages(_("Enter the email address you want to add"))}


class ReauthenticateForm(GovukErrorMessagesMixin, account_forms.ReauthenticateForm):
    govuk_error_messages = {"password": {"required": _("Enter your password")}}


# MFA pages ---------------------------------------------------------------------------------------


class MFAAuthenticateForm(GovukErrorMessagesMixin, mfa_base_forms.AuthenticateForm):
    govuk_error_messages = {"code": {"required": MFA_CODE_REQUIRED}}


class MFAReauthenticateForm(GovukErrorMessagesMixin, mfa_base_forms.ReauthenticateForm):
    govuk_error_messages = {"code": {"required": MFA_CODE_REQUIRED}}


class ActivateTOTPForm(GovukErrorMessagesMixin, mfa_totp_forms.ActivateTOTPForm):
    govuk_error_messages = {"code": {"required": TOTP_CODE_REQUIRED}}
