"""Townhall API fixtures: the two-ward borough and pothole category from tests/service_requests, API keys,
signed-in residents, and requests that are public, sensitive, in a non-public category or unconfirmed.

Every request carries contact details, an internal note and a redacted original, so a test
can look for them anywhere in an answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

from tests.service_requests.conftest import (  # noqa: F401 - fixtures
    NORTH_POINT,
    SOUTH_POINT,
    borough,
    make_category,
    pothole,
    roads,
    teams,
)
from townhall.accounts.models import User
from townhall.open311 import services as open311_services
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, CategoryGroup, RequestUpdate, ServiceRequest
from townhall.service_requests.services import ReporterContact

BASE = "/api/v1"
PROBLEM = "application/problem+json"

# Never to be seen outside the back office (or, for the original text, by anyone but staff).
SECRET_NAME = "Zebedee Quillfeather"
SECRET_EMAIL = "zebedee.quillfeather@example.org"
SECRET_PHONE = "01632 960 777"
SECRET_NOTE = "Internal: reporter is a known caller"
SECRET_ORIGINAL = "outside Zebedee's house at number 12"
SECRETS = (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, SECRET_NOTE, SECRET_ORIGINAL, "zebedee", "Quillfeather")


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def body(response: HttpResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def problem(response: HttpResponse, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status`; returns it parsed."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM, response["Content-Type"]
    found = json.loads(response.content)
    assert set(found) == {"type", "title", "status", "detail", "instance", "errors"}, found
    assert found["status"] == status
    assert found["type"] == "about:blank"
    assert found["detail"]
    assert found["instance"] == response.wsgi_request.path
    for error in found["errors"]:
        assert set(error) == {"loc", "msg", "type"}, error
    return found


def assert_no_secrets(response: HttpResponse) -> None:
    text = response.content.decode()
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), f"{secret!r} leaked from {response.wsgi_request.path}"


def bearer(raw_key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}


def post_json(client: Client, path: str, data: object, **extra: Any) -> HttpResponse:
    return client.post(path, data=json.dumps(data), content_type="application/json", **extra)


@pytest.fixture
def api_key(db) -> str:
    _, raw_key = open311_services.api_key_create(acting_user=None, name="Highways contractor")
    return raw_key


@pytest.fixture
def revoked_key(db) -> str:
    stored, raw_key = open311_services.api_key_create(acting_user=None, name="Old contractor")
    open311_services.api_key_revoke(acting_user=None, api_key=stored)
    return raw_key


@pytest.fixture
def resident_client(resident: User) -> Client:
    client = Client()
    client.force_login(resident)
    return client


@pytest.fixture
def other_client(other_resident: User) -> Client:
    client = Client()
    client.force_login(other_resident)
    return client


def report(category: Category, point: tuple[float, float] = NORTH_POINT, **kwargs: Any) -> ServiceRequest:
    lat, lng = point
    fields: dict[str, Any] = {
        "acting_user": None,
        "category": category,
        "description": "Deep pothole by the bus stop",
        "channel": Channel.OPEN311,
        "lat": lat,
        "lng": lng,
        "answers": {"depth": "deep"},
        "contact": ReporterContact(name=SECRET_NAME, email=SECRET_EMAIL, phone=SECRET_PHONE),
    }
    fields.update(kwargs)
    return request_services.service_request_create(**fields)


@dataclass(frozen=True)
class Reports:
    public: ServiceRequest
    moderated: ServiceRequest
    sensitive: ServiceRequest
    private_category: ServiceRequest
    unconfirmed: ServiceRequest
    residents_own: ServiceRequest


@pytest.fixture
def reports(pothole: Category, roads: CategoryGroup, teams: Any, resident: User) -> Reports:  # noqa: F811 - fixtures
    """One request of each kind; the public ones have a status change with a public message and an internal note."""
    public = report(pothole)
    request_services.service_request_status_change(
        acting_user=None,
        service_request=public,
        to=Status.IN_PROGRESS,
        public_message="A crew is booked for Tuesday",
        internal_note=SECRET_NOTE,
    )
    moderated = report(pothole, SOUTH_POINT, description=f"Pothole {SECRET_ORIGINAL}")
    update = request_services.service_request_status_change(
        acting_user=None,
        service_request=moderated,
        to=Status.INVESTIGATING,
        public_message=f"We looked {SECRET_ORIGINAL}",
    )
    ServiceRequest.objects.filter(pk=moderated.pk).update(redacted_description="Pothole [address removed]")
    RequestUpdate.objects.filter(pk=update.pk).update(redacted_message="We looked [address removed]")
    sensitive = report(pothole)
    ServiceRequest.objects.filter(pk=sensitive.pk).update(is_public=False)
    safeguarding = make_category(
        roads, teams.highways, service_code="safeguarding", name="Safeguarding", is_public=False
    )
    private_category = report(safeguarding, answers={})
    unconfirmed = report(pothole)
    ServiceRequest.objects.filter(pk=unconfirmed.pk).update(awaiting_confirmation=True)
    residents_own = report(pothole, reporter=resident, contact=None, channel=Channel.WEB)
    return Reports(
        public=public,
        moderated=moderated,
        sensitive=sensitive,
        private_category=private_category,
        unconfirmed=unconfirmed,
        residents_own=residents_own,
    )
