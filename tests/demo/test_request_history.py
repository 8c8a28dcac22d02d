"""The demo's three years of service requests: deterministic, seasonal, channel shift, honest statuses, references."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Max
from django.db.models.functions import ExtractMonth

from tests.demo.conftest import AS_OF
from townhall.accounts.models import StaffRoleAssignment
from townhall.demo import request_history, services
from townhall.demo.request_history import history_window, plan_digest_rows, plan_request_history
from townhall.places.models import Address, Ward
from townhall.places.selectors import ward_locator
from townhall.service_requests import services as request_services
from townhall.service_requests import sla
from townhall.service_requests.constants import ASSISTED_CHANNELS, CLOSED_STATUSES, OPEN_STATUSES, Channel, Status
from townhall.service_requests.models import (
    Category,
    ReferenceCounter,
    RequestAnswer,
    RequestUpdate,
    ServiceRequest,
)

LONDON = sla.COUNCIL_TIME_ZONE
REFERENCE = re.compile(r"^DB-(\d{4})-(\d{6})$")


def history_digest() -> str:
    rows = {
        "requests": list(
            ServiceRequest.objects.order_by("id").values_list(
                *[f.attname for f in ServiceRequest._meta.concrete_fields]
            )
        ),
        "updates": list(
            RequestUpdate.objects.order_by("id").values_list(*[f.attname for f in RequestUpdate._meta.concrete_fields])
        ),
        "answers": list(
            RequestAnswer.objects.order_by("id").values_list(*[f.attname for f in RequestAnswer._meta.concrete_fields])
        ),
        "counters": list(ReferenceCounter.objects.order_by("year").values_list("year", "last_number")),
    }
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_same_seed_and_as_of_give_the_same_history(borough):
    before = history_digest()
    call_command("demo", "--reset", "--seed", "1", "--as-of", AS_OF.isoformat(), stdout=StringIO())
    assert history_digest() == before
    # The plan alone depends on the seed and the as-of date, not on when or how often it is made.
    first = plan_digest_rows(plan_request_history(seed=1, as_of=AS_OF, target=500))
    assert plan_digest_rows(plan_request_history(seed=1, as_of=AS_OF, target=500)) == first
    assert plan_digest_rows(plan_request_history(seed=2, as_of=AS_OF, target=500)) != first


def test_small_scale_has_about_three_thousand_requests_over_three_years(borough):
    assert 2_800 <= borough.summary.requests == ServiceRequest.objects.count() <= 3_200
    start, end = history_window(AS_OF)
    assert start == dt.date(2023, 1, 15)
    assert end == dt.date(2026, 1, 14)
    first = ServiceRequest.objects.order_by("received_at").first().received_at.astimezone(LONDON).date()
    last = ServiceRequest.objects.order_by("received_at").last().received_at.astimezone(LONDON).date()
    assert start <= first < start + dt.timedelta(days=3)
    assert end - dt.timedelta(days=3) < last <= end
    assert RequestUpdate.objects.count() > ServiceRequest.objects.count()
    # Every council-run category has history; referral categories (other bodies) have none.
    with_history = set(ServiceRequest.objects.values_list("category__service_code", flat=True))
    assert with_history == set(Category.objects.filter(council_responsible=True).values_list("service_code", flat=True))


def _by_month(code: str) -> Counter[int]:
    rows = (
        ServiceRequest.objects.filter(category__service_code=code)
        .annotate(month=ExtractMonth("received_at"))
        .values_list("month", flat=True)
    )
    return Counter(rows)


def test_seasons_show(borough):
    potholes = _by_month("pothole")
    assert potholes[2] > 2 * potholes[8]
    grass = _by_month("grass_cutting")
    assert grass[6] > 5 * max(grass[1], 1)
    hedges = _by_month("overgrown_hedge")
    assert hedges[7] > 3 * max(hedges[12], 1)
    gritting = _by_month("gritting")
    assert gritting[12] + gritting[1] + gritting[2] > 5 * max(gritting[6] + gritting[7] + gritting[8], 1)
    garden = RequestAnswer.objects.filter(question_code="bin_type", value="garden")
    summer = garden.filter(request__received_at__month__in=[6, 7, 8]).count()
    winter = garden.filter(request__received_at__month__in=[12, 1, 2]).count()
    assert summer > 10
    assert winter == 0


def test_christmas_is_quiet(borough):
    daily = Counter(
        received.astimezone(LONDON).date() for received in ServiceRequest.objects.values_list("received_at", flat=True)
    )
    christmas = [dt.date(year, 12, day) for year in (2023, 2024, 2025) for day in range(24, 32)]
    november = [dt.date(year, 11, day) for year in (2023, 2024, 2025) for day in range(10, 18)]
    assert sum(daily[day] for day in christmas) < 0.8 * sum(daily[day] for day in november)


def test_channel_shift_from_phone_to_web(borough):
    start, end = history_window(AS_OF)
    first_year = ServiceRequest.objects.filter(received_at__date__lt=start + dt.timedelta(days=365))
    last_year = ServiceRequest.objects.filter(received_at__date__gt=end - dt.timedelta(days=365))

    def share(requests, channel):
        return requests.filter(channel=channel).count() / requests.count()

    assert share(last_year, Channel.WEB) > share(first_year, Channel.WEB) + 0.1
    assert share(last_year, Channel.PHONE) < share(first_year, Channel.PHONE) - 0.05
    assert set(ServiceRequest.objects.values_list("channel", flat=True)) >= {
        Channel.WEB,
        Channel.PHONE,
        Channel.EMAIL,
        Channel.FACE_TO_FACE,
        Channel.OPEN311,
    }


def test_every_request_is_at_a_demo_address_in_its_ward(borough):
    requests = list(ServiceRequest.objects.values_list("lat", "lng", "ward_id", "street__ward_id"))
    lats, lngs, wards, street_wards = zip(*requests, strict=True)
    assert ward_locator().ward_ids(lngs=lngs, lats=lats) == list(wards)
    assert list(street_wards) == list(wards)
    points = set(Address.objects.values_list("lat", "lng"))
    assert all((lat, lng) in points for lat, lng, _, _ in requests)
    # Busier wards (more addresses) report more, on the whole.
    sizes = {ward.pk: ward.addresses.count() for ward in Ward.objects.all()}
    counts = Counter(wards)
    biggest, smallest = max(sizes, key=sizes.get), min(sizes, key=sizes.get)
    assert counts[biggest] > counts[smallest]
    missed = ServiceRequest.objects.filter(category__service_code="missed_bin")
    assert not missed.filter(uprn__isnull=True).exists()


def test_references_are_unique_in_the_services_format_and_counters_match(borough):
    references = list(ServiceRequest.objects.order_by("received_at", "id").values_list("reference", "received_at"))
    assert len({reference for reference, _ in references}) == len(references)
    numbers: dict[int, list[int]] = {}
    for reference, received in references:
        match = REFERENCE.match(reference)
        assert match, reference
        assert int(match[1]) == received.astimezone(LONDON).year
        numbers.setdefault(int(match[1]), []).append(int(match[2]))
    # Numbered from 1 in order of receipt, without gaps, and each year's counter is at its last number.
    for year_numbers in numbers.values():
        assert year_numbers == list(range(1, len(year_numbers) + 1))
    assert dict(ReferenceCounter.objects.values_list("year", "last_number")) == {
        year: len(year_numbers) for year, year_numbers in numbers.items()
    }


def test_a_request_made_through_the_service_after_the_demo_gets_the_next_reference(borough):
    pothole = Category.objects.get(service_code="pothole")
    address = Address.objects.order_by("uprn").first()
    last = ReferenceCounter.objects.get(year=2026).last_number
    request = request_services.service_request_create(
        acting_user=None,
        category=pothole,
        description="Pothole outside",
        channel=Channel.OPEN311,
        lat=address.lat,
        lng=address.lng,
        answers={"depth": "over_10cm", "where": "road"},
        received_at=dt.datetime(2026, 1, 15, 9, 0, tzinfo=LONDON),
    )
    assert request.reference == f"DB-2026-{last + 1:06d}"
    assert ServiceRequest.objects.filter(reference=request.reference).count() == 1


def test_statuses_progress_realistically(borough):
    requests = ServiceRequest.objects.all()
    total = requests.count()
    statuses = Counter(requests.values_list("status", flat=True))
    assert statuses[Status.FIXED] > 0.6 * total
    for status in (
        Status.CLOSED,
        Status.NO_FURTHER_ACTION,
        Status.NOT_COUNCILS_RESPONSIBILITY,
        Status.DUPLICATE,
        Status.CANCELLED,
    ):
        assert statuses[status] > 0, status
    cutoff = dt.datetime.combine(AS_OF, dt.time.min, tzinfo=LONDON)
    old = requests.filter(received_at__lt=cutoff - dt.timedelta(days=180))
    assert old.filter(status__in=OPEN_STATUSES).count() < 0.02 * old.count()
    last_week = requests.filter(received_at__gte=cutoff - dt.timedelta(days=7))
    assert last_week.filter(status__in=OPEN_STATUSES).count() > 0.4 * last_week.count()
    assert requests.filter(closed_at__gte=cutoff).count() == 0
    assert requests.filter(updated_at__gte=cutoff).count() == 0

    # Duplicates name an original that is not itself a duplicate and came first.
    for duplicate in requests.filter(status=Status.DUPLICATE).select_related("duplicate_of"):
        assert duplicate.duplicate_of.status != Status.DUPLICATE
        assert duplicate.duplicate_of.received_at <= duplicate.received_at
        assert duplicate.duplicate_of.category_id == duplicate.category_id
    # First-time resolution as the status service sets it.
    assert requests.filter(first_time_resolved=False).exists()  # reopened at some point
    assert not requests.filter(status__in=OPEN_STATUSES, first_time_resolved=True).exists()
    assert not requests.filter(status__in=[Status.DUPLICATE, Status.CANCELLED], first_time_resolved=True).exists()
    assert not requests.filter(status=Status.FIXED, first_time_resolved__isnull=True).exists()
    reopened = requests.filter(first_time_resolved=False)
    assert all(r.updates.filter(status_to=Status.REOPENED).exists() for r in reopened.prefetch_related("updates")[:50])
    # Some are late: SLA due times come from the council's calendar.
    breached = requests.filter(closed_at__gt=F("sla_due_at")).count()
    assert 0.05 * total < breached < 0.4 * total


def test_history_is_told_by_status_updates(borough):
    closed = ServiceRequest.objects.filter(status__in=CLOSED_STATUSES).prefetch_related("updates")
    for request in closed.order_by("id")[::20]:
        updates = list(request.updates.all())
        changes = [u for u in updates if u.status_to]
        assert changes[-1].status_to == request.status
        assert changes[-1].created_at == request.closed_at == request.updated_at
        assert changes[0].status_from == Status.OPEN
        for before, after in itertools.pairwise(changes):
            assert after.status_from == before.status_to
            assert after.created_at >= before.created_at >= request.received_at
        assert request.assigned_officer_id is not None


def test_sla_due_times_come_from_the_sla_rules(borough):
    for request in ServiceRequest.objects.select_related("category").order_by("id")[::37]:
        category = request.category
        expected = sla.due_at(received_at=request.received_at, unit=category.sla_unit, amount=category.sla_amount)
        assert request.sla_due_at == expected
        assert request.assigned_team.name in {"Highways", "Waste and Recycling"}


def test_reporters_are_residents_or_contact_snapshots(borough):
    staff = set(StaffRoleAssignment.objects.values_list("user_id", flat=True))
    advisers = set(
        StaffRoleAssignment.objects.filter(role="customer_service_adviser").values_list("user_id", flat=True)
    )
    web = ServiceRequest.objects.filter(channel=Channel.WEB)
    with_account = web.filter(reporter__isnull=False)
    assert with_account.exists()
    assert not set(with_account.values_list("reporter_id", flat=True)) & staff
    assert not web.filter(reporter__isnull=True, contact_email="").exists()
    assisted = ServiceRequest.objects.filter(channel__in=ASSISTED_CHANNELS)
    assert not assisted.filter(reporter__isnull=False).exists()
    assert set(assisted.values_list("recorded_by_id", flat=True)) <= advisers
    assert not assisted.filter(contact_name="").exists()
    # Missed bins need an account unless reported to an adviser.
    missed = ServiceRequest.objects.filter(category__service_code="missed_bin").exclude(channel__in=ASSISTED_CHANNELS)
    assert not missed.filter(reporter__isnull=True).exists()


def test_no_history_option_and_a_failure_leaves_nothing(empty_db, monkeypatch):
    from townhall.demo.borough import plan_borough

    monkeypatch.setattr(services, "plan_borough", lambda *, seed, addresses: plan_borough(seed=seed, addresses=200))
    call_command("demo", "--seed", "1", "--as-of", AS_OF.isoformat(), "--no-history", stdout=StringIO())
    assert Ward.objects.exists()
    assert not ServiceRequest.objects.exists()

    monkeypatch.setitem(request_history.REQUEST_TARGETS, "small", 300)
    monkeypatch.setattr(request_history, "BATCH_SIZE", 100)
    real_write = request_history._batch_write
    calls = []

    def fail_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            assert ServiceRequest.objects.exists()  # the first batch was written
            raise RuntimeError("disk full")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(request_history, "_batch_write", fail_on_the_second_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        call_command("demo", "--reset", "--seed", "1", "--as-of", AS_OF.isoformat(), stdout=StringIO())
    assert not ServiceRequest.objects.exists()
    assert not ReferenceCounter.objects.exists()
    assert Ward.objects.exists()  # the borough from before the failed reset is still there

    monkeypatch.setattr(request_history, "_batch_write", real_write)
    output = StringIO()
    call_command("demo", "--reset", "--seed", "1", "--as-of", AS_OF.isoformat(), stdout=output)
    assert ", 300 service requests." in output.getvalue()
    assert ReferenceCounter.objects.aggregate(Max("last_number"))["last_number__max"] > 0
