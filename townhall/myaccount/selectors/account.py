"""The account dashboard: what needs the resident's attention, and where things stand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from townhall.accounts.models import User
from townhall.engagement import selectors as engagement_selectors
from townhall.engagement.selectors import ConsultationSummary
from townhall.myaccount.constants import TimelineKind
from townhall.myaccount.models import (
    CommunicationPreferences,
    DigitalChampion,
    IdentityVerification,
    ResidentProfile,
    TimelineFeed,
)
from townhall.myaccount.selectors.identity import identity_verified
from townhall.myaccount.selectors.preferences import ConsentRow, consent_rows, preferences_for, profile_for
from townhall.myaccount.selectors.timeline import TimelineFilter, TimelineItem, coming_up_for, timeline_for
from townhall.notify import selectors as notify_selectors
from townhall.notify.models import Correspondence
from townhall.service_requests import selectors as request_selectors
from townhall.service_requests.constants import FIXED_STATUSES, OPEN_STATUSES
from townhall.service_requests.models import ServiceRequest
from townhall.waste import selectors as waste_selectors
from townhall.waste.selectors import ServiceCollections

DASHBOARD_LIST_SIZE = 5
# "Consultations closing" on the dashboard: those open in the resident's ward or borough-wide
# that close within this many days and that they have not answered.
CLOSING_SOON_DAYS = 14
# A fixed report can be reopened by its reporter for this long (service_requests' rule).
_REOPEN_DAYS = 28


@dataclass(frozen=True)
class Dashboard:
    awaiting_reply: list[ServiceRequest]  # a case officer asked a question the resident has not answered yet
    unread_messages: int
    recently_fixed: list[ServiceRequest]  # "Is it fixed?": the resident can still reopen these
    open_requests: list[ServiceRequest]
    open_request_count: int
    latest_messages: list[Correspondence]
    consultations_closing: list[ConsultationSummary]
    coming_up: list[TimelineItem]  # events and service changes in the resident's ward, with why
    address_uprn: int | None
    bin_collections: list[ServiceCollections]  # next collection per service at the resident's address, if known


def dashboard_for(*, user: User, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    mine = request_selectors.requests_reported_by(user=user)
    open_requests = mine.filter(status__in=OPEN_STATUSES)
    address = profile_for(user=user).address
    uprn = address.uprn if address is not None else None
    answered = {took.consultation.id for took in engagement_selectors.responses_by(user=user, now=now)}
    ward_id = address.ward_id if address is not None else None
    closing = engagement_selectors.open_consultations_closing(ward=ward_id, within_days=CLOSING_SOON_DAYS, now=now)
    if ward_id is None:  # no known ward: only the borough-wide ones concern everyone
        closing = [consultation for consultation in closing if not consultation.ward_ids]
    return Dashboard(
        awaiting_reply=request_selectors.requests_awaiting_reply(user=user),
        unread_messages=notify_selectors.correspondence_unread_count(recipient=user),
        recently_fixed=list(
            mine.filter(status__in=FIXED_STATUSES, closed_at__gte=now - dt.timedelta(days=_REOPEN_DAYS))[
                :DASHBOARD_LIST_SIZE
            ]
        ),
        open_requests=list(open_requests[:DASHBOARD_LIST_SIZE]),
        open_request_count=open_requests.count(),
        latest_messages=list(notify_selectors.correspondence_for(recipient=user)[:DASHBOARD_LIST_SIZE]),
        consultations_closing=[consultation for consultation in closing if consultation.id not in answered],
        coming_up=coming_up_for(user, now=now),
        address_uprn=uprn,
        bin_collections=waste_selectors.next_collections_for_uprn(uprn=uprn, today=timezone.localdate(now)),
    )


def timeline_feed_owner(*, token_digest: str) -> User | None:
    """The active account whose live feed secret has this digest (revoked secrets find no one)."""
    feed = (
        TimelineFeed.objects.select_related("user")
        .filter(token_digest=token_digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None


def timeline_feed_exists(*, user: User) -> bool:
    return TimelineFeed.objects.filter(user=user, revoked_at__isnull=True).exists()


def digital_champion_for(*, user: User) -> DigitalChampion | None:
    return DigitalChampion.objects.select_related("ward").filter(user=user, withdrawn_at__isnull=True).first()


def digital_champions() -> list[DigitalChampion]:
    """Everyone currently offering to help, for staff, by ward."""
    return list(
        DigitalChampion.objects.select_related("user", "ward")
        .filter(withdrawn_at__isnull=True, user__is_active=True)
        .order_by("ward__name", "signed_up_at")
    )


SINGLE_VIEW_LIST_SIZE = 20


@dataclass(frozen=True)
class ResidentSingleView:
    """Everything a customer service adviser needs on one screen (after an audited reason)."""

    profile: ResidentProfile
    preferences: CommunicationPreferences
    interests: list[str]
    consents: list[ConsentRow]
    requests: list[ServiceRequest]
    messages: list[Correspondence]
    timeline: list[TimelineItem]
    champion: DigitalChampion | None
    identity: IdentityVerification | None


def resident_single_view(*, user: User) -> ResidentSingleView:
    """The resident's account as staff see it. Only call it from an audited staff view."""
    preferences = preferences_for(user=user)
    return ResidentSingleView(
        profile=profile_for(user=user),
        preferences=preferences,
        interests=[group.name for group in preferences.interests.all()] if preferences.pk else [],
        consents=consent_rows(user=user),
        requests=list(request_selectors.requests_reported_by(user=user)[:SINGLE_VIEW_LIST_SIZE]),
        messages=list(notify_selectors.correspondence_for(recipient=user)[:SINGLE_VIEW_LIST_SIZE]),
        timeline=timeline_for(
            user=user, only=TimelineFilter(kinds=frozenset(TimelineKind.values) - {TimelineKind.SUGGESTION})
        )[:SINGLE_VIEW_LIST_SIZE],
        champion=digital_champion_for(user=user),
        identity=identity_verified(user=user),
    )
