"""/staff/notify/: administrators only; states, filters, paging, masked recipients, and an audited resend."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.audit.conftest import signed_in_with_mfa
from tests.notify.conftest import enqueue_email, enqueue_webhook
from tests.notify.webhook_receiver import WebhookReceiver
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.notify import services
from townhall.notify.constants import MessageState
from townhall.notify.models import OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "/staff/notify/"


def listed_ids(html: str) -> list[str]:
    return re.findall(r'<span class="govuk-visually-hidden">Message </span>(\d+)</a>', html)


def test_the_urls_are_named() -> None:
    assert reverse("notify_message_list") == URL
    assert reverse("notify_message_detail", args=[5]) == "/staff/notify/5/"
    assert reverse("notify_message_resend", args=[5]) == "/staff/notify/5/resend/"


@pytest.fixture
def admin_client(staff_by_role: dict[StaffRole, User]) -> Client:
    return signed_in_with_mfa(staff_by_role[StaffRole.ADMINISTRATOR])


def test_an_administrator_sees_the_list(admin_client: Client) -> None:
    enqueue_email(1, to="rita.resident@example.org")

    response = admin_client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Outbound messages</h1>' in html
    assert listed_ids(html) == [str(OutboxMessage.objects.get().pk)]
    assert "r•••@example.org" in html
    assert "rita.resident" not in html  # the address is masked
    assert "Thank you. Your reference" not in html  # bodies are never shown
    assert "INVALID_TEMPLATE_VARIABLE" not in html


@pytest.mark.parametrize("role", [r for r in StaffRole if r != StaffRole.ADMINISTRATOR])
def test_other_staff_get_not_found(role: StaffRole, staff_by_role: dict[StaffRole, User]) -> None:
    message = enqueue_email(1)
    client = signed_in_with_mfa(staff_by_role[role])

    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}{message.pk}/").status_code == 404
    assert client.post(f"{URL}{message.pk}/resend/").status_code == 404


def test_residents_get_not_found(client: Client, resident: User) -> None:
    message = enqueue_email(1)
    client.force_login(resident)

    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}{message.pk}/").status_code == 404
    assert client.post(f"{URL}{message.pk}/resend/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


def test_filters_narrow_the_list_and_states_are_counted(
    admin_client: Client, endpoint: WebhookEndpoint, receiver: WebhookReceiver
) -> None:
    email = enqueue_email(1)
    webhook = enqueue_webhook(2)
    dead = enqueue_email(3)
    OutboxMessage.objects.filter(pk=dead.pk).update(state=MessageState.DEAD)

    def shown(**filters: str) -> list[str]:
        response = admin_client.get(URL, filters)
        assert response.status_code == 200
        return listed_ids(response.content.decode())

    assert shown() == [str(dead.pk), str(webhook.pk), str(email.pk)]
    assert shown(state="dead") == [str(dead.pk)]
    assert shown(channel="webhook") == [str(webhook.pk)]
    assert shown(related_type="service_requests.servicerequest", related_id="1") == [str(email.pk)]
    assert shown(idempotency_key="service_request:3:acknowledgement") == [str(dead.pk)]
    html = admin_client.get(URL).content.decode()
    assert (
        '<a class="govuk-link" href="?state=pending">Pending</a>: <span class="govuk-!-font-weight-bold">2</span>'
        in html
    )
    assert '<a class="govuk-link" href="?state=dead">Dead</a>: <span class="govuk-!-font-weight-bold">1</span>' in html
    assert "No messages match these filters." in admin_client.get(URL, {"state": "sending"}).content.decode()


def test_an_unknown_state_is_a_gov_uk_error(admin_client: Client) -> None:
    response = admin_client.get(URL, {"state": "lost"})

    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert "Select a valid choice" in html
    assert listed_ids(html) == []


def test_messages_are_paged_in_fifties_keeping_the_filters(admin_client: Client) -> None:
    for number in range(60):
        enqueue_email(number)

    first = admin_client.get(URL, {"channel": "email"}).content.decode()
    second = admin_client.get(URL, {"channel": "email", "page": "2"}).content.decode()

    assert len(listed_ids(first)) == 50
    assert len(listed_ids(second)) == 10
    assert 'href="?channel=email&amp;page=2" rel="next"' in first
    assert "Showing 51 to 60 of 60" in second


def test_the_list_costs_the_same_queries_however_many_messages(admin_client: Client) -> None:
    enqueue_email(1)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(URL)
    for number in range(2, 40):
        enqueue_email(number)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(URL)

    assert len(many) == len(few)


def test_the_detail_page_masks_the_recipient_and_shows_the_error(admin_client: Client) -> None:
    message = enqueue_email(1, to="rita.resident@example.org")
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=MessageState.RETRYING, attempts=2, last_error="The mail server answered SMTP 451."
    )

    html = admin_client.get(f"{URL}{message.pk}/").content.decode()

    assert f"Message {message.pk}</h1>" in html
    assert "r•••@example.org" in html
    assert "rita.resident" not in html
    assert "We have your report SR-1" in html  # the subject
    assert "Thank you. Your reference" not in html  # not the body
    assert "The mail server answered SMTP 451." in html
    assert "service_request:1:acknowledgement" in html
    assert "Resend" not in html  # only dead messages


def test_a_missing_message_is_not_found(admin_client: Client) -> None:
    assert admin_client.get(f"{URL}999999/").status_code == 404
    assert admin_client.post(f"{URL}999999/resend/").status_code == 404


def test_resend_is_post_only(admin_client: Client) -> None:
    message = enqueue_email(1)

    assert admin_client.get(f"{URL}{message.pk}/resend/").status_code == 405


def test_resending_a_dead_message_from_its_page_is_audited_and_delivers_it(
    admin_client: Client,
    staff_by_role: dict[StaffRole, User],
    endpoint: WebhookEndpoint,
    receiver: WebhookReceiver,
    settings: Settings,
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 1
    message = enqueue_webhook(1)
    receiver.fail_with(500)
    services.outbox_deliver_due()
    receiver.fail_with(200)
    detail = admin_client.get(f"{URL}{message.pk}/").content.decode()
    assert f'action="/staff/notify/{message.pk}/resend/"' in detail

    response = admin_client.post(f"{URL}{message.pk}/resend/", follow=True)

    assert response.redirect_chain == [(f"/staff/notify/{message.pk}/", 302)]
    assert f"Message {message.pk} will be sent again." in response.content.decode()
    entry = AuditEntry.objects.get(action="notify.message.resent")
    assert entry.actor_id == staff_by_role[StaffRole.ADMINISTRATOR].pk
    assert entry.object_id == str(message.pk)
    assert entry.request_id not in {"", "-"}
    services.outbox_deliver_due(now=timezone.now())
    assert OutboxMessage.objects.get().state == MessageState.DELIVERED


def test_resending_a_message_that_is_not_dead_says_why(admin_client: Client) -> None:
    message = enqueue_email(1)

    response = admin_client.post(f"{URL}{message.pk}/resend/", follow=True)

    assert "Only dead messages can be resent; message" in response.content.decode()
    assert OutboxMessage.objects.get().state == MessageState.PENDING
    assert not AuditEntry.objects.filter(action="notify.message.resent").exists()
