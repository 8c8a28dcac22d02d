"""Rate limits: per API key (its rate_limit_per_minute) and per IP address for everyone else; 429 in the
Open311 error format, in JSON and XML, with Retry-After."""

from __future__ import annotations

import pytest

from tests.open311.conftest import assert_json, assert_xml
from tests.open311.test_requests_post import params
from townhall.core import ratelimit
from townhall.open311 import selectors as open311_selectors
from townhall.open311 import services as open311_services
from townhall.service_requests.models import ServiceRequest

BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    """20 seconds into a minute, for every request of the test."""
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_020.0)


def test_anonymous_gets_are_limited_per_ip(client, settings, db):
    settings.OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        assert_json(client.get(f"{BASE}/services.json"), "services")

    refused = client.get(f"{BASE}/services.json")
    body = assert_json(refused, "errors", status=429)
    assert body[0]["code"] == 429
    assert refused["Retry-After"] == "40"
    document = assert_xml(client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "demo"}), "errors", status=429)
    assert document.findtext("error/code") == "429"
    assert_xml(client.get(f"{BASE}/servicerequestupdates.xml"), "errors", status=429)

    other_ip = client.get(f"{BASE}/services.json", REMOTE_ADDR="192.0.2.9")
    assert other_ip.status_code == 200


def test_the_next_minute_starts_afresh(client, settings, monkeypatch, db):
    settings.OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 1
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 429
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_060.0)
    assert client.get(f"{BASE}/services.json").status_code == 200


def test_a_key_has_its_own_limit(client, pothole, api_key, settings):
    settings.OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 1
    key = open311_selectors.api_key_for(raw_key=api_key)
    open311_services.api_key_update(acting_user=None, api_key=key, rate_limit_per_minute=2, contact_email="")

    assert_json(client.post(f"{BASE}/requests.json", params(api_key)), "request-created")
    assert_xml(client.post(f"{BASE}/requests.xml", params(api_key)), "request_created")
    refused = client.post(f"{BASE}/requests.xml", params(api_key))

    assert_xml(refused, "errors", status=429)
    assert int(refused["Retry-After"]) == 40
    assert ServiceRequest.objects.count() == 2
    # GETs that present the key count against the key, not the IP address.
    assert client.get(f"{BASE}/services.json", {"api_key": api_key}).status_code == 429
    assert client.get(f"{BASE}/services.json").status_code == 200


def test_an_unknown_key_counts_against_the_ip_address(client, pothole, settings):
    settings.OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 1
    assert_json(client.post(f"{BASE}/requests.json", params("not-a-key")), "errors", status=403)
    assert_json(client.post(f"{BASE}/requests.json", params("not-a-key")), "errors", status=429)
