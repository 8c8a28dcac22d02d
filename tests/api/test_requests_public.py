"""GET /requests and /requests/{reference}: public requests only, public fields only, filters and cursor pages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tests.api.conftest import BASE, Reports, assert_no_secrets, body, problem, report
from tests.service_requests.conftest import NORTH_POINT, SOUTH_POINT, make_category
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import ServiceRequest


def references(found: dict) -> list[str]:
    return [row["reference"] for row in found["results"]]


def test_lists_only_public_requests_newest_first(client, reports: Reports, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(f"{BASE}/requests")
    found = body(response)
    assert references(found) == [reports.residents_own.reference, reports.moderated.reference, reports.public.reference]
    assert found["next"] is None
    assert_no_secrets(response)


def test_public_fields_and_moderated_text(client, reports: Reports):
    rows = {row["reference"]: row for row in body(client.get(f"{BASE}/requests"))["results"]}
    public = rows[reports.public.reference]
    assert public["service"] == {"code": "pothole", "name": "Pothole"}
    assert public["status"] == "in_progress"
    assert public["status_label"] == "In progress"
    assert public["open"] is True
    assert public["ward"] == {"code": "E05099901", "name": "Northfield"}
    assert public["latest_update"] == "A crew is booked for Tuesday"
    assert public["url"] == f"http://testserver/api/v1/requests/{reports.public.reference}"
    assert public["location"]["lat"] == pytest.approx(NORTH_POINT[0])
    assert set(public) == {
        "reference", "url", "service", "status", "status_label", "open", "description", "location", "ward",
        "received_at", "updated_at", "expected_by", "closed_at", "latest_update",
    }  # fmt: skip
    moderated = rows[reports.moderated.reference]
    assert moderated["description"] == "Pothole [address removed]"
    assert moderated["latest_update"] == "We looked [address removed]"


def test_detail_has_the_public_history(client, reports: Reports):
    response = client.get(f"{BASE}/requests/{reports.public.reference.lower()}")
    found = body(response)
    assert found["reference"] == reports.public.reference
    assert [(u["status"], u["message"]) for u in found["updates"]] == [("in_progress", "A crew is booked for Tuesday")]
    assert_no_secrets(response)
    moderated = body(client.get(f"{BASE}/requests/{reports.moderated.reference}"))
    assert moderated["updates"][0]["message"] == "We looked [address removed]"


@pytest.mark.parametrize("kind", ["sensitive", "private_category", "unconfirmed"])
def test_hidden_requests_are_404_and_never_listed(client, reports: Reports, kind):
    hidden = getattr(reports, kind)
    found = problem(client.get(f"{BASE}/requests/{hidden.reference}"), 404)
    assert hidden.reference in found["detail"]
    assert hidden.reference not in client.get(f"{BASE}/requests", {"limit": 200}).content.decode()


def test_for_triage_reads_as_open(client, pothole):
    waiting = report(pothole)
    ServiceRequest.objects.filter(pk=waiting.pk).update(status=Status.FOR_TRIAGE)
    found = body(client.get(f"{BASE}/requests/{waiting.reference}"))
    assert found["status"] == "open"
    assert references(body(client.get(f"{BASE}/requests", {"status": "open"}))) == [waiting.reference]
    assert references(body(client.get(f"{BASE}/requests", {"status": "fixed"}))) == []


def test_filters(client, pothole, roads, teams):
    north = report(pothole, NORTH_POINT)
    south = report(pothole, SOUTH_POINT)
    bins = make_category(roads, teams.waste, service_code="bins", name="Missed bin")
    bin_request = report(bins, SOUTH_POINT, answers={})
    ServiceRequest.objects.filter(pk=north.pk).update(received_at=timezone.now() - dt.timedelta(days=10))
    request_services.service_request_status_change(acting_user=None, service_request=south, to=Status.FIXED)

    def listed(**params):
        return set(references(body(client.get(f"{BASE}/requests", params))))

    assert listed(category="bins") == {bin_request.reference}
    assert listed(category=["bins", "pothole"]) == {north.reference, south.reference, bin_request.reference}
    assert listed(ward="E05099901") == {north.reference}
    assert listed(status="fixed") == {south.reference}
    assert listed(status=["fixed", "open"]) == {south.reference, north.reference, bin_request.reference}
    since = (timezone.now() - dt.timedelta(days=2)).isoformat()
    assert listed(since=since) == {south.reference, bin_request.reference}
    assert listed(until=since) == {north.reference}
    north_box = f"{NORTH_POINT[1] - 0.001},{NORTH_POINT[0] - 0.001},{NORTH_POINT[1] + 0.001},{NORTH_POINT[0] + 0.001}"
    assert listed(bbox=north_box) == {north.reference}


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"status": "for_triage"}, ["query", "status"]),
        ({"status": "nonsense"}, ["query", "status"]),
        ({"bbox": "1,2,3"}, ["query", "bbox"]),
        ({"bbox": "3,2,1,0"}, ["query", "bbox"]),
        ({"since": "yesterday"}, ["query", "since"]),
        ({"limit": "0"}, ["query", "limit"]),
        ({"limit": "1000"}, ["query", "limit"]),
        ({"cursor": "not-a-cursor"}, ["query", "cursor"]),
    ],
)
def test_bad_filters_are_422_with_the_parameter_named(client, pothole, params, loc):
    found = problem(client.get(f"{BASE}/requests", params), 422)
    assert [error["loc"] for error in found["errors"]] == [loc]
    assert all(error["msg"] and error["type"] for error in found["errors"])


def test_cursor_pages_follow_next_links_to_the_end(client, pothole):
    made = [report(pothole) for _ in range(5)]
    same_moment = timezone.now() - dt.timedelta(hours=1)
    # Two requests received at the very same moment still page apart (ties broken by id).
    ServiceRequest.objects.filter(pk__in=[made[1].pk, made[2].pk]).update(received_at=same_moment)
    expected = [row.reference for row in ServiceRequest.objects.order_by("-received_at", "-id")]

    seen: list[str] = []
    url = f"{BASE}/requests?limit=2&category=pothole"
    pages = 0
    while url:
        found = body(client.get(url))
        seen += references(found)
        url = found["next"]
        pages += 1
        if url:
            query = parse_qs(urlsplit(url).query)
            assert query["limit"] == ["2"]
            assert query["category"] == ["pothole"], "the next link keeps the filters"
    assert seen == expected
    assert pages == 3
