"""Acting for someone: authorised by the person or by staff with evidence; every action is X on behalf of Y."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from tests.conftest import TEST_PASSWORD
from tests.service_requests.conftest import NORTH_POINT
from tests.service_requests.test_report_helpers import describe, path_of, to_check
from townhall.accounts import services as account_services
from townhall.accounts.constants import Relationship, StaffRole
from townhall.accounts.models import Representation, User
from townhall.audit.models import AuditEntry
from townhall.myaccount import selectors
from townhall.notify.models import Correspondence
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import Category, ServiceRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def carer(db) -> User:
    return account_services.user_create_resident(
        email="carer@example.org", password=TEST_PASSWORD, given_name="Cara", family_name="Carer", email_verified=True
    )


def authorise(client: Client, resident: User, carer: User) -> None:
    client.force_login(resident)
    response = client.post("/account/representatives/", {"email": carer.email, "relationship": "carer"})
    assert response.status_code == 302


def test_carer_acts_for_resident_and_the_audit_says_on_whose_behalf(
    client: Client, resident: User, carer: User
) -> None:
    authorise(client, resident, carer)
    assert Correspondence.objects.filter(recipient=carer, subject__contains="act for someone").exists()

    client.force_login(carer)
    assert "Rita Resident" in client.get("/account/representatives/").content.decode()
    assert client.post(f"/account/act-for/{resident.pk}/").status_code == 302
    page = client.get("/account/").content.decode()
    assert "You are acting for Rita Resident" in page

    client.post("/account/preferences/", {"channel": "letter", "topics": ["service_updates"], "large_print": "on"})
    preferences = selectors.preferences_for(user=resident)
    assert (preferences.channel, preferences.large_print) == ("letter", True)
    assert selectors.preferences_for(user=carer).pk is None
    entry = AuditEntry.objects.get(action="myaccount.preferences.changed")
    assert (entry.actor_id, entry.object_id) == (carer.pk, str(resident.pk))

    assert client.get("/account/timeline/feed/").status_code == 403, "a feed secret is for the holder only"

    client.post("/account/act-for/stop/")
    assert "You are acting for" not in client.get("/account/").content.decode()


def test_a_carer_acting_for_someone_reports_a_problem_as_theirs(
    client: Client, resident: User, carer: User, pothole: Category
) -> None:
    authorise(client, resident, carer)
    client.force_login(carer)
    client.post(f"/account/act-for/{resident.pk}/")

    first = to_check(client, pothole)
    check = describe(client, first, "Hole outside her gate")
    assert "You are reporting this for <strong>Rita Resident</strong>" in client.get(check).content.decode()
    path_of(client.post(check))

    created = ServiceRequest.objects.get()
    assert created.reporter == resident, "the report is the represented person's"
    assert created.recorded_by is None
    entry = AuditEntry.objects.get(action="service_request.created_on_behalf")
    assert (entry.actor_id, entry.object_id) == (carer.pk, created.reference)


def test_a_revoked_carer_reports_as_themselves(client: Client, resident: User, carer: User, pothole: Category) -> None:
    authorise(client, resident, carer)
    client.force_login(carer)
    client.post(f"/account/act-for/{resident.pk}/")
    first = to_check(client, pothole)
    check = describe(client, first, "Hole")
    Representation.objects.update(revoked_at=timezone.now())

    assert "You are reporting this for" not in client.get(check).content.decode()
    path_of(client.post(check))
    assert ServiceRequest.objects.get().reporter == carer
    assert not AuditEntry.objects.filter(action="service_request.created_on_behalf").exists()


def test_the_service_refuses_a_report_for_someone_not_represented(
    resident: User, carer: User, pothole: Category
) -> None:
    with pytest.raises(PermissionDenied):
        request_services.service_request_create(
            acting_user=carer,
            reporter=resident,
            category=pothole,
            description="Hole",
            channel=Channel.WEB,
            lat=NORTH_POINT[0],
            lng=NORTH_POINT[1],
            answers={"depth": "deep"},
        )
    assert not ServiceRequest.objects.exists()


def test_revoking_ends_acting_on_the_next_request(client: Client, resident: User, carer: User) -> None:
    authorise(client, resident, carer)
    representation = Representation.objects.get()
    carer_client = Client()
    carer_client.force_login(carer)
    carer_client.post(f"/account/act-for/{resident.pk}/")
    assert "You are acting for" in carer_client.get("/account/").content.decode()

    client.force_login(resident)
    assert client.post(f"/account/representatives/{representation.pk}/end/").status_code == 302

    assert "You are acting for" not in carer_client.get("/account/").content.decode()
    assert carer_client.post(f"/account/act-for/{resident.pk}/").status_code == 404


def test_nobody_else_can_act_or_end_it(client: Client, resident: User, carer: User, other_resident: User) -> None:
    authorise(client, resident, carer)
    client.force_login(other_resident)
    assert client.post(f"/account/act-for/{resident.pk}/").status_code == 404
    assert client.post(f"/account/representatives/{Representation.objects.get().pk}/end/").status_code == 404
    assert "You are acting for" not in client.get("/account/").content.decode()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "There is no account with that email address"),
        ("resident@example.org", "You cannot authorise yourself"),
    ],
)
def test_authorising_is_validated(client: Client, resident: User, email: str, message: str) -> None:
    client.force_login(resident)
    page = client.post("/account/representatives/", {"email": email, "relationship": "carer"}).content.decode()
    assert message in page
    assert not Representation.objects.exists()


def test_staff_authorise_with_evidence(staff_client, resident: User, carer: User) -> None:
    client, adviser = staff_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    url = f"/staff/residents/authorise-representative/{resident.pk}/"
    refused = client.post(url, {"email": carer.email, "relationship": Relationship.LASTING_POWER_OF_ATTORNEY})
    assert "Enter the evidence you checked" in refused.content.decode()
    done = client.post(
        url,
        {"email": carer.email, "relationship": Relationship.LASTING_POWER_OF_ATTORNEY, "evidence": "LPA ref 7000-1"},
    )
    assert "Authorisation recorded" in done.content.decode()
    representation = Representation.objects.get()
    assert (representation.authorised_by, representation.evidence) == (adviser, "LPA ref 7000-1")
    assert AuditEntry.objects.filter(action="account.representation.authorised", actor_id=adviser.pk).exists()
