"""The back-office queue /staff/requests/: who sees what, filters, sorting, SLA tags, paging and query count."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import TEST_PASSWORD
from tests.service_requests.conftest import NORTH_POINT, SOUTH_POINT, Teams
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Team, User
from townhall.accounts.permissions import has_mfa
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Priority, Status
from townhall.service_requests.models import Category, ServiceRequest
from townhall.service_requests.services import ReporterContact

pytestmark = pytest.mark.django_db

QUEUE = "/staff/requests/"


def make_staff(email: str, role: StaffRole, *teams: Team) -> User:
    user = account_services.staff_create(email=email, password=TEST_PASSWORD, roles=[role])
    for team in teams:
        team.members.add(user)
    return user


def signed_in(user: User) -> Client:
    """A client whose session signed in with the authenticator app (as allauth records it), without the round trip."""
    if not has_mfa(user):
        account_services.staff_enrol_totp(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "mfa", "type": "totp", "at": time.time()}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def report(category: Category, *, north: bool = True, **extra: object) -> ServiceRequest:
    lat, lng = NORTH_POINT if north else SOUTH_POINT
    fields: dict[str, object] = {
        "acting_user": None,
        "category": category,
        "description": "A deep hole by the bus stop",
        "channel": Channel.WEB,
        "lat": lat,
        "lng": lng,
        "answers": {"depth": "deep"} if category.service_code == "pothole" else {},
        "contact": ReporterContact(name="Ann Secret", email="ann.secret@example.org", phone="07700 900 982"),
    }
    fields.update(extra)
    return services.service_request_create(**fields)  # type: ignore[arg-type]


def references(client: Client, query: str = "") -> set[str]:
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return {ref for ref in ServiceRequest.objects.values_list("reference", flat=True) if ref in html}


@pytest.fixture
def north_officer(teams: Teams) -> User:
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


def test_officer_sees_only_their_teams_requests(pothole, teams: Teams, north_officer: User) -> None:
    north = report(pothole)  # routed to Highways North
    south = report(pothole, north=False)  # routed to Highways
    assert north.assigned_team == teams.highways_north
    assert south.assigned_team == teams.highways

    assert references(signed_in(north_officer)) == {north.reference}
    southerner = make_staff("south@council.example", StaffRole.TEAM_MANAGER, teams.highways)
    assert references(signed_in(southerner)) == {south.reference}
    # Asking for another team's queue by id shows nothing of it.
    assert references(signed_in(north_officer), f"?team={teams.highways.pk}") == set()


def test_administrator_sees_every_team(pothole, teams: Teams) -> None:
    north, south = report(pothole), report(pothole, north=False)
    admin = make_staff("admin@council.example", StaffRole.ADMINISTRATOR)
    client = signed_in(admin)
    assert references(client) == {north.reference, south.reference}
    assert references(client, f"?team={teams.highways.pk}") == {south.reference}


@pytest.mark.parametrize("role", [StaffRole.CASE_OFFICER, StaffRole.TEAM_MANAGER, StaffRole.CUSTOMER_SERVICE_ADVISER])
def test_queue_roles_are_let_in(pothole, teams: Teams, role: StaffRole) -> None:
    north = report(pothole)
    member = make_staff(f"{role.value}@council.example", role, teams.highways_north)
    assert references(signed_in(member)) == {north.reference}


@pytest.mark.parametrize("role", [StaffRole.DATA_STEWARD, StaffRole.INFORMATION_GOVERNANCE_OFFICER])
def test_other_staff_roles_get_not_found(pothole, teams: Teams, role: StaffRole) -> None:
    north = report(pothole)
    member = make_staff(f"{role.value}@council.example", role, teams.highways_north)
    client = signed_in(member)
    assert client.get(QUEUE).status_code == 404
    assert client.get(f"{QUEUE}{north.pk}/").status_code == 404


def test_residents_and_visitors_are_turned_away(client: Client, pothole, resident: User) -> None:
    north = report(pothole)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")
    client.force_login(resident)
    assert client.get(QUEUE).status_code == 404
    assert client.get(f"{QUEUE}{north.pk}/").status_code == 404


def test_filters(pothole, borough, teams: Teams, roads) -> None:
    from tests.service_requests.conftest import make_category

    admin = make_staff("admin@council.example", StaffRole.ADMINISTRATOR)
    other = make_staff("other@council.example", StaffRole.CASE_OFFICER, teams.highways)
    lights = make_category(roads, teams.highways, service_code="streetlight", name="Street light out")
    north = report(pothole)
    south = report(pothole, north=False)
    light = report(lights, north=False)
    fixed = report(pothole, north=False)
    services.service_request_status_change(acting_user=None, service_request=fixed, to=Status.FIXED)
    urgent = report(pothole, north=False)
    ServiceRequest.objects.filter(pk=urgent.pk).update(priority=Priority.URGENT)
    teams.highways.members.add(admin)
    services.service_request_assign(acting_user=None, service_request=light, team=teams.highways, officer=admin)
    services.service_request_assign(acting_user=None, service_request=south, team=teams.highways, officer=other)

    client = signed_in(admin)
    assert references(client, f"?category={lights.pk}") == {light.reference}
    assert references(client, f"?ward={borough.northfield.pk}") == {north.reference}
    assert references(client, "?status=closed_all") == {fixed.reference}
    assert references(client, "?status=fixed") == {fixed.reference}
    assert fixed.reference not in references(client, "?status=open_all")
    assert references(client, f"?priority={Priority.URGENT}") == {urgent.reference}
    assert references(client, "?mine=on") == {light.reference}
    # An unknown value is a validation error shown to the user, not a crash.
    response = client.get(QUEUE + "?status=bogus")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_sla_filters_and_overdue_tag(pothole, teams: Teams, north_officer: User) -> None:
    now = timezone.now()
    late = report(pothole)
    today = report(pothole)
    later = report(pothole)
    paused_late = report(pothole)
    ServiceRequest.objects.filter(pk=late.pk).update(sla_due_at=now - dt.timedelta(hours=2))
    ServiceRequest.objects.filter(pk=today.pk).update(sla_due_at=now + dt.timedelta(seconds=60))
    ServiceRequest.objects.filter(pk=later.pk).update(sla_due_at=now + dt.timedelta(days=3))
    # Due an hour ago on paper, but the clock stood still for a day: not breached.
    ServiceRequest.objects.filter(pk=paused_late.pk).update(
        sla_due_at=now - dt.timedelta(hours=1), sla_paused_seconds=86_400
    )
    client = signed_in(north_officer)

    assert references(client, "?sla=breached") == {late.reference}
    due_today = references(client, "?sla=due_today")
    assert today.reference in due_today
    assert late.reference not in due_today
    assert later.reference not in due_today
    html = client.get(QUEUE + "?sla=breached").content.decode()
    assert "Overdue" in html
    everything = client.get(QUEUE).content.decode()
    rows = {
        row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in everything.split('<tr class="govuk-table__row">')[2:]
    }
    assert "Overdue" in rows[late.reference]
    assert "Overdue" not in rows[later.reference]
    assert "Overdue" not in rows[paused_late.reference]


def test_sorting_by_sla_due(pothole, north_officer: User) -> None:
    first, second = report(pothole), report(pothole)
    ServiceRequest.objects.filter(pk=first.pk).update(sla_due_at=timezone.now() + dt.timedelta(days=5))
    ServiceRequest.objects.filter(pk=second.pk).update(sla_due_at=timezone.now() + dt.timedelta(days=1))
    client = signed_in(north_officer)
    by_received = client.get(QUEUE).content.decode()
    assert by_received.index(second.reference) < by_received.index(first.reference)  # newest first
    by_due = client.get(QUEUE + "?sort=sla_due").content.decode()
    assert by_due.index(second.reference) < by_due.index(first.reference)
    ServiceRequest.objects.filter(pk=second.pk).update(sla_due_at=timezone.now() + dt.timedelta(days=9))
    by_due = client.get(QUEUE + "?sort=sla_due").content.decode()
    assert by_due.index(first.reference) < by_due.index(second.reference)


def test_fifty_a_page_with_pagination_that_keeps_filters(pothole, north_officer: User) -> None:
    for _ in range(51):
        report(pothole)
    client = signed_in(north_officer)
    html = client.get(QUEUE + "?sort=sla_due").content.decode()
    assert html.count('href="/staff/requests/') - html.count('href="/staff/requests/?') >= 50
    assert "govuk-pagination" in html
    assert "?sort=sla_due&amp;page=2" in html
    second = client.get(QUEUE + "?sort=sla_due&page=2").content.decode()
    assert "Showing 51 to 51 of 51" in second


def test_query_count_does_not_grow_with_rows(
    pothole, teams: Teams, north_officer: User, django_assert_num_queries
) -> None:
    report(pothole)
    client = signed_in(north_officer)
    client.get(QUEUE)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE).status_code == 200
    # Session, user, roles, MFA, the user's teams, count, the page, the filters' teams, categories and wards,
    # the officer's saved filters, and the bulk action's teams and officers.
    assert len(few.captured_queries) == 13
    for _ in range(20):
        request = report(pothole)
        services.service_request_assign(
            acting_user=None, service_request=request, team=teams.highways_north, officer=north_officer
        )
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(QUEUE).status_code == 200
