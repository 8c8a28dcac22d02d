"""Template filters for allauth's MFA pages, which do not say which authenticators a person holds."""

from __future__ import annotations

from django import template

from townhall.accounts import selectors
from townhall.accounts.models import User

register = template.Library()


@register.filter
def authenticator_types(user: object) -> frozenset[str]:
    """The kinds of authenticator `user` has set up ("totp", "recovery_codes", "webauthn")."""
    if not isinstance(user, User):
        return frozenset()
    return selectors.authenticator_types(user=user)
