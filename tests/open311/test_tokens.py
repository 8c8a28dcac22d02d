"""GET tokens/{token}: the id of a request that was not created at once, once it exists."""

from __future__ import annotations

import pytest

from tests.open311.conftest import assert_json, assert_xml, report
from tests.service_requests.conftest import NORTH_POINT
from townhall.open311 import selectors as open311_selectors
from townhall.open311 import services as open311_services

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
