"""The demo borough's council notices: local events, service changes and ward news around `as_of`.

A few per ward plus borough-wide ones, some for service areas residents follow (parks, bins,
roads), so MyAccount's suggestions and "Coming up in your ward" have something to explain.
Notices are written through `notices.services` (as Townhall itself, so each has its audit
entry); their publishing times are then set relative to `as_of`, as the request history is,
because the service only publishes now or later. The same seed and `as_of` give the same notices.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from townhall.demo.service_requests import LIGHTING, PARKS_GROUP, ROADS, WASTE
from townhall.notices import services as notice_services
from townhall.notices.constants import NoticeKind
from townhall.notices.models import Notice
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup

EVENT, CHANGE, NEWS = NoticeKind.EVENT, NoticeKind.SERVICE_CHANGE, NoticeKind.WARD_NEWS

# (title, summary, body, service area, location) with "{ward}" filled in.
WARD_EVENTS: tuple[tuple[str, str, str, str | None, str], ...] = (
    (
        "Community litter pick in {ward}",
        "Join neighbours to tidy the streets and green spaces of {ward}.",
        "We provide litter pickers, bags and gloves.\n\nChildren are welcome with an adult.",
        WASTE,
        "{ward} community centre car park",
    ),
    (
        "Tree planting in {ward} park",
        "Help the rangers plant young trees before the spring.",
        "Wear boots and bring a drink.\n\nNo experience needed: the rangers show you how.",
        PARKS_GROUP,
        "{ward} park, main gate",
    ),
    (
        "Councillor surgery in {ward}",
        "Meet your ward councillors without an appointment.",
        "Bring any question about council services in {ward}.\n\nThe room is step-free.",
        None,
        "{ward} library",
    ),
    (
        "Play area reopening in {ward}",
        "Come and try the new play equipment.",
        "The play area has new swings, a climbing frame and accessible roundabout.",
        PARKS_GROUP,
        "{ward} recreation ground",
    ),
)
WARD_CHANGES: tuple[tuple[str, str, str, str | None, str], ...] = (
    (
        "Road resurfacing in {ward}",
        "Some roads in {ward} close overnight while they are resurfaced.",
        "Work runs from 7pm to 6am. Diversions are signed.\n\nBus stops stay open.",
        ROADS,
        "",
    ),
    (
        "Street lights being replaced in {ward}",
        "Old street lights in {ward} are being replaced with LED lanterns.",
        "Each light is off for up to an hour while it is changed.",
        LIGHTING,
        "",
    ),
)
WARD_NEWS: tuple[tuple[str, str, str, str | None, str], ...] = (
    (
        "New benches for {ward}",
        "Five new benches have been installed in {ward} after residents asked for them.",
        "Thank you to everyone who suggested places.\n\nTell us where else a bench would help.",
        PARKS_GROUP,
        "",
    ),
    (
        "{ward} residents' meeting notes",
        "Notes from the latest {ward} residents' meeting are available.",
        "Topics included parking, litter and the summer fair.",
        None,
        "",
    ),
)
BOROUGH_WIDE: tuple[tuple[str, str, str, str, str | None, int, int | None], ...] = (
    # (kind, title, summary, body, service area, starts in days, lasts days or None)
    (
        CHANGE,
        "Bin collections over the bank holidays",
        "Collections move one day later in the bank holiday weeks.",
        "Put your bin out by 7am on your new collection day.\n\nGarden waste collections pause for two weeks.",
        WASTE,
        10,
        14,
    ),
    (
        CHANGE,
        "Garden waste collections pause for winter",
        "Garden waste bins are not collected in December and January.",
        "Your subscription is extended by the weeks we do not collect.",
        WASTE,
        -5,
        60,
    ),
    (
        CHANGE,
        "Parks close at dusk in winter",
        "Park gates are locked half an hour after sunset.",
        "Gate times are shown at each entrance.",
        PARKS_GROUP,
        -20,
        None,
    ),
    (
        EVENT,
        "Borough-wide tree giveaway",
        "Collect a free tree for your garden at the town hall.",
        "One tree per household, while stocks last.\n\nBring proof of address.",
        PARKS_GROUP,
        12,
        0,
    ),
    (
        NEWS,
        "New online account for council services",
        "You can now report problems and follow them in one place.",
        "Create an account with your email address to see your reports and our messages.",
        None,
        0,
        None,
    ),
)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _create(
    *,
    kind: str,
    texts: tuple[str, str, str, str | None, str],
    ward: Ward | None,
    groups: dict[str, CategoryGroup],
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
) -> Notice:
    title, summary, body, group, location = (
        text.format(ward=ward.name if ward else "") if isinstance(text, str) else text for text in texts
    )
    return notice_services.notice_create(
        acting_user=None,
        fields=notice_services.NoticeFields(
            kind=kind,
            title=str(title),
            summary=str(summary),
            body=str(body),
            wards=[ward] if ward is not None else [],
            category_group=groups.get(str(group)) if group else None,
            starts_at=starts_at,
            ends_at=ends_at,
            location=str(location),
        ),
    )


def demo_notices_create(*, seed: int, as_of: dt.date) -> int:
    """Write the demo notices; return how many. Most are published before `as_of`, one is a draft and
    one is scheduled, and a past event shows how events drop off the list."""
    rng = random.Random(f"townhall-demo:{seed}:notices")  # noqa: S311 (seeded on purpose: determinism)
    groups = {group.name: group for group in CategoryGroup.objects.all()}
    published: list[tuple[Notice, dt.date]] = []
    for number, ward in enumerate(Ward.objects.order_by("code")):
        day = as_of + dt.timedelta(days=rng.randrange(2, 35))
        hour = rng.choice((10, 11, 14, 18))
        event = _create(
            kind=EVENT,
            texts=rng.choice(WARD_EVENTS),
            ward=ward,
            groups=groups,
            starts_at=_at(day, hour),
            ends_at=_at(day, hour + 2),
        )
        published.append((event, as_of - dt.timedelta(days=rng.randrange(1, 20))))
        news = _create(kind=NEWS, texts=rng.choice(WARD_NEWS), ward=ward, groups=groups, starts_at=None, ends_at=None)
        published.append((news, as_of - dt.timedelta(days=rng.randrange(0, 25))))
        if number % 3 == 0:
            starts = as_of + dt.timedelta(days=rng.randrange(-10, 15))
            change = _create(
                kind=CHANGE,
                texts=rng.choice(WARD_CHANGES),
                ward=ward,
                groups=groups,
                starts_at=_at(starts, 7),
                ends_at=_at(starts + dt.timedelta(days=rng.randrange(5, 30)), 18),
            )
            published.append((change, min(as_of, starts) - dt.timedelta(days=7)))
        if number == 1:  # an event that is over: it has dropped off the list, its page still opens
            past = as_of - dt.timedelta(days=6)
            over = _create(
                kind=EVENT,
                texts=WARD_EVENTS[2],
                ward=ward,
                groups=groups,
                starts_at=_at(past, 18),
                ends_at=_at(past, 20),
            )
            published.append((over, past - dt.timedelta(days=14)))
    for kind, title, summary, body, group, starts_in, lasts in BOROUGH_WIDE:
        starts = as_of + dt.timedelta(days=starts_in)
        dated = kind != NEWS
        notice = _create(
            kind=kind,
            texts=(title, summary, body, group, "Town hall" if kind == EVENT else ""),
            ward=None,
            groups=groups,
            starts_at=_at(starts, 9) if dated else None,
            ends_at=_at(starts + dt.timedelta(days=lasts), 16) if dated and lasts is not None else None,
        )
        published.append((notice, min(as_of, starts) - dt.timedelta(days=3)))
    for notice, on in published:
        Notice.staff_objects.filter(pk=notice.pk).update(publish_at=_at(on, 9), updated_at=_at(on, 9))
    # One scheduled for after `as_of`, and one draft, so the staff list shows every state.
    scheduled = _create(
        kind=EVENT,
        texts=(
            "Summer fair",
            "The borough's summer fair returns.",
            "Stalls, music and food.",
            PARKS_GROUP,
            "Town park",
        ),
        ward=None,
        groups=groups,
        starts_at=_at(as_of + dt.timedelta(days=60), 11),
        ends_at=_at(as_of + dt.timedelta(days=60), 17),
    )
    Notice.staff_objects.filter(pk=scheduled.pk).update(publish_at=_at(as_of + dt.timedelta(days=3), 9))
    _create(
        kind=NEWS,
        texts=("Draft: new recycling centre", "Plans for a new recycling centre.", "Details to follow.", WASTE, ""),
        ward=None,
        groups=groups,
        starts_at=None,
        ends_at=None,
    )
    return len(published) + 2
