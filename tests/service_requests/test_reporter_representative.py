"""A representative acting for someone (MyAccount's switch) sees that person's report as they do: add an update,
reopen it. The authorisation is checked on every request: once revoked, they are the public again (404 on POST)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests.conftest import TEST_PASSWORD
from tests.service_requests.test_backoffice_queue import report
from tests.service_requests.test_reporter_updates import closed, track
from townhall.accounts import services as account_services
from townhall.accounts.constants import Relationship
from townhall.accounts.models import Representation, User
from townhall.audit.models import AuditEntry
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import Category, RequestUpdate, ServiceRequest

pytestmark = pytest.mark.django_db

TELL_US_MORE = "Tell us more about your report"


@pytest.fixture
def carer(db) -> User:
    return account_services.user_create_resident(
        email="carer@example.org", password=TEST_PASSWORD, given_name="Cara", family_name="Carer", email_verified=True
    )


@pytest.fixture
def representation(resident: User, carer: User) -> Representation:
    return account_services.representation_authorise(
        acting_user=resident, represented=resident, representative_email=carer.email, relationship=Relationship.CARER
    )


def acting_for(carer: User, resident: User) -> Client:
    client = Client()
    client.force_login(carer)
    assert client.post(f"/account/act-for/{resident.pk}/").status_code == 302
    return client


def their_report(pothole: Category, resident: User) -> ServiceRequest:
    return report(pothole, reporter=resident, contact=None)


def test_a_representative_adds_an_update_as_the_person_would(pothole, resident, carer, representation) -> None:
    created = their_report(pothole, resident)
    client = acting_for(carer, resident)
    assert TELL_US_MORE in track(client, created)
    response = client.post(f"/report/{created.reference}/update/", {"message": "She says it is deeper"})
    assert response.status_code == 302
    update = RequestUpdate.objects.get(request=created, public_message="She says it is deeper")
    assert update.author == carer, "the history says who was at the keyboard"
    entry = AuditEntry.objects.get(action=services.ACTION_REQUEST_REPORTER_UPDATE, object_id=created.reference)
    assert entry.actor_id == carer.pk
    assert entry.reason == f"On behalf of user {resident.pk}, whom they are authorised to act for."


def test_a_representative_reopens_the_persons_fixed_report(pothole, resident, carer, representation) -> None:
    created = closed(their_report(pothole, resident), days_ago=3)
    client = acting_for(carer, resident)
    assert "Reopen report" in track(client, created)
    assert client.post(f"/report/{created.reference}/reopen/", {"reason": "Back again"}).status_code == 302
    created.refresh_from_db()
    assert created.status == Status.REOPENED
    entry = AuditEntry.objects.filter(action="service_request.status.changed", object_id=created.reference).latest(
        "sequence"
    )
    assert entry.actor_id == carer.pk
    assert entry.reason == f"fixed -> reopened. On behalf of user {resident.pk}, whom they are authorised to act for."


def test_without_switching_to_the_person_a_representative_is_the_public(
    pothole, resident, carer, representation
) -> None:
    created = their_report(pothole, resident)
    client = Client()
    client.force_login(carer)
    assert TELL_US_MORE not in track(client, created)
    assert client.post(f"/report/{created.reference}/update/", {"message": "Mine"}).status_code == 404


def test_acting_for_someone_gives_nothing_on_other_peoples_reports(
    pothole, resident, other_resident, carer, representation
) -> None:
    neighbours = report(pothole, reporter=other_resident, contact=None)
    client = acting_for(carer, resident)
    assert TELL_US_MORE not in track(client, neighbours)
    assert client.post(f"/report/{neighbours.reference}/update/", {"message": "Mine"}).status_code == 404


def test_a_revoked_representative_gets_404(pothole, resident, carer, representation) -> None:
    created = their_report(pothole, resident)
    client = acting_for(carer, resident)
    assert TELL_US_MORE in track(client, created)
    account_services.representation_revoke(acting_user=resident, representation_id=representation.pk)

    assert TELL_US_MORE not in track(client, created)
    assert client.post(f"/report/{created.reference}/update/", {"message": "Still here"}).status_code == 404
    closed(created, days_ago=1)
    assert "Reopen report" not in track(client, created)
    assert client.post(f"/report/{created.reference}/reopen/", {"reason": "Still here"}).status_code == 404
    created.refresh_from_db()
    assert created.status == Status.FIXED
    assert not RequestUpdate.objects.filter(public_message="Still here").exists()


def test_the_service_refuses_someone_neither_the_reporter_nor_authorised(
    pothole, resident, carer, representation
) -> None:
    created = their_report(pothole, resident)
    account_services.representation_revoke(acting_user=resident, representation_id=representation.pk)
    with pytest.raises(PermissionDenied):
        services.service_request_reporter_update(acting_user=carer, service_request=created, message="Hello")
    closed(created, days_ago=1)
    with pytest.raises(PermissionDenied):
        services.service_request_reporter_reopen(acting_user=carer, service_request=created, reason="Hello")
    assert not RequestUpdate.objects.filter(public_message="Hello").exists()
