"""GOV.UK error messages on allauth's forms: each says which field is wrong and how to put it right.

Every form is posted through its real page. The message must be the same in the error summary and
next to the field (both read the form's errors), and the summary must link to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.accounts import assert_clean_page, error_summary_links, html, last_email_to, reset_link_in
from tests.conftest import TEST_PASSWORD
from townhall.accounts import services
from townhall.accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/auth/login/"
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"
EMAILED_CODE = "Enter the code we sent to your email"
MFA_CODE = "Enter the 6-digit code from your authenticator app, or a recovery code"


# Sessions each page needs ---------------------------------------------------------------------


@pytest.fixture
def signed_in_client(client: Client, resident: User) -> Client:
    client.force_login(resident)
    return client


@pytest.fixture
def reauthenticated_client(signed_in_client: Client) -> Client:
    """Signed in and just confirmed it is them, as allauth asks before setting up an authenticator app."""
    response = signed_in_client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    assert response.status_code == 302
    return signed_in_client


@pytest.fixture
def login_code_client(client: Client, resident: User) -> Client:
    client.post(reverse("account_request_login_code"), {"email": resident.email})
    return client


@pytest.fixture
def just_signed_up_client(client: Client) -> Client:
    client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
    )
    return client


@pytest.fixture
def password_less_client(client: Client) -> Client:
    user = services.user_create_resident(email="nopassword@example.org", password=None, email_verified=True)
    client.force_login(user)
    return client


@pytest.fixture
def reauthentication_code_client(password_less_client: Client) -> Client:
    """Someone without a password who asked for a code to confirm it is them."""
    response = password_less_client.post(
        reverse("account_request_reauthentication_code"), {"recipient": "nopassword@example.org"}
    )
    assert urlsplit(response["Location"]).path == reverse("account_confirm_reauthentication_code")
    return password_less_client


@pytest.fixture
def password_reset_client(client: Client, resident: User) -> tuple[Client, str]:
    """A client that followed a password reset link; allauth then shows the form at .../set-password/."""
    client.post(reverse("account_reset_password"), {"email": resident.email})
    response = client.get(urlsplit(reset_link_in(last_email_to(resident.email))).path)
    assert response.status_code == 302
    return client, response["Location"]


@pytest.fixture
def mfa_stage_client(client: Client, make_staff: Callable[..., User]) -> Client:
    """Staff who gave the right password and now must enter a code from their authenticator app."""
    staff = make_staff()
    response = client.post(LOGIN, {"login": staff.email, "password": TEST_PASSWORD})
    assert urlsplit(response["Location"]).path == reverse("mfa_authenticate")
    return client


@pytest.fixture
def staff_signed_in_client(staff_client: Callable[..., tuple[Client, User]]) -> Client:
    client, _ = staff_client()
    return client


def client_and_url(request: pytest.FixtureRequest, client_fixture: str, url_name: str | None) -> tuple[Client, str]:
    setup = request.getfixturevalue(client_fixture)
    if isinstance(setup, tuple):
        return setup
    assert url_name
    return setup, reverse(url_name)


def assert_govuk_errors(response: HttpResponse, expected: dict[str, str]) -> None:
    """The summary lists exactly `expected` ({field id: message}), in order, and each field shows the same text."""
    assert response.status_code == 200
    assert_clean_page(response)
    assert error_summary_links(response) == [(f"#{field_id}", message) for field_id, message in expected.items()]
    page = html(response)
    for field_id, message in expected.items():
        assert f'id="{field_id}"' in page, f"the summary links to #{field_id}, which is not on the page"
        inline = f'<p id="{field_id}_error" class="govuk-error-message">'
        hidden = '<span class="govuk-visually-hidden">Error:</span> '
        assert f"{inline}{hidden}{escape(message)}</p>" in page, f"no inline error {message!r} for {field_id}"
    assert "This field is required" not in page
    assert "valid email" not in page


# Each form posted empty ------------------------------------------------------------------------

EMPTY_FORM_CASES = [
    pytest.param(
        "client",
        "account_login",
        {},
        {"id_login": "Enter your email address", "id_password": "Enter your password"},
        id="sign in",
    ),
    pytest.param(
        "client",
        "account_signup",
        {},
        {
            "id_email": "Enter your email address",
            "id_password1": "Enter a password",
            "id_password2": "Confirm your password",
        },
        id="create account",
    ),
    pytest.param(
        "client", "account_request_login_code", {}, {"id_email": "Enter your email address"}, id="request sign-in code"
    ),
    pytest.param(
        "login_code_client",
        "account_confirm_login_code",
        {"action": "verify"},
        {"id_code": EMAILED_CODE},
        id="enter sign-in code",
    ),
    pytest.param(
        "just_signed_up_client",
        "account_email_verification_sent",
        {"action": "verify"},
        {"id_code": EMAILED_CODE},
        id="confirm email code",
    ),
    pytest.param(
        "reauthentication_code_client",
        "account_confirm_reauthentication_code",
        {"action": "verify"},
        {"id_code": EMAILED_CODE},
        id="confirm it is you by code",
    ),
    pytest.param("client", "account_reset_password", {}, {"id_email": "Enter your email address"}, id="reset password"),
    pytest.param(
        "password_reset_client",
        None,
        {},
        {"id_password1": "Enter a new password", "id_password2": "Confirm your new password"},
        id="new password from link",
    ),
    pytest.param(
        "signed_in_client",
        "account_change_password",
        {},
        {
            "id_oldpassword": "Enter your current password",
            "id_password1": "Enter a new password",
            "id_password2": "Confirm your new password",
        },
        id="change password",
    ),
    pytest.param(
        "password_less_client",
        "account_set_password",
        {},
        {"id_password1": "Enter a password", "id_password2": "Confirm your password"},
        id="set password",
    ),
    pytest.param(
        "signed_in_client",
        "account_email",
        {"action_add": ""},
        {"id_email": "Enter the email address you want to add"},
        id="add email",
    ),
    pytest.param(
        "signed_in_client", "account_reauthenticate", {}, {"id_password": "Enter your password"}, id="confirm it is you"
    ),
    pytest.param(
        "reauthenticated_client",
        "mfa_activate_totp",
        {},
        {"id_code": "Enter the 6-digit code from your authenticator app"},
        id="set up authenticator",
    ),
    # A browser always sends the code field, empty or not (allauth reads a post without it as a security key).
    pytest.param("mfa_stage_client", "mfa_authenticate", {"code": ""}, {"id_code": MFA_CODE}, id="authenticator code"),
    pytest.param(
        "staff_signed_in_client",
        "mfa_reauthenticate",
        {"code": ""},
        {"id_code": MFA_CODE},
        id="mfa confirm it is you",
    ),
]


@pytest.mark.parametrize(("client_fixture", "url_name", "data", "expected"), EMPTY_FORM_CASES)
def test_form_posted_empty_says_what_to_enter(
    request: pytest.FixtureRequest,
    client_fixture: str,
    url_name: str | None,
    data: dict[str, str],
    expected: dict[str, str],
) -> None:
    client, url = client_and_url(request, client_fixture, url_name)

    response = client.post(url, data)

    assert_govuk_errors(response, expected)


# Malformed email addresses ---------------------------------------------------------------------

EMAIL_FORMAT_CASES = [
    pytest.param("client", "account_login", {"login": "not-an-email", "password": "x"}, "id_login", id="sign in"),
    pytest.param(
        "client",
        "account_signup",
        {"email": "name@", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
        "id_email",
        id="create account",
    ),
    pytest.param("client", "account_request_login_code", {"email": "name.example.com"}, "id_email", id="sign-in code"),
    pytest.param("client", "account_reset_password", {"email": "name@example"}, "id_email", id="reset password"),
    pytest.param("signed_in_client", "account_email", {"action_add": "", "email": "name"}, "id_email", id="add email"),
]


@pytest.mark.parametrize(("client_fixture", "url_name", "data", "field_id"), EMAIL_FORMAT_CASES)
def test_malformed_email_address_shows_the_expected_format(
    request: pytest.FixtureRequest, client_fixture: str, url_name: str, data: dict[str, str], field_id: str
) -> None:
    client, url = client_and_url(request, client_fixture, url_name)

    response = client.post(url, data)

    assert_govuk_errors(response, {field_id: EMAIL_FORMAT})


def test_an_email_address_that_is_too_long_says_the_limit(client: Client) -> None:
    response = client.post(reverse("account_request_login_code"), {"email": "a" * 310 + "@example.org"})

    links = error_summary_links(response)
    assert ("#id_email", "Email address must be 320 characters or fewer") in links
    assert all("Ensure this value" not in message for _, message in links)


# Passwords that do not match -------------------------------------------------------------------

NEW_PASSWORD = "a-different-horse-battery-99"

MISMATCH_CASES = [
    pytest.param(
        "client",
        "account_signup",
        {"email": "new@example.org", "password1": TEST_PASSWORD, "password2": NEW_PASSWORD},
        id="create account",
    ),
    pytest.param(
        "password_reset_client", None, {"password1": NEW_PASSWORD, "password2": TEST_PASSWORD}, id="new password"
    ),
    pytest.param(
        "signed_in_client",
        "account_change_password",
        {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
        id="change password",
    ),
    pytest.param(
        "password_less_client",
        "account_set_password",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
        id="set password",
    ),
]


@pytest.mark.parametrize(("client_fixture", "url_name", "data"), MISMATCH_CASES)
def test_passwords_that_do_not_match_are_refused_in_govuk_words(
    request: pytest.FixtureRequest, client_fixture: str, url_name: str | None, data: dict[str, str]
) -> None:
    client, url = client_and_url(request, client_fixture, url_name)

    response = client.post(url, data)

    assert_govuk_errors(response, {"id_password2": "Passwords do not match"})
    assert "same password each time" not in html(response)


# allauth's own behaviour is unchanged -----------------------------------------------------------


def test_the_forms_still_sign_people_in(client: Client, resident: User) -> None:
    response = client.post(LOGIN, {"login": resident.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(resident.pk)


def test_a_wrong_password_keeps_allauths_message(client: Client, resident: User) -> None:
    response = client.post(LOGIN, {"login": resident.email, "password": "not-the-password"})

    assert error_summary_links(response) == [("#id_login", "Enter a correct email address and password")]
