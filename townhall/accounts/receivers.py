"""Signal receivers that join allauth's flows to Townhall's rules."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.core.internal.httpkit import get_client_ip
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from townhall.accounts import selectors, services
from townhall.accounts.constants import SecondStep, SignInMethod, SignInOutcome
from townhall.accounts.models import User


def record_mfa_on_totp_setup(*, request: HttpRequest | None, authenticator: Authenticator, **_: Any) -> None:
    """Count a successful TOTP or passkey set-up as using MFA in this session.

    Setting up the app means typing a valid code from it, and adding a passkey means the
    authenticator answered a fresh challenge, so the person has just proved they hold the second
    factor. Without this, the staff door would ask a new member of staff for another code
    straight after set-up.
    """
    if request is None or authenticator.type not in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN):
        return
    record_authentication(request, authenticator.user, "mfa", id=authenticator.pk, type=authenticator.type)


# --- sign-in history (ADR 0023) --------------------------------------------------------------------

_SECOND_STEPS = {
    Authenticator.Type.TOTP: SecondStep.AUTHENTICATOR_APP,
    Authenticator.Type.RECOVERY_CODES: SecondStep.RECOVERY_CODE,
    Authenticator.Type.WEBAUTHN: SecondStep.PASSKEY,
}
_FIRST_STEPS = {
    "password": SignInMethod.PASSWORD,
    "code": SignInMethod.EMAIL_CODE,
    "socialaccount": SignInMethod.IDENTITY_PROVIDER,
}


def _client(request: HttpRequest | None) -> tuple[str, str | None]:
    """(user agent, client IP) as allauth sees them (ALLAUTH_TRUSTED_PROXY_COUNT decides which header)."""
    if request is None:
        return "", None
    return request.META.get("HTTP_USER_AGENT", ""), get_client_ip(request)


def _steps(records: list[dict[str, Any]]) -> tuple[SignInMethod, SecondStep | None]:
    """The first and second step of the sign-in that just finished, from allauth's record of this session."""
    method: SignInMethod | None = None
    second_step: SecondStep | None = None
    for record in records:
        if record.get("reauthenticated"):
            continue
        kind = record.get("method")
        if kind == "mfa" and record.get("passwordless"):
            method = SignInMethod.PASSKEY
        elif kind == "mfa":
            second_step = _SECOND_STEPS.get(record.get("type", ""))
        elif kind in _FIRST_STEPS:
            method = _FIRST_STEPS[kind]
    # No record at all: the account was just created and signed in straight away.
    return method or SignInMethod.NEW_ACCOUNT, second_step


def _provider_name(request: HttpRequest, sociallogin: SocialLogin | None) -> str:
    if sociallogin is None:
        return ""
    try:
        return str(sociallogin.account.get_provider(request).name)
    except SocialApp.DoesNotExist:  # the council removed the provider since; its id still says which
        return str(sociallogin.account.provider)


def record_sign_in(*, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
    """allauth's user_logged_in: every completed sign-in, however it was done, goes into the history."""
    if not isinstance(user, User):
        return
    method, second_step = _steps(get_authentication_records(request, user))
    user_agent, ip_address = _client(request)
    services.sign_in_event_record(
        user=user,
        outcome=SignInOutcome.SIGNED_IN,
        method=method,
        second_step=second_step,
        provider=_provider_name(request, kwargs.get("sociallogin")) if method == SignInMethod.IDENTITY_PROVIDER else "",
        user_agent=user_agent,
        ip_address=ip_address,
    )


def record_wrong_password(*, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any) -> None:
    """Django's user_login_failed: a wrong password for an existing account is recorded on that account.

    An email address with no account records nothing (and says nothing), so the history cannot
    be used to find out who has an account.
    """
    email = credentials.get("email") or credentials.get("username") or ""
    user = selectors.account_for_sign_in_email(str(email))
    if user is None:
        return
    user_agent, ip_address = _client(request)
    services.sign_in_event_record(
        user=user,
        outcome=SignInOutcome.WRONG_PASSWORD,
        method=SignInMethod.PASSWORD,
        user_agent=user_agent,
        ip_address=ip_address,
    )


def record_wrong_security_code(
    *, request: HttpRequest | None, user: AbstractBaseUser, authenticator: Authenticator, **_: Any
) -> None:
    """allauth.mfa's authentication_failed: a wrong code from the authenticator app (or a wrong recovery code)."""
    if not isinstance(user, User):
        return
    user_agent, ip_address = _client(request)
    services.sign_in_event_record(
        user=user,
        outcome=SignInOutcome.WRONG_SECURITY_CODE,
        second_step=_SECOND_STEPS.get(authenticator.type),
        user_agent=user_agent,
        ip_address=ip_address,
    )
