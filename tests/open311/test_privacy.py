"""Nothing private leaves through any Open311 endpoint, in either format, with or without extensions: not the
reporter's name, email or phone, not internal notes, not requests in non-public categories, flagged sensitive or
still awaiting confirmation, nor their updates."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from tests.open311.conftest import SECRET_EMAIL, SECRET_NAME, SECRET_NOTE, SECRET_PHONE, report
from tests.service_requests.conftest import NORTH_POINT, SOUTH_POINT, make_category
from townhall.open311 import selectors as open311_selectors
from townhall.open311 import services as open311_services
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import ServiceRequest

BASE = "/open311/v2"


@pytest.fixture
def world(pothole, roads, teams, api_key):
    hidden_category = make_category(
        roads, teams.highways, service_code="safeguarding", name="Safeguarding", is_public=False
    )
    shown = report(pothole, NORTH_POINT)
    services.service_request_status_change(
        acting_user=None,
        service_request=shown,
        to=Status.IN_PROGRESS,
        public_message="Booked",
        internal_note=SECRET_NOTE,
    )
    services.service_request_update_external(
        service_request=shown, external_id="x-1", description="Seen it", source_label=f"{SECRET_NAME} <{SECRET_EMAIL}>"
    )
    hidden = [
        report(hidden_category, NORTH_POINT, answers={}, description="Hidden category text"),
        report(pothole, SOUTH_POINT, description="Sensitive text"),
        report(pothole, NORTH_POINT, description="Waiting text"),
    ]
    ServiceRequest.objects.filter(pk=hidden[1].pk).update(is_public=False)
    ServiceRequest.objects.filter(pk=hidden[2].pk).update(awaiting_confirmation=True)
    for item in hidden:
        services.service_request_status_change(
            acting_user=None,
            service_request=item,
            to=Status.INVESTIGATING,
            public_message=f"Public on {item.reference}",
        )
    token = open311_services.token_issue(
        api_key=open311_selectors.api_key_for(raw_key=api_key), service_request=hidden[2]
    )
    return shown, hidden, token


def urls(shown, hidden, token) -> list[str]:
    now = timezone.now()
    window = urlencode(
        {
            "start_date": (now - dt.timedelta(hours=1)).isoformat(),
            "end_date": (now + dt.timedelta(minutes=1)).isoformat(),
        }
    )
    paths = [
        "discovery",
        "services",
        "services/pothole",
        "requests",
        f"requests/{shown.reference}",
        f"tokens/{token.token}",
    ]
    paths += [f"requests/{item.reference}" for item in hidden]
    found = []
    for fmt in ("json", "xml"):
        found += [f"{BASE}/{path}.{fmt}?jurisdiction_id=demo" for path in paths]
        found += [f"{BASE}/requests.{fmt}?extensions=true", f"{BASE}/requests/{shown.reference}.{fmt}?extensions=true"]
        found += [f"{BASE}/requests.{fmt}?service_request_id={','.join(i.reference for i in [shown, *hidden])}"]
        found.append(f"{BASE}/servicerequestupdates.{fmt}?{window}")
    return found


def test_no_endpoint_gives_anything_private_away(client, world):
    shown, hidden, token = world
    seen_shown = False
    for url in urls(shown, hidden, token):
        response = client.get(url)
        assert response.status_code in {200, 404}, (url, response.status_code, response.content)
        text = response.content.decode()
        for secret in (
            SECRET_NAME,
            SECRET_EMAIL,
            SECRET_PHONE,
            SECRET_NOTE,
            "Hidden category text",
            "Sensitive text",
            "Waiting text",
        ):
            assert secret not in text, (url, secret)
        for item in hidden:
            # A 404 names the reference the client asked for, and nothing else about it.
            assert response.status_code == 404 or item.reference not in text, (url, item.reference)
            assert f"Public on {item.reference}" not in text, url
        seen_shown = seen_shown or shown.reference in text
    assert seen_shown
