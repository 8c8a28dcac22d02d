"""StaffAreaMiddleware: the one door into /staff/ (signed in, council staff, authenticator set up and used)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.conftest import sign_in_with_mfa
from tests.conftest import TEST_PASSWORD
from townhall.accounts import selectors, services
from townhall.accounts.constants import StaffRole


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/staff/", "/staff", "/staff/residents/?q=rita"])
def test_anonymous_visitors_are_sent_to_sign_in_and_brought_back(client, path):
    response = client.get(path)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("account_login")
    assert parse_qs(location.query) == {"next": [path]}


def test_residents_get_not_found(client, resident):
    client.force_login(resident)

    response = client.get("/staff/")

    assert response.status_code == 404
    assert resident.email not in response.content.decode()


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, make_staff):
    member = make_staff(StaffRole.CASE_OFFICER, mfa=False)
    client.force_login(member)

    response = client.get("/staff/residents/")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_whose_session_did_not_use_the_authenticator_must_enter_a_code(client, make_staff):
    member = make_staff(StaffRole.CASE_OFFICER)
    client.force_login(member)  # a session that never saw the authenticator app

    response = client.get("/staff/residents/")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("mfa_reauthenticate")
    assert parse_qs(location.query) == {"next": ["/staff/residents/"]}


def test_staff_signed_in_with_password_and_code_reach_the_staff_area(client, make_staff):
    member = make_staff(StaffRole.CASE_OFFICER)
    sign_in_with_mfa(client, member)

    assert client.get("/staff/").status_code == 200


def test_first_sign_in_journey_set_up_then_prove_the_authenticator(client, make_staff):
    """Someone taken on by createstaff: password only, then set up TOTP, then enter a code to get in."""
    member = make_staff(StaffRole.CUSTOMER_SERVICE_ADVISER, mfa=False)
    response = client.post("/auth/login/", {"login": member.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/staff/")["Location"] == reverse("mfa_activate_totp")

    services.staff_enrol_totp(member)  # as if through allauth's set-up page
    response = client.get("/staff/")
    assert urlsplit(response["Location"]).path == reverse("mfa_reauthenticate")

    response = client.post(reverse("mfa_reauthenticate"), {"code": selectors.staff_totp_code(member)})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth records the set-up in an on_commit callback
def test_setting_up_the_app_through_its_page_counts_as_using_it(client, make_staff):
    """Typing a valid code to set the app up proves the second factor: no second code straight after."""
    member = make_staff(StaffRole.CUSTOMER_SERVICE_ADVISER, mfa=False)
    client.post("/auth/login/", {"login": member.email, "password": TEST_PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret

    code = selectors.totp_code_at(secret=secret, at=timezone.now())
    response = client.post(reverse("mfa_activate_totp"), {"code": code})

    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_other_areas_are_not_affected(client, resident):
    client.force_login(resident)

    assert client.get("/account/").status_code == 200
