"""The queue's extras: saved filters (the owner's only), bulk assign and status change (all or nothing), the map.

Bulk actions go through the single-request services, so each change is in the request's
history and the audit log; one request that cannot take the change (a move the status
rules refuse, another team's request) leaves every selected request as it was.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests.service_requests.conftest import Teams
from tests.service_requests.test_backoffice_queue import QUEUE, make_staff, references, report, signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.service_requests import selectors, services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import Category, RequestUpdate, SavedFilter, ServiceRequest

pytestmark = pytest.mark.django_db

BULK = QUEUE + "bulk/"
MAP = QUEUE + "map/"


@pytest.fixture
def north_officer(teams: Teams) -> User:
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


# --- saved filters -----------------------------------------------------------------------------


def test_save_a_filter_keeps_only_known_parameters(pothole: Category, north_officer: User) -> None:
    client = signed_in(north_officer)
    response = client.post(
        QUEUE + "filters/",
        {"saved-name": "Overdue", "saved-query": "sla=breached&page=3&evil=1&sort=sla_due&status="},
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get()
    assert saved.owner == north_officer
    assert saved.name == "Overdue"
    assert saved.query == "sla=breached&sort=sla_due"
    assert response["Location"] == f"{QUEUE}?sla=breached&sort=sla_due"
    html = client.get(QUEUE).content.decode()
    assert f'href="{QUEUE}?sla=breached&amp;sort=sla_due"' in html
    assert "Overdue" in html


def test_saving_needs_a_name_a_filter_and_a_new_name(pothole: Category, north_officer: User) -> None:
    client = signed_in(north_officer)
    no_name = client.post(QUEUE + "filters/", {"saved-name": "", "saved-query": "sla=breached"})
    assert no_name.status_code == 200
    assert "Enter a name for the filter" in no_name.content.decode()
    nothing = client.post(QUEUE + "filters/", {"saved-name": "All", "saved-query": "page=2&junk=1"})
    assert "Apply at least one filter before saving it" in nothing.content.decode()
    invalid = client.post(QUEUE + "filters/", {"saved-name": "Bogus", "saved-query": "status=bogus"})
    assert "Correct the filters before saving them" in invalid.content.decode()
    client.post(QUEUE + "filters/", {"saved-name": "Mine", "saved-query": "mine=on"})
    again = client.post(QUEUE + "filters/", {"saved-name": "mine", "saved-query": "sla=breached"})
    assert "You already have a filter with this name" in again.content.decode()
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["Mine"]


def test_saved_filters_are_the_owners_only(pothole: Category, teams: Teams, north_officer: User) -> None:
    other = make_staff("other@council.example", StaffRole.CASE_OFFICER, teams.highways_north)
    saved = services.saved_filter_create(acting_user=north_officer, name="Private view", query="mine=on")
    other_client = signed_in(other)
    assert "Private view" not in other_client.get(QUEUE).content.decode()
    assert other_client.get(f"{QUEUE}filters/{saved.pk}/").status_code == 404
    assert other_client.post(f"{QUEUE}filters/{saved.pk}/", {"action": "delete"}).status_code == 404
    assert other_client.post(f"{QUEUE}filters/{saved.pk}/", {"action": "rename", "name": "Mine now"}).status_code == 404
    saved.refresh_from_db()
    assert saved.name == "Private view"
    assert selectors.saved_filters(owner=other) == []


def test_rename_and_delete(pothole: Category, north_officer: User) -> None:
    saved = services.saved_filter_create(acting_user=north_officer, name="Old", query="mine=on")
    services.saved_filter_create(acting_user=north_officer, name="Taken", query="sla=breached")
    client = signed_in(north_officer)
    assert client.get(f"{QUEUE}filters/{saved.pk}/").status_code == 200
    clash = client.post(f"{QUEUE}filters/{saved.pk}/", {"action": "rename", "name": "Taken"})
    assert "You already have a filter with this name" in clash.content.decode()
    assert client.post(f"{QUEUE}filters/{saved.pk}/", {"action": "rename", "name": "New"}).status_code == 302
    saved.refresh_from_db()
    assert saved.name == "New"
    assert client.post(f"{QUEUE}filters/{saved.pk}/", {"action": "delete"}).status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


# --- bulk actions ------------------------------------------------------------------------------


def bulk(client: Client, action: str, requests: list[ServiceRequest], **fields: object) -> object:
    data: dict[str, object] = {
        "bulk-action": action,
        "bulk-requests": [str(r.pk) for r in requests],
        "return": "sort=sla_due",
    }
    data.update({f"bulk-{name}": value for name, value in fields.items()})
    return client.post(BULK, data)


def test_bulk_assign_changes_each_request_with_history_and_audit(
    pothole: Category, teams: Teams, north_officer: User
) -> None:
    first, second = report(pothole), report(pothole)
    manager = make_staff("manager@council.example", StaffRole.TEAM_MANAGER, teams.highways_north, teams.highways)
    response = bulk(signed_in(manager), "assign", [first, second], team=teams.highways.pk)
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?sort=sla_due"
    for request in (first, second):
        request.refresh_from_db()
        assert request.assigned_team == teams.highways
        assert RequestUpdate.objects.filter(request=request, internal_note__startswith="Assigned to Highways").exists()
        assert AuditEntry.objects.filter(action="service_request.assigned", object_id=request.reference).exists()


def test_bulk_status_change_with_public_message(pothole: Category, north_officer: User) -> None:
    first, second = report(pothole), report(pothole)
    response = bulk(
        signed_in(north_officer), "status", [first, second], status=Status.IN_PROGRESS, public_message="On our list"
    )
    assert response.status_code == 302
    for request in (first, second):
        request.refresh_from_db()
        assert request.status == Status.IN_PROGRESS
        update = RequestUpdate.objects.get(request=request, status_to=Status.IN_PROGRESS)
        assert update.public_message == "On our list"
        assert update.author == north_officer
        assert AuditEntry.objects.filter(action="service_request.status.changed", object_id=request.reference).exists()


def test_one_refused_move_changes_nothing_and_names_the_request(pothole: Category, north_officer: User) -> None:
    fine, closed = report(pothole), report(pothole)
    services.service_request_status_change(acting_user=None, service_request=closed, to=Status.FIXED)
    updates_before = RequestUpdate.objects.count()
    audit_before = AuditEntry.objects.count()
    response = bulk(signed_in(north_officer), "status", [fine, closed], status=Status.IN_PROGRESS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was changed" in html
    assert f'href="#select-{closed.pk}"' in html
    assert f"{closed.reference}: A request that is fixed cannot be moved to in progress" in html
    assert fine.reference + ":" not in html
    fine.refresh_from_db()
    closed.refresh_from_db()
    assert fine.status == Status.OPEN
    assert closed.status == Status.FIXED
    assert RequestUpdate.objects.count() == updates_before
    assert AuditEntry.objects.count() == audit_before
    assert f'id="select-{fine.pk}" name="bulk-requests" type="checkbox" value="{fine.pk}" checked' in html


def test_another_teams_request_is_refused_and_nothing_changes(
    pothole: Category, teams: Teams, north_officer: User
) -> None:
    mine = report(pothole)  # Highways North
    theirs = report(pothole, north=False)  # Highways
    response = bulk(signed_in(north_officer), "status", [mine, theirs], status=Status.INVESTIGATING)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 of the selected requests are not in your teams" in html
    assert theirs.reference not in html
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.OPEN, Status.OPEN)
    # Assigning another team's request to one's own team is refused the same way.
    bulk(signed_in(north_officer), "assign", [theirs], team=teams.highways_north.pk)
    theirs.refresh_from_db()
    assert theirs.assigned_team == teams.highways


def test_bulk_form_errors(pothole: Category, north_officer: User) -> None:
    request = report(pothole)
    client = signed_in(north_officer)
    nothing = bulk(client, "status", [], status=Status.IN_PROGRESS).content.decode()
    assert "Select at least one request" in nothing
    no_status = bulk(client, "status", [request]).content.decode()
    assert "Choose the new status for the selected requests" in no_status
    no_team = bulk(client, "assign", [request]).content.decode()
    assert "Choose the team to assign the selected requests to" in no_team
    with pytest.raises(Exception, match="duplicates one at a time"):
        services.service_requests_bulk_status_change(
            acting_user=north_officer, request_ids=[request.pk], to=Status.DUPLICATE
        )


def test_bulk_services_refuse_people_who_are_not_staff(pothole: Category, resident: User) -> None:
    request = report(pothole)
    with pytest.raises(PermissionDenied):
        services.service_requests_bulk_status_change(acting_user=resident, request_ids=[request.pk], to=Status.CLOSED)


# --- the map -----------------------------------------------------------------------------------


def markers(html: str) -> list[dict[str, object]]:
    start = html.index('<script id="queue-map-markers" type="application/json">') + len(
        '<script id="queue-map-markers" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_map_shows_only_visible_requests(pothole: Category, teams: Teams, north_officer: User) -> None:
    mine = report(pothole)
    theirs = report(pothole, north=False)
    response = signed_in(north_officer).get(MAP)
    assert response.status_code == 200
    html = response.content.decode()
    found = markers(html)
    assert [item["url"] for item in found] == [f"{QUEUE}{mine.pk}/"]
    assert found[0]["kind"] == "sla-on-time"
    assert mine.reference in html
    assert theirs.reference not in html
    assert f'href="{QUEUE}"' in html  # the list view is the alternative


def test_map_keeps_the_filters_and_links_to_the_same_list(pothole: Category, north_officer: User) -> None:
    open_one, fixed = report(pothole), report(pothole)
    services.service_request_status_change(acting_user=None, service_request=fixed, to=Status.FIXED)
    html = signed_in(north_officer).get(MAP + "?status=closed_all&page=2").content.decode()
    assert [item["kind"] for item in markers(html)] == ["sla-closed"]
    assert open_one.reference not in html
    assert f'href="{QUEUE}?status=closed_all"' in html


def test_map_is_capped(pothole: Category, north_officer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "QUEUE_MAP_LIMIT", 2)
    for _ in range(3):
        report(pothole)
    html = signed_in(north_officer).get(MAP).content.decode()
    assert len(markers(html)) == 2
    assert "The map shows the first 2 matching requests only" in html


def test_ward_outlines_for_the_map(pothole: Category, north_officer: User) -> None:
    response = signed_in(north_officer).get(MAP + "wards.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert sorted(f["properties"]["name"] for f in response.json()["features"]) == ["Northfield", "Southfield"]


def test_map_pages_refuse_other_roles(pothole: Category, teams: Teams) -> None:
    steward = signed_in(make_staff("steward@council.example", StaffRole.DATA_STEWARD, teams.highways))
    assert steward.get(MAP).status_code == 404
    assert steward.get(MAP + "wards.geojson").status_code == 404


# --- the default view ----------------------------------------------------------------------------


def test_the_queue_opens_on_open_work_with_the_status_filter_shown(pothole: Category, north_officer: User) -> None:
    """A case officer arriving sees open requests, the status filter set to open; any status is one choice away."""
    waiting = report(pothole)
    done = report(pothole)
    services.service_request_status_change(acting_user=None, service_request=done, to=Status.FIXED)
    client = signed_in(north_officer)
    html = client.get(QUEUE).content.decode()
    assert waiting.reference in html
    assert done.reference not in html
    assert '<option value="open_all" selected>' in html
    assert "Open requests for your teams" in html
    assert "Clear filters" not in html
    assert references(client, "?page=1") == {waiting.reference}, "paging the default view keeps it"
    assert references(client, "?status=") == {waiting.reference, done.reference}, "Any status"
    assert references(client, "?status=closed_all") == {done.reference}
    assert references(client, f"?status={Status.FIXED}") == {done.reference}
    map_html = client.get(MAP).content.decode()
    assert waiting.reference in map_html
    assert done.reference not in map_html


def test_saved_filters_without_a_status_still_mean_any_status(pothole: Category, north_officer: User) -> None:
    waiting = report(pothole)
    done = report(pothole)
    services.service_request_status_change(acting_user=None, service_request=done, to=Status.FIXED)
    client = signed_in(north_officer)
    response = client.post(
        QUEUE + "filters/", {"saved-name": "Northfield", "saved-query": f"ward={waiting.ward_id}&status="}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get()
    assert saved.query == f"ward={waiting.ward_id}"
    assert references(client, f"?{saved.query}") == {waiting.reference, done.reference}
    client.post(
        QUEUE + "filters/", {"saved-name": "Open here", "saved-query": f"ward={waiting.ward_id}&status=open_all"}
    )
    open_here = SavedFilter.objects.get(name="Open here")
    assert references(client, f"?{open_here.query}") == {waiting.reference}
