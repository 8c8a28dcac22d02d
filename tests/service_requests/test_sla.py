"""SLA due times: working days from the day after receipt (London time), or clock hours.

Each case says how the answer follows from the calendar, so a reader can check it by hand.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from townhall.service_requests import sla
from townhall.service_requests.constants import SlaUnit

LONDON = ZoneInfo("Europe/London")
END = (23, 59, 59, 999999)


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_christmas_bank_holidays_are_skipped():
    """Received Thursday 24 December 2026, 3 working days (England and Wales).

    Fri 25 Dec is Christmas Day; Sat 26 Dec is Boxing Day, which falls on a weekend, so the
    bank holiday moves to Mon 28 Dec (substitute day); Sun 27 Dec is a weekend. So day 1 is
    Tue 29 Dec, day 2 Wed 30 Dec, day 3 Thu 31 Dec: due at the end of 31 December, which in
    winter (GMT) is the same time in UTC.
    """
    due = sla.working_days_due(received_at=london(2026, 12, 24, 10, 15), days=3, subdivision="ENG")

    assert due == utc(2026, 12, 31, *END)
    assert due.tzinfo == dt.UTC


def test_the_day_of_receipt_never_counts_even_first_thing():
    """Received 00:01 on Monday 9 March 2026 (no holidays that week): day 1 is Tuesday."""
    due = sla.working_days_due(received_at=london(2026, 3, 9, 0, 1), days=1, subdivision="ENG")

    assert due == utc(2026, 3, 10, *END)


def test_weekend_receipt_starts_counting_on_monday():
    """Received Saturday 14 March 2026: Sunday does not count, day 1 is Mon 16, day 5 is Fri 20 March."""
    due = sla.working_days_due(received_at=london(2026, 3, 14, 16, 0), days=5, subdivision="ENG")

    assert due == utc(2026, 3, 20, *END)


def test_due_in_summer_time_ends_at_midnight_london_not_utc():
    """BST starts Sun 29 March 2026. Received Fri 27 March (GMT), 1 working day -> Mon 30 March.

    The end of Monday 30 March in London (BST, UTC+1) is 22:59:59.999999 UTC.
    """
    due = sla.working_days_due(received_at=london(2026, 3, 27, 9, 0), days=1, subdivision="ENG")

    assert due == utc(2026, 3, 30, 22, 59, 59, 999999)
    assert due.astimezone(LONDON).time() == dt.time(*END)


def test_due_after_the_clocks_go_back_is_midnight_gmt():
    """BST ends Sun 25 October 2026. Received Fri 23 October 10:00 BST, 1 working day -> Mon 26 October (GMT)."""
    due = sla.working_days_due(received_at=london(2026, 10, 23, 10, 0), days=1, subdivision="ENG")

    assert due == utc(2026, 10, 26, *END)


def test_receipt_is_read_in_london_time():
    """23:30 UTC on Tue 30 June 2026 is 00:30 BST on Wed 1 July: received Wednesday, so day 1 is Thu 2 July."""
    due = sla.working_days_due(received_at=utc(2026, 6, 30, 23, 30), days=1, subdivision="ENG")

    assert due.astimezone(LONDON).date() == dt.date(2026, 7, 2)


def test_scotland_has_its_own_calendar():
    """Received Wed 31 December 2025, 1 working day.

    England and Wales: Thu 1 January 2026 is New Year's Day, so day 1 is Fri 2 January.
    Scotland: 2 January is also a bank holiday there, so day 1 is Mon 5 January.
    """
    received = london(2025, 12, 31, 14, 0)

    assert sla.working_days_due(received_at=received, days=1, subdivision="ENG") == utc(2026, 1, 2, *END)
    assert sla.working_days_due(received_at=received, days=1, subdivision="SCT") == utc(2026, 1, 5, *END)


def test_the_council_nation_comes_from_settings(settings):
    """Without a subdivision, core.working_days uses TOWNHALL_HOLIDAY_SUBDIVISION (the council's nation)."""
    received = london(2025, 12, 31, 14, 0)
    settings.TOWNHALL_HOLIDAY_SUBDIVISION = "SCT"

    assert sla.due_at(received_at=received, unit=SlaUnit.WORKING_DAYS, amount=1) == utc(2026, 1, 5, *END)


def test_hours_count_the_clock_through_nights_and_weekends():
    """Saturday 21:00 plus 4 hours is Sunday 01:00."""
    due = sla.due_at(received_at=london(2026, 3, 14, 21, 0), unit=SlaUnit.HOURS, amount=4)

    assert due == utc(2026, 3, 15, 1, 0)


def test_hours_across_the_spring_clock_change_are_elapsed_hours():
    """Sat 28 March 2026 23:00 GMT plus 4 hours: 03:00 UTC, which London clocks (now BST) show as 04:00."""
    due = sla.due_at(received_at=london(2026, 3, 28, 23, 0), unit=SlaUnit.HOURS, amount=4)

    assert due == utc(2026, 3, 29, 3, 0)
    assert due.astimezone(LONDON).hour == 4


def test_due_at_dispatches_on_the_unit():
    received = london(2026, 12, 24, 10, 15)

    assert sla.due_at(received_at=received, unit="working_days", amount=3, subdivision="ENG") == utc(2026, 12, 31, *END)
    assert sla.due_at(received_at=received, unit="hours", amount=2) == utc(2026, 12, 24, 12, 15)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sla.working_days_due(received_at=dt.datetime(2026, 1, 5, 9, 0), days=1), "timezone-aware"),  # noqa: DTZ001
        (lambda: sla.working_days_due(received_at=london(2026, 1, 5, 9, 0), days=0), "at least one day"),
        (lambda: sla.hours_due(received_at=london(2026, 1, 5, 9, 0), hours=0), "at least one hour"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_pauses_move_the_due_time_on():
    due = utc(2026, 3, 20, 23, 59)
    now = utc(2026, 3, 18, 12, 0)

    assert sla.effective_due(due_at=due, paused_seconds=0, paused_since=None, now=now) == due
    assert sla.effective_due(due_at=due, paused_seconds=3600, paused_since=None, now=now) == due + dt.timedelta(hours=1)
    # A pause still running counts up to now.
    running = sla.effective_due(due_at=due, paused_seconds=3600, paused_since=now - dt.timedelta(hours=2), now=now)
    assert running == due + dt.timedelta(hours=3)


def test_breach_is_judged_at_closure_or_now():
    due = utc(2026, 3, 20, 23, 59)

    assert not sla.is_breached(due_at=due, paused_seconds=0, paused_since=None, now=utc(2026, 3, 20, 12, 0))
    assert sla.is_breached(due_at=due, paused_seconds=0, paused_since=None, now=utc(2026, 3, 21, 0, 0))
    # Closed in time, looked at later: not breached.
    assert not sla.is_breached(
        due_at=due, paused_seconds=0, paused_since=None, now=utc(2026, 4, 1), closed_at=utc(2026, 3, 19)
    )
    # Late, but the clock was paused for a day.
    assert not sla.is_breached(due_at=due, paused_seconds=86_400, paused_since=None, now=utc(2026, 3, 21, 12, 0))
