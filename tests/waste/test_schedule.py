"""Collection dates: weekly and fortnightly patterns, bank holiday moves and staff changes.

Dates are real England and Wales bank holidays from the `holidays` package, the calendar
townhall.core.working_days gives service request SLAs: 2026 has Christmas Day on a Friday,
Boxing Day on a Saturday (observed Monday 28 December), New Year's Day 2027 on a Friday, and
Easter Monday on 6 April 2026.
"""

from __future__ import annotations

import datetime as dt

import pytest

from townhall.core.working_days import bank_holidays
from townhall.waste.constants import HolidayRule
from townhall.waste.schedule import Pattern, StaffChange, collections, day_text, holiday_move, usual_dates

HOLIDAYS = bank_holidays("ENG")
D = dt.date


def pattern(first: dt.date, weeks: int = 1, rule: str = HolidayRule.SLIP_WEEK) -> Pattern:
    return Pattern(weekday=first.weekday(), interval_weeks=weeks, reference_date=first, holiday_rule=rule)


def test_weekly_dates_in_a_window() -> None:
    dates = list(usual_dates(pattern(D(2026, 3, 4)), start=D(2026, 3, 1), end=D(2026, 3, 31)))
    assert dates == [D(2026, 3, 4), D(2026, 3, 11), D(2026, 3, 18), D(2026, 3, 25)]


def test_fortnightly_keeps_its_weeks_from_a_reference_years_before_or_after() -> None:
    before = list(usual_dates(pattern(D(2020, 1, 6), 2), start=D(2026, 3, 1), end=D(2026, 3, 31)))
    after = list(usual_dates(pattern(D(2030, 1, 7), 2), start=D(2026, 3, 1), end=D(2026, 3, 31)))
    assert before == [D(2026, 3, 9), D(2026, 3, 23)]
    assert all((day - D(2020, 1, 6)).days % 14 == 0 for day in before)
    assert all((D(2030, 1, 7) - day).days % 14 == 0 for day in after)
    assert len(after) == 2


def test_every_three_weeks_and_the_window_includes_its_ends() -> None:
    dates = list(usual_dates(pattern(D(2026, 1, 5), 3), start=D(2026, 1, 26), end=D(2026, 2, 16)))
    assert dates == [D(2026, 1, 26), D(2026, 2, 16)]


def test_a_reference_date_on_another_weekday_is_refused() -> None:
    with pytest.raises(ValueError, match="weekday"):
        list(usual_dates(Pattern(0, 1, D(2026, 1, 6)), start=D(2026, 1, 1), end=D(2026, 2, 1)))


def test_an_ordinary_week_moves_nothing() -> None:
    assert holiday_move(D(2026, 3, 10), rule=HolidayRule.SLIP_WEEK, holidays=HOLIDAYS).moved is False


def test_easter_monday_slips_the_whole_week_by_a_day() -> None:
    week = [D(2026, 4, 6) + dt.timedelta(days=offset) for offset in range(5)]
    moved = [holiday_move(day, rule=HolidayRule.SLIP_WEEK, holidays=HOLIDAYS) for day in week]
    assert [collection.date for collection in moved] == [
        D(2026, 4, 7),
        D(2026, 4, 8),
        D(2026, 4, 9),
        D(2026, 4, 10),
        D(2026, 4, 11),  # Friday's crews work Saturday
    ]
    assert moved[0].reason == "Moved from Monday 6 April because of Easter Monday"
    assert moved[2].reason == "Moved from Wednesday 8 April because of Easter Monday on Monday 6 April"


def test_good_friday_moves_only_friday_under_slip_week() -> None:
    thursday = holiday_move(D(2026, 4, 2), rule=HolidayRule.SLIP_WEEK, holidays=HOLIDAYS)
    friday = holiday_move(D(2026, 4, 3), rule=HolidayRule.SLIP_WEEK, holidays=HOLIDAYS)
    assert thursday.moved is False
    assert friday.date == D(2026, 4, 4)
    assert friday.reason == "Moved from Friday 3 April because of Good Friday"


