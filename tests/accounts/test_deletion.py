"""A resident asks for their account to be deleted: closed at once, audited, confirmed by email."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import TEST_PASSWORD
from townhall.accounts import services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry

CONFIRMED = {"password": TEST_PASSWORD, "confirm": "on"}


def page_text(response) -> str:
    text = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in text
    return text


def reload(user: User) -> User:
    return User.objects.get(pk=user.pk)


# The account overview


def test_overview_shows_details_and_every_account_link(client, resident):
    client.force_login(resident)

    text = page_text(client.get("/account/security/"))

    assert "Rita Resident" in text
    assert resident.email in text
    for name in ("account_change_password", "account_email", "mfa_index", "account_delete"):
        assert f'href="{reverse(name)}"' in text, name


def test_overview_offers_to_set_a_password_to_code_only_residents(client, db):
    person = services.user_create_resident(email="code@example.org", password=None, email_verified=True)
    client.force_login(person)

    text = page_text(client.get("/account/security/"))

    assert f'href="{reverse("account_set_password")}"' in text
    assert reverse("account_change_password") not in text
    assert "Not given" in text


def test_overview_for_staff_has_no_delete_link(client, make_staff):
    client.force_login(make_staff(StaffRole.CASE_OFFICER))

    text = page_text(client.get("/account/security/"))

    assert reverse("account_delete") not in text


# The deletion journey


def test_the_page_explains_what_happens(client, resident):
    client.force_login(resident)

    text = page_text(client.get("/account/delete/"))

    assert "We close your account straight away" in text
    assert "information governance team" in text
    assert "within one month" in text
    assert 'autocomplete="current-password"' in text


@pytest.mark.django_db
def test_anonymous_visitors_are_asked_to_sign_in(client):
    response = client.get("/account/delete/")

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")


def test_a_resident_deletes_their_account(client, resident, django_capture_on_commit_callbacks):
    client.force_login(resident)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/delete/", CONFIRMED)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_delete_done")
    closed = reload(resident)
    assert closed.deletion_requested_at is not None
    assert not closed.is_active
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "account.deletion_requested",
        "accounts.user",
        str(resident.pk),
    )
    assert (entry.actor_id, entry.actor_role) == (resident.pk, "resident")
    (message,) = mail.outbox
    assert message.to == [resident.email]
    assert message.subject == "We have closed your account"
    assert "Dear Rita Resident" in message.body
    assert "within one month" in message.body

    # Signed out, shown a confirmation, and unable to sign in again.
    text = page_text(client.get(response["Location"]))
    assert "Your account has been closed" in text
    assert client.get("/account/security/").status_code == 302
    client.post("/auth/login/", {"login": resident.email, "password": TEST_PASSWORD})
    assert client.get("/account/security/").status_code == 302


def test_other_sessions_of_a_closed_account_end_too(client, resident):
    other_device = type(client)()
    other_device.force_login(resident)
    client.force_login(resident)

    client.post("/account/delete/", CONFIRMED)

    assert other_device.get("/account/").status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "wrong-password", "confirm": "on"}, "The password you entered is not correct"),
        ({"confirm": "on"}, "Enter your password"),
        ({"password": TEST_PASSWORD}, "Confirm that you want to delete your account"),
    ],
)
def test_the_password_and_confirmation_are_needed(client, resident, data, message):
    client.force_login(resident)

    response = client.post("/account/delete/", data)

    text = page_text(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert message in text
    assert reload(resident).deletion_requested_at is None
    assert reload(resident).is_active
    assert not AuditEntry.objects.exists()
    assert not mail.outbox


def test_the_confirmation_page_is_only_for_whoever_just_deleted(client, resident):
    response = client.get("/account/delete/done/")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_and_superusers_cannot_use_it(client, make_staff, method):
    member = make_staff(StaffRole.ADMINISTRATOR)
    root = User.objects.create_superuser(email="root@council.example", password=TEST_PASSWORD)
    for person in (member, root):
        client.force_login(person)
        assert getattr(client, method)("/account/delete/", CONFIRMED).status_code == 404
        assert reload(person).is_active
        assert reload(person).deletion_requested_at is None
    assert not AuditEntry.objects.exists()


def test_the_service_refuses_staff_and_closed_accounts(make_staff, resident):
    with pytest.raises(services.AccountDeletionError):
        services.user_request_deletion(make_staff(StaffRole.CASE_OFFICER))
    services.user_request_deletion(resident)
    with pytest.raises(services.AccountDeletionError):
        services.user_request_deletion(reload(resident))
    assert AuditEntry.objects.count() == 1


def test_residents_without_a_password_confirm_with_an_emailed_code(client, db, django_capture_on_commit_callbacks):
    person = services.user_create_resident(
        email="code@example.org", password=None, given_name="Cody", email_verified=True
    )
    client.force_login(person)
    text = page_text(client.get("/account/delete/"))
    assert 'name="password"' not in text
    assert "You sign in with a code sent to your email" in text

    # allauth holds the request, asks for a fresh code by email, then carries the request out.
    response = client.post("/account/delete/", {"confirm": "on"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("account_request_reauthentication_code")
    assert parse_qs(location.query) == {"next": ["/account/delete/"]}
    assert reload(person).is_active

    response = client.post(response["Location"], {"recipient": person.email})
    assert response.status_code == 302
    (code_email,) = mail.outbox
    code = re.search(r"^\s*([A-Z0-9][A-Z0-9-]{4,}[A-Z0-9])\s*$", code_email.body, re.MULTILINE).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"], {"code": code, "next": "/account/delete/"})

    assert response.status_code == 302, page_text(response)[:3000]
    assert response["Location"] == reverse("account_delete_done")
    assert not reload(person).is_active
    assert mail.outbox[-1].subject == "We have closed your account"
