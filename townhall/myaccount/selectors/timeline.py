"""The personal timeline: everything between one resident and the council, in one feed.

Items come from the apps that own them (service_requests, notify, notices, this app) through
their selectors, newest first. Suggested items come from SUGGESTION_SOURCES (public reports
fixed lately, council notices) and are ranked openly, all by the same rule: each carries the
reasons it scored, and only items with at least one reason are shown, so "why am I seeing
this?" always has an answer. With personalisation off, no suggestions are made.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from django.urls import reverse
from django.utils import timezone

from townhall.accounts.models import User
from townhall.engagement import selectors as engagement_selectors
from townhall.engagement.constants import Phase
from townhall.myaccount.constants import (
    SUGGESTION_WINDOW_DAYS,
    SUGGESTIONS_PER_PAGE,
    SubjectAccessState,
    TimelineKind,
)
from townhall.myaccount.models import AddressChange, ConsentDecision, SubjectAccessRequest, SuggestionOpened
from townhall.myaccount.selectors.preferences import preferences_for, profile_for
from townhall.notices import selectors as notice_selectors
from townhall.notices.constants import NoticeKind
from townhall.notices.models import Notice
from townhall.notify import selectors as notify_selectors
from townhall.places.models import Ward
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


def _consultation_items(user: User) -> list[TimelineItem]:
    items = []
    for took in engagement_selectors.responses_by(user=user)[:SOURCE_LIMIT]:
        consultation = took.consultation
        if consultation.phase == Phase.OPEN:
            state = f"Open until {timezone.localtime(consultation.closes_at):%-d %B %Y}: you can change your answers."
        else:
            state = "Closed: see what was decided on its page."
        items.append(
            TimelineItem(
                key=f"consultation-{took.reference}",
                kind=TimelineKind.CONSULTATION,
                at=took.responded_at,
                title=f"You took part in: {consultation.title}",
                summary=f"Reference {took.reference}. {state}",
                url=took.response_url,
            )
        )
    return items


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


@dataclass(frozen=True)
class SuggestionCandidate:
    """Something a source offers for the timeline, with what the ranking may match it on.

    `ward_ids` empty means borough-wide: it can never score "you live in X ward", so it is
    suggested only for another reason (a followed service area, or one the resident opened).
    """

    item: TimelineItem
    ward_ids: frozenset[int]
    group_id: int | None = None
    group_name: str = ""


SuggestionSource = Callable[[dt.datetime], Iterable[SuggestionCandidate]]


def _closed_request_candidates(now: dt.datetime) -> Iterator[SuggestionCandidate]:
    """Public reports fixed or closed lately."""
    since = now - dt.timedelta(days=SUGGESTION_WINDOW_DAYS)
    for found in request_selectors.public_requests_closed_since(since=since, limit=_CANDIDATES):
        if found.closed_at is None:
            continue
        fixed = found.status == Status.FIXED
        yield SuggestionCandidate(
            item=TimelineItem(
                key=f"suggestion-{found.pk}",
                kind=TimelineKind.SUGGESTION,
                at=found.closed_at,
                title=f"{'Fixed' if fixed else 'Closed'} in {found.ward.name}: {found.category.name}",
                summary=f"{found.address_string}. Reference {found.reference}.".lstrip(". "),
                url=reverse("myaccount:suggestion", args=[found.reference]),
            ),
            ward_ids=frozenset({found.ward_id}),
            group_id=found.category.group_id,
            group_name=found.category.group.name,
        )


def _notice_when(notice: Notice) -> str:
    """'Saturday 12 December, 10am' for an event; 'From 4 January' for a service change."""
    if notice.starts_at is None:
        return ""
    starts = timezone.localtime(notice.starts_at)
    if notice.kind == NoticeKind.EVENT:
        return f"{starts:%A %-d %B}, {starts:%-I:%M%p}".replace(":00", "").replace("AM", "am").replace("PM", "pm")
    if notice.ends_at is not None:
        return f"From {starts:%-d %B} until {timezone.localtime(notice.ends_at):%-d %B %Y}"
    return f"From {starts:%-d %B %Y}"


def _notice_candidate(notice: Notice) -> SuggestionCandidate:
    when = _notice_when(notice)
    place = f" ({notice.location})" if notice.location else ""
    return SuggestionCandidate(
        item=TimelineItem(
            key=f"suggestion-notice-{notice.pk}",
            kind=TimelineKind.SUGGESTION,
            at=notice.publish_at or notice.created_at,
            title=f"{notice.get_kind_display()}: {notice.title}",
            summary=f"{when}{place}. {notice.summary}" if when else notice.summary,
            url=reverse("myaccount:suggestion_notice", args=[notice.pk]),
        ),
        ward_ids=frozenset(ward.pk for ward in notice.wards.all()),
        group_id=notice.category_group_id,
        group_name=notice.category_group.name if notice.category_group else "",
    )


def _notice_candidates(now: dt.datetime) -> Iterator[SuggestionCandidate]:
    """Council notices: events still to come, service changes still applying, ward news of late."""
    since = now - dt.timedelta(days=SUGGESTION_WINDOW_DAYS)
    for notice in notice_selectors.notices_to_suggest(now=now, news_since=since, limit=_CANDIDATES):
        yield _notice_candidate(notice)


def _consultation_candidates(now: dt.datetime) -> Iterator[SuggestionCandidate]:
    """Consultations open now, for a ward or borough-wide."""
    for consultation in engagement_selectors.suggestion_candidates(now=now):
        closes = timezone.localtime(consultation.closes_at)
        yield SuggestionCandidate(
            item=TimelineItem(
                key=f"suggestion-consultation-{consultation.id}",
                kind=TimelineKind.SUGGESTION,
                at=consultation.opens_at,
                title=f"Have your say: {consultation.title}",
                summary=f"Open until {closes:%-d %B %Y}. {consultation.summary}",
                url=consultation.url,
            ),
            ward_ids=consultation.ward_ids,
            group_id=consultation.category_group_id,
            group_name=consultation.category_group_name,
        )


# Where suggestions come from. Adding a source is one function here.
SUGGESTION_SOURCES: tuple[SuggestionSource, ...] = (
    _closed_request_candidates,
    _notice_candidates,
    _consultation_candidates,
)


@dataclass(frozen=True)
class _Interests:
    """What the ranking knows about the resident, all of it visible in their account."""

    ward: Ward | None
    followed: dict[int, str]
    opened: Counter[int]

    @property
    def empty(self) -> bool:
        return self.ward is None and not self.followed and not self.opened


def _interests(user: User, now: dt.datetime) -> _Interests | None:
    """None when the resident switched personalisation off."""
    preferences = preferences_for(user=user)
    if not preferences.personalised_timeline:
        return None
    profile = profile_for(user=user)
    return _Interests(
        ward=profile.address.ward if profile.address is not None else None,
        followed={group.pk: group.name for group in preferences.interests.all()} if preferences.pk else {},
        opened=Counter(
            SuggestionOpened.objects.filter(
                user=user, opened_at__gte=now - dt.timedelta(days=_OPENED_LOOKBACK_DAYS)
            ).values_list("category_group_id", flat=True)
        ),
    )


def _score(candidate: SuggestionCandidate, interests: _Interests) -> tuple[int, list[str]]:
    """3 if in the resident's ward, 2 if in a group they follow, plus 1 for each time (at most 3)
    they opened a suggestion from that group lately; with the reason for each point."""
    reasons: list[str] = []
    score = 0
    if interests.ward is not None and interests.ward.pk in candidate.ward_ids:
        score += 3
        reasons.append(f"you live in {interests.ward.name} ward")
    group_id = candidate.group_id
    if group_id is not None and group_id in interests.followed:
        score += 2
        reasons.append(f"you follow {interests.followed[group_id]}")
    if group_id is not None and interests.opened[group_id]:
        score += min(interests.opened[group_id], 3)
        reasons.append(f"you opened other {candidate.group_name} items")
    return score, reasons


def suggestions_for(user: User, *, now: dt.datetime | None = None) -> list[TimelineItem]:
    """Things this resident may care about, from every source in SUGGESTION_SOURCES, with the reasons.

    Every candidate is scored the same way (`_score`); only those with a reason are shown,
    best first, ties to the newer. Personalisation off: nothing.
    """
    now = now or timezone.now()
    interests = _interests(user, now)
    if interests is None or interests.empty:
        return []
    # A consultation the resident already answered is on their timeline, not suggested again.
    answered = {
        f"suggestion-consultation-{took.consultation.id}" for took in engagement_selectors.responses_by(user=user)
    }
    scored: list[tuple[int, TimelineItem]] = []
    for source in SUGGESTION_SOURCES:
        for candidate in source(now):
            if candidate.item.key in answered:
                continue
            score, reasons = _score(candidate, interests)
            if score:
                scored.append((score, replace(candidate.item, reasons=tuple(reasons))))
    scored.sort(key=lambda pair: (pair[0], pair[1].at), reverse=True)
    return [item for _, item in scored[:SUGGESTIONS_PER_PAGE]]


def coming_up_for(user: User, *, now: dt.datetime | None = None, limit: int = 3) -> list[TimelineItem]:
    """The next events and service changes named for the resident's ward, soonest first, each saying why.

    Part of the personalised view: nothing when personalisation is off or no address is known.
    """
    now = now or timezone.now()
    interests = _interests(user, now)
    if interests is None or interests.ward is None:
        return []
    items = []
    for notice in notice_selectors.notices_coming_up(ward=interests.ward, now=now, limit=limit):
        candidate = _notice_candidate(notice)
        _, reasons = _score(candidate, interests)
        items.append(replace(candidate.item, at=notice.starts_at or candidate.item.at, reasons=tuple(reasons)))
    return items


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
        TimelineKind.CONSULTATION: _consultation_items,
        TimelineKind.SUGGESTION: suggestions_for,
    }
    items = [item for kind, source in sources.items() if kind in only.kinds for item in source(user)]
    return sorted((item for item in items if only.admits(item.at)), key=lambda item: item.at, reverse=True)
