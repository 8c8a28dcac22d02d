"""Which client application (API key) sent a request or an update is kept, and shown to staff only.

Both doors that take an API key record it: Open311 (`api_key` field) and Townhall's own API
(`Authorization: Bearer`). Residents' own reports carry none, and the public never sees it.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.open311.conftest import report
from tests.open311.test_requests_post import params
from tests.open311.test_updates import post_update
from tests.service_requests.conftest import NORTH_POINT, Teams
from tests.service_requests.test_backoffice_queue import make_staff, signed_in
from townhall.accounts.constants import StaffRole
from townhall.open311 import services as open311_services
from townhall.open311.models import ApiKey
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import Category, RequestUpdate, ServiceRequest

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture
def officer(teams: Teams):
    return make_staff("north.officer@council.example", StaffRole.CASE_OFFICER, teams.highways_north)


def staff_page(officer, service_request: ServiceRequest) -> str:
    response = signed_in(officer).get(f"/staff/requests/{service_request.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return html


def test_an_open311_report_records_its_key_and_staff_see_the_client(client: Client, pothole: Category, officer):
    _, raw_key = open311_services.api_key_create(acting_user=None, name="Council FixMyStreet")
    response = client.post(f"{BASE}/requests.json", params(raw_key))
    assert response.status_code == 200, response.content
    created = ServiceRequest.objects.get(reference=json.loads(response.content)[0]["service_request_id"])
    assert created.received_through == ApiKey.objects.get(name="Council FixMyStreet")

    html = staff_page(officer, created)
    assert "Received through" in html
    assert "Council FixMyStreet" in html
    public = client.get(f"/report/{created.reference}/").content.decode()
    assert "Council FixMyStreet" not in public
    assert "Council FixMyStreet" not in client.get(f"{BASE}/requests/{created.reference}.json").content.decode()


def test_an_open311_update_records_its_key_and_staff_see_it_in_the_history(client: Client, pothole: Category, officer):
    created = report(pothole, NORTH_POINT)
    _, raw_key = open311_services.api_key_create(acting_user=None, name="Highways contractor")
    # A message only, then a status change: both ways an update is stored.
    assert post_update(client, raw_key, created.reference, fmt="json", update_id="c-1").status_code == 200
    changed = post_update(client, raw_key, created.reference, fmt="json", update_id="c-2", status="FIXED")
    assert changed.status_code == 200, changed.content
    key = ApiKey.objects.get(name="Highways contractor")
    updates = RequestUpdate.objects.filter(request=created, external_id__in=["c-1", "c-2"])
    assert [(u.external_id, u.received_through) for u in updates.order_by("id")] == [("c-1", key), ("c-2", key)]
    assert created.received_through is None, "a web or staff report has no client application"
    html = staff_page(officer, created)
    assert html.count("received through: Highways contractor") == 2
    assert '<dt class="govuk-summary-list__key">Received through</dt>' not in html


def test_townhall_api_requests_and_updates_record_their_key(client: Client, pothole: Category):
    _, raw_key = open311_services.api_key_create(acting_user=None, name="Contact centre system")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
    lat, lng = NORTH_POINT
    new = {
        "service_code": "pothole",
        "description": "Deep pothole by the bus stop",
        "location": {"lat": lat, "lng": lng},
        "answers": {"depth": "deep"},
        "contact": {"name": "Ada Lovelace", "email": "ada@example.org", "phone": ""},
    }
    response = client.post("/api/v1/requests", json.dumps(new), content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    created = ServiceRequest.objects.get(reference=json.loads(response.content)["reference"])
    key = ApiKey.objects.get(name="Contact centre system")
    assert (created.channel, created.received_through) == (Channel.API, key)

    update = {"external_id": "cc-1", "message": "Caller rang again"}
    path = f"/api/v1/requests/{created.reference}/updates"
    assert client.post(path, json.dumps(update), content_type="application/json", **auth).status_code == 201
    assert RequestUpdate.objects.get(external_id="cc-1").received_through == key


def test_a_signed_in_resident_report_through_the_api_has_no_client(pothole: Category, resident):
    client = Client()
    client.force_login(resident)
    lat, lng = NORTH_POINT
    new = {"service_code": "pothole", "description": "Hole", "location": {"lat": lat, "lng": lng}}
    new["answers"] = {"depth": "deep"}
    client.get("/")
    token = client.cookies["csrftoken"].value
    response = client.post("/api/v1/requests", json.dumps(new), content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    assert ServiceRequest.objects.get().received_through is None
