"""The back-office request page /staff/requests/<id>/: access, history, reporter details, status and assignment."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.service_requests.conftest import Teams
from tests.service_requests.test_backoffice_queue import make_staff, report, signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import RequestUpdate, ServiceRequest

pytestmark = pytest.mark.django_db

PRIVATE = ("Ann Secret", "ann.secret@example.org", "07700 900 982")


@pytest.fixture
def north_officer(teams: Teams) -> User:
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


def page(client: Client, request: ServiceRequest) -> str:
    response = client.get(f"/staff/requests/{request.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return html


def test_page_shows_summary_location_answers_and_history(pothole, north_officer: User) -> None:
    created = report(pothole)
    services.service_request_status_change(
        acting_user=north_officer,
        service_request=created,
        to=Status.INVESTIGATING,
        public_message="We are looking into it.",
        internal_note="PRIVATE-NOTE-123",
    )
    html = page(signed_in(north_officer), created)
    for expected in (
        created.reference,
        "Pothole",
        "Northfield",
        "Station Road",
        "How deep is it?",
        "4cm or more",
        "Investigating",
        "We are looking into it.",
        "Public update",
        "PRIVATE-NOTE-123",
        "Internal note",
        "Show reporter's contact details",
    ):
        assert expected in html, expected
    for private in PRIVATE:
        assert private not in html, private


def test_request_of_another_team_is_not_found(pothole, teams: Teams, north_officer: User) -> None:
    south = report(pothole, north=False)
    client = signed_in(north_officer)
    for path in ("", "reporter/", "status/", "assign/"):
        method = client.get if not path else client.post
        assert method(f"/staff/requests/{south.pk}/{path}").status_code == 404, path
    assert not AuditEntry.objects.filter(action=services.ACTION_REQUEST_REPORTER_VIEWED).exists()
    assert ServiceRequest.objects.get(pk=south.pk).status == Status.OPEN


def test_administrator_opens_any_request(pothole) -> None:
    south = report(pothole, north=False)
    admin = make_staff("admin@council.example", StaffRole.ADMINISTRATOR)
    assert south.reference in page(signed_in(admin), south)


def test_data_steward_gets_not_found(pothole, teams: Teams) -> None:
    created = report(pothole)
    steward = make_staff("steward@council.example", StaffRole.DATA_STEWARD, teams.highways_north)
    assert signed_in(steward).get(f"/staff/requests/{created.pk}/").status_code == 404


def test_showing_reporter_details_is_audited_first(pothole, north_officer: User) -> None:
    created = report(pothole)
    client = signed_in(north_officer)
    assert client.get(f"/staff/requests/{created.pk}/reporter/").status_code == 405

    response = client.post(f"/staff/requests/{created.pk}/reporter/")

    assert response.status_code == 200
    html = response.content.decode()
    for private in PRIVATE:
        assert private in html, private
    entry = AuditEntry.objects.get(action="service_request.reporter_details.viewed")
    assert entry.actor_id == north_officer.pk
    assert entry.object_id == created.reference
    assert str(created.pk) in entry.reason
    # A plain visit afterwards hides them again.
    assert "Ann Secret" not in page(client, created)


def test_status_change_with_public_message_and_internal_note(client: Client, pothole, north_officer: User) -> None:
    created = report(pothole)
    officer_client = signed_in(north_officer)

    response = officer_client.post(
        f"/staff/requests/{created.pk}/status/",
        {
            "status-status": Status.ACTION_SCHEDULED,
            "status-public_message": "A crew will fill it this week.",
            "status-internal_note": "SECRET-CREW-NOTE",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/staff/requests/{created.pk}/"
    created.refresh_from_db()
    assert created.status == Status.ACTION_SCHEDULED
    update = RequestUpdate.objects.get(request=created)
    assert update.author == north_officer
    assert update.internal_note == "SECRET-CREW-NOTE"
    assert AuditEntry.objects.filter(action="service_request.status.changed", object_id=created.reference).exists()
    # The public tracking page shows the public message, never the internal note.
    public = client.get(f"/report/{created.reference}/").content.decode()
    assert "A crew will fill it this week." in public
    assert "SECRET-CREW-NOTE" not in public


def test_refused_status_change_changes_nothing(pothole, north_officer: User) -> None:
    created = report(pothole)
    services.service_request_status_change(acting_user=None, service_request=created, to=Status.FIXED)
    client = signed_in(north_officer)
    html = page(client, created)
    assert 'value="reopened"' in html
    assert 'value="in_progress"' not in html  # a closed request can only be reopened

    response = client.post(f"/staff/requests/{created.pk}/status/", {"status-status": Status.IN_PROGRESS})

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    created.refresh_from_db()
    assert created.status == Status.FIXED
    assert RequestUpdate.objects.filter(request=created).count() == 1


def test_duplicate_needs_a_real_original(pothole, north_officer: User) -> None:
    original, copy = report(pothole), report(pothole)
    client = signed_in(north_officer)
    path = f"/staff/requests/{copy.pk}/status/"

    response = client.post(path, {"status-status": Status.DUPLICATE})
    assert "Give the reference of the request this duplicates" in response.content.decode()
    response = client.post(path, {"status-status": Status.DUPLICATE, "status-duplicate_of": "DB-1999-000001"})
    assert "There is no request with this reference" in response.content.decode()
    response = client.post(path, {"status-status": Status.DUPLICATE, "status-duplicate_of": original.reference.lower()})
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.status == Status.DUPLICATE
    assert copy.duplicate_of == original


def test_assign_to_officer_is_audited_and_recorded(pothole, teams: Teams, north_officer: User) -> None:
    created = report(pothole)
    manager = make_staff("manager@council.example", StaffRole.TEAM_MANAGER, teams.highways_north)
    client = signed_in(manager)

    response = client.post(
        f"/staff/requests/{created.pk}/assign/",
        {"assign-team": teams.highways_north.pk, "assign-officer": north_officer.pk},
    )

    assert response.status_code == 302
    created.refresh_from_db()
    assert created.assigned_officer == north_officer
    entry = AuditEntry.objects.get(action="service_request.assigned")
    assert entry.actor_id == manager.pk
    assert entry.object_id == created.reference
    assert RequestUpdate.objects.get(request=created).internal_note.startswith("Assigned to Highways North")
    # The assignment note is internal: the public tracking page never shows it.
    assert "Assigned to" not in Client().get(f"/report/{created.reference}/").content.decode()
    # Now it is theirs.
    assert created.reference in signed_in(north_officer).get("/staff/requests/?mine=on").content.decode()


def test_assign_refuses_an_officer_outside_the_team(pothole, teams: Teams, north_officer: User) -> None:
    created = report(pothole)
    teams.highways.members.add(north_officer)
    outsider = make_staff("outsider@council.example", StaffRole.CASE_OFFICER, teams.highways)
    client = signed_in(north_officer)

    response = client.post(
        f"/staff/requests/{created.pk}/assign/",
        {"assign-team": teams.highways_north.pk, "assign-officer": outsider.pk},
    )

    assert response.status_code == 200
    assert "Choose an officer who is in the team" in response.content.decode()
    created.refresh_from_db()
    assert created.assigned_officer is None


def test_assign_to_a_team_outside_mine_is_refused(pothole, teams: Teams, north_officer: User) -> None:
    created = report(pothole)
    response = signed_in(north_officer).post(f"/staff/requests/{created.pk}/assign/", {"assign-team": teams.waste.pk})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    created.refresh_from_db()
    assert created.assigned_team == teams.highways_north


def test_assign_service_refuses_residents(pothole, teams: Teams, resident: User) -> None:
    from django.core.exceptions import PermissionDenied

    created = report(pothole)
    with pytest.raises(PermissionDenied):
        services.service_request_assign(acting_user=resident, service_request=created, team=teams.waste)


def test_reporter_with_an_account_is_shown_from_the_account(pothole, north_officer: User, resident: User) -> None:
    created = report(pothole, reporter=resident, contact=None)
    html = signed_in(north_officer).post(f"/staff/requests/{created.pk}/reporter/").content.decode()
    assert "Rita Resident" in html
    assert resident.email in html
    assert f"Resident {resident.pk}" in html
    assert AuditEntry.objects.filter(action="service_request.reporter_details.viewed").count() == 1
