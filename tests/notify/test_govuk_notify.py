"""The GOV.UK Notify backend against a local fake of Notify's REST API v2 (tests/fakes/notify_api.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from pytest_django.fixtures import Settings

from tests.fakes.notify_api import FakeNotifyApi
from tests.notify.conftest import enqueue_email, later
from townhall.notify import services
from townhall.notify.backends.govuk_notify import notify_token
from townhall.notify.conf import outbox_settings, parse_notify_api_key
from townhall.notify.constants import MessageState
from townhall.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db

SERVICE_ID = str(uuid.UUID(int=0x1234))
SECRET = str(uuid.UUID(int=0xABCDEF))
EMAIL_TEMPLATE = str(uuid.UUID(int=1))
SMS_TEMPLATE = str(uuid.UUID(int=2))
OWN_TEMPLATE = str(uuid.UUID(int=3))


@pytest.fixture
def notify_api(settings: Settings) -> Iterator[FakeNotifyApi]:
    api = FakeNotifyApi(SERVICE_ID, SECRET, templates={EMAIL_TEMPLATE, SMS_TEMPLATE, OWN_TEMPLATE}).start()
    settings.NOTIFY_API_KEY = api.api_key("townhall-test")
    settings.NOTIFY_API_URL = api.base_url
    settings.NOTIFY_EMAIL_BACKEND = "govuk_notify"
    settings.NOTIFY_EMAIL_TEMPLATE_ID = EMAIL_TEMPLATE
    settings.NOTIFY_SMS_TEMPLATE_ID = SMS_TEMPLATE
    yield api
    api.stop()


def test_the_api_key_splits_into_service_id_and_secret() -> None:
    key = parse_notify_api_key(f"my-key-name-{SERVICE_ID}-{SECRET}")

    assert (key.service_id, key.secret) == (SERVICE_ID, SECRET)
    with pytest.raises(ImproperlyConfigured, match=r"not a GOV\.UK Notify API key"):
        parse_notify_api_key("not-a-key")


def test_the_token_is_an_hs256_jwt_naming_the_service() -> None:
    token = notify_token(parse_notify_api_key(f"k-{SERVICE_ID}-{SECRET}"), issued_at=1_700_000_000)

    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
    assert claims == {"iss": SERVICE_ID, "iat": 1_700_000_000}


def test_an_email_goes_to_notify_with_the_generic_template_and_the_key_as_reference(
    notify_api: FakeNotifyApi,
) -> None:
    message = enqueue_email(5, to="rita@example.org")

    report = services.outbox_deliver_due()

    assert report.delivered == 1
    [call] = notify_api.calls
    assert call.status == 201
    assert call.path == "/v2/notifications/email"
    assert call.claims is not None
    assert call.claims["iss"] == SERVICE_ID
    assert call.body == {
        "email_address": "rita@example.org",
        "template_id": EMAIL_TEMPLATE,
        "personalisation": {"subject": "We have your report SR-5", "body": "Thank you. Your reference is SR-5."},
        "reference": "service_request:5:acknowledgement",
    }
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED
    assert message.provider_reference == call.response["id"]


def test_a_payload_may_choose_its_own_template_and_personalisation(notify_api: FakeNotifyApi) -> None:
    with transaction.atomic():
        services.outbox_enqueue(
            channel="email",
            destination="rita@example.org",
            payload={
                "subject": "Your bin collection",
                "text": "Tuesday",
                "template_id": OWN_TEMPLATE,
                "personalisation": {"day": "Tuesday"},
            },
            idempotency_key="bins:1",
        )

    services.outbox_deliver_due()

    [call] = notify_api.accepted()
    assert (call.body["template_id"], call.body["personalisation"]) == (OWN_TEMPLATE, {"day": "Tuesday"})


def test_a_text_message_goes_to_notify(notify_api: FakeNotifyApi) -> None:
    with transaction.atomic():
        message = services.sms_enqueue(
            phone_number="07700 900123", text="Your report SR-5 is fixed.", idempotency_key="t1"
        )

    services.outbox_deliver_due()

    [call] = notify_api.accepted()
    assert call.path == "/v2/notifications/sms"
    assert call.body == {
        "phone_number": "07700 900123",
        "template_id": SMS_TEMPLATE,
        "personalisation": {"body": "Your report SR-5 is fixed."},
        "reference": "t1",
    }
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED


def test_notify_refusing_the_message_makes_it_dead_without_the_address_in_the_error(
    notify_api: FakeNotifyApi,
) -> None:
    with transaction.atomic():
        services.sms_enqueue(phone_number="020 7946 0000", text="Hello", idempotency_key="t1")  # a landline

    services.outbox_deliver_due()

    message = OutboxMessage.objects.get()
    assert message.state == MessageState.DEAD
    assert (
        message.last_error == "GOV.UK Notify answered HTTP 400 (ValidationError: phone_number Not a UK mobile number)."
    )


@pytest.mark.parametrize("status", [429, 500])
def test_rate_limits_and_outages_at_notify_are_retried(notify_api: FakeNotifyApi, status: int) -> None:
    enqueue_email(1)
    notify_api.fail_with(status)

    services.outbox_deliver_due()
    assert OutboxMessage.objects.get().state == MessageState.RETRYING

    notify_api.fail_with(None)
    services.outbox_deliver_due(now=later(hours=1))
    assert OutboxMessage.objects.get().state == MessageState.DELIVERED
    assert [call.status for call in notify_api.calls] == [status, 201]


def test_a_wrong_secret_is_refused_by_notify_and_retried(notify_api: FakeNotifyApi, settings: Settings) -> None:
    settings.NOTIFY_API_KEY = f"townhall-test-{SERVICE_ID}-{uuid.UUID(int=99)}"
    enqueue_email(1)

    services.outbox_deliver_due()

    [call] = notify_api.calls
    assert call.status == 403
    message = OutboxMessage.objects.get()
    assert message.state == MessageState.RETRYING
    assert message.last_error.startswith("GOV.UK Notify answered HTTP 403 (AuthError: Invalid token")


def test_choosing_notify_for_email_without_a_key_is_a_configuration_error(settings: Settings) -> None:
    settings.NOTIFY_EMAIL_BACKEND = "govuk_notify"
    settings.NOTIFY_API_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="NOTIFY_API_KEY"):
        outbox_settings()


def test_text_messages_wait_when_notify_is_not_configured() -> None:
    with transaction.atomic():
        services.sms_enqueue(phone_number="07700 900123", text="Hi", idempotency_key="t1")

    services.outbox_deliver_due()

    message = OutboxMessage.objects.get()
    assert message.state == MessageState.RETRYING
    assert message.last_error == "GOV.UK Notify is not configured: set NOTIFY_API_KEY."
