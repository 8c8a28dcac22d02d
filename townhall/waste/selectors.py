"""Reads of bin collection schedules: for the public lookup, its calendar file, MyAccount and staff.

Every answer is computed from the rounds, the bank holiday calendar of the council's
nation (townhall.core.working_days, as service request SLAs use) and staff changes:
nothing is pre-generated, so a change shows at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from townhall.core.working_days import bank_holidays
from townhall.places.models import Address
from townhall.waste.constants import MAX_CHANGE_DAYS, SUBSCRIPTION_NOTE, SUBSCRIPTION_SERVICES, Service
from townhall.waste.models import CollectionChange, CollectionRound, RoundAssignment
from townhall.waste.schedule import Collection, Pattern, StaffChange, collections

_SERVICE_ORDER = {service.value: index for index, service in enumerate(Service)}
CALENDAR_DAYS = 365


@dataclass(frozen=True)
class ServiceCollections:
    """One service at one property: its round and the collections asked for."""

    service: str
    service_name: str
    round_id: int
    round_code: str
    round_name: str
    frequency: str
    subscription_note: str  # "if you subscribe" for garden waste, else empty
    collections: tuple[Collection, ...]

    @property
    def next(self) -> Collection | None:
        return self.collections[0] if self.collections else None


def frequency_text(interval_weeks: int) -> str:
    if interval_weeks == 1:
        return "every week"
    if interval_weeks == 2:
        return "every other week"
    return f"every {interval_weeks} weeks"


def _pattern(round_: CollectionRound) -> Pattern:
    return Pattern(round_.weekday, round_.interval_weeks, round_.reference_date, round_.holiday_rule)


def _rounds_for(uprn: int) -> list[CollectionRound]:
    assignments = RoundAssignment.objects.filter(address_id=uprn).select_related("round")
    return sorted((item.round for item in assignments), key=lambda round_: _SERVICE_ORDER.get(round_.service, 99))


def _changes_for(
    rounds: Sequence[CollectionRound], *, start: dt.date, end: dt.date
) -> dict[int, dict[dt.date, StaffChange]]:
    margin = dt.timedelta(days=MAX_CHANGE_DAYS)
    found: dict[int, dict[dt.date, StaffChange]] = {round_.pk: {} for round_ in rounds}
    for change in CollectionChange.objects.filter(
        round__in=[round_.pk for round_ in rounds], original_date__gte=start - margin, original_date__lte=end + margin
    ):
        found[change.round_id][change.original_date] = StaffChange(change.new_date, change.reason)
    return found


def _collections_for(uprn: int, *, start: dt.date, end: dt.date, count: int | None) -> list[ServiceCollections]:
    rounds = _rounds_for(uprn)
    changes = _changes_for(rounds, start=start, end=end)
    holidays = bank_holidays()
    answer = []
    for round_ in rounds:
        dates = collections(_pattern(round_), start=start, end=end, holidays=holidays, changes=changes[round_.pk])
        answer.append(
            ServiceCollections(
                service=round_.service,
                service_name=round_.get_service_display(),
                round_id=round_.pk,
                round_code=round_.code,
                round_name=round_.name,
                frequency=frequency_text(round_.interval_weeks),
                subscription_note=SUBSCRIPTION_NOTE if round_.service in SUBSCRIPTION_SERVICES else "",
                collections=tuple(dates if count is None else dates[:count]),
            )
        )
    return answer


def next_collections(uprn: int, *, today: dt.date, count: int = 3) -> list[ServiceCollections]:
    """The next `count` collections of each service at the property, from `today` on (today included).

    Services in the residents' order (general waste, recycling, food, garden); an empty list
    when the property is on no round. Each collection that moved says why.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    longest = max((round_.interval_weeks for round_ in _rounds_for(uprn)), default=1)
    end = today + dt.timedelta(weeks=longest * count + 2)
    return _collections_for(uprn, start=today, end=end, count=count)


def collections_for_calendar(uprn: int, *, today: dt.date) -> list[ServiceCollections]:
    """Every collection at the property in the next 12 months, for its iCalendar file."""
    return _collections_for(uprn, start=today, end=today + dt.timedelta(days=CALENDAR_DAYS), count=None)


def next_collections_for_uprn(*, uprn: int | None, today: dt.date | None = None) -> list[ServiceCollections]:
    """For MyAccount's dashboard: each service's next collection at the resident's address.

    An empty list when the address is not known or not on any round ("if known").
    """
    if uprn is None:
        return []
    return next_collections(uprn, today=today or timezone.localdate(), count=1)


def property_has_rounds(*, uprn: int) -> bool:
    return RoundAssignment.objects.filter(address_id=uprn).exists()


# --- staff -----------------------------------------------------------------------------------------


def rounds_all() -> list[CollectionRound]:
    return list(CollectionRound.objects.select_related("ward").order_by("service", "weekday", "code"))


def round_get(*, round_id: int) -> CollectionRound | None:
    return CollectionRound.objects.filter(pk=round_id).first()


def changes_upcoming(*, today: dt.date) -> list[CollectionChange]:
    """Changed dates that have not yet passed (by either date), soonest first."""
    return list(
        CollectionChange.objects.filter(new_date__gte=today)
        .select_related("round")
        .order_by("original_date", "round__code")
    )


def change_get(*, change_id: int) -> CollectionChange | None:
    return CollectionChange.objects.filter(pk=change_id).select_related("round").first()


def address_for_uprn(*, uprn: int) -> Address | None:
    """The gazetteer address of a UPRN (places owns it; read through its model, as its selectors do)."""
    return Address.objects.select_related("street").filter(uprn=uprn).first()
