"""Status changes: allowed moves only, closure and reopening, first-time resolution, duplicates, SLA pauses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.service_requests.conftest import NORTH_POINT, make_category
from townhall.accounts.constants import StaffRole
from townhall.audit.models import AuditEntry
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import CLOSED_STATUSES, Channel, Status
from townhall.service_requests.models import RequestUpdate, ServiceRequest


def report(category, description="Pothole by the bus stop", answers=None):
    lat, lng = NORTH_POINT
    return services.service_request_create(
        acting_user=None,
        category=category,
        description=description,
        channel=Channel.OPEN311,
        lat=lat,
        lng=lng,
        answers={"depth": "deep"} if answers is None else answers,
    )


@pytest.fixture
def officer(staff_by_role):
    return staff_by_role[StaffRole.CASE_OFFICER]


def change(request, to, officer, **kwargs):
    return services.service_request_status_change(acting_user=officer, service_request=request, to=to, **kwargs)


def test_a_change_is_recorded_in_the_history_and_the_audit_log(pothole, officer):
    request = report(pothole)

    update = change(
        request, Status.INVESTIGATING, officer, public_message=" Inspector visiting ", internal_note="Ref 7"
    )

    assert request.status == Status.INVESTIGATING  # the caller's object is refreshed
    assert (update.status_from, update.status_to) == (Status.OPEN, Status.INVESTIGATING)
    assert (update.public_message, update.internal_note, update.author) == ("Inspector visiting", "Ref 7", officer)
    [entry] = AuditEntry.objects.filter(action="service_request.status.changed")
    assert (entry.actor_id, entry.object_id, entry.reason) == (officer.pk, request.reference, "open -> investigating.")
    assert selectors.service_request_history(service_request=request) == [update]


def test_fixing_closes_and_counts_as_resolved_first_time(pothole, officer):
    request = report(pothole)
    change(request, Status.IN_PROGRESS, officer)

    change(request, Status.FIXED, officer, public_message="Filled in today")

    assert request.closed_at is not None
    assert request.first_time_resolved is True
    assert not request.is_open
    assert request.resolution == "fixed"


def test_closed_not_fixed_is_honest_but_still_resolved_first_time(pothole, officer):
    request = report(pothole)

    change(request, Status.NO_FURTHER_ACTION, officer, public_message="Below our intervention level")

    assert request.resolution == "closed_not_fixed"
    assert request.first_time_resolved is True


def test_reopening_clears_closure_and_first_time_resolution_for_good(pothole, officer):
    request = report(pothole)
    change(request, Status.FIXED, officer)

    change(request, Status.REOPENED, officer, public_message="It has opened up again")
    assert request.closed_at is None
    assert request.first_time_resolved is False
    assert request.is_open

    change(request, Status.FIXED, officer)
    assert request.closed_at is not None
    assert request.first_time_resolved is False  # it took two goes


@pytest.mark.parametrize("closed", sorted(CLOSED_STATUSES - {Status.DUPLICATE}))
def test_a_closed_request_can_only_be_reopened(pothole, officer, closed):
    request = report(pothole)
    change(request, closed, officer)

    for target in (Status.OPEN, Status.IN_PROGRESS, Status.FIXED, Status.CLOSED):
        if target == closed:
            continue
        with pytest.raises(ValidationError) as caught:
            change(request, target, officer)
        assert caught.value.error_dict["status"][0].code == "invalid_transition"
    change(request, Status.REOPENED, officer)


def test_invalid_moves_say_why_and_change_nothing(pothole, officer):
    request = report(pothole)

    with pytest.raises(ValidationError) as caught:
        change(request, Status.REOPENED, officer)
    assert caught.value.message_dict == {"status": ["A request that is open cannot be moved to reopened"]}
    with pytest.raises(ValidationError) as caught:
        change(request, Status.OPEN, officer)
    with pytest.raises(ValidationError, match="'lost' is not a status"):
        change(request, "lost", officer)

    request.refresh_from_db()
    assert request.status == Status.OPEN
    assert not RequestUpdate.objects.exists()
    assert not AuditEntry.objects.filter(action="service_request.status.changed").exists()


def test_duplicates_point_at_the_original_and_do_not_count_as_resolved(pothole, officer):
    original = report(pothole, "First report")
    second = report(pothole, "Second report")
    third = report(pothole, "Third report")

    with pytest.raises(ValidationError, match="Give the reference"):
        change(second, Status.DUPLICATE, officer)
    with pytest.raises(ValidationError, match="cannot be a duplicate of itself"):
        change(second, Status.DUPLICATE, officer, duplicate_of=second)
    with pytest.raises(ValidationError, match="Only a duplicate names another request"):
        change(second, Status.FIXED, officer, duplicate_of=original)

    change(second, Status.DUPLICATE, officer, duplicate_of=original)
    change(third, Status.DUPLICATE, officer, duplicate_of=second)  # points through to the original

    assert second.duplicate_of == original
    assert third.duplicate_of == original
    assert second.first_time_resolved is None
    assert second.closed_at is not None

    change(second, Status.REOPENED, officer)
    assert second.duplicate_of is None


def test_a_resent_external_update_is_applied_once(pothole):
    request = report(pothole)

    first = services.service_request_status_change(
        acting_user=None, service_request=request, to=Status.FIXED, public_message="Done", external_id="fms-42"
    )
    again = services.service_request_status_change(
        acting_user=None, service_request=request, to=Status.FIXED, public_message="Done", external_id="fms-42"
    )

    assert again == first
    assert RequestUpdate.objects.filter(request=request).count() == 1


def test_sla_clock_pauses_only_where_the_category_allows(pothole, officer):
    request = report(pothole)

    with pytest.raises(ValidationError, match="does not pause"):
        services.service_request_sla_pause(acting_user=officer, service_request=request)


def test_sla_pause_and_resume_move_the_due_time(roads, teams, borough, officer, monkeypatch):
    category = make_category(roads, teams.waste, service_code="abandoned_vehicle", pause_sla_while_waiting=True)
    request = report(category, answers={})
    due = request.sla_due_at
    start = timezone.now()

    monkeypatch.setattr(timezone, "now", lambda: start)
    services.service_request_sla_pause(
        acting_user=officer, service_request=request, internal_note="Asked for the plate"
    )
    with pytest.raises(ValidationError, match="already paused"):
        services.service_request_sla_pause(acting_user=officer, service_request=request)
    assert request.sla_effective_due(now=start + dt.timedelta(hours=5)) == due + dt.timedelta(hours=5)

    monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(hours=3))
    services.service_request_sla_resume(acting_user=officer, service_request=request)

    assert request.sla_paused_seconds == 3 * 3600
    assert request.sla_paused_since is None
    assert request.sla_effective_due(now=start + dt.timedelta(days=1)) == due + dt.timedelta(hours=3)
    with pytest.raises(ValidationError, match="not paused"):
        services.service_request_sla_resume(acting_user=officer, service_request=request)
    actions = list(AuditEntry.objects.filter(object_id=request.reference).values_list("action", flat=True))
    assert actions == ["service_request.sla.paused", "service_request.sla.resumed"]
    notes = list(RequestUpdate.objects.filter(request=request).values_list("internal_note", flat=True))
    assert notes == ["Asked for the plate", "SLA clock restarted."]


def test_closing_ends_a_running_pause(roads, teams, borough, officer, monkeypatch):
    category = make_category(roads, teams.waste, service_code="abandoned_vehicle", pause_sla_while_waiting=True)
    request = report(category, answers={})
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start)
    services.service_request_sla_pause(acting_user=officer, service_request=request)

    monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(minutes=10))
    change(request, Status.FIXED, officer)

    assert (request.sla_paused_since, request.sla_paused_seconds) == (None, 600)
    assert ServiceRequest.objects.get(pk=request.pk).closed_at == start + dt.timedelta(minutes=10)
