"""Assisted digital /staff/requests/new/: an adviser records a report for a caller, step by step.

The request must carry the channel, the adviser as recorded_by and the caller's account as
reporter, be routed to the right team with the right SLA, and every caller search must be
audited. Other roles cannot use the screen.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tests.service_requests.conftest import Teams
from tests.service_requests.test_backoffice_queue import make_staff, report, signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import Category, ServiceRequest
from townhall.service_requests.services import creation
from townhall.service_requests.sla import COUNCIL_TIME_ZONE

pytestmark = pytest.mark.django_db

NEW = "/staff/requests/new/"


@pytest.fixture
def adviser(teams: Teams) -> User:
    return make_staff("adviser@council.example", StaffRole.CUSTOMER_SERVICE_ADVISER)


def start(client: Client, channel: str) -> str:
    """Start a draft; returns the caller step's path."""
    response = client.post(NEW, {"channel": channel})
    assert response.status_code == 302, response.content.decode()[:500]
    path = urlsplit(response["Location"]).path
    assert path.startswith(f"{NEW}caller/")
    return path


def step_url(caller_path: str, step: str) -> str:
    return caller_path.replace("/caller/", f"/{step}/")


def follow(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return urlsplit(response["Location"]).path


def record_problem(client: Client, caller_path: str, pothole: Category, *, where: str = "TS40 1AB") -> str:
    """Category, location, address, details; returns the check page's path."""
    assert follow(client.post(step_url(caller_path, "category"), {"category": pothole.pk})) == step_url(
        caller_path, "location"
    )
    assert follow(client.post(step_url(caller_path, "location"), {"query": where})) == step_url(caller_path, "address")
    assert follow(client.post(step_url(caller_path, "address"), {"uprn": "100000001"})) == step_url(
        caller_path, "details"
    )
    details = {"depth": "deep", "description": "Caller says the hole is by the bus stop"}
    check = follow(client.post(step_url(caller_path, "details"), details))
    assert check == step_url(caller_path, "check")
    return check


def test_adviser_records_a_phone_report_for_a_caller_with_an_account(
    pothole: Category, teams: Teams, adviser: User, resident: User
) -> None:
    client = signed_in(adviser)
    caller = start(client, Channel.PHONE)
    found = client.get(caller, {"q": "rita resident"})
    assert found.status_code == 200
    html = found.content.decode()
    assert "Rita Resident" in html
    assert "resident@example.org" not in html  # only a masked email is shown
    search_audit = AuditEntry.objects.filter(action="service_request.caller.searched").get()
    assert search_audit.actor_id == adviser.pk
    assert str(resident.pk) in search_audit.reason
    assert "rita" not in search_audit.reason.lower()  # the words searched for are not logged

    assert follow(client.post(caller + "?q=rita+resident", {"caller": str(resident.pk)})) == step_url(
        caller, "category"
    )
    check = record_problem(client, caller, pothole)
    page = client.get(check).content.decode()
    assert "Rita Resident" in page
    assert "12 Station Road" in page or "Station Road" in page
    done = follow(client.post(check))
    request = ServiceRequest.objects.get()
    assert done == f"{NEW}done/{request.pk}/"
    assert request.channel == Channel.PHONE
    assert request.recorded_by == adviser
    assert request.reporter == resident
    assert request.contact_name == ""
    # 12 Station Road is in Northfield, where potholes go to Highways North.
    assert request.ward.name == "Northfield"
    assert request.assigned_team == teams.highways_north
    confirmation = client.get(done).content.decode()
    assert request.reference in confirmation
    assert "Highways North" in confirmation
    assert AuditEntry.objects.filter(action="service_request.created", object_id=request.reference).exists()


@pytest.mark.parametrize(
    ("channel", "contact"),
    [
        (Channel.FACE_TO_FACE, {"name": "Carl Caller", "email": "", "phone": "01632 960 001"}),
        (Channel.EMAIL, {"name": "Carl Caller", "email": "carl@example.org", "phone": ""}),
        (Channel.KIOSK, {"name": "Carl Caller", "email": "carl@example.org", "phone": ""}),
    ],
)
def test_caller_without_an_account(
    pothole: Category, teams: Teams, adviser: User, channel: str, contact: dict[str, str]
) -> None:
    client = signed_in(adviser)
    caller = start(client, channel)
    assert follow(client.post(step_url(caller, "contact"), contact)) == step_url(caller, "category")
    check = record_problem(client, caller, pothole)
    follow(client.post(check))
    request = ServiceRequest.objects.get()
    assert request.channel == channel
    assert request.recorded_by == adviser
    assert request.reporter is None
    assert request.contact_name == "Carl Caller"
    assert request.contact_email == contact["email"]
    assert request.contact_phone == contact["phone"]


class FixedClock:
    """django.utils.timezone with `now` fixed."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment

    def __getattr__(self, name: str) -> object:
        return getattr(timezone, name)


def test_sla_due_date_on_the_confirmation_counts_bank_holidays(
    pothole: Category, adviser: User, resident: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Received Thursday 24 December 2026: Christmas, Boxing Day (moved to Monday 28) and New Year's Day
    do not count, so the fifth working day is Tuesday 5 January 2027."""
    client = signed_in(adviser)
    caller = start(client, Channel.PHONE)
    follow(client.post(step_url(caller, "contact"), {"name": "Carl Caller", "email": "", "phone": ""}))
    check = record_problem(client, caller, pothole)
    christmas_eve = dt.datetime(2026, 12, 24, 10, 0, tzinfo=COUNCIL_TIME_ZONE)
    # Only the service's clock moves: the session and sign-in keep the real time.
    monkeypatch.setattr(creation, "timezone", FixedClock(christmas_eve.astimezone(dt.UTC)))
    done = follow(client.post(check))
    monkeypatch.undo()
    request = ServiceRequest.objects.get()
    assert request.received_at == christmas_eve
    expected = dt.datetime(2027, 1, 5, 23, 59, 59, 999999, tzinfo=COUNCIL_TIME_ZONE)
    assert request.sla_due_at == expected
    assert "by the end of Tuesday 5 January 2027" in client.get(done).content.decode()


def test_errors_are_shown_and_nothing_is_created(pothole: Category, adviser: User) -> None:
    client = signed_in(adviser)
    response = client.post(NEW, {})
    assert response.status_code == 200
    assert "Select how the caller contacted us" in response.content.decode()
    caller = start(client, Channel.PHONE)
    short = client.get(caller, {"q": "x"}).content.decode()
    assert "govuk-error-summary" in short
    assert "Enter at least 2 characters" in short
    bad = client.post(step_url(caller, "contact"), {"name": "", "email": "not-an-email", "phone": "abc"})
    html = bad.content.decode()
    assert "Enter the caller&#x27;s full name" in html or "Enter the caller's full name" in html
    assert "Enter an email address in the correct format" in html
    follow(client.post(step_url(caller, "contact"), {"name": "Carl Caller", "email": "", "phone": ""}))
    missing = client.post(step_url(caller, "category"), {}).content.decode()
    assert "Select the problem" in missing
    follow(client.post(step_url(caller, "category"), {"category": pothole.pk}))
    nowhere = client.post(step_url(caller, "location"), {"query": "ZZ99 9ZZ"}).content.decode()
    assert "No address in the borough matches this" in nowhere
    # Skipping ahead sends the adviser back to the first unanswered step.
    assert follow(client.get(step_url(caller, "check"))) == step_url(caller, "location")
    assert not ServiceRequest.objects.exists()


def test_search_by_postcode_finds_residents_who_reported_there(
    pothole: Category, adviser: User, resident: User, other_resident: User
) -> None:
    report(pothole, uprn=100_000_001, reporter=resident, contact=None)
    client = signed_in(adviser)
    caller = start(client, Channel.PHONE)
    html = client.get(caller, {"q": "ts40 1ab"}).content.decode()
    assert "Rita Resident" in html
    assert "Nasir Neighbour" not in html
    entry = AuditEntry.objects.filter(action="service_request.caller.searched").get()
    assert "postcode" in entry.reason


def test_staff_cannot_be_chosen_as_the_caller(pothole: Category, adviser: User) -> None:
    client = signed_in(adviser)
    caller = start(client, Channel.PHONE)
    response = client.post(caller, {"caller": str(adviser.pk)})
    assert response.status_code == 200
    assert "Select the caller" in response.content.decode()


@pytest.mark.parametrize("role", [StaffRole.TEAM_MANAGER, StaffRole.DATA_STEWARD])
def test_other_roles_cannot_record_reports(pothole: Category, teams: Teams, role: StaffRole) -> None:
    client = signed_in(make_staff(f"{role.value}@council.example", role, teams.highways))
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, {"channel": Channel.PHONE}).status_code == 404


def test_confirmation_only_for_the_adviser_who_recorded_it(pothole: Category, adviser: User) -> None:
    made = report(pothole)
    client = signed_in(adviser)
    assert client.get(f"{NEW}done/{made.pk}/").status_code == 404


def test_service_errors_on_sending_link_back_to_the_step_to_fix(pothole: Category, adviser: User) -> None:
    """At a kiosk a caller without an account must give an email address (as on the website)."""
    client = signed_in(adviser)
    caller = start(client, Channel.KIOSK)
    follow(client.post(step_url(caller, "contact"), {"name": "Carl Caller", "email": "", "phone": ""}))
    check = record_problem(client, caller, pothole)
    response = client.post(check)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert f'href="{step_url(caller, "contact")}"' in html
    assert not ServiceRequest.objects.exists()
