"""POST requests: API keys, creation through service_request_create (channel open311), and errors in the spec format.

`test_fixmystreet_replay` sends exactly what FixMyStreet's Open311 client sends
(perllib/Open311.pm, send_service_request and _post): form-encoded, to requests.xml, with
jurisdiction_id and api_key first, its own extra attributes, and a multi-line description.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.open311.conftest import assert_json, assert_xml, jpeg
from tests.service_requests.conftest import NORTH_POINT, OUTSIDE_POINT, make_category
from townhall.open311 import selectors as open311_selectors
from townhall.open311 import services as open311_services
from townhall.open311.models import ApiKey
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import RequestAnswer, RequestPhoto, ServiceRequest

BASE = "/open311/v2"


def params(key: str, **overrides: object) -> dict[str, object]:
    lat, lng = NORTH_POINT
    fields: dict[str, object] = {
        "jurisdiction_id": "demo",
        "api_key": key,
        "service_code": "pothole",
        "lat": str(lat),
        "long": str(lng),
        "email": "resident@example.org",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "description": "Deep pothole by the bus stop",
        "attribute[depth]": "deep",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def test_fixmystreet_replay(client, pothole, api_key):
    lat, lng = NORTH_POINT
    description = (
        "title:  Pothole outside number 12\n\n"
        "detail: Deep pothole by the bus stop\n\n"
        "url: https://fixmystreet.example/report/123\n\n"
        "Submitted via FixMyStreet\n"
    )
    body = {
        "jurisdiction_id": "demo_borough",
        "api_key": api_key,
        "lat": str(lat),
        "long": str(lng),
        "email": "ada@example.org",
        "description": description,
        "service_code": "pothole",
        "first_name": "Ada",
        "last_name": "King Lovelace",
        "phone": "07700 900982",
        "media_url": "https://fixmystreet.example/photo/123.full.jpeg",
        "attribute[depth]": "deep",
        "attribute[where]": ["road", "pavement"],
        "attribute[fixmystreet_id]": "123",
        "attribute[title]": "Pothole outside number 12",
        "attribute[description]": "Deep pothole by the bus stop",
        "attribute[report_url]": "https://fixmystreet.example/report/123",
        "attribute[easting]": "450000",
        "attribute[northing]": "519000",
        "photo1": jpeg("photo1.jpeg"),
    }

    document = assert_xml(client.post(f"{BASE}/requests.xml", body), "request_created")

    reference = document.findtext("request/service_request_id")
    created = ServiceRequest.objects.get(reference=reference)
    assert created.channel == Channel.OPEN311
    assert created.category == pothole
    assert created.description == description.strip()
    assert created.contact_name == "Ada King Lovelace"
    assert created.contact_email == "ada@example.org"
    assert created.contact_phone == "07700 900982"
    answers = {answer.question_code: answer.value for answer in RequestAnswer.objects.filter(request=created)}
    assert answers == {"depth": "deep", "where": ["road", "pavement"]}  # FixMyStreet's own extras are not answers
    assert RequestPhoto.objects.filter(request=created, content_type="image/jpeg").count() == 1

    # FixMyStreet then reads the request back by id, over XML, with jurisdiction_id.
    listed = assert_xml(
        client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "demo_borough", "service_request_id": reference}),
        "service_requests",
    )
    assert listed.findtext("request/service_request_id") == reference


def test_json_post_returns_the_id_at_once(client, pothole, api_key):
    body = assert_json(client.post(f"{BASE}/requests.json", params(api_key)), "request-created")
    assert body == [{"service_request_id": body[0]["service_request_id"], "service_notice": None, "account_id": None}]
    assert ServiceRequest.objects.filter(reference=body[0]["service_request_id"], channel=Channel.OPEN311).exists()


def test_a_uprn_is_a_location(client, pothole, api_key):
    body = assert_json(
        client.post(f"{BASE}/requests.json", params(api_key, lat=None, long=None, address_id="100000001")),
        "request-created",
    )
    created = ServiceRequest.objects.get(reference=body[0]["service_request_id"])
    assert created.uprn == 100_000_001


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_and_revoked_keys_are_403(client, pothole, api_key, fmt):
    schema = "errors"
    if fmt == "json":
        body = assert_json(client.post(f"{BASE}/requests.json", params("not-a-key")), schema, status=403)
        assert body == [{"code": 403, "description": "Invalid api_key"}]
    else:
        assert_xml(client.post(f"{BASE}/requests.xml", params("not-a-key")), schema, status=403)

    stored = open311_selectors.api_key_for(raw_key=api_key)
    assert stored is not None
    open311_services.api_key_revoke(acting_user=None, api_key=stored)
    response = client.post(f"{BASE}/requests.{fmt}", params(api_key))
    assert response.status_code == 403
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"api_key": None}, "api_key"),
        ({"service_code": None}, "service_code"),
        ({"service_code": "nothing"}, "service_code"),
        ({"lat": None, "long": None}, "location"),
        ({"long": None}, "lat and long"),
        ({"lat": "north"}, "lat"),
        ({"lat": str(OUTSIDE_POINT[0]), "long": str(OUTSIDE_POINT[1])}, "outside"),
        ({"address_id": "999", "lat": None, "long": None}, "UPRN"),
        ({"attribute[depth]": None}, "How deep is it?"),
        ({"attribute[depth]": "bottomless"}, "How deep is it?"),
        ({"description": ""}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"email": "not-an-email"}, "email"),
        ({"media_url": "not a url"}, "media_url"),
    ],
)
def test_invalid_posts_are_400_in_both_formats(client, pothole, api_key, overrides, fragment):
    body = assert_json(client.post(f"{BASE}/requests.json", params(api_key, **overrides)), "errors", status=400)
    assert all(error["code"] == 400 for error in body)
    assert fragment in " ".join(error["description"] for error in body)
    document = assert_xml(client.post(f"{BASE}/requests.xml", params(api_key, **overrides)), "errors", status=400)
    assert fragment in " ".join(error.findtext("description") for error in document.findall("error"))
    assert not ServiceRequest.objects.exists()


def test_multi_value_lists_may_use_brackets(client, pothole, api_key):
    body = assert_json(
        client.post(f"{BASE}/requests.json", params(api_key, **{"attribute[where][]": ["pavement", "road"]})),
        "request-created",
    )
    created = ServiceRequest.objects.get(reference=body[0]["service_request_id"])
    assert RequestAnswer.objects.get(request=created, question_code="where").value == ["road", "pavement"]


def test_an_address_string_alone_places_the_request_when_it_names_one_address(client, pothole, api_key):
    overrides = {"lat": None, "long": None, "address_string": "12 Station Road"}
    body = assert_json(client.post(f"{BASE}/requests.json", params(api_key, **overrides)), "request-created")
    created = ServiceRequest.objects.get(reference=body[0]["service_request_id"])
    assert created.uprn == 100_000_001
    assert created.address_string == "12 Station Road"

    overrides["address_string"] = "Nowhere Lane"
    body = assert_json(client.post(f"{BASE}/requests.json", params(api_key, **overrides)), "errors", status=400)
    assert body[0]["description"].startswith("address_string: ")


def test_a_category_that_needs_a_known_reporter_needs_an_email(client, roads, teams, pothole, api_key):
    make_category(roads, teams.highways, service_code="fly-tip", name="Fly-tipping", anonymous_allowed=False)
    body = assert_json(
        client.post(f"{BASE}/requests.json", params(api_key, service_code="fly-tip", email=None)), "errors", status=400
    )
    assert "confirm this report by email" in body[0]["description"]
    assert not ServiceRequest.objects.exists()


def test_only_get_and_post(client, db):
    assert client.put(f"{BASE}/requests.json").status_code == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


def test_keys_are_stored_hashed(db):
    api_key, raw_key = open311_services.api_key_create(acting_user=None, name="Contractor")
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert raw_key not in {stored.key_hash, stored.key_prefix, stored.name}
    assert stored.key_prefix == raw_key[:8]
    assert open311_selectors.api_key_for(raw_key=raw_key) == stored
    assert open311_selectors.api_key_for(raw_key=raw_key + "x") is None


def test_clients_post_without_a_csrf_token(pothole, api_key):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"{BASE}/requests.xml", params(api_key))
    assert response.status_code == 200, response.content
