"""The personal timeline: everything between one resident and the council, in one feed.

Items come from the apps that own them (service_requests, notify, this app) through their
selectors, newest first. Suggested items are ranked openly: each carries the reasons it
scored, and only items with at least one reason are shown, so "why am I seeing this?"
always has an answer. With personalisation off, no suggestions are made.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from townhall.accounts.models import User
from townhall.myaccount.constants import (
    SUGGESTION_WINDOW_DAYS,
    SUGGESTIONS_PER_PAGE,
    SubjectAccessState,
    TimelineKind,
)
from townhall.myaccount.models import AddressChange, ConsentDecision, SubjectAccessRequest, SuggestionOpened
from townhall.myaccount.selectors.preferences import preferences_for, profile_for
from townhall.notify import selectors as notify_selectors
from townhall.service_requests import selectors as request_selectors
from townhall.service_requests.constants import Status

# Each source contributes at most this many of its newest items: the timeline is for
# recent history; the inbox and "my reports" pages page through everything.
SOURCE_LIMIT = 200
_CANDIDATES = 200
_OPENED_LOOKBACK_DAYS = 90


@dataclass(frozen=True)
class TimelineItem:
    key: str
    kind: str
    at: dt.datetime
    title: str
    summary: str
    url: str
    reasons: tuple[str, ...] = field(default=())
    unread: bool = False

    @property
    def kind_label(self) -> str:
        return TimelineKind(self.kind).label

    @property
    def why(self) -> str:
        """'Because you live in Linthorpe ward and follow Parks.'"""
        if not self.reasons:
            return ""
        joined = (
            self.reasons[0] if len(self.reasons) == 1 else ", ".join(self.reasons[:-1]) + " and " + self.reasons[-1]
        )
        return f"Because {joined}."


@dataclass(frozen=True)
class TimelineFilter:
    kinds: frozenset[str] = frozenset(TimelineKind.values)
    since: dt.date | None = None
    until: dt.date | None = None

    def admits(self, at: dt.datetime) -> bool:
        day = timezone.localtime(at).date()
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


def _request_items(user: User) -> list[TimelineItem]:
    return [
        TimelineItem(
            key=f"request-{found.pk}",
            kind=TimelineKind.REQUEST,
            at=found.received_at,
            title=f"You reported: {found.category.name}",
            summary=f"Reference {found.reference}. {found.address_string}".strip(),
            url=reverse("report:track", args=[found.reference]),
        )
        for found in request_selectors.requests_reported_by(user=user)[:SOURCE_LIMIT]
    ]


def _update_items(user: User) -> list[TimelineItem]:
    items = []
    for update in request_selectors.public_updates_on_requests_of(user=user)[:SOURCE_LIMIT]:
        parts = []
        if update.status_to:
            parts.append(f"Status changed to {Status(update.status_to).label.lower()}.")
        shown: str = getattr(update, "shown_message", "")  # annotated by the selector: the moderated text
        if shown:
            parts.append(shown)
        items.append(
            TimelineItem(
                key=f"update-{update.pk}",
                kind=TimelineKind.REQUEST_UPDATE,
                at=update.created_at,
                title=f"Update on your report {update.request.reference}: {update.request.category.name}",
                summary=" ".join(parts),
                url=reverse("report:track", args=[update.request.reference]),
            )
        )
    return items


def _message_items(user: User) -> list[TimelineItem]:
    return [
        TimelineItem(
            key=f"message-{message.pk}",
            kind=TimelineKind.MESSAGE,
            at=message.sent_at,
            title=message.subject,
            summary=f"{message.get_channel_display()} from the council.",
            url=reverse("myaccount:message", args=[message.pk]),
            unread=message.read_at is None,
        )
        for message in notify_selectors.correspondence_for(recipient=user)[:SOURCE_LIMIT]
    ]


def _consent_items(user: User) -> list[TimelineItem]:
    decisions = ConsentDecision.objects.select_related("text__purpose").filter(user=user)[:SOURCE_LIMIT]
    return [
        TimelineItem(
            key=f"consent-{decision.pk}",
            kind=TimelineKind.CONSENT,
            at=decision.decided_at,
            title=f"You {'gave' if decision.given else 'withdrew'} consent: {decision.text.purpose.name}",
            summary=f"Wording version {decision.text.version}.",
            url=reverse("myaccount:consents"),
        )
        for decision in decisions
    ]


def _details_items(user: User) -> list[TimelineItem]:
    return [
        TimelineItem(
            key=f"address-{change.pk}",
            kind=TimelineKind.DETAILS,
            at=change.recorded_at,
            title="You told us you moved",
            summary=f"New address from {change.effective_from:%-d %B %Y}: {change.address_text}.",
            url=reverse("myaccount:details"),
        )
        for change in AddressChange.objects.filter(user=user)[:SOURCE_LIMIT]
    ]


def _data_request_items(user: User) -> list[TimelineItem]:
    """Requests for the records other council systems hold: when asked, and when answered."""
    items = []
    url = reverse("myaccount:subject_access")
    for sar in SubjectAccessRequest.objects.filter(user=user).order_by("-requested_at")[:SOURCE_LIMIT]:
        items.append(
            TimelineItem(
                key=f"sar-{sar.pk}",
                kind=TimelineKind.DATA_REQUEST,
                at=sar.requested_at,
                title=f"You asked for the records other council systems hold about you ({sar.reference})",
                summary=f"We will reply by {sar.deadline:%-d %B %Y}.",
                url=url,
            )
        )
        if sar.decided_at is not None and sar.state in (SubjectAccessState.RELEASED, SubjectAccessState.REFUSED):
            released = sar.state == SubjectAccessState.RELEASED
            items.append(
                TimelineItem(
                    key=f"sar-{sar.pk}-{sar.state}",
                    kind=TimelineKind.DATA_REQUEST,
                    at=sar.decided_at,
                    title=(
                        f"Your council records are ready to download ({sar.reference})"
                        if released
                        else f"We refused your request for council records ({sar.reference})"
                    ),
                    summary="Reviewed by our information governance team.",
                    url=url,
                )
            )
    return items


def suggestions_for(user: User, *, now: dt.datetime | None = None) -> list[TimelineItem]:
    """Recently fixed or closed public reports this resident may care about, with the reasons.

    Score: 3 if in the resident's ward, 2 if in a group they follow, plus 1 for each time
    (at most 3) they opened a suggestion from that group lately. Ties go to the newer.
    """
    preferences = preferences_for(user=user)
    if not preferences.personalised_timeline:
        return []
    now = now or timezone.now()
    profile = profile_for(user=user)
    ward = profile.address.ward if profile.address is not None else None
    followed = {group.pk: group.name for group in preferences.interests.all()} if preferences.pk else {}
    opened = Counter(
        SuggestionOpened.objects.filter(
            user=user, opened_at__gte=now - dt.timedelta(days=_OPENED_LOOKBACK_DAYS)
        ).values_list("category_group_id", flat=True)
    )
    if ward is None and not followed and not opened:
        return []
    scored: list[tuple[int, TimelineItem]] = []
    since = now - dt.timedelta(days=SUGGESTION_WINDOW_DAYS)
    for found in request_selectors.public_requests_closed_since(since=since, limit=_CANDIDATES):
        group_id = found.category.group_id
        reasons: list[str] = []
        score = 0
        if ward is not None and found.ward_id == ward.pk:
            score += 3
            reasons.append(f"you live in {ward.name} ward")
        if group_id in followed:
            score += 2
            reasons.append(f"you follow {followed[group_id]}")
        if opened[group_id]:
            score += min(opened[group_id], 3)
            reasons.append(f"you opened other {found.category.group.name} items")
        if not score or found.closed_at is None:
            continue
        fixed = found.status == Status.FIXED
        scored.append(
            (
                score,
                TimelineItem(
                    key=f"suggestion-{found.pk}",
                    kind=TimelineKind.SUGGESTION,
                    at=found.closed_at,
                    title=f"{'Fixed' if fixed else 'Closed'} in {found.ward.name}: {found.category.name}",
                    summary=f"{found.address_string}. Reference {found.reference}.".lstrip(". "),
                    url=reverse("myaccount:suggestion", args=[found.reference]),
                    reasons=tuple(reasons),
                ),
            )
        )
    scored.sort(key=lambda pair: (pair[0], pair[1].at), reverse=True)
    return [item for _, item in scored[:SUGGESTIONS_PER_PAGE]]


def timeline_for(*, user: User, only: TimelineFilter | None = None) -> list[TimelineItem]:
    """The resident's timeline, newest first, filtered by kind and date."""
    only = only or TimelineFilter()
    sources = {
        TimelineKind.REQUEST: _request_items,
        TimelineKind.REQUEST_UPDATE: _update_items,
        TimelineKind.MESSAGE: _message_items,
        TimelineKind.CONSENT: _consent_items,
        TimelineKind.DETAILS: _details_items,
        TimelineKind.DATA_REQUEST: _data_request_items,
        TimelineKind.SUGGESTION: suggestions_for,
    }
    items = [item for kind, source in sources.items() if kind in only.kinds for item in source(user)]
    return sorted((item for item in items if only.admits(item.at)), key=lambda item: item.at, reverse=True)