def test_christmas_day_on_a_friday_skips_boxing_day_and_sunday_and_the_observed_monday() -> None:
    """Friday 25 December 2026 -> Saturday 26 (Boxing Day) -> Sunday -> Monday 28 (observed) -> Tuesday 29."""
    friday = holiday_move(D(2026, 12, 25), rule=HolidayRule.SLIP_WEEK, holidays=HOLIDAYS)
    assert friday.date == D(2026, 12, 29)
    # Boxing Day itself falls on the Saturday and is not named: Saturdays are worked anyway.
    assert friday.reason == (
        "Moved from Friday 25 December because of Christmas Day and Boxing Day (observed) on Monday 28 December"
    )


def test_boxing_day_observed_and_new_years_day_in_one_week() -> None:
    """Week of 28 December 2026: Monday is Boxing Day (observed), Friday is New Year's Day."""
    monday = holiday_move(D(2026, 12, 28), rule=HolidayRule.SLIP_WEEK, holidays=HOLIDAYS)
    thursday = holiday_move(D(2026, 12, 31), rule=HolidayRule.SLIP_WEEK, holidays=HOLIDAYS)
    friday = holiday_move(D(2027, 1, 1), rule=HolidayRule.SLIP_WEEK, holidays=HOLIDAYS)
    assert monday.date == D(2026, 12, 29)
    assert monday.reason == "Moved from Monday 28 December because of Boxing Day (observed)"
    assert thursday.date == D(2027, 1, 2)  # New Year's Day is a holiday: on to Saturday
    assert thursday.reason == (
        "Moved from Thursday 31 December because of Boxing Day (observed) on Monday 28 December"
        " and New Year's Day on Friday 1 January"
    )
    assert friday.date == D(2027, 1, 4)  # two holidays that week: Sunday, so Monday
    assert friday.reason == "Moved from Friday 1 January because of New Year's Day"


def test_next_day_rule_moves_only_the_holiday_collection() -> None:
    monday = holiday_move(D(2026, 4, 6), rule=HolidayRule.NEXT_DAY, holidays=HOLIDAYS)
    tuesday = holiday_move(D(2026, 4, 7), rule=HolidayRule.NEXT_DAY, holidays=HOLIDAYS)
    christmas = holiday_move(D(2026, 12, 25), rule=HolidayRule.NEXT_DAY, holidays=HOLIDAYS)
    assert monday.date == D(2026, 4, 7)
    assert tuesday.moved is False
    assert christmas.date == D(2026, 12, 29)


def test_collections_apply_the_rule_and_a_move_can_bring_a_date_into_the_window() -> None:
    found = collections(pattern(D(2026, 12, 4)), start=D(2026, 12, 26), end=D(2027, 1, 10), holidays=HOLIDAYS)
    # Friday 25 December moved to Tuesday 29 December, inside the window though its usual date is not.
    assert [collection.date for collection in found] == [D(2026, 12, 29), D(2027, 1, 4), D(2027, 1, 8)]
    assert [collection.usual_date for collection in found] == [D(2026, 12, 25), D(2027, 1, 1), D(2027, 1, 8)]


def test_a_staff_change_replaces_the_holiday_rule_for_that_collection() -> None:
    changes = {D(2026, 12, 25): StaffChange(D(2026, 12, 24), "Christmas Day")}
    found = collections(
        pattern(D(2026, 12, 4)), start=D(2026, 12, 21), end=D(2026, 12, 31), holidays=HOLIDAYS, changes=changes
    )
    assert [(collection.date, collection.reason) for collection in found] == [
        (D(2026, 12, 24), "Moved from Friday 25 December because of Christmas Day")
    ]


def test_a_change_to_a_date_before_the_usual_one_is_found_from_a_window_ending_before_it() -> None:
    changes = {D(2026, 12, 25): StaffChange(D(2026, 12, 23), "Christmas Day")}
    found = collections(
        pattern(D(2026, 12, 4)), start=D(2026, 12, 21), end=D(2026, 12, 23), holidays=HOLIDAYS, changes=changes
    )
    assert [collection.date for collection in found] == [D(2026, 12, 23)]


def test_day_text_has_no_leading_zero() -> None:
    assert day_text(D(2026, 1, 5)) == "Monday 5 January"
