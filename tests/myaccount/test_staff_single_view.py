"""Staff single view: a customer service adviser sees one resident's whole account, after an audited reason."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from tests.service_requests.conftest import NORTH_POINT
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.myaccount import selectors, services
from townhall.myaccount.constants import CONSENT_RESEARCH
from townhall.myaccount.models import ConsentPurpose
from townhall.notify import services as notify
from townhall.notify.models import Correspondence
from townhall.places.models import Address
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import Category

pytestmark = pytest.mark.django_db


def test_adviser_sees_details_preferences_consent_reports_and_messages(
    staff_client, resident: User, other_resident: User, pothole: Category
) -> None:
    found = request_services.service_request_create(
        acting_user=resident,
        reporter=resident,
        category=pothole,
        description="Hole by the school gate",
        channel=Channel.WEB,
        lat=NORTH_POINT[0],
        lng=NORTH_POINT[1],
        answers={"depth": "deep"},
    )
    services.address_change(
        acting_user=resident,
        user=resident,
        address=Address.objects.get(uprn=100_000_001),
        effective_from=timezone.localdate(),
    )
    text = selectors.consent_current_text(purpose=ConsentPurpose.objects.get(slug=CONSENT_RESEARCH))
    assert text is not None
    services.consent_decide(acting_user=resident, user=resident, text=text, given=True)
    preferences = selectors.preferences_for(user=resident)
    preferences.large_print = True
    preferences.save()
    with transaction.atomic():
        notify.correspondence_send(
            recipient=other_resident, subject="Neighbour's private letter", text="...", idempotency_key="n:1"
        )

    client, adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    page = client.post(f"/staff/residents/{resident.pk}/", {"reason": "contacted"}).content.decode()

    assert "12 Station Road" in page
    assert "Large print." in page
    assert "Agreed to version 1" in page
    assert found.reference in page
    acknowledgement = Correspondence.objects.get(recipient=resident)
    assert escape(acknowledgement.subject) in page
    assert "Neighbour&#x27;s private letter" not in page
    assert AuditEntry.objects.filter(
        actor_id=adviser.pk, action="resident.personal_data.viewed", object_id=str(resident.pk)
    ).exists()


def test_without_a_reason_nothing_is_shown(staff_client, resident: User) -> None:
    services.details_update(
        acting_user=resident,
        user=resident,
        values=services.DetailsInput(
            given_name="Rita", family_name="Resident", phone="07700 900 123", date_of_birth=None
        ),
    )
    client, _ = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    page = client.get(f"/staff/residents/{resident.pk}/").content.decode()
    assert "07700 900 123" not in page


def test_volunteer_list_is_for_advisers_and_managers_and_audited(staff_client, resident: User, borough) -> None:
    services.digital_champion_sign_up(acting_user=resident, user=resident, ward=borough.northfield, availability="Sat")
    client, adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    page = client.get("/staff/volunteers/").content.decode()
    assert resident.email in page
    assert "Northfield" in page
    assert AuditEntry.objects.filter(actor_id=adviser.pk, action="myaccount.volunteers.viewed").exists()


def test_volunteer_list_is_refused_to_other_roles(staff_client) -> None:
    client, _ = staff_client(StaffRole.DATA_STEWARD)
    assert client.get("/staff/volunteers/").status_code == 404
