"""Each page of /report/ refuses bad input with the GOV.UK error summary, and a refusal at submit writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.service_requests.conftest import OUTSIDE_POINT, make_category
from tests.service_requests.test_report_helpers import (
    POTHOLE_ANSWERS,
    UPRN,
    describe,
    draft_url,
    errors_summary,
    path_of,
    start,
    to_check,
)
from townhall.notify.models import OutboxMessage
from townhall.places import services as place_services
from townhall.service_requests.constants import DESCRIPTION_MAX_LENGTH
from townhall.service_requests.models import ReferenceCounter, ServiceRequest
from townhall.service_requests.services import creation

pytestmark = pytest.mark.django_db


def test_no_category_chosen(client: Client, pothole) -> None:
    html = errors_summary(client.post(start(client), {}))
    assert "Select the problem you want to report" in html
    assert 'href="#id_category_0_0"' in html  # the first radio


def test_not_the_councils_responsibility_shows_the_referral_and_stops(client: Client, pothole, roads, teams) -> None:
    motorway = make_category(
        roads,
        teams.highways,
        service_code="motorway",
        name="Motorway problem",
        council_responsible=False,
        referral_body_name="National Highways",
        referral_url="https://nationalhighways.co.uk/report-a-problem/",
        referral_message="Motorways and major A roads are looked after by National Highways.",
    )
    first = start(client)
    nxt = client.post(first, {"category": motorway.pk})
    assert "/not-ours/" in nxt["Location"]
    html = client.get(nxt["Location"]).content.decode()
    assert "National Highways deals with this" in html
    assert "Motorways and major A roads are looked after by National Highways." in html
    assert "https://nationalhighways.co.uk/report-a-problem/" in html
    # The journey does not go on with that category.
    assert path_of(client.get(draft_url(first, "location"))) == first
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        ("", "Enter a postcode"),
        ("not a postcode", "Enter a real postcode, like TS1 2AB"),
        ("SW1A 1AA", "We could not find SW1A 1AA in the area"),  # real, but not in the borough's gazetteer
    ],
)
def test_bad_postcode(client: Client, pothole, postcode: str, message: str) -> None:
    first = start(client)
    path_of(client.post(first, {"category": pothole.pk}))
    html = errors_summary(client.post(draft_url(first, "location"), {"postcode": postcode}))
    assert message in html
    assert 'href="#id_postcode"' in html


def test_address_search_with_no_results(client: Client, pothole) -> None:
    first = start(client)
    path_of(client.post(first, {"category": pothole.pk}))
    html = errors_summary(client.post(draft_url(first, "location/search"), {"query": "Nowhere Crescent"}))
    assert "We could not find that address" in html
    assert "Enter a street name" in errors_summary(client.post(draft_url(first, "location/search"), {"query": ""}))


def test_no_address_selected(client: Client, pothole) -> None:
    first = start(client)
    path_of(client.post(first, {"category": pothole.pk}))
    path_of(client.post(draft_url(first, "location"), {"postcode": "TS40 1AB"}))
    html = errors_summary(client.post(draft_url(first, "location/address"), {"uprn": "999"}))
    assert "Select an address" in html


def test_an_address_outside_the_borough_is_refused_clearly(client: Client, pothole) -> None:
    lat, lng = OUTSIDE_POINT
    place_services.addresses_create(
        addresses=[
            place_services.AddressSpec(
                uprn=100_000_999, usrn=10_000_001, postcode="TS40 9ZZ", town="Elsewhere", lat=lat, lng=lng, pao_number=1
            )
        ]
    )
    first = start(client)
    path_of(client.post(first, {"category": pothole.pk}))
    path_of(client.post(draft_url(first, "location"), {"postcode": "TS40 9ZZ"}))
    html = errors_summary(client.post(draft_url(first, "location/address"), {"uprn": "100000999"}))
    assert "This location is outside the area" in html
    assert path_of(client.get(draft_url(first, "questions"))) == draft_url(first, "location")


@pytest.mark.parametrize(
    ("changes", "message", "anchor"),
    [
        ({"depth": ""}, "Select an answer to: How deep is it?", "#id_depth_0"),
        ({"depth": "bottomless"}, "Select from the choices given for: How deep is it?", "#id_depth_0"),
        ({"width_cm": "wide"}, "Enter a number for: How wide is it, in cm?", "#id_width_cm"),
        (
            {"noticed_0": "31", "noticed_1": "2"},
            "Enter a real date for: When did you first notice it?",
            "#id_noticed_0",
        ),
        ({"noticed_2": ""}, "Enter a day, month and year for: When did you first notice it?", "#id_noticed_0"),
        ({"noticed_3": "25:99"}, "Enter a real time", "#id_noticed_0"),
        ({"where": ["sky"]}, "Select from the choices given for: Where is it?", "#id_where_0"),
        ({"landmark": "x" * 256}, "must be 255 characters or fewer", "#id_landmark"),
    ],
)
def test_extra_questions_are_checked_against_their_definitions(
    client: Client, pothole, changes: dict[str, object], message: str, anchor: str
) -> None:
    first = start(client)
    path_of(client.post(first, {"category": pothole.pk}))
    path_of(client.post(draft_url(first, "location"), {"postcode": "TS40 1AB"}))
    path_of(client.post(draft_url(first, "location/address"), {"uprn": UPRN}))
    html = errors_summary(client.post(draft_url(first, "questions"), {**POTHOLE_ANSWERS, **changes}))
    assert message in html
    assert f'href="{anchor}"' in html
    assert path_of(client.get(draft_url(first, "description"))) == draft_url(first, "questions")


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("", "Enter a description of the problem"),
        ("   ", "Enter a description of the problem"),
        ("x" * (DESCRIPTION_MAX_LENGTH + 1), f"Description must be {DESCRIPTION_MAX_LENGTH} characters or fewer"),
    ],
)
def test_description_is_required_and_limited(client: Client, pothole, description: str, message: str) -> None:
    first = to_check(client, pothole)
    html = errors_summary(client.post(draft_url(first, "description"), {"description": description}))
    assert message in html
    assert 'href="#id_description"' in html


@pytest.mark.parametrize(
    ("fields", "message", "anchor"),
    [
        ({"name": "", "email": "ann@example.org"}, "Enter your full name", "#id_name"),
        ({"name": "Ann", "email": ""}, "Enter your email address", "#id_email"),
        ({"name": "Ann", "email": "ann@"}, "Enter an email address in the correct format", "#id_email"),
        ({"name": "Ann", "email": "ann@example.org", "phone": "call me"}, "Enter a telephone number", "#id_phone"),
    ],
)
def test_contact_details_are_checked(
    client: Client, pothole, fields: dict[str, str], message: str, anchor: str
) -> None:
    first = to_check(client, pothole)
    describe(client, first, "Hole")
    html = errors_summary(client.post(draft_url(first, "contact"), fields))
    assert message in html
    assert f'href="{anchor}"' in html


def test_a_refusal_at_submit_writes_nothing_and_points_at_the_step(
    client: Client, pothole, resident, monkeypatch
) -> None:
    """The category stops taking reports between check and submit: the service refuses, nothing is stored."""
    client.force_login(resident)
    first = to_check(client, pothole)
    describe(client, first, "Hole")
    pothole.active = False
    pothole.save(update_fields=["active"])
    response = client.post(draft_url(first, "check"))
    assert response.status_code == 302  # the category is no longer offered: back to choose again
    assert path_of(response) == first
    assert not ServiceRequest.objects.exists()


def test_a_failure_inside_the_transaction_rolls_everything_back(client: Client, pothole, resident, monkeypatch) -> None:
    """A crash after the request row and its outbox message were written: nothing of either survives."""
    client.force_login(resident)
    first = to_check(client, pothole)
    describe(client, first, "Hole")
    original = creation.new_request_messages_enqueue

    def after_create_then_fail(request):
        original(request)
        raise RuntimeError("disk full")

    monkeypatch.setattr(creation, "new_request_messages_enqueue", after_create_then_fail)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post(draft_url(first, "check"))
    assert not ServiceRequest.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not ReferenceCounter.objects.filter(last_number__gt=0).exists()
    # The draft is still there to try again.
    assert client.get(draft_url(first, "check")).status_code == 200


def test_service_errors_at_submit_show_the_error_summary(client: Client, pothole, resident) -> None:
    """A question made required after the resident answered: the summary links back to the questions page."""
    client.force_login(resident)
    first = to_check(client, pothole, answers={"depth": "shallow"})
    describe(client, first, "Hole")
    question = pothole.questions.get(code="landmark")
    question.required = True
    question.save(update_fields=["required"])
    html = errors_summary(client.post(draft_url(first, "check")))
    assert "Answer the question: Nearest landmark" in html
    assert f'href="{draft_url(first, "questions")}"' in html
    assert not ServiceRequest.objects.exists()
