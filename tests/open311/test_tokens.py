"""GET tokens/{token}: the id of a request that was not created at once, once it exists."""

from __future__ import annotations

import re

import pytest

from tests.open311.conftest import assert_json, assert_xml, report
from tests.open311.test_requests_post import params
from tests.service_requests.conftest import NORTH_POINT, make_category
from townhall.notify.models import OutboxMessage
from townhall.open311 import selectors as open311_selectors
from townhall.open311 import services as open311_services
from townhall.open311.models import Token
from townhall.service_requests import services as request_services
from townhall.service_requests.models import ServiceRequest

BASE = "/open311/v2"


@pytest.fixture
def client_key(api_key):
    return open311_selectors.api_key_for(raw_key=api_key)


def test_a_pending_token_has_no_id_yet(client, pothole, client_key):
    token = open311_services.token_issue(api_key=client_key)

    body = assert_json(client.get(f"{BASE}/tokens/{token.token}.json", {"jurisdiction_id": "demo"}), "tokens")
    assert body == [{"service_request_id": None, "token": token.token}]
    document = assert_xml(client.get(f"{BASE}/tokens/{token.token}.xml"), "tokens")
    assert document.findtext("request/service_request_id") == ""
    assert document.findtext("request/token") == token.token


def test_a_token_gives_the_id_once_the_request_exists(client, pothole, client_key):
    made = report(pothole, NORTH_POINT)
    token = open311_services.token_issue(api_key=client_key, service_request=made)

    body = assert_json(client.get(f"{BASE}/tokens/{token.token}.json"), "tokens")
    assert body == [{"service_request_id": made.reference, "token": token.token}]
    document = assert_xml(client.get(f"{BASE}/tokens/{token.token}.xml"), "tokens")
    assert document.findtext("request/service_request_id") == made.reference


def test_an_unknown_token_is_404(client, db):
    assert_json(client.get(f"{BASE}/tokens/nope.json"), "errors", status=404)
    assert_xml(client.get(f"{BASE}/tokens/nope.xml"), "errors", status=404)


# --- Reports that wait: a category that needs a known reporter, through a client that cannot sign anyone in ----


def confirmation_token(reference: str) -> str:
    """The token in the confirmation email the reporter was sent (read from the outbox)."""
    message = OutboxMessage.objects.get(idempotency_key=f"service_request:{reference}:confirmation")
    match = re.search(r"/report/confirm/([^/\s]+)/", message.payload["text"])
    assert match, message.payload["text"]
    return match.group(1)


@pytest.fixture
def fly_tipping(roads, teams, pothole):
    return make_category(roads, teams.highways, service_code="fly-tip", name="Fly-tipping", anonymous_allowed=False)


def test_a_report_that_must_be_confirmed_returns_a_token_until_it_is(client, fly_tipping, api_key):
    body = params(api_key, service_code="fly-tip", **{"attribute[depth]": None})

    token = assert_xml(client.post(f"{BASE}/requests.xml", body), "request_created").findtext("request/token")

    waiting = ServiceRequest.objects.get(category=fly_tipping)
    assert waiting.awaiting_confirmation
    for _ in range(3):  # FixMyStreet polls a few times
        document = assert_xml(client.get(f"{BASE}/tokens/{token}.xml", {"jurisdiction_id": "demo"}), "tokens")
        assert document.findtext("request/service_request_id") == ""
    assert waiting.reference not in client.get(f"{BASE}/requests.json").content.decode()
    assert_json(client.get(f"{BASE}/requests/{waiting.reference}.json"), "errors", status=404)

    request_services.service_request_confirm(token=confirmation_token(waiting.reference))

    document = assert_xml(client.get(f"{BASE}/tokens/{token}.xml", {"jurisdiction_id": "demo"}), "tokens")
    assert document.findtext("request/service_request_id") == waiting.reference
    body_json = assert_json(client.get(f"{BASE}/tokens/{token}.json"), "tokens")
    assert body_json == [{"service_request_id": waiting.reference, "token": token}]


def test_the_json_post_answers_with_a_token_too(client, fly_tipping, api_key):
    body = params(api_key, service_code="fly-tip", **{"attribute[depth]": None})
    created = assert_json(client.post(f"{BASE}/requests.json", body), "request-created")
    assert list(created[0]) == ["token", "service_notice", "account_id"]
    assert Token.objects.get(token=created[0]["token"]).service_request.category == fly_tipping


def test_categories_open_to_anonymous_reports_answer_at_once(client, pothole, api_key):
    created = assert_json(client.post(f"{BASE}/requests.json", params(api_key)), "request-created")
    assert created[0]["service_request_id"]
    assert not Token.objects.exists()
