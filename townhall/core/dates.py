"""Parsing ISO 8601 / W3C date-times typed or posted by people and API clients."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def parse_iso_moment(text: str, *, default_zone: dt.tzinfo) -> dt.datetime | None:
    """A date-time (2026-03-01T09:30:00Z, ...+01:00) or a date (its midnight); None when unreadable.

    A value without an offset is read in `default_zone`: standards differ on what it means
    (Open311 says UTC, a council's own forms mean local time), so the caller says.
    """
    text = text.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                return None
            moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, default_zone)
    return moment
