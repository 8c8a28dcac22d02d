import datetime as dt

import pytest
from django.template import engines

from townhall.core.templatetags.govuk_time import govuk_time


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.time(0, 0), "midnight"),
        (dt.time(9, 0), "9am"),
        (dt.time(11, 5), "11:05am"),
        (dt.time(12, 0), "midday"),
        (dt.time(12, 30), "12:30pm"),
        (dt.time(17, 35), "5:35pm"),
        (None, ""),
    ],
)
def test_times_as_gov_uk_writes_them(moment, expected):
    assert govuk_time(moment) == expected


def test_aware_date_times_are_shown_in_local_time_and_the_filter_needs_no_load_tag(settings):
    # 16:35 UTC on 1 July is 17:35 British Summer Time.
    moment = dt.datetime(2026, 7, 1, 16, 35, tzinfo=dt.UTC)
    rendered = engines["django"].from_string("{{ moment|govuk_time }}").render({"moment": moment})
    assert rendered == "5:35pm"
