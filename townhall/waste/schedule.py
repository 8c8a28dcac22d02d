"""Collection dates for one round: the regular pattern, bank-holiday moves and staff changes.

Pure date arithmetic (no database), so the rules are tested on their own. The bank
holiday rules are ADR 0026's:

- slip week: a collection moves one day later for each bank holiday that falls Monday to
  Friday of its week on or before its usual day (a Friday collection goes to Saturday);
- next day: only a collection that falls on a bank holiday moves, to the day after;

and under both, a collection that lands on a bank holiday or a Sunday moves on again to
the next day that is neither. A change staff recorded for a usual date replaces all of
this for that collection (Christmas weeks are published by hand in most councils).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from townhall.waste.constants import MAX_CHANGE_DAYS, HolidayRule

_WEEK = dt.timedelta(days=7)
_DAY = dt.timedelta(days=1)
_SATURDAY = 5
_SUNDAY = 6


@dataclass(frozen=True)
class Pattern:
    weekday: int
    interval_weeks: int
    reference_date: dt.date
    holiday_rule: str = HolidayRule.SLIP_WEEK


@dataclass(frozen=True)
class StaffChange:
    new_date: dt.date
    reason: str


@dataclass(frozen=True)
class Collection:
    date: dt.date
    usual_date: dt.date
    reason: str = ""  # why it moved, for residents; empty when it did not

    @property
    def moved(self) -> bool:
        return self.date != self.usual_date


def day_text(day: dt.date) -> str:
    """ "Monday 25 December", as GOV.UK writes dates (no leading zero)."""
    return f"{day:%A} {day.day} {day:%B}"


def usual_dates(pattern: Pattern, *, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """The round's regular dates from `start` to `end` inclusive, before any move."""
    if pattern.reference_date.weekday() != pattern.weekday:
        raise ValueError("the reference date must fall on the round's weekday")
    step = _WEEK * pattern.interval_weeks
    # The first regular date on or after start: whole steps from the reference date.
    periods = -((pattern.reference_date - start) // step)
    day = pattern.reference_date + step * periods
    while day <= end:
        yield day
        day += step


def _roll_forward(day: dt.date, holidays: Mapping[dt.date, str]) -> dt.date:
    while day in holidays or day.weekday() == _SUNDAY:
        day += _DAY
    return day


def holiday_move(usual: dt.date, *, rule: str, holidays: Mapping[dt.date, str]) -> Collection:
    """Where a collection due on `usual` goes under the round's bank holiday rule."""
    if rule == HolidayRule.NEXT_DAY:
        causes = [usual] if usual in holidays else []
    else:
        monday = usual - dt.timedelta(days=usual.weekday())
        causes = [
            monday + dt.timedelta(days=offset)
            for offset in range(min(usual.weekday(), 4) + 1)
            if monday + dt.timedelta(days=offset) in holidays
        ]
    if not causes:
        return Collection(date=usual, usual_date=usual)
    shifted = usual + _DAY * len(causes)
    moved = _roll_forward(shifted, holidays)
    # Name the holidays that decided the new day: the latest one in the week that pushed it,
    # and any weekday holiday it then had to roll past (New Year's Day after Boxing Day).
    rolled_past = [
        shifted + _DAY * offset
        for offset in range((moved - shifted).days)
        if (shifted + _DAY * offset) in holidays and (shifted + _DAY * offset).weekday() < _SATURDAY
    ]
    named = [
        str(holidays[cause]) if cause == usual else f"{holidays[cause]} on {day_text(cause)}"
        for cause in [causes[-1], *rolled_past]
    ]
    because = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return Collection(date=moved, usual_date=usual, reason=f"Moved from {day_text(usual)} because of {because}")


def collections(
    pattern: Pattern,
    *,
    start: dt.date,
    end: dt.date,
    holidays: Mapping[dt.date, str],
    changes: Mapping[dt.date, StaffChange] | None = None,
) -> list[Collection]:
    """Every collection that actually happens from `start` to `end` inclusive, in date order.

    Usual dates a little before `start` are included in the search, as a move may bring them
    into the window (and, for staff changes, a little after it); `changes` maps a usual date
    to the date staff moved it to.
    """
    changes = changes or {}
    margin = dt.timedelta(days=MAX_CHANGE_DAYS)
    found = []
    for usual in usual_dates(pattern, start=start - margin, end=end + margin):
        change = changes.get(usual)
        if change is not None:
            collection = Collection(
                date=change.new_date,
                usual_date=usual,
                reason=f"Moved from {day_text(usual)} because of {change.reason}" if change.new_date != usual else "",
            )
        else:
            collection = holiday_move(usual, rule=pattern.holiday_rule, holidays=holidays)
        if start <= collection.date <= end:
            found.append(collection)
    return sorted(found, key=lambda collection: collection.date)
