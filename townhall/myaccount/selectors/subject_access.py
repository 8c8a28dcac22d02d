"""Reads of subject access to council records: may this account ask, its requests, and the officers' queue."""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Coalesce

from townhall.accounts.models import User
from townhall.myaccount.constants import SubjectAccessState
from townhall.myaccount.models import SubjectAccessRequest
from townhall.myaccount.selectors.identity import identity_verified
from townhall.people import selectors as people_selectors


def linked_citizen_id(*, user: User) -> str | None:
    """The citizen id a verified account stands for now, or None (not verified, not linked, or retired)."""
    if identity_verified(user=user) is None:
        return None
    link = people_selectors.account_citizen_link_for(user_id=user.pk)
    if link is None or link.citizen is None:
        return None
    citizen = people_selectors.citizen_current(link.citizen.citizen_id)
    return citizen.citizen_id if citizen is not None else None


def subject_access_requests_for(*, user: User) -> list[SubjectAccessRequest]:
    return list(SubjectAccessRequest.objects.filter(user=user).order_by("-requested_at", "-id"))


def subject_access_open_for(*, user: User) -> SubjectAccessRequest | None:
    return SubjectAccessRequest.objects.filter(user=user, state=SubjectAccessState.OPEN).first()


def access_subject_access_for_download(*, user: User, request_id: int) -> SubjectAccessRequest | None:
    """The owner's released request, or None (someone else's, not released, or missing)."""
    return SubjectAccessRequest.objects.filter(pk=request_id, user=user, state=SubjectAccessState.RELEASED).first()


def subject_access_queue() -> list[SubjectAccessRequest]:
    """Open requests, the nearest deadline (extended or not) first."""
    return list(
        SubjectAccessRequest.objects.filter(state=SubjectAccessState.OPEN).order_by(
            Coalesce(F("extended_to"), F("due_on")), "requested_at", "id"
        )
    )


def subject_access_recently_closed(*, limit: int = 25) -> list[SubjectAccessRequest]:
    return list(
        SubjectAccessRequest.objects.exclude(state=SubjectAccessState.OPEN).order_by("-decided_at", "-id")[:limit]
    )
