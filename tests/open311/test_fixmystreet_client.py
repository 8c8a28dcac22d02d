"""FixMyStreet as a client, replayed call by call (perllib/Open311.pm and Open311/GetServiceRequestUpdates.pm).

FixMyStreet only ever calls the .xml endpoints, sends jurisdiction_id on every call (and
api_key on updates, GET included), uploads photos as multipart photo1..., polls a token a
few times two seconds apart, fetches updates for short recent windows, and skips an
update whose update_id it already holds: the id it was given when it posted it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.open311.conftest import assert_xml, jpeg
from tests.service_requests.conftest import NORTH_POINT, make_category
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import RequestPhoto, RequestUpdate, ServiceRequest

BASE = "/open311/v2"
JURISDICTION = "demo_borough"


def fms_post(client, path: str, api_key: str, fields: dict[str, object]):
    """Open311.pm's _request('POST'): jurisdiction_id and api_key added to the form, multipart when a photo is sent."""
    return client.post(f"{BASE}/{path}", {"jurisdiction_id": JURISDICTION, "api_key": api_key, **fields})


def fms_get(client, path: str, params: dict[str, str] | None = None):
    return client.get(f"{BASE}/{path}", {**(params or {}), "jurisdiction_id": JURISDICTION})


def fms_window(minutes: int = 15) -> dict[str, str]:
    """GetServiceRequestUpdates asks for a short recent window, W3C date-times."""
    end = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=5)
    return {"start_date": (end - dt.timedelta(minutes=minutes)).isoformat(), "end_date": end.isoformat()}


def report_fields(service_code: str = "pothole") -> dict[str, object]:
    lat, lng = NORTH_POINT
    return {
        "description": (
            "title: Pothole\n\ndetail: Deep pothole\n\nurl: https://fms.example/report/9\n\nSubmitted via FixMyStreet\n"
        ),
        "service_code": service_code,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "lat": f"{lat:.6f}",
        "long": f"{lng:.6f}",
        "media_url": "https://fms.example/photo/9.0.full.jpeg",
        "attribute[depth]": "deep",
        "attribute[fixmystreet_id]": "9",
        "attribute[easting]": "450000",
        "attribute[northing]": "519000",
        "photo1": jpeg("9.0.jpeg"),
    }


def test_the_whole_conversation(client, pothole, api_key):
    # Catalogue.
    services_xml = assert_xml(fms_get(client, "services.xml"), "services")
    assert "pothole" in [s.findtext("service_code") for s in services_xml.findall("service")]
    assert_xml(fms_get(client, "services/pothole.xml"), "service_definition")

    # A report, with its photo.
    created = assert_xml(fms_post(client, "requests.xml", api_key, report_fields()), "request_created")
    reference = created.findtext("request/service_request_id")
    made = ServiceRequest.objects.get(reference=reference)
    assert RequestPhoto.objects.filter(request=made).count() == 1

    # Staff act; FixMyStreet's next poll picks the change up with the extended status.
    services.service_request_status_change(
        acting_user=None, service_request=made, to=Status.ACTION_SCHEDULED, public_message="Booked for Tuesday"
    )
    polled = assert_xml(
        fms_get(client, "servicerequestupdates.xml", {"api_key": api_key, **fms_window()}), "service_request_updates"
    )
    (staff_update,) = polled.findall("request_update")
    assert staff_update.findtext("service_request_id") == reference
    assert staff_update.findtext("status") == "ACTION_SCHEDULED"
    assert staff_update.findtext("description") == "Booked for Tuesday"

    # The resident comments on FixMyStreet: it posts the comment with its own id...
    comment = {
        "service_request_id": reference,
        "update_id": "4401",
        "status": "OPEN",
        "description": "Thanks, it is getting worse",
        "updated_datetime": timezone.now().replace(microsecond=0).isoformat(),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
    }
    posted = assert_xml(fms_post(client, "servicerequestupdates.xml", api_key, comment), "update_created")
    our_id = posted.findtext("request_update/update_id")

    # ...and, after a timeout, posts it again: the same id comes back and nothing is added.
    updates = RequestUpdate.objects.count()
    again = assert_xml(fms_post(client, "servicerequestupdates.xml", api_key, comment), "update_created")
    assert again.findtext("request_update/update_id") == our_id
    assert RequestUpdate.objects.count() == updates

    # The next poll lists the comment under the id FixMyStreet was given, so it skips it.
    polled = assert_xml(
        fms_get(client, "servicerequestupdates.xml", {"api_key": api_key, **fms_window()}), "service_request_updates"
    )
    ids = [u.findtext("update_id") for u in polled.findall("request_update")]
    assert ids == [staff_update.findtext("update_id"), our_id]
    assert polled.findall("request_update")[1].findtext("status") == "ACTION_SCHEDULED"  # OPEN changed nothing

    # A later status from FixMyStreet's staff, in its own spelling and case.
    fixed = {**comment, "update_id": "4402", "status": "fixed", "description": ""}
    assert_xml(fms_post(client, "servicerequestupdates.xml", api_key, fixed), "update_created")
    made.refresh_from_db()
    assert made.status == Status.FIXED

    # FixMyStreet reads the request back by id.
    listed = assert_xml(fms_get(client, "requests.xml", {"service_request_id": reference}), "service_requests")
    assert listed.findtext("request/status") == "closed"
    assert listed.findtext("request/media_url").endswith("/photos/" + str(made.photos.get().pk) + "/")


def test_a_report_that_waits_is_polled_by_token(client, roads, teams, pothole, api_key):
    make_category(roads, teams.highways, service_code="abandoned-car", name="Abandoned car", anonymous_allowed=False)
    fields = {**report_fields("abandoned-car"), "attribute[depth]": ""}

    created = assert_xml(fms_post(client, "requests.xml", api_key, fields), "request_created")
    token = created.findtext("request/token")
    assert token
    assert created.findtext("request/service_request_id") is None

    # FixMyStreet polls a few times (two seconds apart); the reporter has not confirmed yet.
    for _ in range(3):
        polled = assert_xml(fms_get(client, f"tokens/{token}.xml"), "tokens")
        assert polled.findtext("request/service_request_id") == ""


def test_a_window_with_nothing_in_it_is_an_empty_list(client, pothole, api_key):
    document = assert_xml(
        fms_get(client, "servicerequestupdates.xml", {"api_key": api_key, **fms_window(5)}), "service_request_updates"
    )
    assert document.findall("request_update") == []
