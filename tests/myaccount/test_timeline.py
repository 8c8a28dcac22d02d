"""The dashboard, timeline, inbox and private feed, built from what other apps hold about the resident."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.test import Client
from django.utils import timezone

from tests.service_requests.conftest import NORTH_POINT, Borough
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.myaccount import selectors, services
from townhall.myaccount.models import SuggestionOpened
from townhall.notify.models import Correspondence
from townhall.places.models import Address
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, ServiceRequest

pytestmark = pytest.mark.django_db

INTERNAL_NOTE = "Caller sounded distressed, check on them"


def report(user: User, category: Category) -> ServiceRequest:
    return request_services.service_request_create(
        acting_user=user,
        reporter=user,
        category=category,
        description="Deep hole by the bus stop",
        channel=Channel.WEB,
        lat=NORTH_POINT[0],
        lng=NORTH_POINT[1],
        answers={"depth": "deep"},
    )


def close_as_fixed(found: ServiceRequest, officer: User) -> None:
    request_services.service_request_status_change(
        acting_user=officer, service_request=found, to=Status.FIXED, public_message="Filled today."
    )


def test_timeline_shows_requests_updates_and_messages_but_no_internal_note(
    client: Client, resident: User, pothole: Category, staff_by_role: dict[StaffRole, User]
) -> None:
    found = report(resident, pothole)
    request_services.service_request_status_change(
        acting_user=staff_by_role[StaffRole.ADMINISTRATOR],
        service_request=found,
        to=Status.IN_PROGRESS,
        public_message="A crew is booked for Tuesday.",
        internal_note=INTERNAL_NOTE,
    )
    client.force_login(resident)

    page = client.get("/account/timeline/").content.decode()
    assert f"You reported: {pothole.name}" in page
    assert "A crew is booked for Tuesday." in page
    assert "Status changed to in progress." in page
    acknowledgement = Correspondence.objects.get(recipient=resident)
    assert acknowledgement.subject in page
    assert INTERNAL_NOTE not in page

    only_messages = client.get("/account/timeline/?kind=message").content.decode()
    assert acknowledgement.subject in only_messages
    assert "A crew is booked" not in only_messages
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "Nothing to show with these filters" in client.get(f"/account/timeline/?since={tomorrow}").content.decode()
    bad = client.get("/account/timeline/?since=2026-02-30&kind=nonsense").content.decode()
    assert "govuk-error-summary" in bad


def test_dashboard_shows_open_reports_unread_messages_and_fixed_reports_to_check(
    client: Client, resident: User, pothole: Category, staff_by_role: dict[StaffRole, User]
) -> None:
    still_open = report(resident, pothole)
    fixed = report(resident, pothole)
    close_as_fixed(fixed, staff_by_role[StaffRole.ADMINISTRATOR])
    client.force_login(resident)

    page = client.get("/account/").content.decode()
    assert still_open.reference in page
    assert f'We marked your report <a class="govuk-link" href="/report/{fixed.reference}/">' in page
    assert "You have 2 unread messages" in page

    message = Correspondence.objects.filter(recipient=resident).first()
    assert message is not None
    client.get(f"/account/messages/{message.pk}/")
    message.refresh_from_db()
    assert message.read_at is not None
    assert "You have 1 unread message<" in client.get("/account/").content.decode()
    client.post("/account/messages/")
    assert not Correspondence.objects.filter(recipient=resident, read_at__isnull=True).exists()


def test_message_download_is_the_residents_own_text(client: Client, resident: User, pothole: Category) -> None:
    report(resident, pothole)
    message = Correspondence.objects.get(recipient=resident)
    client.force_login(resident)
    response = client.get(f"/account/messages/{message.pk}/download/")
    assert response["Content-Disposition"] == f'attachment; filename="message-{message.pk}.txt"'
    assert message.body_text in response.content.decode()


def test_suggestions_say_why_and_stop_when_personalisation_is_off(
    client: Client,
    resident: User,
    other_resident: User,
    pothole: Category,
    borough: Borough,
    staff_by_role: dict[StaffRole, User],
) -> None:
    neighbours = report(other_resident, pothole)
    close_as_fixed(neighbours, staff_by_role[StaffRole.ADMINISTRATOR])
    client.force_login(resident)
    assert not selectors.suggestions_for(resident), "no ward, no interests: nothing to base a suggestion on"

    services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=timezone.localdate(),
    )
    preferences = selectors.preferences_for(user=resident)
    preferences.save()
    preferences.interests.set([pothole.group])
    [suggestion] = selectors.suggestions_for(resident)
    assert suggestion.why == "Because you live in Northfield ward and you follow Roads and pavements."
    page = client.get("/account/timeline/").content.decode()
    assert suggestion.why in page
    assert other_resident.email not in page

    response = client.get(f"/account/timeline/suggestion/{neighbours.reference}/")
    assert response.status_code == 302
    assert response["Location"] == f"/report/{neighbours.reference}/"
    assert SuggestionOpened.objects.filter(user=resident, category_group=pothole.group).count() == 1
    [suggestion] = selectors.suggestions_for(resident)
    assert suggestion.reasons[-1] == "you opened other Roads and pavements items"

    preferences.personalised_timeline = False
    preferences.save()
    assert not selectors.suggestions_for(resident)
    assert "Suggestions are switched off" in client.get("/account/timeline/").content.decode()


def test_private_feed_works_only_at_its_live_secret_address(
    client: Client, resident: User, other_resident: User, pothole: Category
) -> None:
    found = report(resident, pothole)
    report(other_resident, pothole)
    client.force_login(resident)
    page = client.post("/account/timeline/feed/", {"action": "reset"}).content.decode()
    feed_path = page.split('id="feed-url" type="text" value="http://testserver', 1)[1].split('"', 1)[0]
    client.logout()

    response = client.get(feed_path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert found.reference in body
    assert other_resident.email not in body
    assert "tag:townhall,2026:timeline/request-" in body

    client.force_login(resident)
    client.post("/account/timeline/feed/", {"action": "reset"})
    assert client.get(feed_path).status_code == 404, "a replaced secret stops working at once"
    client.post("/account/timeline/feed/", {"action": "revoke"})
    assert not selectors.timeline_feed_exists(user=resident)
    client.force_login(other_resident)
    assert "value=" not in client.get("/account/timeline/feed/").content.decode().split("feed-url")[0][-40:]


def test_feed_of_a_closed_account_is_gone(client: Client, resident: User) -> None:
    token = services.timeline_feed_reset(acting_user=resident, user=resident)
    assert client.get(f"/feeds/account/{token}/").status_code == 200
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert client.get(f"/feeds/account/{token}/").status_code == 404


def test_change_of_address_keeps_history_and_tells_subscribers_after_commit(
    client: Client, resident: User, borough: Borough, django_capture_on_commit_callbacks
) -> None:
    heard: list[dict[str, object]] = []

    def receiver(**kwargs: object) -> None:
        heard.append(kwargs)

    services.address_changed.connect(receiver)
    try:
        client.force_login(resident)
        found = client.get("/account/details/address/?postcode=ts40+1ab").content.decode()
        assert "12 Station Road" in found
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/account/details/address/?postcode=TS40+1AB",
                {"address": "100000001", "effective_from": timezone.localdate().isoformat()},
            )
        assert response.status_code == 302
    finally:
        services.address_changed.disconnect(receiver)
    assert heard
    assert heard[0]["address_uprn"] == 100_000_001
    assert heard[0]["user_id"] == resident.pk
    profile = selectors.profile_for(user=resident)
    assert profile.address is not None
    assert profile.address.ward == borough.northfield
    assert [change.address_text for change in selectors.address_history(user=resident)] == [profile.address_text]

    nothing = client.get("/account/details/address/?postcode=TS99+9ZZ").content.decode()
    assert "We could not find any addresses with that postcode" in nothing
    invalid = client.get("/account/details/address/?postcode=ZZ99+9ZZ+X").content.decode()
    assert "is not a valid UK postcode" in invalid
    refused = client.post(
        "/account/details/address/?postcode=TS40+1AB", {"address": "100000001", "effective_from": "1990-01-01"}
    )
    assert "The date you moved must be within a year of today" in refused.content.decode()
    assert len(selectors.address_history(user=resident)) == 1


def test_details_are_validated(client: Client, resident: User) -> None:
    client.force_login(resident)
    response = client.post("/account/details/", {"phone": "call me", "date_of_birth": "2999-01-01"})
    page = response.content.decode()
    assert "Enter a phone number" in page
    assert "Date of birth must be in the past" in page
    assert selectors.profile_for(user=resident).pk is None


def test_volunteering_sign_up_and_withdraw(client: Client, resident: User, borough: Borough) -> None:
    client.force_login(resident)
    response = client.post(
        "/account/volunteering/", {"action": "save", "ward": borough.northfield.pk, "availability": "Saturdays"}
    )
    assert response.status_code == 302
    assert [champion.user for champion in selectors.digital_champions()] == [resident]
    client.post("/account/volunteering/", {"action": "withdraw"})
    assert selectors.digital_champions() == []
    assert "Tell us when you can help" in client.post("/account/volunteering/", {"action": "save"}).content.decode()


def pdf_text(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, so dictionary names can be looked for."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_a_message_downloads_as_an_accessible_pdf_for_its_recipient_only(
    client: Client, resident: User, other_resident: User, pothole: Category
) -> None:
    report(resident, pothole)
    message = Correspondence.objects.get(recipient=resident)
    client.force_login(resident)
    response = client.get(f"/account/messages/{message.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="message-{message.pk}.pdf"'
    pdf = pdf_text(response.content)
    assert response.content.startswith(b"%PDF-")
    assert b"/StructTreeRoot" in pdf, "tagged, so screen readers can follow it"
    assert b"/Lang" in pdf
    assert b"pdfuaid" in pdf, "declares PDF/UA-1"
    client.force_login(other_resident)
    assert client.get(f"/account/messages/{message.pk}/pdf/").status_code == 404
