"""POST /requests: signed-in residents (session + CSRF) and API key clients report through service_request_create."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import BASE, bearer, body, post_json, problem
from tests.service_requests.conftest import NORTH_POINT, OUTSIDE_POINT, make_category
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import RequestAnswer, ServiceRequest


def new_report(**overrides: object) -> dict[str, object]:
    lat, lng = NORTH_POINT
    data: dict[str, object] = {
        "service_code": "pothole",
        "description": "Deep pothole by the bus stop",
        "location": {"lat": lat, "lng": lng},
        "answers": {"depth": "deep", "where": ["road", "pavement"]},
    }
    data.update(overrides)
    return data


def test_signed_in_resident_reports_with_the_csrf_token(pothole, resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    client.get(f"{BASE}/services")  # any page gives the browser its CSRF cookie ...
    client.get("/")
    token = client.cookies["csrftoken"].value

    response = post_json(client, f"{BASE}/requests", new_report(), HTTP_X_CSRFTOKEN=token)

    found = body(response, 201)
    created = ServiceRequest.objects.get(reference=found["reference"])
    assert created.reporter == resident
    assert created.channel == Channel.API
    assert created.ward.name == "Northfield"
    assert created.assigned_team.name == "Highways North"
    assert found["status"] == "open"
    assert found["url"] == f"http://testserver/api/v1/me/requests/{created.reference}"
    assert response["Location"] == found["url"]
    answers = {a.question_code: a.value for a in RequestAnswer.objects.filter(request=created)}
    assert answers == {"depth": "deep", "where": ["road", "pavement"]}


def test_signed_in_resident_without_the_csrf_token_is_refused(pothole, resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    found = problem(post_json(client, f"{BASE}/requests", new_report()), 403)
    assert "CSRF" in found["detail"]
    assert not ServiceRequest.objects.exists()


def test_api_key_client_reports_for_its_user(client, pothole, api_key):
    contact = {"name": "Ada Lovelace", "email": "ada@example.org", "phone": "07700 900982"}
    response = post_json(client, f"{BASE}/requests", new_report(contact=contact), **bearer(api_key))

    found = body(response, 201)
    created = ServiceRequest.objects.get(reference=found["reference"])
    assert created.reporter is None
    assert (created.contact_name, created.contact_email, created.contact_phone) == (
        "Ada Lovelace",
        "ada@example.org",
        "07700 900982",
    )
    assert created.channel == Channel.API
    assert response["Location"] == f"http://testserver/api/v1/requests/{created.reference}"
    assert body(client.get(response["Location"]))["reference"] == created.reference


def test_location_by_uprn_or_by_an_address_naming_one(client, pothole, api_key):
    by_uprn = body(
        post_json(client, f"{BASE}/requests", new_report(location={"uprn": 100_000_001}), **bearer(api_key)), 201
    )
    by_text = body(
        post_json(client, f"{BASE}/requests", new_report(location={"address": "12 Station Road"}), **bearer(api_key)),
        201,
    )
    for found in (by_uprn, by_text):
        created = ServiceRequest.objects.get(reference=found["reference"])
        assert created.uprn == 100_000_001
        assert created.ward.name == "Northfield"
        assert "Station Road" in created.address_string


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("revoked key", 401), ("unknown key", 401), ("other scheme", 401)],
)
def test_who_may_not_report(client, pothole, revoked_key, who, status):
    headers = {
        "anonymous": {},
        "revoked key": bearer(revoked_key),
        "unknown key": bearer("not-a-key"),
        "other scheme": {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
    }[who]
    found = problem(post_json(client, f"{BASE}/requests", new_report(), **headers), status)
    assert found["errors"] == []
    assert not ServiceRequest.objects.exists()


def test_a_revoked_key_is_refused_even_with_a_session(pothole, resident, revoked_key):
    client = Client()
    client.force_login(resident)
    problem(post_json(client, f"{BASE}/requests", new_report(), **bearer(revoked_key)), 401)
    assert not ServiceRequest.objects.exists()


def codes(found: dict) -> list[tuple[list, str]]:
    return sorted((error["loc"], error["type"]) for error in found["errors"])


def test_schema_errors_name_the_field(client, pothole, api_key):
    data = new_report(location={"lat": 54.5}, description=None)
    del data["service_code"]
    found = problem(post_json(client, f"{BASE}/requests", data, **bearer(api_key)), 422)
    locs = sorted(error["loc"] for error in found["errors"])
    assert locs == [["body", "description"], ["body", "location"], ["body", "service_code"]]


def test_malformed_json_is_a_problem(client, pothole, api_key):
    response = client.post(f"{BASE}/requests", data="{not json", content_type="application/json", **bearer(api_key))
    found = problem(response, 400)
    assert "parse" in found["detail"]


def test_service_errors_name_the_field_and_the_question(client, pothole, api_key):
    lat, lng = OUTSIDE_POINT
    data = new_report(
        location={"lat": lat, "lng": lng},
        description="   ",
        answers={"depth": "bottomless", "width_cm": "wide", "colour": "grey"},
        contact={"email": "not-an-email", "phone": "call me"},
    )
    found = problem(post_json(client, f"{BASE}/requests", data, **bearer(api_key)), 422)
    assert codes(found) == sorted(
        [
            (["body", "location"], "outside_borough"),
            (["body", "description"], "required"),
            (["body", "answers", "depth"], "invalid_choice"),
            (["body", "answers", "width_cm"], "invalid_number"),
            (["body", "answers", "colour"], "unknown_question"),
            (["body", "contact", "email"], "invalid"),
            (["body", "contact", "phone"], "invalid"),
        ]
    )
    assert not ServiceRequest.objects.exists()


def test_unknown_service_ambiguous_address_and_sign_in_rules(client, pothole, roads, teams, api_key, resident):
    found = problem(post_json(client, f"{BASE}/requests", new_report(service_code="nope"), **bearer(api_key)), 422)
    assert codes(found) == [(["body", "service_code"], "unknown_service")]

    found = problem(
        post_json(client, f"{BASE}/requests", new_report(location={"address": "Nowhere"}), **bearer(api_key)), 422
    )
    assert codes(found) == [(["body", "location", "address"], "ambiguous_address")]

    make_category(roads, teams.highways, service_code="signed-in", name="Accounts only", anonymous_allowed=False)
    found = problem(
        post_json(client, f"{BASE}/requests", new_report(service_code="signed-in", answers={}), **bearer(api_key)), 422
    )
    assert codes(found) == [(["body", "contact"], "sign_in_required")]

    signed_in = Client()
    signed_in.force_login(resident)
    found = problem(post_json(signed_in, f"{BASE}/requests", new_report(contact={"name": "Someone"})), 422)
    assert codes(found) == [(["body", "contact"], "not_allowed")]
    body(post_json(signed_in, f"{BASE}/requests", new_report(service_code="signed-in", answers={})), 201)


def test_anonymous_post_is_401_not_a_csrf_failure(pothole):
    client = Client(enforce_csrf_checks=True)
    found = problem(post_json(client, f"{BASE}/requests", new_report()), 401)
    assert "Bearer" in found["detail"]
