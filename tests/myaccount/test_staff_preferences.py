"""An adviser changes a resident's contact preferences at their request: audited, and the resident is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.myaccount import selectors, services
from townhall.myaccount.constants import ACTION_PREFERENCES_CHANGED, ACTION_PREFERENCES_VIEWED_BY_STAFF
from townhall.notify.models import Correspondence, OutboxMessage

pytestmark = pytest.mark.django_db

CHANGE = {
    "asked_by": "phone",
    "channel": "letter",
    "topics": ["consultations"],
    "large_print": "on",
    "preferred_language": "Polish",
    "note": "Prefers letters since her eyesight got worse",
}


def url(resident: User) -> str:
    return f"/staff/residents/contact-preferences/{resident.pk}/"


def test_adviser_changes_preferences_for_a_resident_who_phoned(staff_client, resident: User) -> None:
    client, adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)

    page = client.get(url(resident))
    assert page.status_code == 200
    assert AuditEntry.objects.filter(
        actor_id=adviser.pk, action=ACTION_PREFERENCES_VIEWED_BY_STAFF, object_id=str(resident.pk)
    ).exists(), "showing a resident's preferences to staff is audited"

    response = client.post(url(resident), CHANGE)

    assert response.status_code == 302
    saved = selectors.preferences_for(user=resident)
    assert (saved.channel, saved.consultations, saved.large_print) == ("letter", True, True)
    assert saved.preferred_language == "Polish"
    entry = AuditEntry.objects.get(actor_id=adviser.pk, action=ACTION_PREFERENCES_CHANGED)
    assert entry.object_id == str(resident.pk)
    assert entry.reason == "Asked by the resident on the phone: Prefers letters since her eyesight got worse"
    told = Correspondence.objects.get(recipient=resident)
    assert told.subject == "We changed your contact preferences"
    assert "on the phone" in told.body_text
    assert OutboxMessage.objects.filter(destination=resident.email).exists(), "essential: sent by email"


def test_without_saying_how_the_resident_asked_nothing_changes(staff_client, resident: User) -> None:
    client, _ = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    before = selectors.preferences_for(user=resident).channel

    response = client.post(url(resident), {**CHANGE, "asked_by": ""})

    assert response.status_code == 200
    assert "Choose how the resident asked for this change" in response.content.decode()
    assert selectors.preferences_for(user=resident).channel == before
    assert not AuditEntry.objects.filter(action=ACTION_PREFERENCES_CHANGED).exists()
    assert not Correspondence.objects.exists()


@pytest.mark.parametrize(
    "role", [StaffRole.INFORMATION_GOVERNANCE_OFFICER, StaffRole.TEAM_MANAGER, StaffRole.DATA_STEWARD]
)
def test_other_staff_cannot_change_preferences(staff_client, resident: User, role: StaffRole) -> None:
    client, _ = staff_client(role)
    assert client.get(url(resident)).status_code in {403, 404}
    assert client.post(url(resident), CHANGE).status_code in {403, 404}
    assert selectors.preferences_for(user=resident).channel != "letter"


def test_the_service_refuses_anyone_but_advisers_and_case_officers_and_staff_targets(
    staff_client, resident: User, other_resident: User
) -> None:
    values = services.PreferencesInput(
        channel="letter",
        topics=frozenset(),
        no_marketing=False,
        large_print=False,
        easy_read=False,
        british_sign_language=False,
        preferred_language="",
        personalised_timeline=True,
        interests=(),
    )
    with pytest.raises(PermissionDenied):
        services.preferences_change_for_resident(
            acting_user=other_resident, user=resident, values=values, asked_by="phone"
        )


def test_a_member_of_staff_is_not_a_resident_here(staff_client) -> None:
    client, adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    assert client.get(url(adviser)).status_code == 404
