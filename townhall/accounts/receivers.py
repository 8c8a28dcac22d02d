"""Signal receivers that join allauth's flows to Townhall's rules."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.http import HttpRequest


def record_mfa_on_totp_setup(*, request: HttpRequest | None, authenticator: Authenticator, **_: Any) -> None:
    """Count a successful TOTP set-up as using MFA in this session.

    Setting up the app means typing a valid code from it, so the person has just proved they hold
    the second factor. Without this, the staff door would ask a new member of staff for another
    code straight after set-up.
    """
    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    record_authentication(request, authenticator.user, "mfa", id=authenticator.pk, type=authenticator.type)
