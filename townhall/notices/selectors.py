"""Every read of council notices: the public list, one notice, feeds, the back office, and MyAccount's sources.

Public reads always go through `.published(now=...)`, so a draft, a scheduled notice and
a withdrawn one answer nothing to the public (not even by id).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from townhall.notices.constants import NoticeKind
from townhall.notices.models import Notice, NoticeQuerySet
from townhall.places.models import Ward
from townhall.service_requests.models import CategoryGroup


def _public(now: dt.datetime | None) -> NoticeQuerySet:
    return (
        Notice.staff_objects.published(now=now or timezone.now())
        .select_related("category_group")
        .prefetch_related("wards")
    )


def notices_public(*, kind: str = "", ward: Ward | None = None, now: dt.datetime | None = None) -> NoticeQuerySet:
    """Current public notices (events still to come or on, service changes not ended, ward news), newest first.

    Filtered to one kind, and to one ward (which includes borough-wide notices).
    """
    now = now or timezone.now()
    found = _public(now).current(now=now)
    if kind:
        found = found.filter(kind=kind)
    if ward is not None:
        found = found.in_ward(ward)
    return found.order_by("-publish_at", "-pk")


def notice_public_get(*, notice_id: int, now: dt.datetime | None = None) -> Notice | None:
    """A published notice by id, including ended ones (old links keep working); None if not public."""
    return _public(now).filter(pk=notice_id).first()


def notice_wards() -> list[Ward]:
    return list(Ward.objects.order_by("name"))


def notice_groups() -> list[CategoryGroup]:
    return list(CategoryGroup.objects.order_by("order", "name"))


def notices_for_staff() -> NoticeQuerySet:
    """Every notice, drafts and withdrawn ones too, newest change first."""
    return (
        Notice.staff_objects.select_related("category_group", "created_by")
        .prefetch_related("wards")
        .order_by("-updated_at", "-pk")
    )


def notice_staff_get(*, notice_id: int) -> Notice | None:
    return Notice.staff_objects.select_related("category_group").prefetch_related("wards").filter(pk=notice_id).first()


# --- for MyAccount's suggestions (through selectors only; see ADR 0024) ---------------------------------


def notices_to_suggest(*, now: dt.datetime, news_since: dt.datetime, limit: int) -> list[Notice]:
    """Candidates for a resident's timeline: events not over, service changes not ended, recent ward news."""
    found = _public(now).current(now=now).filter(~Q(kind=NoticeKind.WARD_NEWS) | Q(publish_at__gte=news_since))
    return list(found.order_by("-publish_at", "-pk")[:limit])


def notices_coming_up(*, ward: Ward, now: dt.datetime, limit: int) -> list[Notice]:
    """Events and service changes in one ward (named for it, not borough-wide) that are on or still to come,
    soonest first."""
    found = (
        _public(now)
        .current(now=now)
        .filter(kind__in=(NoticeKind.EVENT, NoticeKind.SERVICE_CHANGE), wards=ward)
        .order_by("starts_at", "pk")
    )
    return list(found[:limit])
