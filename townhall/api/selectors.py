"""Reads behind Townhall's API: the catalogue with its questions, public requests a page at a time, a resident's own.

Which requests are public is service_requests' decision (`public_service_requests`: public,
in a public category, confirmed); this module filters, orders and pages those rows and
loads only the fields the API shows. It never loads the reporter, contact details,
internal notes or staff assignments of a public row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce, NullIf

from townhall.accounts.models import User
from townhall.service_requests import selectors as request_selectors
from townhall.service_requests.constants import Status
from townhall.service_requests.models import (
    Category,
    Question,
    QuestionChoice,
    RequestAnswer,
    RequestUpdate,
    ServiceRequest,
)

# What anyone may read about a request (plus category and ward, joined).
_PUBLIC_FIELDS = (
    "id",
    "reference",
    "status",
    "description",
    "redacted_description",
    "lat",
    "lng",
    "uprn",
    "address_string",
    "received_at",
    "updated_at",
    "sla_due_at",
    "closed_at",
    "category__service_code",
    "category__name",
    "ward__code",
    "ward__name",
)
_UPDATE_FIELDS = ("id", "request_id", "created_at", "status_from", "status_to", "public_message", "redacted_message")


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the row received at `received_at` with id `id` (newest first)."""

    received_at: dt.datetime
    id: int


@dataclass(frozen=True)
class RequestFilter:
    """Filters on public requests; empty means any. `bbox` is (min_lng, min_lat, max_lng, max_lat) in WGS84."""

    service_codes: Sequence[str] = ()
    ward_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    bbox: tuple[float, float, float, float] | None = None


def catalogue() -> list[Category]:
    """Active categories in residents' order, each with its group, questions and choices (three queries)."""
    return list(_with_questions(request_selectors.categories_active()))


def catalogue_service(*, service_code: str) -> Category | None:
    """One active category with its questions and choices, or None."""
    return _with_questions(request_selectors.categories_active().filter(service_code=service_code)).first()


def _with_questions(categories: QuerySet[Category]) -> QuerySet[Category]:
    return categories.prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("order", "id")),
        Prefetch("questions__choices", queryset=QuestionChoice.objects.order_by("order", "id")),
    )


def _public_message() -> Coalesce:
    """The text the public sees for an update: the moderated version when staff redacted it."""
    return Coalesce(
        NullIf("redacted_message", Value("", output_field=TextField())), "public_message", output_field=TextField()
    )


def _public_updates() -> QuerySet[RequestUpdate]:
    """Status changes and public messages, oldest first: never internal notes or authors."""
    return (
        RequestUpdate.objects.filter(Q(status_to__gt="") | ~Q(public_message=""))
        .only(*_UPDATE_FIELDS)
        .order_by("created_at", "id")
    )


def _public_rows() -> QuerySet[ServiceRequest]:
    latest = (
        RequestUpdate.objects.filter(request=OuterRef("pk"))
        .exclude(public_message="")
        .order_by("-created_at", "-id")
        .annotate(shown=_public_message())
        .values("shown")[:1]
    )
    return (
        request_selectors.public_service_requests()
        .select_related("category", "ward")
        .only(*_PUBLIC_FIELDS)
        .annotate(latest_public_message=Subquery(latest))
    )


def _after(rows: QuerySet[ServiceRequest], cursor: Cursor | None) -> QuerySet[ServiceRequest]:
    if cursor is None:
        return rows
    return rows.filter(Q(received_at__lt=cursor.received_at) | Q(received_at=cursor.received_at, id__lt=cursor.id))


def _page(
    rows: QuerySet[ServiceRequest], *, after: Cursor | None, limit: int
) -> tuple[list[ServiceRequest], Cursor | None]:
    """One page, newest first, and the cursor of the next page (None on the last)."""
    found = list(_after(rows, after).order_by("-received_at", "-id")[: limit + 1])
    if len(found) <= limit:
        return found, None
    last = found[limit - 1]
    return found[:limit], Cursor(received_at=last.received_at, id=last.pk)


def _statuses_matching(statuses: Sequence[str]) -> list[str]:
    """Residents see "for triage" as open, so asking for open requests finds those too."""
    wanted = set(statuses)
    if Status.OPEN in wanted:
        wanted.add(Status.FOR_TRIAGE)
    return sorted(wanted)


def public_requests_page(
    *, filters: RequestFilter, after: Cursor | None = None, limit: int = 50
) -> tuple[list[ServiceRequest], Cursor | None]:
    """Public requests matching `filters`, newest first, `limit` at a time (one query)."""
    rows = _public_rows()
    if filters.service_codes:
        rows = rows.filter(category__service_code__in=list(filters.service_codes))
    if filters.ward_codes:
        rows = rows.filter(ward__code__in=list(filters.ward_codes))
    if filters.statuses:
        rows = rows.filter(status__in=_statuses_matching(filters.statuses))
    if filters.received_from is not None:
        rows = rows.filter(received_at__gte=filters.received_from)
    if filters.received_to is not None:
        rows = rows.filter(received_at__lte=filters.received_to)
    if filters.bbox is not None:
        min_lng, min_lat, max_lng, max_lat = filters.bbox
        rows = rows.filter(lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng))
    return _page(rows, after=after, limit=limit)


def public_request(*, reference: str) -> ServiceRequest | None:
    """A public request with its public history (`public_updates`), or None when it is not public."""
    return (
        _public_rows()
        .filter(reference=reference.strip().upper())
        .prefetch_related(Prefetch("updates", queryset=_public_updates(), to_attr="public_updates"))
        .first()
    )


def _residents_own(user: User) -> QuerySet[ServiceRequest]:
    """Everything the resident reported, sensitive or not: it is their own report (never anyone else's)."""
    return (
        ServiceRequest.objects.filter(reporter_id=user.pk)
        .select_related("category", "ward")
        .only(*_PUBLIC_FIELDS, "is_public", "channel", "reporter_id", "category__is_public")
        .prefetch_related(
            Prefetch("updates", queryset=_public_updates(), to_attr="public_updates"),
            Prefetch("answers", queryset=RequestAnswer.objects.order_by("id"), to_attr="answer_rows"),
        )
    )


def resident_requests_page(
    *, user: User, after: Cursor | None = None, limit: int = 50
) -> tuple[list[ServiceRequest], Cursor | None]:
    """The resident's own requests, newest first, each with its public history and answers (three queries)."""
    return _page(_residents_own(user), after=after, limit=limit)


def resident_request(*, user: User, reference: str) -> ServiceRequest | None:
    """One of the resident's own requests, or None (also when it is someone else's)."""
    return _residents_own(user).filter(reference=reference.strip().upper()).first()


def request_for_update(*, reference: str) -> ServiceRequest | None:
    """A live request a back-office system may update (any category; not one still awaiting confirmation)."""
    found = request_selectors.service_request_by_reference(reference=reference)
    if found is None or found.awaiting_confirmation:
        return None
    return found
