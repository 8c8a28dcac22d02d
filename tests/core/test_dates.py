import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from townhall.core.dates import parse_iso_moment

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-03-01T09:30:00Z", LONDON, dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)),
        ("2026-07-01T09:30:00+01:00", dt.UTC, dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)),
        # No offset: read in the caller's zone (British Summer Time in July).
        ("2026-07-01T09:30:00", LONDON, dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)),
        ("2026-07-01T09:30:00", dt.UTC, dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)),
        (" 2026-07-01 ", LONDON, dt.datetime(2026, 6, 30, 23, 0, tzinfo=dt.UTC)),
    ],
)
def test_reads_dates_and_date_times_in_the_callers_zone(text, zone, expected):
    assert parse_iso_moment(text, default_zone=zone) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-02-30", "2026-13-01T00:00:00Z", "2026-01-01T25:00"])
def test_unreadable_or_impossible_values_are_none(text):
    assert parse_iso_moment(text, default_zone=LONDON) is None
