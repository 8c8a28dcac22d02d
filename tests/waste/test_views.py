"""The public lookup at /bin-collections/ (postcode, address, collection days, .ics) and the staff page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from icalendar import Calendar

from tests.waste.conftest import UPRN_12, UPRN_MILL, Rounds
from townhall.accounts.constants import StaffRole
from townhall.audit.models import AuditEntry
from townhall.waste.models import CollectionChange

D = dt.date
TODAY = D(2026, 12, 21)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("townhall.waste.views.timezone.localdate", lambda: TODAY)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_the_journey_postcode_then_address_then_collection_days(client: Client, rounds: Rounds) -> None:
    start = client.get("/bin-collections/")
    assert start.status_code == 200
    assert 'action="/bin-collections/address/"' in start.content.decode()

    choose = client.get("/bin-collections/address/", {"postcode": "ts401ab"})
    assert choose.status_code == 200
    assert "12 Station Road, Demoton, TS40 1AB" in text(choose)
    assert "14 Station Road, Demoton, TS40 1AB" in text(choose)
    assert "Mill Lane" not in text(choose)

    chosen = client.get("/bin-collections/address/", {"postcode": "TS40 1AB", "uprn": str(UPRN_12)})
    assert chosen.status_code == 302
    assert chosen["Location"] == f"/bin-collections/{UPRN_12}/"

    page = client.get(chosen["Location"])
    body = text(page)
    assert page.status_code == 200
    assert "Your bin collection days" in body
    for service in ("General waste", "Recycling", "Food waste", "Garden waste"):
        assert service in body
    assert "(if you subscribe)" in body
    assert "Next collection: <strong>Tuesday 29 December 2026</strong>" in body  # recycling, after Christmas
    assert (
        "Moved from Friday 25 December because of Christmas Day and Boxing Day (observed) on Monday 28 December."
        in body
    )
    assert f'href="/bin-collections/{UPRN_12}.ics"' in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"postcode": ""}, "Enter a postcode"),
        ({"postcode": "not a postcode"}, "Enter a real postcode, like TS1 2AB"),
        ({"postcode": "SW1A 1AA"}, "We could not find SW1A 1AA in the area"),
    ],
)
def test_postcode_errors_are_shown_on_the_postcode_page(client: Client, rounds: Rounds, query, message) -> None:
    response = client.get("/bin-collections/address/", query)
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert "<title>Error:" in response.content.decode()


@pytest.mark.django_db
def test_choosing_no_address_or_one_from_another_postcode_is_an_error(client: Client, rounds: Rounds) -> None:
    answers = [{"choose": "1"}, {"uprn": ""}, {"uprn": str(UPRN_MILL)}, {"uprn": "x", "choose": "1"}]
    for answer in answers:
        response = client.get("/bin-collections/address/", {"postcode": "TS40 1AB", **answer})
        assert response.status_code == 200
        assert "Select your address" in text(response)
        assert "There is a problem" in text(response)


@pytest.mark.django_db
def test_an_address_on_no_round_says_so_and_has_no_calendar(client: Client, rounds: Rounds) -> None:
    page = client.get(f"/bin-collections/{UPRN_MILL}/")
    assert page.status_code == 200
    assert "We do not have collection days for this address yet" in text(page)
    assert ".ics" not in text(page)
    assert client.get(f"/bin-collections/{UPRN_MILL}.ics").status_code == 404


@pytest.mark.django_db
def test_an_unknown_uprn_is_not_found(client: Client, rounds: Rounds) -> None:
    assert client.get("/bin-collections/999999999/").status_code == 404
    assert client.get("/bin-collections/999999999.ics").status_code == 404


@pytest.mark.django_db
def test_the_calendar_file_holds_twelve_months_of_all_day_events(client: Client, rounds: Rounds) -> None:
    response = client.get(f"/bin-collections/{UPRN_12}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="bin-collections-{UPRN_12}.ics"'
    assert b"\r\n" in response.content  # RFC 5545 line endings
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0"
    assert "12 Station Road" in str(calendar["x-wr-calname"])
    events = list(calendar.walk("VEVENT"))
    starts = [event.decoded("dtstart") for event in events]
    assert all(type(start) is dt.date for start in starts)  # all-day events
    assert min(starts) == D(2026, 12, 29)
    assert max(starts) <= TODAY + dt.timedelta(days=365)
    food = [event for event in events if str(event["summary"]) == "Food waste collection"]
    assert len(food) == 52
    garden = [event for event in events if str(event["summary"]) == "Garden waste collection (if you subscribe)"]
    assert len(garden) == 26
    christmas = next(event for event in food if "Christmas Day" in str(event["description"]))
    assert christmas.decoded("dtstart") == D(2026, 12, 29)
    assert christmas.decoded("dtend") == D(2026, 12, 30)
    assert str(christmas["uid"]) == f"{UPRN_12}-FOO-FRI-20261225@bin-collections.townhall"
    assert len({str(event["uid"]) for event in events}) == len(events)


# --- staff ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [StaffRole.TEAM_MANAGER, StaffRole.ADMINISTRATOR])
def test_team_managers_and_administrators_move_a_collection(
    staff_client: Callable[[StaffRole], Client], rounds: Rounds, role: StaffRole
) -> None:
    client = staff_client(role)
    assert client.get("/staff/bin-collections/").status_code == 200
    assert client.get("/staff/bin-collections/changes/new/").status_code == 200
    response = client.post(
        "/staff/bin-collections/changes/new/",
        {"round": rounds.food.pk, "original_date": "2026-12-25", "new_date": "2026-12-24", "reason": "Christmas Day"},
    )
    assert response.status_code == 302
    change = CollectionChange.objects.get()
    assert (change.original_date, change.new_date, change.reason) == (D(2026, 12, 25), D(2026, 12, 24), "Christmas Day")
    assert AuditEntry.objects.filter(action="waste.collection_change.created", object_id=str(change.pk)).exists()
    overview = client.get("/staff/bin-collections/")
    assert "Christmas Day" in text(overview)

    public = Client().get(f"/bin-collections/{UPRN_12}/")
    assert "Thursday 24 December 2026" in text(public)

    assert client.post(f"/staff/bin-collections/changes/{change.pk}/remove/").status_code == 302
    assert not CollectionChange.objects.exists()
    assert AuditEntry.objects.filter(action="waste.collection_change.removed").exists()


@pytest.mark.django_db
def test_a_change_that_cannot_happen_is_refused_with_reasons(
    staff_client: Callable[[StaffRole], Client], rounds: Rounds
) -> None:
    client = staff_client(StaffRole.TEAM_MANAGER)
    response = client.post(
        "/staff/bin-collections/changes/new/",
        {"round": rounds.food.pk, "original_date": "2026-12-23", "new_date": "2027-02-01", "reason": "Snow"},
    )
    body = text(response)
    assert response.status_code == 200
    assert "Northfield Friday food waste does not usually collect on Wednesday 23 December" in body
    assert "The new date must be within 14 days of the usual date" in body
    response = client.post(
        "/staff/bin-collections/changes/new/",
        {"round": rounds.food.pk, "original_date": "2026-12-25", "new_date": "2026-12-24", "reason": " "},
    )
    assert "Enter the reason residents will see" in text(response)
    response = client.post(
        "/staff/bin-collections/changes/new/",
        {"round": rounds.food.pk, "original_date": "2026-12-25", "new_date": "2026-12-25", "reason": "Snow"},
    )
    assert "The new date must be different from the usual date" in text(response)
    assert not CollectionChange.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role",
    [
        StaffRole.CUSTOMER_SERVICE_ADVISER,
        StaffRole.CASE_OFFICER,
        StaffRole.DATA_STEWARD,
        StaffRole.INFORMATION_GOVERNANCE_OFFICER,
    ],
)
def test_other_staff_roles_get_not_found(
    staff_client: Callable[[StaffRole], Client], rounds: Rounds, role: StaffRole
) -> None:
    client = staff_client(role)
    change = CollectionChange.objects.create(
        round=rounds.food, original_date=D(2026, 12, 25), new_date=D(2026, 12, 24), reason="Christmas Day"
    )
    assert client.get("/staff/bin-collections/").status_code == 404
    assert client.get("/staff/bin-collections/changes/new/").status_code == 404
    assert client.post(f"/staff/bin-collections/changes/{change.pk}/remove/").status_code == 404
    assert CollectionChange.objects.exists()


@pytest.mark.django_db
def test_residents_and_anonymous_visitors_are_kept_out(client: Client, resident, rounds: Rounds) -> None:
    response = client.get("/staff/bin-collections/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")
    client.force_login(resident)
    assert client.get("/staff/bin-collections/").status_code == 404
    assert client.post("/staff/bin-collections/changes/new/", {}).status_code == 404


@pytest.mark.django_db
def test_the_staff_home_links_team_managers_to_the_rounds(staff_client: Callable[[StaffRole], Client]) -> None:
    assert 'href="/staff/bin-collections/"' in text(staff_client(StaffRole.TEAM_MANAGER).get("/staff/"))


@pytest.mark.django_db
def test_the_staff_home_has_no_rounds_link_for_case_officers(staff_client: Callable[[StaffRole], Client]) -> None:
    assert 'href="/staff/bin-collections/"' not in text(staff_client(StaffRole.CASE_OFFICER).get("/staff/"))


@pytest.mark.django_db
def test_the_site_home_links_to_the_lookup(client: Client) -> None:
    assert 'href="/bin-collections/"' in text(client.get("/"))
