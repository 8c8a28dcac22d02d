"""Database constraints: invariants that hold even for writes that skip the services."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.service_requests.conftest import NORTH_POINT
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, Question, RequestUpdate, RoutingRule, ServiceRequest
from townhall.service_requests.services import ReporterContact


@pytest.fixture
def request_row(pothole, resident) -> ServiceRequest:
    lat, lng = NORTH_POINT
    return services.service_request_create(
        acting_user=resident,
        reporter=resident,
        category=pothole,
        description="Deep pothole outside the station",
        channel=Channel.WEB,
        lat=lat,
        lng=lng,
        answers={"depth": "deep"},
        contact=ReporterContact(),
    )


def assert_refused(queryset, **changes) -> None:
    """The database itself must refuse this update."""
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)


def test_closed_at_is_set_exactly_when_closed(request_row):
    rows = ServiceRequest.objects.filter(pk=request_row.pk)
    assert_refused(rows, status=Status.FIXED)  # closed without closed_at
    assert_refused(rows, closed_at=timezone.now())  # open with closed_at
    rows.update(status=Status.FIXED, closed_at=timezone.now())


def test_a_duplicate_names_its_original_and_nothing_else_does(request_row, pothole, resident):
    lat, lng = NORTH_POINT
    other = services.service_request_create(
        acting_user=resident,
        reporter=resident,
        category=pothole,
        description="Same pothole",
        channel=Channel.WEB,
        lat=lat,
        lng=lng,
        answers={"depth": "deep"},
    )
    rows = ServiceRequest.objects.filter(pk=other.pk)
    assert_refused(rows, status=Status.DUPLICATE, closed_at=timezone.now())
    assert_refused(rows, duplicate_of=request_row)


def test_first_time_resolution_only_once_closed(request_row):
    assert_refused(ServiceRequest.objects.filter(pk=request_row.pk), first_time_resolved=True)
    ServiceRequest.objects.filter(pk=request_row.pk).update(first_time_resolved=False)  # reopened requests


def test_status_channel_and_priority_must_be_known(request_row):
    rows = ServiceRequest.objects.filter(pk=request_row.pk)
    assert_refused(rows, status="lost")
    assert_refused(rows, channel="carrier_pigeon")
    assert_refused(rows, priority=9)


def test_references_are_unique(request_row, pothole, resident):
    lat, lng = NORTH_POINT
    other = services.service_request_create(
        acting_user=resident,
        reporter=resident,
        category=pothole,
        description="Another",
        channel=Channel.WEB,
        lat=lat,
        lng=lng,
        answers={"depth": "shallow"},
    )
    assert_refused(ServiceRequest.objects.filter(pk=other.pk), reference=request_row.reference)


def test_one_default_rule_and_one_rule_per_ward(pothole, borough, teams):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRule.objects.create(category=pothole, ward=None, team=teams.waste)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRule.objects.create(category=pothole, ward=borough.northfield, team=teams.waste)
    RoutingRule.objects.create(category=pothole, ward=borough.southfield, team=teams.waste)


def test_question_codes_are_unique_within_a_category(pothole):
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(category=pothole, code="depth", label="Again?")


def test_a_category_the_council_is_not_responsible_for_names_who_is(pothole):
    rows = Category.objects.filter(pk=pothole.pk)
    assert_refused(rows, council_responsible=False)
    rows.update(council_responsible=False, referral_body_name="National Highways")


def test_sla_amount_is_at_least_one(pothole):
    assert_refused(Category.objects.filter(pk=pothole.pk), sla_amount=0)


def test_updates_are_never_empty_and_status_changes_name_both_ends(request_row):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestUpdate.objects.create(request=request_row, created_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestUpdate.objects.create(request=request_row, created_at=now, status_to=Status.FIXED)
    RequestUpdate.objects.create(request=request_row, created_at=now, internal_note="Inspected")


def test_external_update_ids_are_unique_per_request(request_row):
    now = timezone.now()
    RequestUpdate.objects.create(request=request_row, created_at=now, public_message="One", external_id="fms-1")
    RequestUpdate.objects.create(request=request_row, created_at=now, public_message="No id")
    RequestUpdate.objects.create(request=request_row, created_at=now, public_message="No id either")
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestUpdate.objects.create(request=request_row, created_at=now, public_message="Two", external_id="fms-1")


def test_sla_labels(pothole):
    assert pothole.sla_label == "5 working days"
    pothole.sla_unit, pothole.sla_amount = "hours", 1
    assert pothole.sla_label == "1 hour"
    assert pothole.keyword_list() == ["hole", "crater"]
