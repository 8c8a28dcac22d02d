"""Every failure answers with the one problem shape (ADR 0011): 401, 403, 404, 405, 422, 429 and 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import BASE, Reports, bearer, body, post_json, problem
from townhall.api import selectors
from townhall.open311.models import ApiKey


def test_401_says_how_to_authenticate(client, reports: Reports):
    response = client.get(f"{BASE}/me/requests")
    found = problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in found["detail"]
    assert found["title"] == "Unauthorized"


def test_404_for_unknown_paths_and_objects(client, reports: Reports):
    for path in (f"{BASE}/no-such-thing", f"{BASE}/", f"{BASE}/requests/DB-1999-000001", f"{BASE}/services/x"):
        found = problem(client.get(path), 404)
        assert found["title"] == "Not Found"


def test_405_names_the_allowed_methods(client, pothole):
    response = client.delete(f"{BASE}/requests")
    found = problem(response, 405)
    assert {method.strip() for method in response["Allow"].split(",")} == {"GET", "POST"}
    assert "DELETE" in found["detail"]
    problem(client.put(f"{BASE}/services"), 405)


def test_422_lists_every_field_at_fault(client, pothole):
    found = problem(client.get(f"{BASE}/requests", {"limit": "many", "status": "nope"}), 422)
    assert sorted(error["loc"] for error in found["errors"]) == [["query", "limit"], ["query", "status"]]


def test_429_per_key_with_retry_after(client, reports: Reports, api_key):
    ApiKey.objects.filter(name="Highways contractor").update(rate_limit_per_minute=2)
    url = f"{BASE}/requests/{reports.public.reference}/updates"
    for number in (1, 2):
        body(post_json(client, url, {"external_id": f"r{number}", "message": "Still here"}, **bearer(api_key)), 201)
    response = post_json(client, url, {"external_id": "r3", "message": "Still here"}, **bearer(api_key))
    problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60

    from townhall.open311 import services as open311_services

    _, other_key = open311_services.api_key_create(acting_user=None, name="Another client")
    body(post_json(client, url, {"external_id": "o1", "message": "Other client"}, **bearer(other_key)), 201)


def test_429_per_address_for_anonymous_reads_only(client, reports: Reports, api_key, resident, settings, monkeypatch):
    """Anonymous callers share Open311's per-address limit; key holders and signed-in residents are not counted."""
    from townhall.core import ratelimit

    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_020.0)  # 20 s into a minute
    settings.OPEN311_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 2
    for _ in range(2):
        body(client.get(f"{BASE}/services"), 200)
    response = client.get(f"{BASE}/requests")
    problem(response, 429)
    assert response["Retry-After"] == "40"
    # The same address already used its minute on Open311 too: one bucket for both doors.
    assert client.get("/open311/v2/services.json").status_code == 429
    assert client.get(f"{BASE}/services", REMOTE_ADDR="192.0.2.9").status_code == 200
    assert client.get(f"{BASE}/services", **bearer(api_key)).status_code == 200
    client.force_login(resident)
    assert client.get(f"{BASE}/services").status_code == 200


def test_500_is_a_problem_without_internals(pothole, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database on fire: secret internals")

    monkeypatch.setattr(selectors, "public_request", broken)
    client = Client(raise_request_exception=False)
    response = client.get(f"{BASE}/requests/DB-2026-000001")
    found = problem(response, 500)
    assert "secret internals" not in response.content.decode()
    assert found["title"] == "Internal Server Error"


@pytest.mark.parametrize("path", ["/services", "/requests", "/requests/{reference}", "/addresses?q=station"])
def test_success_is_plain_json(client, reports: Reports, path):
    response = client.get(BASE + path.format(reference=reports.public.reference))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
