"""Identity assurance: a PIN posted through GOV.UK Notify (a local fake of its API), or staff checking documents."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.conftest import TEST_PASSWORD
from tests.fakes.notify_api import FakeNotifyApi
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.myaccount import selectors, services
from townhall.myaccount.models import IdentityPin
from townhall.notify import services as notify
from townhall.notify.models import Correspondence, OutboxMessage
from townhall.places.models import Address

pytestmark = pytest.mark.django_db

SERVICE_ID = str(uuid.UUID(int=0x5678))
SECRET = str(uuid.UUID(int=0xFEDCBA))
LETTER_TEMPLATE = str(uuid.UUID(int=7))


@pytest.fixture
def notify_api(settings: Settings) -> Iterator[FakeNotifyApi]:
    api = FakeNotifyApi(SERVICE_ID, SECRET, templates={LETTER_TEMPLATE}).start()
    settings.NOTIFY_API_KEY = api.api_key("townhall-test")
    settings.NOTIFY_API_URL = api.base_url
    settings.NOTIFY_LETTER_TEMPLATE_ID = LETTER_TEMPLATE
    yield api
    api.stop()


@pytest.fixture
def resident_at_home(resident: User, borough) -> User:
    services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=timezone.localdate(),
    )
    return resident


def posted_pin(api: FakeNotifyApi) -> str:
    [call] = [call for call in api.calls if call.path == "/v2/notifications/letter"]
    match = re.search(r"Your PIN is: ([A-Z0-9]{4}-[A-Z0-9]{4})", call.body["personalisation"]["body"])
    assert match, call.body
    return match.group(1)


def test_a_pin_is_posted_and_confirms_the_identity(
    client: Client, resident_at_home: User, notify_api: FakeNotifyApi
) -> None:
    client.force_login(resident_at_home)
    assert "Get a PIN by post" in client.get("/account/identity/").content.decode()
    client.post("/account/identity/", {"action": "post"})
    notify.outbox_deliver_until_idle()

    [call] = notify_api.calls
    assert call.status == 201
    personalisation = call.body["personalisation"]
    lines = [personalisation[f"address_line_{n}"] for n in range(1, 8) if f"address_line_{n}" in personalisation]
    assert lines == ["Rita Resident", "12 Station Road", "Demoton", "TS40 1AB"]
    pin = posted_pin(notify_api)
    inbox_copy = Correspondence.objects.get(recipient=resident_at_home, channel="letter")
    assert pin not in inbox_copy.body_text, "the PIN proves the address only if it is in the letter alone"
    assert pin.replace("-", "") not in str(IdentityPin.objects.values_list().get())

    page = client.post("/account/identity/", {"action": "confirm", "pin": "WRON-GPIN"}).content.decode()
    assert "The PIN is not right" in page
    assert "4 more tries" in page
    assert selectors.identity_verified(user=resident_at_home) is None

    client.post("/account/identity/", {"action": "confirm", "pin": pin.lower()})
    verification = selectors.identity_verified(user=resident_at_home)
    assert verification is not None
    assert verification.method == "postal_pin"
    assert "Your identity was confirmed" in client.get("/account/identity/").content.decode()
    assert AuditEntry.objects.filter(action="myaccount.identity.verified", object_id=str(resident_at_home.pk)).exists()


def test_five_wrong_tries_use_up_the_letter(resident_at_home: User, notify_api: FakeNotifyApi) -> None:
    services.identity_pin_post(acting_user=resident_at_home, user=resident_at_home)
    for _ in range(5):
        with pytest.raises(services.IdentityError):
            services.identity_pin_confirm(user=resident_at_home, pin="AAAA-AAAA")
    notify.outbox_deliver_until_idle()
    with pytest.raises(services.IdentityError, match="too many times"):
        services.identity_pin_confirm(user=resident_at_home, pin=posted_pin(notify_api))
    assert IdentityPin.objects.get().attempts == 5


def test_an_expired_pin_and_too_many_letters_are_refused(resident_at_home: User) -> None:
    long_ago = timezone.now() - timezone.timedelta(days=40)
    services.identity_pin_post(acting_user=resident_at_home, user=resident_at_home, now=long_ago)
    with pytest.raises(services.IdentityError, match="no PIN waiting"):
        services.identity_pin_confirm(user=resident_at_home, pin="AAAA-AAAA")
    for _ in range(3):
        services.identity_pin_post(acting_user=resident_at_home, user=resident_at_home)
    with pytest.raises(services.IdentityError, match="3 PINs in the last 30 days"):
        services.identity_pin_post(acting_user=resident_at_home, user=resident_at_home)
    assert OutboxMessage.objects.filter(channel="letter").count() == 4


def test_no_address_no_letter(client: Client, resident: User) -> None:
    client.force_login(resident)
    assert "Add your address</a> first" in client.get("/account/identity/").content.decode()
    with pytest.raises(services.IdentityError, match="Add your address"):
        services.identity_pin_post(acting_user=resident, user=resident)


def test_staff_confirm_identity_from_documents(staff_client, resident: User) -> None:
    client, adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    url = f"/staff/residents/verify-identity/{resident.pk}/"
    assert "Enter what you checked" in client.post(url, {"evidence": " "}).content.decode()
    assert "Identity confirmed" in client.post(url, {"evidence": "Passport and council tax bill"}).content.decode()
    verification = selectors.identity_verified(user=resident)
    assert verification is not None
    assert (verification.method, verification.verified_by) == ("staff_evidence", adviser)


def test_a_representative_cannot_confirm_someone_elses_identity(client: Client, resident: User) -> None:

    carer = account_services.user_create_resident(
        email="carer@example.org", password=TEST_PASSWORD, email_verified=True
    )
    account_services.representation_authorise(
        acting_user=resident, represented=resident, representative_email=carer.email, relationship="carer"
    )
    client.force_login(carer)
    client.post(f"/account/act-for/{resident.pk}/")
    assert client.get("/account/identity/").status_code == 403
