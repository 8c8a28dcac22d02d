"""Signing in: with a password, with a code sent by email, and the GOV.UK pages each step shows."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from tests.accounts import (
    COUNCIL,
    assert_clean_page,
    code_in,
    error_summary_links,
    html,
    last_email_to,
    main_text,
    page_title,
    titled,
)
from tests.conftest import TEST_PASSWORD
from townhall.accounts import services
from townhall.accounts.models import User

LOGIN = "/auth/login/"
REQUEST_CODE = "/auth/login/code/"
CONFIRM_CODE = "/auth/login/code/confirm/"

pytestmark = pytest.mark.django_db


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_sign_in_page_is_a_govuk_form(client: Client) -> None:
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert_clean_page(response)
    assert page_title(response) == titled("Sign in")
    page = html(response)
    assert '<h1 class="govuk-heading-l">Sign in</h1>' in page
    assert '<label class="govuk-label" for="id_login">Email address</label>' in page
    assert 'type="email" id="id_login" name="login" autocomplete="email" spellcheck="false"' in page
    assert 'type="password" id="id_password" name="password" autocomplete="current-password"' in page
    assert "novalidate" in page
    assert f'href="{REQUEST_CODE}"' in page
    assert 'href="/auth/signup/"' in page


def test_sign_in_with_password(client: Client, resident: User) -> None:
    response = client.post(LOGIN, {"login": resident.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(resident.pk)
    home = client.get("/")
    assert "You are signed in." in main_text(home)


def test_sign_in_ignores_the_case_of_the_email_address(client: Client, resident: User) -> None:
    client.post(LOGIN, {"login": resident.email.upper(), "password": TEST_PASSWORD})

    assert signed_in_user_id(client) == str(resident.pk)


def test_wrong_password_shows_the_error_summary_and_does_not_sign_in(client: Client, resident: User) -> None:
    response = client.post(LOGIN, {"login": resident.email, "password": "not-the-password"})

    assert response.status_code == 200
    assert_clean_page(response)
    assert page_title(response) == "Error: " + titled("Sign in")
    assert error_summary_links(response) == [("#id_login", "Enter a correct email address and password")]
    assert signed_in_user_id(client) is None


def test_sign_in_by_code_sent_by_email(client: Client, resident: User) -> None:
    response = client.post(REQUEST_CODE, {"email": resident.email})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == CONFIRM_CODE

    page = client.get(CONFIRM_CODE)
    assert_clean_page(page)
    assert page_title(page) == titled("Enter your sign-in code")
    assert f"We have sent a code to {resident.email}" in main_text(page)
    assert 'autocomplete="one-time-code"' in html(page)

    message = last_email_to(resident.email)
    assert message.subject == f"Your sign-in code for {COUNCIL}"
    response = client.post(CONFIRM_CODE, {"action": "verify", "code": code_in(message)})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(resident.pk)


def test_a_wrong_sign_in_code_is_refused(client: Client, resident: User) -> None:
    client.post(REQUEST_CODE, {"email": resident.email})
    right = code_in(last_email_to(resident.email))
    wrong = "BBBB-BBBB" if right != "BBBB-BBBB" else "CCCC-CCCC"

    response = client.post(CONFIRM_CODE, {"action": "verify", "code": wrong})

    assert response.status_code == 200
    assert error_summary_links(response) == [("#id_code", "The code is not correct. Check the email and try again")]
    assert signed_in_user_id(client) is None


def test_code_sign_in_works_for_a_resident_without_a_password(client: Client, db) -> None:
    user = services.user_create_resident(email="codeonly@example.org", password=None, email_verified=True)

    client.post(REQUEST_CODE, {"email": user.email})
    client.post(CONFIRM_CODE, {"action": "verify", "code": code_in(last_email_to(user.email))})

    assert signed_in_user_id(client) == str(user.pk)


def test_cancel_on_the_code_page_ends_the_half_finished_sign_in(client: Client, resident: User) -> None:
    client.post(REQUEST_CODE, {"email": resident.email})
    page = html(client.get(CONFIRM_CODE))
    # "Cancel" belongs to a separate form (HTML's form attribute), so it works without JavaScript.
    assert 'form="cancel-sign-in"' in page
    assert '<form id="cancel-sign-in" method="post" action="/auth/logout/"' in page

    response = client.post("/auth/logout/", {"next": LOGIN})

    assert response["Location"] == LOGIN
    assert urlsplit(client.get(CONFIRM_CODE)["Location"]).path == REQUEST_CODE


def test_unverified_resident_must_confirm_their_email_before_signing_in(client: Client, db) -> None:
    user = services.user_create_resident(email="unverified@example.org", password=TEST_PASSWORD)

    response = client.post(LOGIN, {"login": user.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/auth/confirm-email/"
    assert signed_in_user_id(client) is None
    assert client.get("/account/").status_code == 302  # still anonymous
    page = client.get("/auth/confirm-email/")
    assert page_title(page) == titled("Check your email")

    response = client.post("/auth/confirm-email/", {"action": "verify", "code": code_in(last_email_to(user.email))})

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)
    assert user.emailaddress_set.get().verified


def test_sign_out_asks_first_and_then_signs_out(client: Client, resident: User) -> None:
    client.force_login(resident)

    page = client.get("/auth/logout/")
    assert page.status_code == 200
    assert_clean_page(page)
    assert page_title(page) == titled("Sign out")

    response = client.post("/auth/logout/")
    assert response.status_code == 302
    assert signed_in_user_id(client) is None
    assert "You have signed out." in main_text(client.get(response["Location"]))


# Every allauth form page a resident or member of staff can reach: posted empty, it comes back with
# the GOV.UK error summary at the top, "Error: " in the title, and each entry linked to its field.
# Each case: (url, extra POST data, expected summary hrefs); the setup fixture prepares the session.


@pytest.fixture
def verified_resident_client(client: Client, resident: User) -> Client:
    client.force_login(resident)
    return client


@pytest.fixture
def reauthenticated_client(verified_resident_client: Client) -> Client:
    """Signed in and recently re-authenticated, as allauth asks before security changes."""
    response = verified_resident_client.post("/auth/reauthenticate/", {"password": TEST_PASSWORD})
    assert response.status_code == 302
    return verified_resident_client


@pytest.fixture
def code_requested_client(client: Client, resident: User) -> Client:
    client.post(REQUEST_CODE, {"email": resident.email})
    return client


@pytest.fixture
def just_signed_up_client(client: Client, db) -> Client:
    client.post("/auth/signup/", {"email": "new@example.org", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD})
    return client


@pytest.fixture
def password_reset_client(client: Client, resident: User) -> tuple[Client, str]:
    from tests.accounts import reset_link_in

    client.post("/auth/password/reset/", {"email": resident.email})
    link = reset_link_in(last_email_to(resident.email))
    # allauth moves the key from the URL into the session, then shows the form at .../set-password/.
    response = client.get(urlsplit(link).path)
    assert response.status_code == 302
    return client, response["Location"]


@pytest.fixture
def password_less_client(client: Client, db) -> Client:
    user = services.user_create_resident(email="nopassword@example.org", password=None, email_verified=True)
    client.force_login(user)
    return client


@pytest.fixture
def mfa_stage_client(client: Client, make_staff: Callable[..., User]) -> Client:
    staff = make_staff()
    response = client.post(LOGIN, {"login": staff.email, "password": TEST_PASSWORD})
    assert urlsplit(response["Location"]).path == "/auth/2fa/authenticate/"
    return client


@pytest.fixture
def staff_client_signed_in(staff_client: Callable[..., tuple[Client, User]]) -> Client:
    client, _ = staff_client()
    return client


@pytest.fixture
def reauthenticated_staff_client(staff_client_signed_in: Client) -> Client:
    """Staff with an authenticator app, who just confirmed it is them (MFA settings pages ask for that)."""
    response = staff_client_signed_in.post("/auth/reauthenticate/", {"password": TEST_PASSWORD})
    assert response.status_code == 302
    return staff_client_signed_in


EMPTY_FORM_CASES = [
    pytest.param("client", LOGIN, {}, ["#id_login", "#id_password"], id="sign in"),
    pytest.param("client", "/auth/signup/", {}, ["#id_email", "#id_password1", "#id_password2"], id="create account"),
    pytest.param("client", REQUEST_CODE, {}, ["#id_email"], id="request sign-in code"),
    pytest.param("code_requested_client", CONFIRM_CODE, {"action": "verify"}, ["#id_code"], id="enter sign-in code"),
    pytest.param(
        "just_signed_up_client", "/auth/confirm-email/", {"action": "verify"}, ["#id_code"], id="confirm email code"
    ),
    pytest.param("client", "/auth/password/reset/", {}, ["#id_email"], id="reset password"),
    pytest.param("password_reset_client", None, {}, ["#id_password1", "#id_password2"], id="new password from link"),
    pytest.param(
        "verified_resident_client",
        "/auth/password/change/",
        {},
        ["#id_oldpassword", "#id_password1", "#id_password2"],
        id="change password",
    ),
    pytest.param(
        "password_less_client", "/auth/password/set/", {}, ["#id_password1", "#id_password2"], id="set password"
    ),
    pytest.param("verified_resident_client", "/auth/email/", {"action_add": ""}, ["#id_email"], id="add email"),
    pytest.param("verified_resident_client", "/auth/reauthenticate/", {}, ["#id_password"], id="confirm it is you"),
    pytest.param("reauthenticated_client", "/auth/2fa/totp/activate/", {}, ["#id_code"], id="set up authenticator"),
    # A browser always sends the code field, empty or not (allauth reads a post without it as a security key).
    pytest.param("mfa_stage_client", "/auth/2fa/authenticate/", {"code": ""}, ["#id_code"], id="authenticator code"),
    pytest.param(
        "staff_client_signed_in", "/auth/2fa/reauthenticate/", {"code": ""}, ["#id_code"], id="mfa confirm it is you"
    ),
]


@pytest.mark.parametrize(("client_fixture", "url", "data", "hrefs"), EMPTY_FORM_CASES)
def test_form_posted_empty_shows_the_govuk_error_summary(
    request: pytest.FixtureRequest, client_fixture: str, url: str | None, data: dict[str, str], hrefs: list[str]
) -> None:
    setup = request.getfixturevalue(client_fixture)
    client, url = setup if isinstance(setup, tuple) else (setup, url)
    assert url

    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code, page.get("Location"))
    assert_clean_page(page)
    assert not page_title(page).startswith("Error: ")

    response = client.post(url, data)

    assert response.status_code == 200
    assert_clean_page(response)
    assert page_title(response).startswith("Error: ")
    assert page_title(response).endswith(titled(""))
    links = error_summary_links(response)
    assert [href for href, _ in links] == hrefs
    assert all(message for _, message in links)
    page_html = html(response)
    for href in hrefs:
        # The link's target exists, and carries the inline error.
        assert f'id="{href[1:]}"' in page_html
        assert f'id="{href[1:]}_error"' in page_html
    assert page_html.count('class="govuk-error-summary"') == 1


# Pages without a form to get wrong still render in the site shell with a proper title.
PLAIN_PAGE_CASES = [
    pytest.param("client", "/auth/password/reset/done/", "Check your email", id="reset link sent"),
    pytest.param("client", "/auth/password/reset/key/done/", "Your password has been changed", id="password changed"),
    pytest.param("verified_resident_client", "/auth/logout/", "Sign out", id="sign out"),
    pytest.param("verified_resident_client", "/auth/email/", "Your email addresses", id="email addresses"),
    pytest.param("verified_resident_client", "/auth/2fa/", "Two-factor authentication", id="mfa overview"),
    pytest.param(
        "reauthenticated_staff_client", "/auth/2fa/recovery-codes/", "Your recovery codes", id="recovery codes"
    ),
    pytest.param(
        "reauthenticated_staff_client",
        "/auth/2fa/recovery-codes/generate/",
        "Create new recovery codes",
        id="new codes",
    ),
    pytest.param(
        "reauthenticated_staff_client",
        "/auth/2fa/totp/deactivate/",
        "Turn off your authenticator app",
        id="turn off app",
    ),
    pytest.param("verified_resident_client", "/auth/3rdparty/", "Accounts you sign in with", id="connections"),
    pytest.param("client", "/auth/3rdparty/login/error/", "Sorry, we could not sign you in", id="oidc error"),
    pytest.param("client", "/auth/3rdparty/login/cancelled/", "You did not sign in", id="oidc cancelled"),
]
# allauth answers a failed OIDC sign-in with 401.
EXPECTED_STATUS = {"/auth/3rdparty/login/error/": 401}


@pytest.mark.parametrize(("client_fixture", "url", "heading"), PLAIN_PAGE_CASES)
def test_page_renders_in_the_site_shell(
    request: pytest.FixtureRequest, client_fixture: str, url: str, heading: str
) -> None:
    client = request.getfixturevalue(client_fixture)

    response = client.get(url)

    assert response.status_code == EXPECTED_STATUS.get(url, 200), (url, response.status_code, response.get("Location"))
    assert_clean_page(response)
    assert page_title(response) == titled(heading)
    assert f">{heading}</h1>" in html(response)
    assert 'class="govuk-template__body"' in html(response)


def test_totp_setup_shows_the_secret_as_text_and_a_described_qr_code(reauthenticated_client: Client) -> None:
    response = reauthenticated_client.get("/auth/2fa/totp/activate/")

    assert response.status_code == 200
    secret = response.context["form"].secret
    page = html(response)
    assert f'<code class="townhall-break-anywhere">{secret}</code>' in page
    assert 'src="data:image/svg+xml;base64,' in page
    assert 'alt="QR code to add your Demo Borough Council account to an authenticator app"' in page
    assert 'autocomplete="one-time-code"' in page


def test_no_emails_are_sent_by_just_looking_at_pages(client: Client) -> None:
    for url in (LOGIN, "/auth/signup/", REQUEST_CODE, "/auth/password/reset/"):
        client.get(url)

    assert mail.outbox == []
