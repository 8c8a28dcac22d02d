"""GET /me/requests and /me/requests/{reference}: a signed-in resident's own requests, nobody else's."""

from __future__ import annotations

from django.test import Client

from tests.api.conftest import BASE, Reports, assert_no_secrets, bearer, body, problem, report
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import ServiceRequest


def test_lists_own_requests_with_history_and_answers(resident_client, resident, reports: Reports, pothole):
    sensitive_own = report(pothole, reporter=resident, contact=None, channel=Channel.WEB)
    ServiceRequest.objects.filter(pk=sensitive_own.pk).update(is_public=False)
    request_services.service_request_status_change(
        acting_user=None,
        service_request=reports.residents_own,
        to=Status.ACTION_SCHEDULED,
        public_message="Booked for Friday",
        internal_note="Internal: crew 4",
    )

    response = resident_client.get(f"{BASE}/me/requests")

    found = body(response)
    assert [row["reference"] for row in found["results"]] == [sensitive_own.reference, reports.residents_own.reference]
    assert found["next"] is None
    sensitive_row, own = found["results"]
    assert sensitive_row["public"] is False, "their own sensitive report is theirs to see, marked as not public"
    assert own["public"] is True
    assert own["status"] == "action_scheduled"
    assert own["url"] == f"http://testserver/api/v1/me/requests/{reports.residents_own.reference}"
    assert [(u["status"], u["message"]) for u in own["updates"]] == [("action_scheduled", "Booked for Friday")]
    assert own["latest_update"] == "Booked for Friday"
    assert own["answers"] == [{"question": "depth", "label": "How deep is it?", "answer": "4cm or more"}]
    assert "Internal: crew 4" not in response.content.decode()
    assert_no_secrets(response)


def test_list_costs_a_fixed_number_of_queries(resident_client, resident, pothole, django_assert_max_num_queries):
    for _ in range(4):
        report(pothole, reporter=resident, contact=None, channel=Channel.WEB)
    # Session and user, then requests, their updates and their answers.
    with django_assert_max_num_queries(5):
        found = body(resident_client.get(f"{BASE}/me/requests"))
    assert len(found["results"]) == 4


def test_pages_with_next_links(resident_client, resident, pothole):
    made = [report(pothole, reporter=resident, contact=None, channel=Channel.WEB) for _ in range(3)]
    first = body(resident_client.get(f"{BASE}/me/requests", {"limit": 2}))
    second = body(resident_client.get(first["next"]))
    seen = [row["reference"] for row in first["results"] + second["results"]]
    assert seen == [row.reference for row in reversed(made)]
    assert second["next"] is None


def test_detail_of_own_request(resident_client, reports: Reports):
    found = body(resident_client.get(f"{BASE}/me/requests/{reports.residents_own.reference}"))
    assert found["reference"] == reports.residents_own.reference
    assert found["answers"][0]["question"] == "depth"


def test_another_residents_request_is_404(other_client, resident_client, reports: Reports):
    problem(other_client.get(f"{BASE}/me/requests/{reports.residents_own.reference}"), 404)
    assert body(other_client.get(f"{BASE}/me/requests"))["results"] == []
    # Requests reported by others (or by nobody with an account) are not "mine" either.
    problem(resident_client.get(f"{BASE}/me/requests/{reports.public.reference}"), 404)
    problem(resident_client.get(f"{BASE}/me/requests/{reports.sensitive.reference}"), 404)


def test_anonymous_and_api_keys_have_no_me(client, reports: Reports, api_key, revoked_key):
    for headers in ({}, bearer(api_key), bearer(revoked_key)):
        problem(client.get(f"{BASE}/me/requests", **headers), 401)
        found = problem(client.get(f"{BASE}/me/requests/{reports.residents_own.reference}", **headers), 401)
        assert found["errors"] == []


def test_reads_need_no_csrf_token(resident, reports: Reports):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    assert len(body(client.get(f"{BASE}/me/requests"))["results"]) == 1
