"""Creating an account, confirming the email address, resetting a password, and not revealing who has an account."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from tests.accounts import (
    COUNCIL,
    assert_clean_page,
    code_in,
    error_summary_links,
    last_email_to,
    main_text,
    page_title,
    reset_link_in,
    titled,
)
from tests.conftest import TEST_PASSWORD
from townhall.accounts import permissions
from townhall.accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP = "/auth/signup/"
CONFIRM_EMAIL = "/auth/confirm-email/"
NEW_PASSWORD = "a-brand-new-passphrase-77"


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def sign_up(client: Client, email: str, password: str = TEST_PASSWORD) -> None:
    response = client.post(SIGNUP, {"email": email, "password1": password, "password2": password})
    assert response.status_code == 302, main_text(response)
    assert urlsplit(response["Location"]).path == CONFIRM_EMAIL


def test_create_account_confirm_email_by_code_and_be_signed_in(client: Client) -> None:
    sign_up(client, "new.resident@example.org")

    assert signed_in_user_id(client) is None
    page = client.get(CONFIRM_EMAIL)
    assert page.status_code == 200
    assert_clean_page(page)
    assert page_title(page) == titled("Check your email")
    assert "We have sent a code to new.resident@example.org" in main_text(page)

    message = last_email_to("new.resident@example.org")
    assert message.subject == f"Confirm your email address for {COUNCIL}"
    assert COUNCIL in message.body
    response = client.post(CONFIRM_EMAIL, {"action": "verify", "code": code_in(message)})

    assert response.status_code == 302
    user = User.objects.get(email="new.resident@example.org")
    assert signed_in_user_id(client) == str(user.pk)
    assert user.emailaddress_set.get().verified
    assert user.check_password(TEST_PASSWORD)
    assert not permissions.is_council_staff(user)
    assert client.get("/account/").status_code == 200


def test_new_account_email_address_is_stored_in_lower_case(client: Client) -> None:
    sign_up(client, "Mixed.Case@Example.org")

    assert User.objects.filter(email="mixed.case@example.org").exists()


def test_signup_rejects_a_weak_password_with_a_linked_error(client: Client) -> None:
    response = client.post(SIGNUP, {"email": "weak@example.org", "password1": "12345", "password2": "12345"})

    assert response.status_code == 200
    assert page_title(response) == "Error: " + titled("Create an account")
    assert {href for href, _ in error_summary_links(response)} == {"#id_password1"}
    assert not User.objects.filter(email="weak@example.org").exists()


def test_signup_with_an_existing_email_looks_the_same_as_with_a_new_one(resident: User) -> None:
    """Enumeration: the page says the same either way; only the owner of the address learns more, by email."""
    known, unknown = Client(), Client()

    known_response = known.post(
        SIGNUP, {"email": resident.email, "password1": TEST_PASSWORD, "password2": TEST_PASSWORD}
    )
    unknown_response = unknown.post(
        SIGNUP, {"email": "nobody@example.org", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD}
    )

    assert known_response.status_code == unknown_response.status_code == 302
    assert known_response["Location"] == unknown_response["Location"]
    known_page, unknown_page = known.get(CONFIRM_EMAIL), unknown.get(CONFIRM_EMAIL)
    assert known_page.status_code == unknown_page.status_code == 200
    assert main_text(known_page).replace(resident.email, "EMAIL") == main_text(unknown_page).replace(
        "nobody@example.org", "EMAIL"
    )
    # The owner of the existing account is told by email, and no second account appears.
    assert last_email_to(resident.email).subject == f"You already have a {COUNCIL} account"
    assert User.objects.filter(email=resident.email).count() == 1
    # A guessed code cannot sign anyone in to the existing account.
    known.post(CONFIRM_EMAIL, {"action": "verify", "code": "BBBB-CCCC"})
    assert signed_in_user_id(known) is None


def test_password_reset_email_and_setting_a_new_password(client: Client, resident: User) -> None:
    response = client.post("/auth/password/reset/", {"email": resident.email})
    assert response.status_code == 302
    assert response["Location"] == "/auth/password/reset/done/"

    message = last_email_to(resident.email)
    assert message.subject == f"Reset your password for {COUNCIL}"
    link = reset_link_in(message)
    response = client.get(urlsplit(link).path)
    assert response.status_code == 302  # allauth keeps the key in the session, off the URL
    form_url = response["Location"]
    page = client.get(form_url)
    assert page_title(page) == titled("Set a new password")
    assert 'autocomplete="new-password"' in page.content.decode()

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    done = client.get(response["Location"])
    assert page_title(done) == titled("Your password has been changed")
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)
    assert not resident.check_password(TEST_PASSWORD)
    fresh = Client()
    fresh.post("/auth/login/", {"login": resident.email, "password": NEW_PASSWORD})
    assert signed_in_user_id(fresh) == str(resident.pk)


def test_a_password_reset_link_works_once(client: Client, resident: User) -> None:
    client.post("/auth/password/reset/", {"email": resident.email})
    link_path = urlsplit(reset_link_in(last_email_to(resident.email))).path
    form_url = client.get(link_path)["Location"]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = Client().get(link_path, follow=True)

    assert page_title(again) == titled("This link does not work")
    assert_clean_page(again)


def test_password_reset_for_known_and_unknown_email_looks_the_same(resident: User) -> None:
    known, unknown = Client(), Client()

    known_response = known.post("/auth/password/reset/", {"email": resident.email})
    unknown_response = unknown.post("/auth/password/reset/", {"email": "nobody@example.org"})

    assert known_response.status_code == unknown_response.status_code == 302
    assert known_response["Location"] == unknown_response["Location"]
    known_page, unknown_page = known.get(known_response["Location"]), unknown.get(unknown_response["Location"])
    assert known_page.status_code == unknown_page.status_code == 200
    assert main_text(known_page) == main_text(unknown_page)
    # Only the mailboxes differ: a reset link for the owner, a "no account" note for the other address.
    assert reset_link_in(last_email_to(resident.email))
    assert last_email_to("nobody@example.org").subject == f"There is no {COUNCIL} account for this email address"


def test_sign_in_code_request_for_known_and_unknown_email_looks_the_same(resident: User) -> None:
    known, unknown = Client(), Client()

    known_response = known.post("/auth/login/code/", {"email": resident.email})
    unknown_response = unknown.post("/auth/login/code/", {"email": "nobody@example.org"})

    assert known_response.status_code == unknown_response.status_code == 302
    assert known_response["Location"] == unknown_response["Location"]
    known_page = known.get(known_response["Location"])
    unknown_page = unknown.get(unknown_response["Location"])
    assert known_page.status_code == unknown_page.status_code == 200
    assert main_text(known_page).replace(resident.email, "EMAIL") == main_text(unknown_page).replace(
        "nobody@example.org", "EMAIL"
    )
    # A wrong code is answered the same way too.
    known_wrong = known.post("/auth/login/code/confirm/", {"action": "verify", "code": "BBBB-CCCC"})
    unknown_wrong = unknown.post("/auth/login/code/confirm/", {"action": "verify", "code": "BBBB-CCCC"})
    assert known_wrong.status_code == unknown_wrong.status_code == 200
    assert main_text(known_wrong).replace(resident.email, "EMAIL") == main_text(unknown_wrong).replace(
        "nobody@example.org", "EMAIL"
    )


def test_emails_name_the_council_not_the_host(client: Client, resident: User) -> None:
    client.post("/auth/login/code/", {"email": resident.email})

    message = mail.outbox[-1]
    assert message.subject == f"Your sign-in code for {COUNCIL}"
    assert "testserver" not in message.subject
    assert message.body.startswith(COUNCIL)
    assert "INVALID_TEMPLATE_VARIABLE" not in message.body
