"""allauth adapters: Townhall's hooks into sign-up, sign-in, and OIDC (MFA's adapter is in mfa_adapter.py)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "TOWNHALL_SIGNUP_OPEN", True))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    pass
