"""Communication preferences, consulted by notify before anything optional is sent (issue 5, check 2).

Through the real outbox and a real SMTP server: the resident who opted out receives the
essential message and not the optional one; a resident who opted in receives both.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from tests.fakes.smtp_server import FakeSmtpServer
from townhall.accounts.models import User
from townhall.myaccount import selectors, services
from townhall.notify import services as notify
from townhall.notify.constants import Topic
from townhall.notify.models import Correspondence, OutboxMessage
from townhall.places.models import Address

pytestmark = pytest.mark.django_db(transaction=True)

OPT_OUT = {"channel": "email", "no_marketing": "on", "topics": ["service_updates", "consultations"]}
OPT_IN = {"channel": "email", "topics": ["service_updates", "consultations"], "personalised_timeline": "on"}


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer().start()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


def send_both(user: User) -> tuple[Correspondence | None, Correspondence | None]:
    with transaction.atomic():
        essential = notify.correspondence_send(
            recipient=user, subject="Your report DB-1", text="We have your report.", idempotency_key=f"ess:{user.pk}"
        )
        optional = notify.correspondence_send(
            recipient=user,
            subject="Have your say on the parks strategy",
            text="The consultation closes on Friday.",
            idempotency_key=f"opt:{user.pk}",
            topic=Topic.CONSULTATIONS,
        )
    return essential, optional


def test_an_opted_out_resident_gets_only_the_essential_message(
    client: Client, resident: User, other_resident: User, smtp_server: FakeSmtpServer
) -> None:
    client.force_login(resident)
    assert client.post("/account/preferences/", OPT_OUT).status_code == 302
    client.force_login(other_resident)
    assert client.post("/account/preferences/", OPT_IN).status_code == 302

    essential, optional = send_both(resident)
    assert essential is not None
    assert optional is None
    send_both(other_resident)
    notify.outbox_deliver_until_idle()

    received = sorted((mail.recipients[0], mail.message["Subject"]) for mail in smtp_server.messages)
    assert received == [
        (other_resident.email, "Have your say on the parks strategy"),
        (other_resident.email, "Your report DB-1"),
        (resident.email, "Your report DB-1"),
    ]
    assert not OutboxMessage.objects.filter(idempotency_key=f"opt:{resident.pk}").exists()
    assert list(Correspondence.objects.filter(recipient=resident).values_list("subject", flat=True)) == [
        "Your report DB-1"
    ]


@pytest.mark.parametrize(
    ("changes", "topic", "sent"),
    [
        ({}, Topic.SERVICE_UPDATES, True),  # the default: updates on what I use, nothing promotional
        ({}, Topic.WARD_NEWS, False),
        ({"ward_news": True}, Topic.WARD_NEWS, True),
        ({"ward_news": True, "no_marketing": True}, Topic.WARD_NEWS, False),
        ({"no_marketing": True}, Topic.SERVICE_UPDATES, True),  # not marketing
        ({"channel": "none"}, Topic.SERVICE_UPDATES, False),
    ],
)
def test_topic_rules(resident: User, changes: dict[str, object], topic: Topic, sent: bool) -> None:
    preferences = selectors.preferences_for(user=resident)
    for name, value in changes.items():
        setattr(preferences, name, value)
    preferences.save()
    assert (selectors.contact_route(user=resident, topic=topic) is not None) is sent


def test_text_messages_go_to_the_profile_phone_and_fall_back_to_email(client: Client, resident: User) -> None:
    client.force_login(resident)
    client.post("/account/preferences/", {"channel": "sms", "topics": ["service_updates"]})
    assert selectors.contact_route(user=resident, topic=Topic.SERVICE_UPDATES) == selectors.ContactRoute(
        "email", resident.email
    )
    client.post("/account/details/", {"given_name": "Rita", "family_name": "Resident", "phone": "07700 900 982"})
    assert selectors.contact_route(user=resident, topic=Topic.SERVICE_UPDATES) == selectors.ContactRoute(
        "sms", "07700 900 982"
    )
    assert selectors.contact_route(user=resident, topic=None) == selectors.ContactRoute("email", resident.email)


def test_a_letter_goes_to_the_gazetteer_address_and_falls_back_to_email_without_one(
    client: Client, resident: User, borough
) -> None:
    client.force_login(resident)
    client.post("/account/preferences/", {"channel": "letter", "topics": ["service_updates"]})
    assert selectors.contact_route(user=resident, topic=Topic.SERVICE_UPDATES) == selectors.ContactRoute(
        "email", resident.email
    )
    services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=timezone.localdate(),
    )
    with transaction.atomic():
        letter = notify.correspondence_send(
            recipient=resident,
            subject="Changes to your bin day",
            text="From 1 March your bins are collected on Tuesdays.",
            idempotency_key="letter:1",
            topic=Topic.SERVICE_UPDATES,
        )
    assert letter is not None
    assert letter.channel == "letter"
    assert letter.outbox_message is not None
    assert letter.outbox_message.payload["address_lines"] == ["Rita Resident", "12 Station Road", "Demoton", "TS40 1AB"]
    page = client.get(f"/account/messages/{letter.pk}/").content.decode()
    assert "From 1 March your bins are collected on Tuesdays." in page


def test_invalid_preferences_are_refused_and_nothing_changes(client: Client, resident: User) -> None:
    client.force_login(resident)
    response = client.post("/account/preferences/", {"channel": "pigeon", "preferred_language": "x" * 61})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Preferred language must be 60 characters or fewer" in page
    assert selectors.preferences_for(user=resident).pk is None
