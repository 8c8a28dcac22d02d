"""Metric values from the rollups equal figures worked out directly from the requests table (issue 8, check 1 and 3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.insight.conftest import LONDON, History, at
from townhall.insight import metrics as registry
from townhall.insight import selectors, services
from townhall.insight.metrics import Totals
from townhall.insight.models import RequestDay, RequestWardDay
from townhall.insight.selectors import Filters
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import ServiceRequest
from townhall.service_requests.services import ReporterContact

pytestmark = pytest.mark.django_db


def _metric(key: str) -> registry.Metric:
    metric = registry.metric(key)
    assert metric is not None
    return metric


def _in_days(moment: dt.datetime | None, start: dt.date, end: dt.date) -> bool:
    return moment is not None and start <= moment.astimezone(LONDON).date() <= end


def _received(start: dt.date, end: dt.date, **match: object) -> list[ServiceRequest]:
    return [
        r
        for r in ServiceRequest.objects.all()
        if _in_days(r.received_at, start, end) and all(getattr(r, k) == v for k, v in match.items())
    ]


def _closed_with_outcome(start: dt.date, end: dt.date, **match: object) -> list[ServiceRequest]:
    return [
        r
        for r in ServiceRequest.objects.all()
        if _in_days(r.closed_at, start, end)
        and r.status not in (Status.DUPLICATE, Status.CANCELLED)
        and all(getattr(r, k) == v for k, v in match.items())
    ]


FILTER_CASES = [
    pytest.param({}, id="everything"),
    pytest.param({"channel": Channel.WEB}, id="web only"),
    pytest.param({"ward": "northfield"}, id="one ward"),
    pytest.param({"category": "pothole", "start": dt.date(2026, 2, 1)}, id="one category from February"),
]


def _filters_and_match(history: History, case: dict[str, object]) -> tuple[Filters, dict[str, object]]:
    start = case.get("start", history.start)
    assert isinstance(start, dt.date)
    match: dict[str, object] = {}
    ward_id = category_id = None
    if case.get("ward") == "northfield":
        ward_id = history.borough.northfield.pk
        match["ward_id"] = ward_id
    if case.get("category") == "pothole":
        category_id = history.pothole.pk
        match["category_id"] = category_id
    channel = str(case.get("channel", ""))
    if channel:
        match["channel"] = channel
    return Filters(start=start, end=history.end, ward_id=ward_id, category_id=category_id, channel=channel), match


@pytest.mark.parametrize("case", FILTER_CASES)
def test_counts_and_rates_match_the_requests_table(history: History, case: dict[str, object]) -> None:
    filters, match = _filters_and_match(history, case)
    received = _received(filters.start, filters.end, **match)
    closed = _closed_with_outcome(filters.start, filters.end, **match)
    assert received, "the case must cover some requests, or it proves nothing"

    assert selectors.metric_value(_metric("requests_received"), filters) == len(received)
    sla_met = [r for r in closed if r.closed_at and r.closed_at <= r.sla_due_at]
    expected_sla = Decimal(len(sla_met)) * 100 / len(closed) if closed else None
    assert selectors.metric_value(_metric("sla_compliance"), filters) == expected_sla
    fixed = [r for r in closed if r.status == Status.FIXED]
    first_time = [r for r in fixed if r.first_time_resolved and not r.duplicates.exists()]
    expected_ftr = Decimal(len(first_time)) * 100 / len(fixed) if fixed else None
    assert selectors.metric_value(_metric("first_time_resolution"), filters) == expected_ftr
    seconds = sum(int((r.closed_at - r.received_at).total_seconds()) for r in closed if r.closed_at)
    expected_days = Decimal(seconds) / (len(closed) * 86400) if closed else None
    assert selectors.metric_value(_metric("time_to_close"), filters) == expected_days


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_series_sums_to_the_total_and_each_period_matches(history: History, grain: str) -> None:
    filters = Filters(start=history.start, end=history.end, ward_id=history.borough.southfield.pk)
    points = selectors.metric_series(_metric("requests_received"), filters, grain=grain)

    assert sum(p.value or 0 for p in points) == len(_received(history.start, history.end, ward_id=filters.ward_id))
    for point in points:
        assert isinstance(point.key, dt.date)
        period_end = {
            "day": point.key,
            "week": point.key + dt.timedelta(days=6),
            "month": (point.key.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1),
        }[grain]
        lo, hi = max(point.key, filters.start), min(period_end, filters.end)
        assert point.value == len(_received(lo, hi, ward_id=filters.ward_id)), point.label


def test_breakdown_by_channel_covers_every_request(history: History) -> None:
    filters = Filters(start=history.start, end=history.end)
    points = selectors.metric_breakdown(_metric("requests_received"), filters, dimension="channel")

    by_label = {p.label: p.value for p in points}
    for channel in (Channel.WEB, Channel.PHONE, Channel.OPEN311, Channel.FACE_TO_FACE):
        assert by_label[Channel(channel).label] == len(_received(history.start, history.end, channel=channel))


def test_cost_per_transaction_and_channel_shift_by_hand() -> None:
    """6 online, 3 by phone, 1 face to face: (6 x 0.15 + 3 x 2.83 + 8.62) / 10 = 1.801 a request."""
    totals = Totals(received_by_channel={Channel.WEB: 4, Channel.OPEN311: 2, Channel.PHONE: 3, Channel.FACE_TO_FACE: 1})

    assert registry.cost_per_transaction(totals) == Decimal("1.801")
    assert registry.saving_against_all_phone(totals) == Decimal("10.29")  # 10 x 2.83 - 18.01
    assert registry.online_share(totals) == Decimal(60)


@override_settings(TOWNHALL_UNIT_COSTS={"phone": "4.00", "email": "1.00"})
def test_configured_unit_costs_replace_the_defaults() -> None:
    totals = Totals(received_by_channel={Channel.PHONE: 1, Channel.EMAIL: 1})

    assert registry.cost_per_transaction(totals) == Decimal("2.5")
    assert registry.saving_against_all_phone(totals) == Decimal(3)  # 2 x 4.00 - 5.00


def test_no_requests_means_no_rate_not_zero() -> None:
    assert registry.cost_per_transaction(Totals()) is None
    assert registry.online_share(Totals()) is None
    assert _metric("sla_compliance").compute(Totals()) is None


def test_reopened_and_duplicate_requests_are_counted_as_the_metrics_say(history: History) -> None:
    filters = Filters(start=history.start, end=history.end)
    totals = selectors.totals_by(registry.Source.REQUESTS, filters)[None]

    assert totals.get("reopened") == 1  # created[6], reopened then fixed again
    closed_any = [r for r in ServiceRequest.objects.all() if _in_days(r.closed_at, history.start, history.end)]
    assert totals.get("closed") == len(closed_any)
    assert totals.get("closed_resolved") == len(closed_any) - 1  # the duplicate has no outcome of its own


def test_incremental_refresh_moves_a_reopened_request_off_its_old_closing_day(history: History) -> None:
    fixed = next(r for r in history.requests if r.status == Status.FIXED and r.closed_at and r.first_time_resolved)
    old_day = fixed.closed_at.astimezone(LONDON).date()
    closed_before = RequestDay.objects.filter(day=old_day).values_list("closed", flat=True)
    assert sum(closed_before) >= 1

    request_services.service_request_status_change(acting_user=None, service_request=fixed, to=Status.REOPENED)
    # A refresh within the window rebuilds the old closing day; the request is open again.
    services.rollups_refresh(now=at(old_day + dt.timedelta(days=3)))

    assert sum(RequestDay.objects.filter(day=old_day).values_list("closed", flat=True)) == sum(closed_before) - 1


def test_incremental_refresh_picks_up_a_new_request_outside_the_window(history: History) -> None:
    day = history.start + dt.timedelta(days=1)
    before = selectors.metric_value(_metric("requests_received"), Filters(start=day, end=day))
    request_services.service_request_create(
        acting_user=None,
        category=history.flytip,
        description="Bags dumped",
        channel=Channel.WEB,
        uprn=100_000_001,
        contact=ReporterContact(name="Pat Resident", email="pat@example.org"),
        received_at=at(day, 15),
    )
    services.rollups_refresh(now=at(dt.date(2026, 11, 1)))  # months later: the day is far outside the window

    assert selectors.metric_value(_metric("requests_received"), Filters(start=day, end=day)) == (before or 0) + 1


def test_previous_period_and_same_period_last_year() -> None:
    filters = Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))

    assert filters.previous_period() == Filters(start=dt.date(2026, 1, 29), end=dt.date(2026, 2, 28))
    assert filters.same_period_last_year() == Filters(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    leap = Filters(start=dt.date(2024, 2, 29), end=dt.date(2024, 2, 29)).same_period_last_year()
    assert leap.start == dt.date(2023, 2, 28)


def test_every_metric_is_described_and_public_ones_have_a_base() -> None:
    """A public metric without a base could never be withheld when it rests on too few requests."""
    measures = dict.fromkeys(
        (*selectors.MEASURES, "signups", "active", "managers", "published", "open", "corrected"), 7
    )
    totals = Totals(measures=measures, received_by_channel=dict.fromkeys(Channel.values, 7))
    for metric in registry.metrics():
        assert metric.name, metric.key
        assert metric.description, metric.key
        assert metric.owner, metric.key
        if metric.public:
            assert metric.base(totals) > 0, metric.key


def test_the_ward_rollup_is_the_full_rollup_summed_over_categories_and_teams(history: History) -> None:
    summed: dict[tuple[object, ...], dict[str, int]] = {}
    for row in RequestDay.objects.all():
        cell = summed.setdefault((row.day, row.ward_id, row.channel), dict.fromkeys(selectors.MEASURES, 0))
        for name in selectors.MEASURES:
            cell[name] += getattr(row, name)
    ward_rows = {
        (r.day, r.ward_id, r.channel): {m: getattr(r, m) for m in selectors.MEASURES}
        for r in RequestWardDay.objects.all()
    }

    assert ward_rows == summed
    assert ward_rows, "the fixture has requests"
    # A category filter reads the full rollup, a ward filter the small one: both agree with the table.
    by_category = Filters(start=history.start, end=history.end, category_id=history.pothole.pk)
    assert selectors.metric_value(_metric("requests_received"), by_category) == len(
        _received(history.start, history.end, category_id=history.pothole.pk)
    )


def test_changes_say_whether_they_are_better_or_worse() -> None:
    from townhall.insight.presentation import card_views
    from townhall.insight.selectors import Card

    sla, cost, received = _metric("sla_compliance"), _metric("cost_per_transaction"), _metric("requests_received")
    views = card_views(
        [
            Card(sla, Decimal(80), Decimal("77.5"), None),
            Card(cost, Decimal("1.10"), Decimal("1.00"), None),
            Card(received, Decimal(90), Decimal(100), None),
        ]
    )

    assert views[0].change == "up 2.5 percentage points, better"
    assert views[1].change == "up 10.0%, worse"
    assert views[2].change == "down 10.0%", "more or fewer requests is neither better nor worse"


def test_datasets_published_counts_public_first_publications(db: None) -> None:
    from tests.opendata.ckan_fixtures import make_catalogue
    from townhall.opendata.models import Dataset

    catalogue = make_catalogue()
    today = timezone.localdate()
    filters = Filters(start=today - dt.timedelta(days=1), end=today)
    public = [d for d in Dataset.objects.all() if d.state == "active" and not d.private and d.published_at]

    assert public, "the catalogue publishes some datasets"
    assert selectors.metric_value(_metric("datasets_published"), filters) == len(public)
    assert catalogue.draft.published_at is None
    series = selectors.metric_series(_metric("datasets_published"), filters, grain="day")
    assert sum(p.value or 0 for p in series) == len(public)


def test_data_quality_metrics_count_open_issues_at_period_end_and_mean_days_to_correct(db: None) -> None:
    from tests.people.conftest import MAPPINGS, TRUST, load_synthetic
    from townhall.people import services as people_services
    from townhall.people.models import DataQualityIssue, SourceRecord

    sources = {
        code: people_services.source_system_create(code=code, name=code, trust_rank=TRUST[code], column_mapping=mapping)
        for code, mapping in MAPPINGS.items()
    }
    load_synthetic(sources, records=20, seed=3)
    records = list(SourceRecord.objects.all()[:4])
    day = dt.date(2026, 3, 10)

    def moment(days: float) -> dt.datetime:
        return selectors.london_midnight(day) + dt.timedelta(days=days)

    spans = [(0, 2), (0, 5), (1, None), (8, None)]  # found on day 10/11/18 of March; two corrected
    for record, (found, fixed) in zip(records, spans, strict=True):
        DataQualityIssue.objects.create(
            kind="invalid",
            source=record.source_system,
            record=record,
            field="postcode",
            detail="not a postcode",
            detected_at=moment(found),
            corrected_at=None if fixed is None else moment(fixed),
        )
    week = Filters(start=day, end=day + dt.timedelta(days=6))  # 10 to 16 March

    assert selectors.metric_value(_metric("data_quality_issues_open"), week) == 1, "open at the end of the 16th"
    assert selectors.metric_value(_metric("data_quality_time_to_correct"), week) == Decimal("3.5"), "(2 + 5) / 2"
    daily = selectors.metric_series(_metric("data_quality_issues_open"), week, grain="day")
    assert [p.value for p in daily] == [2, 3, 2, 2, 2, 1, 1]
