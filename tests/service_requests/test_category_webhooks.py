"""Per-category webhooks: new requests, status changes and public updates go to the category's partner
endpoints through the outbox (one message per endpoint, none without hooks, never the reporter's details),
inbound updates are not echoed to the partner that sent them, and administrators manage hooks per category."""

from __future__ import annotations

import json

import pytest

from tests.open311.conftest import SECRET_EMAIL, SECRET_NAME, SECRET_PHONE, report
from tests.service_requests.conftest import NORTH_POINT, make_category
from townhall.accounts.constants import StaffRole
from townhall.audit.models import AuditEntry
from townhall.notify import services as notify_services
from townhall.notify.constants import Channel as NotifyChannel
from townhall.notify.models import OutboxMessage, WebhookEndpoint
from townhall.open311 import services as open311_services
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import CategoryWebhook

CONTRACTOR = "highways-contractor"
ARCHIVE = "records-archive"


@pytest.fixture
def endpoints(db):
    for slug, name in ((CONTRACTOR, "Highways contractor"), (ARCHIVE, "Records archive")):
        notify_services.webhook_endpoint_create(
            acting_user=None, slug=slug, name=name, url=f"http://127.0.0.1:9/{slug}"
        )


@pytest.fixture
def hooked(pothole, endpoints):
    services.category_webhook_add(acting_user=None, category=pothole, endpoint_slug=CONTRACTOR, send_updates=True)
    services.category_webhook_add(acting_user=None, category=pothole, endpoint_slug=ARCHIVE, send_updates=False)
    return pothole


def webhooks() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel=NotifyChannel.WEBHOOK).order_by("id"))


def test_a_new_request_goes_to_every_endpoint_without_contact_details(hooked):
    made = report(hooked, NORTH_POINT, answers={"depth": "deep", "where": ["road"]})

    sent = webhooks()
    assert sorted(m.destination for m in sent) == sorted([ARCHIVE, CONTRACTOR])
    assert {m.payload["event_type"] for m in sent} == {"service_request.created"}
    assert {m.idempotency_key for m in sent} == {
        f"service_request:{made.reference}:created:{CONTRACTOR}",
        f"service_request:{made.reference}:created:{ARCHIVE}",
    }
    body = sent[0].payload["body"]
    assert body["service_request_id"] == made.reference
    assert body["service_code"] == "pothole"
    assert body["attributes"] == {"depth": "deep", "where": ["road"]}
    assert body["extended_status"] == "OPEN"
    assert (body["lat"], body["long"]) == (made.lat, made.lng)
    assert body["ward"] == made.ward.code
    text = json.dumps(body)
    for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE):
        assert secret not in text


def test_a_status_change_sends_exactly_one_message_per_endpoint_that_wants_updates(hooked):
    made = report(hooked, NORTH_POINT)
    before = len(webhooks())

    update = services.service_request_status_change(
        acting_user=None, service_request=made, to=Status.IN_PROGRESS, public_message="Crew booked"
    )

    new = webhooks()[before:]
    assert [(m.destination, m.payload["event_type"]) for m in new] == [(CONTRACTOR, "service_request.updated")]
    assert new[0].idempotency_key == f"service_request:{made.reference}:update:{update.pk}:{CONTRACTOR}"
    assert new[0].payload["body"]["status"] == "IN_PROGRESS"
    assert new[0].payload["body"]["description"] == "Crew booked"
    assert new[0].payload["body"]["update_id"] == str(update.pk)


def test_categories_without_hooks_send_nothing(pothole, roads, teams, endpoints):
    other = make_category(roads, teams.highways, service_code="graffiti", name="Graffiti")
    made = report(other, NORTH_POINT, answers={})
    services.service_request_status_change(acting_user=None, service_request=made, to=Status.FIXED)
    assert webhooks() == []


def test_internal_notes_alone_send_nothing(hooked, teams):
    made = report(hooked, NORTH_POINT)
    before = len(webhooks())
    services.service_request_assign(acting_user=None, service_request=made, team=teams.highways)
    assert len(webhooks()) == before


def test_a_switched_off_endpoint_is_skipped(hooked):
    WebhookEndpoint.objects.filter(slug=ARCHIVE).update(is_active=False)
    report(hooked, NORTH_POINT)
    assert [m.destination for m in webhooks()] == [CONTRACTOR]


def test_an_inbound_update_is_not_echoed_to_the_partner_that_sent_it(client, hooked):
    made = report(hooked, NORTH_POINT)
    CategoryWebhook.objects.filter(endpoint_slug=ARCHIVE).update(send_updates=True)
    _, contractor_key = open311_services.api_key_create(acting_user=None, name="Highways contractor")
    before = len(webhooks())

    for attempt in range(2):  # posted twice: the second changes nothing and sends nothing
        response = client.post(
            "/open311/v2/servicerequestupdates.xml",
            {
                "jurisdiction_id": "demo",
                "api_key": contractor_key,
                "service_request_id": made.reference,
                "update_id": "job-77",
                "status": "FIXED",
                "description": "Filled and rolled",
            },
        )
        assert response.status_code == 200, (attempt, response.content)

    new = webhooks()[before:]
    assert [m.destination for m in new] == [ARCHIVE]
    assert new[0].payload["body"]["status"] == "FIXED"


def test_administrators_manage_a_categorys_hooks(staff_client, pothole, endpoints):
    admin = staff_client(StaffRole.ADMINISTRATOR)
    url = f"/staff/catalogue/webhooks/{pothole.pk}/"

    page = admin.get(url)
    assert page.status_code == 200
    assert "Highways contractor (highways-contractor)" in page.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in page.content.decode()

    refused = admin.post(url, {"endpoint_slug": "nowhere"})
    assert refused.status_code == 200
    assert "Select a partner system" in refused.content.decode()

    response = admin.post(url, {"endpoint_slug": CONTRACTOR, "send_updates": "on"})
    assert response.status_code == 302
    hook = CategoryWebhook.objects.get(category=pothole)
    assert (hook.endpoint_slug, hook.send_updates) == (CONTRACTOR, True)
    assert AuditEntry.objects.filter(action=services.ACTION_CATEGORY_WEBHOOK_ADDED, object_id=str(hook.pk)).exists()
    duplicate = admin.post(url, {"endpoint_slug": CONTRACTOR})
    assert "already sends to that endpoint" in duplicate.content.decode()
    assert CONTRACTOR in admin.get(f"/staff/catalogue/categories/{pothole.pk}/").content.decode()

    removed = admin.post(f"{url}{hook.pk}/")
    assert removed.status_code == 302
    assert not CategoryWebhook.objects.exists()
    assert AuditEntry.objects.filter(action=services.ACTION_CATEGORY_WEBHOOK_REMOVED).exists()
    assert admin.post(f"{url}{hook.pk}/").status_code == 404


@pytest.mark.parametrize("role", [StaffRole.CASE_OFFICER, StaffRole.TEAM_MANAGER])
def test_other_staff_cannot_manage_hooks(staff_client, pothole, endpoints, role):
    client = staff_client(role)
    url = f"/staff/catalogue/webhooks/{pothole.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"endpoint_slug": CONTRACTOR}).status_code == 404
    assert not CategoryWebhook.objects.exists()
