"""Reads of identity assurance: has this account proved who it is, and is a PIN on its way."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from townhall.accounts.models import User
from townhall.myaccount.models import IdentityPin, IdentityVerification


def identity_verified(*, user: User) -> IdentityVerification | None:
    """The account's identity check in force, or None: the gate before any linked record is shown."""
    if not user.is_active:
        return None
    return IdentityVerification.objects.filter(user=user, revoked_at__isnull=True).order_by("-verified_at").first()


def identity_pin_waiting(*, user: User, now: dt.datetime | None = None) -> IdentityPin | None:
    now = now or timezone.now()
    return (
        IdentityPin.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).order_by("-posted_at").first()
    )
