"""Working days for statutory and service deadlines, using the council nation's bank holidays.

The calendar comes from the `holidays` package for the subdivision chosen by
TOWNHALL_NATION (England, Scotland or Northern Ireland): never a hand-kept list.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings


@lru_cache(maxsize=8)
def _calendar(subdivision: str) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=subdivision)


def bank_holidays(subdivision: str | None = None) -> holidays.HolidayBase:
    return _calendar(subdivision or settings.TOWNHALL_HOLIDAY_SUBDIVISION)


def is_working_day(day: date, *, subdivision: str | None = None) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(subdivision)


def add_working_days(start: date, days: int, *, subdivision: str | None = None) -> date:
    """The date `days` working days after `start` (start itself never counts), e.g. FOI's 20 days."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, subdivision=subdivision):
            remaining -= 1
    return current
