"""GET requests and requests/{id}: filters, the 90-day window, formats, and that nothing private ever leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.open311.conftest import (
    SECRET_EMAIL,
    SECRET_NAME,
    SECRET_NOTE,
    SECRET_PHONE,
    assert_json,
    assert_xml,
    report,
)
from tests.service_requests.conftest import NORTH_POINT, SOUTH_POINT, make_category
from townhall.service_requests import services
from townhall.service_requests.constants import Status

BASE = "/open311/v2"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_requests_json_lists_public_requests_with_every_field(client, pothole):
    first = report(pothole, NORTH_POINT, received_at=days_ago(2))
    second = report(pothole, SOUTH_POINT, received_at=days_ago(1), description="Another one")

    body = assert_json(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "demo"}), "requests")

    assert [row["service_request_id"] for row in body] == [second.reference, first.reference]
    row = body[1]
    assert list(row) == REQUEST_FIELDS
    assert row["status"] == "open"
    assert row["status_notes"] is None
    assert row["service_code"] == "pothole"
    assert row["service_name"] == "Pothole"
    assert row["description"] == "Deep pothole by the bus stop"
    assert row["agency_responsible"]
    assert row["requested_datetime"] == first.received_at.astimezone(dt.UTC).isoformat(timespec="seconds")
    assert row["requested_datetime"].endswith("+00:00")
    assert row["expected_datetime"] == first.sla_due_at.astimezone(dt.UTC).isoformat(timespec="seconds")
    assert row["address"] is None
    assert row["address_id"] is None
    assert row["media_url"] is None
    assert row["lat"] == pytest.approx(NORTH_POINT[0])
    assert row["long"] == pytest.approx(NORTH_POINT[1])


def test_requests_xml_has_every_element_in_order_with_empty_absent_values(client, pothole):
    made = report(pothole, NORTH_POINT)

    document = assert_xml(client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "demo"}), "service_requests")

    [request] = document.findall("request")
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("service_request_id") == made.reference
    assert request.findtext("status") == "open"
    assert request.findtext("address") == ""
    assert request.findtext("media_url") == ""


def test_closed_statuses_map_to_closed_and_the_public_update_is_the_status_note(client, pothole):
    fixed = report(pothole, NORTH_POINT)
    services.service_request_status_change(
        acting_user=None,
        service_request=fixed,
        to=Status.FIXED,
        public_message="Filled in today",
        internal_note=SECRET_NOTE,
    )
    still_open = report(pothole, NORTH_POINT)
    services.service_request_status_change(
        acting_user=None, service_request=still_open, to=Status.IN_PROGRESS, internal_note=SECRET_NOTE
    )

    body = assert_json(client.get(f"{BASE}/requests.json"), "requests")

    by_id = {row["service_request_id"]: row for row in body}
    assert by_id[fixed.reference]["status"] == "closed"
    assert by_id[fixed.reference]["status_notes"] == "Filled in today"
    assert by_id[still_open.reference]["status"] == "open"
    assert by_id[still_open.reference]["status_notes"] is None

    closed = assert_json(client.get(f"{BASE}/requests.json", {"status": "CLOSED"}), "requests")
    assert [row["service_request_id"] for row in closed] == [fixed.reference]
    opened = assert_json(client.get(f"{BASE}/requests.json", {"status": "open"}), "requests")
    assert [row["service_request_id"] for row in opened] == [still_open.reference]
    both = assert_json(client.get(f"{BASE}/requests.json", {"status": "open,closed"}), "requests")
    assert len(both) == 2


def test_date_filters_apply_to_requested_datetime_and_default_to_90_days(client, pothole):
    old = report(pothole, NORTH_POINT, received_at=days_ago(120))
    recent = report(pothole, NORTH_POINT, received_at=days_ago(10))

    default = assert_json(client.get(f"{BASE}/requests.json"), "requests")
    assert [row["service_request_id"] for row in default] == [recent.reference]

    start = (days_ago(125)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (days_ago(100)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    window = assert_json(client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end}), "requests")
    assert [row["service_request_id"] for row in window] == [old.reference]

    only_start = assert_json(client.get(f"{BASE}/requests.json", {"start_date": start}), "requests")
    assert [row["service_request_id"] for row in only_start] == [old.reference]


def test_service_request_id_overrides_the_other_filters(client, pothole, roads, teams):
    old = report(pothole, NORTH_POINT, received_at=days_ago(200))
    recent = report(pothole, SOUTH_POINT)
    report(pothole, SOUTH_POINT)

    body = assert_json(
        client.get(
            f"{BASE}/requests.json",
            {
                "service_request_id": f"{old.reference}, {recent.reference.lower()}",
                "service_code": "something-else",
                "status": "closed",
            },
        ),
        "requests",
    )
    assert sorted(row["service_request_id"] for row in body) == sorted([old.reference, recent.reference])


def test_service_code_filter(client, pothole, roads, teams):
    grit = make_category(roads, teams.highways, service_code="grit-bin", name="Empty grit bin")
    report(pothole, NORTH_POINT)
    bin_report = report(grit, NORTH_POINT, answers={})
    body = assert_json(client.get(f"{BASE}/requests.json", {"service_code": "grit-bin"}), "requests")
    assert [row["service_request_id"] for row in body] == [bin_report.reference]


def test_request_detail_in_both_formats(client, pothole):
    made = report(pothole, NORTH_POINT)

    [row] = assert_json(client.get(f"{BASE}/requests/{made.reference}.json", {"jurisdiction_id": "x"}), "requests")
    assert row["service_request_id"] == made.reference
    document = assert_xml(client.get(f"{BASE}/requests/{made.reference}.xml"), "service_requests")
    assert document.findtext("request/service_request_id") == made.reference


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
        ({"status": "fixed"}, "status"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "before"),
    ],
)
def test_bad_filters_are_400_in_both_formats(client, db, params, fragment):
    body = assert_json(client.get(f"{BASE}/requests.json", params), "errors", status=400)
    assert body[0]["code"] == 400
    assert fragment in " ".join(error["description"] for error in body)
    document = assert_xml(client.get(f"{BASE}/requests.xml", params), "errors", status=400)
    assert fragment in " ".join(error.findtext("description") for error in document.findall("error"))


def test_the_list_is_two_queries_however_many_requests(client, pothole, django_assert_num_queries):
    for _ in range(5):
        report(pothole, NORTH_POINT)
    with django_assert_num_queries(2):  # the requests, then their public photos
        response = client.get(f"{BASE}/requests.json")
    assert len(response.json()) == 5


def test_the_list_stops_at_max_results(client, pothole, monkeypatch):
    monkeypatch.setattr("townhall.open311.forms.DEFAULT_PAGE_SIZE", 3)
    for _ in range(4):
        report(pothole, NORTH_POINT)
    assert len(assert_json(client.get(f"{BASE}/requests.json"), "requests")) == 3


# --- Privacy: the reporter's details, internal notes and non-public requests never leave ---------------


def test_private_requests_and_private_data_never_appear(client, pothole, roads, teams):
    public = report(pothole, NORTH_POINT)
    services.service_request_status_change(
        acting_user=None, service_request=public, to=Status.INVESTIGATING, internal_note=SECRET_NOTE
    )
    safeguarding = make_category(
        roads, teams.highways, service_code="safeguarding", name="Safeguarding", is_public=False
    )
    hidden = report(safeguarding, NORTH_POINT, answers={}, description="A private matter")

    urls = [
        f"{BASE}/requests.json",
        f"{BASE}/requests.xml",
        f"{BASE}/requests.json?service_request_id={public.reference},{hidden.reference}",
        f"{BASE}/requests.xml?service_request_id={public.reference},{hidden.reference}",
        f"{BASE}/requests/{public.reference}.json",
        f"{BASE}/requests/{public.reference}.xml",
        f"{BASE}/requests.json?status=open",
        f"{BASE}/services.json",
        f"{BASE}/services.xml",
        f"{BASE}/services/pothole.json",
        f"{BASE}/services/pothole.xml",
        f"{BASE}/discovery.json",
        f"{BASE}/discovery.xml",
    ]
    for url in urls:
        text = client.get(url).content.decode()
        for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, SECRET_NOTE, hidden.reference, "A private matter"):
            assert secret not in text, (url, secret)
        for fragment in ("Zebedee", "Quillfeather", "960 777", "email", "phone"):
            assert fragment not in text, (url, fragment)

    for fmt in ("json", "xml"):
        assert client.get(f"{BASE}/requests/{hidden.reference}.{fmt}").status_code == 404


def test_a_request_staff_hid_disappears(client, pothole):
    made = report(pothole, NORTH_POINT)
    type(made).objects.filter(pk=made.pk).update(is_public=False)
    assert assert_json(client.get(f"{BASE}/requests.json"), "requests") == []
    assert client.get(f"{BASE}/requests/{made.reference}.json").status_code == 404


def test_long_descriptions_are_cut_to_the_spec_limit_and_xml_stays_well_formed(client, pothole):
    made = report(pothole, NORTH_POINT, description="Bell\x07 " + "x" * 4500)

    [row] = assert_json(client.get(f"{BASE}/requests/{made.reference}.json"), "requests")
    assert len(row["description"]) == 4000
    document = assert_xml(client.get(f"{BASE}/requests/{made.reference}.xml"), "service_requests")
    assert document.findtext("request/description").startswith("Bell x")
