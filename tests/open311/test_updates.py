"""servicerequestupdates (FixMyStreet's extension): GET public updates in a window, POST an update with an api_key.

Every response is validated against Townhall's own schemas for the extension
(schemas/local/updates.json, update-created.json; schemas/xsd/service_request_updates.xsd,
update_created.xsd), since Open311 publishes none.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.open311.conftest import SECRET_EMAIL, SECRET_NAME, SECRET_NOTE, SECRET_PHONE, assert_json, assert_xml, jpeg
from tests.open311.conftest import report as make_report
from tests.service_requests.conftest import NORTH_POINT, SOUTH_POINT, make_category
from townhall.audit.models import AuditEntry
from townhall.open311 import services as open311_services
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import RequestPhoto, RequestUpdate

BASE = "/open311/v2"


def window(**extra: str) -> dict[str, str]:
    now = timezone.now()
    return {
        "jurisdiction_id": "demo",
        "start_date": (now - dt.timedelta(hours=1)).isoformat(),
        "end_date": (now + dt.timedelta(minutes=1)).isoformat(),
        **extra,
    }


def post_update(client, key: str, reference: str, fmt: str = "xml", **fields: object):
    body: dict[str, object] = {
        "jurisdiction_id": "demo",
        "api_key": key,
        "service_request_id": reference,
        "update_id": "fms-501",
        "status": "OPEN",
        "description": "Still there this morning",
        "updated_datetime": "2026-11-30T09:00:00Z",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
    }
    body.update(fields)
    return client.post(f"{BASE}/servicerequestupdates.{fmt}", {k: v for k, v in body.items() if v is not None})


@pytest.fixture
def request_made(pothole):
    return make_report(pothole, NORTH_POINT)


def test_get_lists_status_changes_and_public_messages_never_notes(client, request_made):
    services.service_request_status_change(
        acting_user=None, service_request=request_made, to=Status.IN_PROGRESS, public_message="Crew booked"
    )
    RequestUpdate.objects.create(request=request_made, created_at=timezone.now(), internal_note=SECRET_NOTE)
    services.service_request_status_change(
        acting_user=None, service_request=request_made, to=Status.FIXED, internal_note=SECRET_NOTE
    )

    body = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window()), "updates")

    assert [(row["status"], row["description"]) for row in body] == [("IN_PROGRESS", "Crew booked"), ("FIXED", None)]
    assert all(row["service_request_id"] == request_made.reference for row in body)
    document = assert_xml(client.get(f"{BASE}/servicerequestupdates.xml", window()), "service_request_updates")
    assert document.tag == "service_request_updates"
    assert [u.findtext("status") for u in document.findall("request_update")] == ["IN_PROGRESS", "FIXED"]
    assert [u.findtext("update_id") for u in document.findall("request_update")] == [row["update_id"] for row in body]
    assert document.findall("request_update")[1].findtext("description") == ""
    for response in (client.get(f"{BASE}/servicerequestupdates.json", window()),):
        text = response.content.decode()
        for secret in (SECRET_NOTE, SECRET_NAME, SECRET_EMAIL, SECRET_PHONE):
            assert secret not in text


def test_a_message_without_a_status_change_carries_the_status_it_was_made_in(client, request_made):
    services.service_request_status_change(acting_user=None, service_request=request_made, to=Status.INVESTIGATING)
    services.service_request_update_external(
        service_request=request_made, external_id="c-1", description="We are looking at it"
    )

    body = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window()), "updates")

    assert [row["status"] for row in body] == ["INVESTIGATING", "INVESTIGATING"]


def test_redacted_text_is_listed_instead_of_the_original(client, request_made):
    update = services.service_request_status_change(
        acting_user=None, service_request=request_made, to=Status.IN_PROGRESS, public_message="Call 07700 900111"
    )
    RequestUpdate.objects.filter(pk=update.pk).update(redacted_message="Call [removed]")

    body = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window()), "updates")

    assert body[0]["description"] == "Call [removed]"
    assert "07700" not in client.get(f"{BASE}/servicerequestupdates.xml", window()).content.decode()


def test_updates_of_hidden_requests_are_never_listed(client, pothole, roads, teams):
    hidden_category = make_category(
        roads, teams.highways, service_code="safeguarding", name="Safeguarding", is_public=False
    )
    in_hidden_category = make_report(hidden_category, NORTH_POINT, answers={})
    sensitive = make_report(pothole, SOUTH_POINT)
    waiting = make_report(pothole, NORTH_POINT)
    shown = make_report(pothole, NORTH_POINT)
    for item in (in_hidden_category, sensitive, waiting, shown):
        services.service_request_status_change(acting_user=None, service_request=item, to=Status.IN_PROGRESS)
    sensitive.__class__.objects.filter(pk=sensitive.pk).update(is_public=False)
    waiting.__class__.objects.filter(pk=waiting.pk).update(awaiting_confirmation=True)

    body = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window()), "updates")

    assert {row["service_request_id"] for row in body} == {shown.reference}


def test_the_window_is_required_and_checked(client, db):
    for query in ({}, {"start_date": "2026-01-01T00:00:00Z"}, {"start_date": "yesterday", "end_date": "today"}):
        assert_json(client.get(f"{BASE}/servicerequestupdates.json", query), "errors", status=400)
        assert_xml(client.get(f"{BASE}/servicerequestupdates.xml", query), "errors", status=400)
    too_long = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    body = assert_json(client.get(f"{BASE}/servicerequestupdates.json", too_long), "errors", status=400)
    assert "90 days" in body[0]["description"]
    backwards = {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}
    assert_xml(client.get(f"{BASE}/servicerequestupdates.xml", backwards), "errors", status=400)


def test_the_window_applies_to_when_the_update_was_made(client, request_made):
    update = services.service_request_status_change(
        acting_user=None, service_request=request_made, to=Status.IN_PROGRESS
    )
    RequestUpdate.objects.filter(pk=update.pk).update(created_at=timezone.now() - dt.timedelta(days=2))

    assert assert_json(client.get(f"{BASE}/servicerequestupdates.json", window()), "updates") == []
    older = {
        "start_date": (timezone.now() - dt.timedelta(days=3)).isoformat(),
        "end_date": (timezone.now() - dt.timedelta(days=1)).isoformat(),
    }
    assert [
        row["update_id"] for row in assert_json(client.get(f"{BASE}/servicerequestupdates.json", older), "updates")
    ] == [str(update.pk)]


def test_paging(client, request_made):
    made = [
        services.service_request_update_external(
            service_request=request_made, external_id=f"c-{n}", description=f"Note {n}"
        )[0]
        for n in range(5)
    ]

    first = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window(page_size="2")), "updates")
    third = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window(page_size="2", page="3")), "updates")
    beyond = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window(page_size="2", page="4")), "updates")

    assert [row["update_id"] for row in first] == [str(u.pk) for u in made[:2]]
    assert [row["update_id"] for row in third] == [str(made[4].pk)]
    assert beyond == []
    for bad in ({"page": "0"}, {"page_size": "1001"}, {"page": "x"}):
        assert_json(client.get(f"{BASE}/servicerequestupdates.json", window(**bad)), "errors", status=400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_a_public_message(client, request_made, api_key, fmt):
    response = post_update(client, api_key, request_made.reference, fmt=fmt)

    if fmt == "json":
        update_id = assert_json(response, "update-created")[0]["update_id"]
    else:
        update_id = assert_xml(response, "update_created").findtext("request_update/update_id")
    update = RequestUpdate.objects.get(pk=int(update_id))
    assert update.request == request_made
    assert update.external_id == "fms-501"
    assert update.channel == Channel.OPEN311
    assert update.public_message == "Still there this morning"
    assert update.status_to == ""
    assert "Ada Lovelace <ada@example.org> via FixMyStreet" in update.internal_note
    listed = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window()), "updates")
    assert listed[-1]["update_id"] == update_id
    assert "ada@example.org" not in client.get(f"{BASE}/servicerequestupdates.xml", window()).content.decode()


def test_a_reposted_update_id_returns_the_same_update_and_creates_nothing(client, request_made, api_key):
    first = assert_xml(post_update(client, api_key, request_made.reference, status="FIXED"), "update_created")
    count = RequestUpdate.objects.count()
    audits = AuditEntry.objects.count()

    again = assert_xml(post_update(client, api_key, request_made.reference, status="FIXED"), "update_created")

    assert again.findtext("request_update/update_id") == first.findtext("request_update/update_id")
    assert RequestUpdate.objects.count() == count
    assert AuditEntry.objects.count() == audits
    request_made.refresh_from_db()
    assert request_made.status == Status.FIXED


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("ACTION_SCHEDULED", Status.ACTION_SCHEDULED),
        ("action_scheduled", Status.ACTION_SCHEDULED),
        ("Fixed", Status.FIXED),
        ("CLOSED", Status.CLOSED),
        ("NOT_COUNCILS_RESPONSIBILITY", Status.NOT_COUNCILS_RESPONSIBILITY),
        ("in progress", Status.IN_PROGRESS),
        ("OPEN", Status.OPEN),
    ],
)
def test_statuses_in_any_case(client, request_made, api_key, sent, expected):
    assert_xml(post_update(client, api_key, request_made.reference, status=sent), "update_created")

    request_made.refresh_from_db()
    assert request_made.status == expected


def test_open_on_a_closed_request_reopens_it_and_closed_on_a_closed_one_changes_nothing(client, request_made, api_key):
    services.service_request_status_change(acting_user=None, service_request=request_made, to=Status.FIXED)
    assert_xml(post_update(client, api_key, request_made.reference, status="CLOSED", update_id="a"), "update_created")
    request_made.refresh_from_db()
    assert request_made.status == Status.FIXED

    assert_xml(post_update(client, api_key, request_made.reference, status="OPEN", update_id="b"), "update_created")
    request_made.refresh_from_db()
    assert request_made.status == Status.REOPENED
    assert RequestUpdate.objects.get(external_id="b").channel == Channel.OPEN311


def test_refusals_are_clear_400s(client, request_made, api_key):
    services.service_request_status_change(acting_user=None, service_request=request_made, to=Status.FIXED)
    body = assert_json(
        post_update(client, api_key, request_made.reference, fmt="json", status="IN_PROGRESS"), "errors", status=400
    )
    assert body[0]["description"].startswith("status: A request that is fixed cannot be moved to in progress")
    body = assert_json(
        post_update(client, api_key, request_made.reference, fmt="json", status="SHINY"), "errors", status=400
    )
    assert "'SHINY' is not a status" in body[0]["description"]
    assert_xml(post_update(client, api_key, request_made.reference, update_id=None), "errors", status=400)
    assert_xml(post_update(client, api_key, request_made.reference, status="", description=""), "errors", status=400)
    assert_xml(post_update(client, api_key, request_made.reference, updated_datetime="soon"), "errors", status=400)
    assert not RequestUpdate.objects.filter(external_id="fms-501").exists()


def test_keys_and_unknown_requests(client, request_made, api_key):
    assert_xml(post_update(client, "wrong", request_made.reference), "errors", status=403)
    assert_json(post_update(client, api_key, "DB-1999-000001", fmt="json"), "errors", status=404)
    assert_xml(post_update(client, None, request_made.reference), "errors", status=400)
    key = open311_services.api_key_create(acting_user=None, name="Old client")
    open311_services.api_key_revoke(acting_user=None, api_key=key[0])
    assert_xml(post_update(client, key[1], request_made.reference), "errors", status=403)
    assert not RequestUpdate.objects.filter(external_id="fms-501").exists()


def test_an_update_can_carry_a_photo_shown_as_its_media_url(client, request_made, api_key):
    response = post_update(client, api_key, request_made.reference, photo1=jpeg())

    update_id = assert_xml(response, "update_created").findtext("request_update/update_id")
    photo = RequestPhoto.objects.get(update_id=int(update_id))
    assert photo.request == request_made
    listed = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window()), "updates")
    assert listed[-1]["media_url"] == f"http://testserver/report/{request_made.reference}/photos/{photo.pk}/"
    RequestPhoto.objects.filter(pk=photo.pk).update(is_public=False)
    listed = assert_json(client.get(f"{BASE}/servicerequestupdates.json", window()), "updates")
    assert listed[-1]["media_url"] is None


def test_a_post_is_audited_against_the_key(client, request_made, api_key):
    update_id = assert_xml(post_update(client, api_key, request_made.reference), "update_created").findtext(
        "request_update/update_id"
    )

    entry = AuditEntry.objects.filter(action=open311_services.ACTION_API_KEY_USED).latest("id")
    assert entry.object_type == open311_services.OBJECT_API_KEY
    assert f"update {update_id} on {request_made.reference}" in entry.reason
