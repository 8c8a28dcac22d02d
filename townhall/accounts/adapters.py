"""allauth adapters: Townhall's hooks into sign-up, sign-in, and OIDC (MFA's adapter is in mfa_adapter.py).

AccountAdapter words allauth's errors in plain English, brands its emails, and answers every
lock-out with the same "Too many attempts" page (429.html), so nobody can tell from it whether an
email address has an account.

SocialAccountAdapter hardens allauth's generic OpenID Connect provider. allauth sends no nonce,
and trusts an ID token from the token endpoint without checking its signature (OIDC Core 3.1.3.7
allows that over TLS). Townhall signs in residents and staff with it, so it asks for more: each
sign-in sends a fresh nonce, and before the sign-in goes ahead the ID token's signature, issuer,
audience, expiry, nonce and subject are checked against the provider's published keys. Anything
wrong ends on the "could not sign you in" page.

A provider configured for GOV.UK One Login identity ("govuk_identity", see oidc_identity.py) also
asks for a P2 identity. After the ID token passes, the coreIdentityJWT is checked; what it proves
is kept in the sign-in's state and recorded by MyAccount (an identity check, then the Citizen Index
link) once the person is signed in (post_login), or at once when they connect One Login to the
account they are signed in to. A failed identity check never stops the sign-in: nothing is
recorded and the resident is told plainly.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from typing import Any, NoReturn

import jwt
import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import Provider
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from townhall.accounts import oidc_identity
from townhall.accounts.models import User
from townhall.accounts.permissions import is_council_staff
from townhall.myaccount import services as myaccount_services

logger = logging.getLogger(__name__)

# Lock-outs that must look identical for known and unknown email addresses.
LOCKOUT_ERROR_CODES = frozenset({"too_many_login_attempts"})


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("You cannot sign in to this account"),
        "cannot_remove_primary_email": _("You cannot remove your main email address"),
        "duplicate_email": _("This email address is already on your account"),
        "email_password_mismatch": _("Enter a correct email address and password"),
        "email_taken": _("There is already an account with this email address"),
        "enter_current_password": _("Enter your current password"),
        "incorrect_code": _("The code is not correct. Check the email and try again"),
        "incorrect_password": _("Your password is not correct"),
        "invalid_or_expired_key": _("This link has expired or does not work"),
        "invalid_login": _("Enter a correct email address"),
        "invalid_password_reset": _("This password reset link has expired or does not work"),
        "max_email_addresses": _("You cannot add more than %d email addresses"),
        "too_many_login_attempts": _("There have been too many attempts. Wait a few minutes, then try again"),
        "unknown_email": _("There is no account with this email address"),
        "unverified_primary_email": _("Confirm your main email address first"),
        "select_only_one": _("Enter an email address or a phone number, not both"),
        "same_as_current": _("Enter a different email address from the one you use now"),
        "rate_limited": _("You have asked for too many codes. Wait a few minutes, then try again"),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "TOWNHALL_SIGNUP_OPEN", True))

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        """Turn allauth's lock-out form errors into the 429 page.

        allauth reports a tripped per-email limit (failed passwords, code requests) as a form error
        on the page the person is on. The "Too many attempts" page says the same, whatever the email
        address, and tells them to wait, which an inline error cannot do well.
        """
        if code in LOCKOUT_ERROR_CODES:
            request = allauth_context.request
            if request is not None:
                raise ImmediateHttpResponse(respond_429(request))
        error: ValidationError = super().validation_error(code, *args)
        return error

    def format_email_subject(self, subject: str) -> str:
        """Subjects already name the council; allauth's "[site] " prefix would show the host name."""
        return force_str(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Give every email template the council's branding (subjects are rendered without a request)."""
        super().send_mail(template_prefix, email, {"branding": settings.TOWNHALL_BRANDING, **context})

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        """After an OIDC sign-in (or sign-up) that asked One Login for identity, record what it proved."""
        response: HttpResponse = super().post_login(request, user, **kwargs)
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if isinstance(sociallogin, SocialLogin) and isinstance(user, User):
            record_govuk_identity(request, user, sociallogin)
        return response

    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        """The "other ways to confirm it is you" links, in plain English."""
        descriptions = {
            "reauthenticate": _("Use your password"),
            "reauthenticate_by_code": _("Get a code by email"),
            "mfa_reauthenticate": _("Use your authenticator app or a recovery code"),
        }
        methods: list[dict[str, Any]] = super().get_reauthentication_methods(user)
        return [{**method, "description": descriptions.get(method["id"], method["description"])} for method in methods]


# Where the sign-in's nonce is kept in allauth's per-login state (the session), and where the
# raw ID token from the token endpoint is kept on the request until pre_social_login checks it.
STATE_NONCE_KEY = "townhall_oidc_nonce"
REQUEST_ID_TOKEN_ATTR = "_townhall_oidc_id_token"  # noqa: S105 - an attribute name, not a secret
# Public-key algorithms only: an "HS256" token would be signed with the client secret, which the
# provider and Townhall share, so it proves nothing about who made it; "none" proves nothing at all.
ID_TOKEN_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
ID_TOKEN_LEEWAY_SECONDS = 60
# What a One Login identity check proved (or why it failed), kept in the sign-in's state until recorded.
STATE_PROVEN_IDENTITY_KEY = "townhall_govuk_identity"
STATE_IDENTITY_PROBLEM_KEY = "townhall_govuk_identity_problem"


def _identity_settings(provider: Provider) -> dict[str, str] | None:
    found = provider.app.settings.get("govuk_identity") if provider.app is not None else None
    return found if isinstance(found, dict) else None


def record_govuk_identity(request: HttpRequest, user: User, sociallogin: SocialLogin) -> None:
    """Record a One Login identity kept in the sign-in's state against `user`, or tell them why not."""
    state = sociallogin.state or {}
    problem = state.pop(STATE_IDENTITY_PROBLEM_KEY, None)
    proven = state.pop(STATE_PROVEN_IDENTITY_KEY, None)
    if problem is None and proven is None:
        return
    if user.is_superuser or is_council_staff(user):
        return  # staff identity is the council's HR business, not MyAccount's
    if problem is not None:
        messages.warning(request, oidc_identity.PLAIN_REFUSAL)
        return
    try:
        myaccount_services.identity_verify_by_govuk_one_login(
            user=user,
            proven=myaccount_services.ProvenIdentity(
                given_name=proven["given_name"],
                family_name=proven["family_name"],
                date_of_birth=dt.date.fromisoformat(proven["date_of_birth"]),
                vot=proven["vot"],
            ),
        )
    except myaccount_services.IdentityError:
        messages.warning(request, oidc_identity.PLAIN_REFUSAL)
    else:
        messages.success(request, "GOV.UK One Login has confirmed your identity.")


class NonceOpenIDConnectProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, sending a fresh nonce with every sign-in (OIDC Core 3.1.2.1)."""

    def redirect(
        self, request: HttpRequest, process: str, next_url: str | None = None, data: Any = None, **kwargs: Any
    ) -> HttpResponse:
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        kwargs["auth_params"] = {**auth_params, "nonce": nonce}
        if _identity_settings(self) is not None:
            kwargs["auth_params"].update(oidc_identity.identity_auth_params())
        # Extra keyword arguments end up in allauth's stashed state for this sign-in.
        kwargs[STATE_NONCE_KEY] = nonce
        response: HttpResponse = super().redirect(request, process, next_url, data, **kwargs)
        return response


def _remember_id_token(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """requests hook: keep the ID token a token endpoint returned, so its signature can be checked.

    allauth decodes the ID token inside its callback view and keeps only the claims; this is the
    one place Townhall sees the token as the provider signed it. If allauth ever fetches tokens
    another way, the token is missing and pre_social_login refuses the sign-in (fails closed).
    """
    request = allauth_context.request
    if request is None or response.request.method != "POST":
        return
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and isinstance(body.get("id_token"), str):
        setattr(request, REQUEST_ID_TOKEN_ATTR, body["id_token"])


class IdTokenRefusedError(Exception):
    """The ID token failed a check; the message names the check (no personal data)."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_provider(self, request: HttpRequest, provider: str, client_id: str | None = None) -> Provider:
        found: Provider = super().get_provider(request, provider, client_id=client_id)
        if type(found) is OpenIDConnectProvider:
            return NonceOpenIDConnectProvider(request, app=found.app)
        return found

    def get_requests_session(self) -> requests.Session:
        session: requests.Session = super().get_requests_session()
        session.hooks["response"].append(_remember_id_token)
        return session

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if isinstance(sociallogin.provider, OpenIDConnectProvider):
            try:
                claims = self.verify_id_token(request, sociallogin)
            except IdTokenRefusedError as exc:
                self._refuse(request, sociallogin.provider, exc)
            identity = _identity_settings(sociallogin.provider)
            if identity is not None:
                self._check_govuk_identity(request, sociallogin, identity, str(claims["sub"]))

    def _check_govuk_identity(
        self, request: HttpRequest, sociallogin: SocialLogin, identity: dict[str, str], subject: str
    ) -> None:
        """Check the coreIdentityJWT; keep what it proves (or that it failed) in the sign-in's state."""
        userinfo = (sociallogin.account.extra_data or {}).get("userinfo") or {}
        state = sociallogin.state
        try:
            proven = oidc_identity.verify_core_identity(
                userinfo.get(oidc_identity.CORE_IDENTITY_CLAIM),
                public_key_pem=identity["public_key"],
                issuer=identity["issuer"],
                audience=sociallogin.provider.app.client_id,
                subject=subject,
            )
        except oidc_identity.CoreIdentityRefusedError as exc:
            logger.warning("GOV.UK One Login identity not accepted (provider %s): %s", sociallogin.provider.sub_id, exc)
            state[STATE_IDENTITY_PROBLEM_KEY] = str(exc)
        else:
            state[STATE_PROVEN_IDENTITY_KEY] = {
                "given_name": proven.given_name,
                "family_name": proven.family_name,
                "date_of_birth": proven.date_of_birth.isoformat(),
                "vot": proven.vot,
            }
        # Connecting One Login to the signed-in account logs nobody in, so post_login never runs: record now.
        user = request.user
        ours = not sociallogin.is_existing or sociallogin.user == user
        if state.get("process") == "connect" and isinstance(user, User) and ours:
            record_govuk_identity(request, user, sociallogin)

    def verify_id_token(self, request: HttpRequest, sociallogin: SocialLogin) -> dict[str, Any]:
        """Check the ID token's signature against the provider's JWKS, and its claims against this sign-in."""
        provider = sociallogin.provider
        raw = getattr(request, REQUEST_ID_TOKEN_ATTR, None)
        if not raw:
            raise IdTokenRefusedError("no ID token came from the token endpoint")
        try:
            openid_config = provider.get_oauth2_adapter(request).openid_config
            header = jwt.get_unverified_header(raw)
            algorithm = header.get("alg")
            if algorithm not in ID_TOKEN_ALGORITHMS:
                raise IdTokenRefusedError(f"ID token algorithm {algorithm!r} is not allowed")
            key = self._signing_key(openid_config["jwks_uri"], header.get("kid"))
            claims: dict[str, Any] = jwt.decode(
                raw,
                key=key,
                algorithms=[algorithm],
                audience=provider.app.client_id,
                issuer=openid_config["issuer"],
                leeway=ID_TOKEN_LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "sub", "exp", "iat"]},
            )
        except (jwt.PyJWTError, requests.RequestException, KeyError, ValueError) as exc:
            raise IdTokenRefusedError(f"ID token did not verify: {type(exc).__name__}") from exc
        expected_nonce = str((sociallogin.state or {}).get(STATE_NONCE_KEY) or "").encode()
        if not expected_nonce or not hmac.compare_digest(str(claims.get("nonce", "")).encode(), expected_nonce):
            raise IdTokenRefusedError("ID token nonce does not match this sign-in")
        extra_data = sociallogin.account.extra_data or {}
        if extra_data.get("id_token") != claims:
            raise IdTokenRefusedError("the ID token allauth read is not the one that was verified")
        userinfo = extra_data.get("userinfo")
        if userinfo is not None and str(userinfo.get("sub")) != str(claims["sub"]):
            # OIDC Core 5.3.2: userinfo (which allauth prefers for the account) must be the same subject.
            raise IdTokenRefusedError("ID token subject does not match the user info")
        return claims

    def _signing_key(self, jwks_uri: str, kid: str | None) -> Any:
        with self.get_requests_session() as session:
            response = session.get(jwks_uri)
            response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
        for jwk in jwks.keys:
            if kid is None or jwk.key_id == kid:
                return jwk.key
        raise IdTokenRefusedError("no key in the provider's JWKS matches the ID token")

    def _refuse(self, request: HttpRequest, provider: Provider, exc: IdTokenRefusedError) -> NoReturn:
        logger.warning("OIDC sign-in refused (provider %s): %s", provider.sub_id, exc)
        raise ImmediateHttpResponse(render_authentication_error(request, provider, exception=exc))

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]) -> Any:
        """Fill Townhall's own name fields (allauth fills first_name/last_name, which the User model lacks)."""
        user = super().populate_user(request, sociallogin, data)
        name_parts = (data.get("name") or "").partition(" ")
        user.given_name = (data.get("first_name") or name_parts[0] or "")[:150]
        user.family_name = (data.get("last_name") or name_parts[2] or "")[:150]
        return user
