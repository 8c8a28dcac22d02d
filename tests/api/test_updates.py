"""POST /requests/{reference}/updates: back-office systems (API keys) post status updates, idempotent by external_id."""

from __future__ import annotations

from django.test import Client

from tests.api.conftest import BASE, Reports, bearer, body, post_json, problem
from townhall.audit.models import AuditEntry
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import RequestUpdate, ServiceRequest


def updates_url(reference: str) -> str:
    return f"{BASE}/requests/{reference}/updates"


def test_status_update_is_applied_once(client, reports: Reports, api_key):
    target = reports.public
    data = {"external_id": "job-77-1", "status": "FIXED", "message": "Filled and sealed"}

    first = body(post_json(client, updates_url(target.reference), data, **bearer(api_key)), 201)
    again = body(post_json(client, updates_url(target.reference), data, **bearer(api_key)), 200)

    assert again == first
    assert first["status"] == "fixed"
    assert first["external_id"] == "job-77-1"
    assert first["request"] == target.reference
    target.refresh_from_db()
    assert target.status == Status.FIXED
    assert target.closed_at is not None
    stored = RequestUpdate.objects.filter(request=target, external_id="job-77-1")
    assert stored.count() == 1
    assert stored.get().channel == Channel.API
    public = body(client.get(f"{BASE}/requests/{target.reference}"))
    assert public["status"] == "fixed"
    assert public["updates"][-1]["message"] == "Filled and sealed"
    assert "Highways contractor" not in client.get(f"{BASE}/requests/{target.reference}").content.decode()


def test_message_only_update(client, reports: Reports, api_key):
    found = body(
        post_json(
            client,
            updates_url(reports.public.reference),
            {"external_id": "m1", "message": "Crew on site"},
            **bearer(api_key),
        ),
        201,
    )
    assert found["status"] is None
    assert found["message"] == "Crew on site"
    reports.public.refresh_from_db()
    assert reports.public.status == Status.IN_PROGRESS


def test_back_office_may_update_requests_the_public_cannot_see(client, reports: Reports, api_key):
    body(
        post_json(
            client,
            updates_url(reports.sensitive.reference),
            {"external_id": "s1", "status": "investigating"},
            **bearer(api_key),
        ),
        201,
    )
    problem(client.get(f"{BASE}/requests/{reports.sensitive.reference}"), 404)


def test_unknown_or_unconfirmed_request_is_404(client, reports: Reports, api_key):
    for reference in ("DB-1999-000001", reports.unconfirmed.reference):
        problem(
            post_json(client, updates_url(reference), {"external_id": "x", "status": "fixed"}, **bearer(api_key)), 404
        )
    assert not RequestUpdate.objects.filter(external_id="x").exists()


def test_invalid_updates_are_422_with_the_field(client, reports: Reports, api_key):
    url = updates_url(reports.public.reference)
    found = problem(post_json(client, url, {"status": "fixed"}, **bearer(api_key)), 422)
    assert [e["loc"] for e in found["errors"]] == [["body", "external_id"]]
    found = problem(post_json(client, url, {"external_id": "a", "status": "sparkly"}, **bearer(api_key)), 422)
    assert [(e["loc"], e["type"]) for e in found["errors"]] == [(["body", "status"], "unknown_status")]
    found = problem(post_json(client, url, {"external_id": "b"}, **bearer(api_key)), 422)
    assert [(e["loc"], e["type"]) for e in found["errors"]] == [(["body", "message"], "required")]
    body(post_json(client, url, {"external_id": "c", "status": "fixed"}, **bearer(api_key)), 201)
    found = problem(post_json(client, url, {"external_id": "d", "status": "investigating"}, **bearer(api_key)), 422)
    assert [(e["loc"], e["type"]) for e in found["errors"]] == [(["body", "status"], "invalid_transition")]
    assert not RequestUpdate.objects.filter(external_id__in=["a", "b", "d"]).exists()


def test_auth_matrix(client, reports: Reports, resident, other_resident, revoked_key):
    url = updates_url(reports.residents_own.reference)
    data = {"external_id": "z", "status": "fixed"}
    problem(post_json(client, url, data), 401)
    problem(post_json(client, url, data, **bearer(revoked_key)), 401)
    for person in (resident, other_resident):
        signed_in = Client()
        signed_in.force_login(person)
        found = problem(post_json(signed_in, url, data), 403)
        assert "API key" in found["detail"]
    assert ServiceRequest.objects.get(pk=reports.residents_own.pk).status == Status.OPEN
    assert not RequestUpdate.objects.filter(external_id="z").exists()


def test_updates_are_audited(client, reports: Reports, api_key):
    body(
        post_json(
            client, updates_url(reports.public.reference), {"external_id": "au", "status": "fixed"}, **bearer(api_key)
        ),
        201,
    )
    action = request_services.ACTION_REQUEST_UPDATED_EXTERNALLY
    assert AuditEntry.objects.filter(object_id=reports.public.reference, action=action).count() == 1
