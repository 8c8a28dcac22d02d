"""When a service request is due: pure functions, no database.

Working-day targets follow the council's published rule: the receipt time is read in
London time, the day it arrives never counts, day 1 is the first working day after it
(weekends and the council nation's bank holidays are skipped), and the request is due
at the very end of the last working day, London time. Urgent categories count clock
hours from receipt instead, straight through nights, weekends and clock changes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from townhall.core.working_days import add_working_days
from townhall.service_requests.constants import SlaUnit

COUNCIL_TIME_ZONE = ZoneInfo("Europe/London")
END_OF_DAY = dt.time(23, 59, 59, 999999)


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("SLA times must be timezone-aware.")
    return moment


def working_days_due(*, received_at: dt.datetime, days: int, subdivision: str | None = None) -> dt.datetime:
    """The end (23:59:59.999999 London time, returned in UTC) of the `days`-th working day after receipt."""
    if days < 1:
        raise ValueError("A working-day SLA needs at least one day.")
    received_local = _aware(received_at).astimezone(COUNCIL_TIME_ZONE)
    last_day = add_working_days(received_local.date(), days, subdivision=subdivision)
    # 23:59 is never inside a UK clock change (they happen at 01:00 UTC), so this is unambiguous.
    return dt.datetime.combine(last_day, END_OF_DAY, tzinfo=COUNCIL_TIME_ZONE).astimezone(dt.UTC)


def hours_due(*, received_at: dt.datetime, hours: int) -> dt.datetime:
    """`hours` elapsed clock hours after receipt (a clock change does not stretch or shrink them)."""
    if hours < 1:
        raise ValueError("An hours SLA needs at least one hour.")
    return _aware(received_at).astimezone(dt.UTC) + dt.timedelta(hours=hours)


def due_at(
    *, received_at: dt.datetime, unit: SlaUnit | str, amount: int, subdivision: str | None = None
) -> dt.datetime:
    """The SLA due time for a request received at `received_at`, in UTC."""
    if SlaUnit(unit) == SlaUnit.HOURS:
        return hours_due(received_at=received_at, hours=amount)
    return working_days_due(received_at=received_at, days=amount, subdivision=subdivision)


def paused_seconds_until(*, paused_since: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds of a pause that is still running (never negative, if clocks disagree)."""
    return max(0, int((_aware(now) - _aware(paused_since)).total_seconds()))


def effective_due(
    *, due_at: dt.datetime, paused_seconds: int, paused_since: dt.datetime | None, now: dt.datetime
) -> dt.datetime:
    """The due time moved on by the time spent waiting for the resident (clock time, including a running pause)."""
    running = paused_seconds_until(paused_since=paused_since, now=now) if paused_since is not None else 0
    return _aware(due_at) + dt.timedelta(seconds=paused_seconds + running)


def is_breached(
    *,
    due_at: dt.datetime,
    paused_seconds: int,
    paused_since: dt.datetime | None,
    now: dt.datetime,
    closed_at: dt.datetime | None = None,
) -> bool:
    """True when the request was (or, still open, is now) past its effective due time."""
    moment = closed_at if closed_at is not None else now
    return moment > effective_due(due_at=due_at, paused_seconds=paused_seconds, paused_since=paused_since, now=moment)
