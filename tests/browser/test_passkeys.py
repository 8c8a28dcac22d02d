"""Passkeys (issue 5): add one with Chromium's virtual authenticator, sign out, sign in with it.

The virtual authenticator (Chrome DevTools Protocol, WebAuthn domain) behaves like a phone or
laptop's built-in authenticator: it keeps discoverable credentials and verifies the user, so the
real WebAuthn ceremony runs in the browser against allauth and fido2 on the live server.
The sign-in then shows in the sign-in history as a passkey sign-in, and each new page passes axe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.conftest import BrowserTraffic
from tests.browser.test_accessibility import check_page
from tests.conftest import TEST_PASSWORD
from townhall.accounts.constants import SecondStep, SignInMethod, SignInOutcome
from townhall.accounts.models import SignInEvent, User

# A built-in (platform) authenticator that holds passkeys and checks it is you.
VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def by_name(url: str) -> str:
    """The live server's address as http://localhost:PORT: browsers refuse an IP address as a passkey's site."""
    return url.replace("://127.0.0.1:", "://localhost:")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    return {**browser_context_args, "base_url": by_name(live_server.url)}


@pytest.fixture
def browser_traffic(live_server: Any) -> BrowserTraffic:
    """This module's pages are on http://localhost:PORT (the same live server), so that is "on site" here."""
    return BrowserTraffic(server_origin=by_name(live_server.url))


@pytest.fixture
def passkey_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page on http://localhost:PORT whose browser has a virtual authenticator attached."""
    context = new_context()
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("WebAuthn.enable", {"enableUI": False})
    session.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_AUTHENTICATOR})
    return page


def test_add_a_passkey_sign_out_and_sign_in_with_it(passkey_page: Page, resident: User) -> None:
    page = passkey_page
    page.goto("/auth/login/")
    support.sign_in(page, resident.email, TEST_PASSWORD)
    support.assert_signed_in(page)

    page.goto("/auth/2fa/")
    check_page(page)
    support.click_and_wait(page, page.locator("main").get_by_role("link", name="Add a passkey"))
    # allauth asks for the password again before anyone adds an authenticator.
    assert path_of(page) == "/auth/reauthenticate/", page.url
    support.field(page, "password").fill(TEST_PASSWORD)
    support.submit(page)
    assert path_of(page) == "/auth/2fa/webauthn/add/", page.url
    check_page(page)

    support.field(page, "name").fill("My laptop")
    expect(page.locator("main [name='passwordless']")).to_be_checked()
    support.click_and_wait(page, support.main_button(page, "Add a passkey"))
    # A first authenticator comes with recovery codes, shown straight away.
    assert path_of(page) == "/auth/2fa/recovery-codes/", page.url

    page.goto("/auth/2fa/webauthn/")
    expect(page.locator("main table")).to_contain_text("My laptop")
    check_page(page)

    support.click_and_wait(page, page.locator("header").get_by_role("button", name="Sign out"))
    page.goto("/auth/login/")
    passkey_button = support.main_button(page, "Sign in with a passkey")
    expect(passkey_button).to_be_visible()
    check_page(page)
    support.click_and_wait(page, passkey_button)
    support.assert_signed_in(page)

    page.goto("/account/security/sign-in-history/")
    newest = page.locator("main table tbody tr").first
    expect(newest).to_contain_text("Passkey")
    expect(newest).to_contain_text("Signed in")
    check_page(page)
    latest = SignInEvent.objects.filter(user=resident).first()
    assert latest is not None
    assert (latest.outcome, latest.method) == (SignInOutcome.SIGNED_IN, SignInMethod.PASSKEY)


def test_without_javascript_the_sign_in_page_says_passkeys_need_it(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/auth/login/")
    expect(page.locator("main")).to_contain_text("Passkeys need JavaScript")
    expect(support.main_button(page, "Sign in with a passkey")).to_be_hidden()
    expect(support.main_button(page, "Sign in")).to_be_visible()


def test_staff_sign_in_with_a_passkey_counts_as_two_factor(passkey_page: Page, staff_with_mfa: User) -> None:
    """The staff area needs MFA: a passkey (something you have, unlocked by you) is enough on its own."""
    page = passkey_page
    page.goto("/auth/login/?next=/staff/")
    support.sign_in(page, staff_with_mfa.email, TEST_PASSWORD)
    assert path_of(page) == "/auth/2fa/authenticate/", page.url
    support.field(page, "code").fill(support.totp_now())
    support.submit(page)
    assert path_of(page) == "/staff/", page.url

    page.goto("/auth/2fa/webauthn/add/")
    # allauth asks to confirm it is you first (with the password, or the app's code).
    if path_of(page) == "/auth/reauthenticate/":
        support.field(page, "password").fill(TEST_PASSWORD)
        support.submit(page)
    elif path_of(page) == "/auth/2fa/reauthenticate/":
        support.field(page, "code").fill(support.totp_now())
        support.submit(page)
    assert path_of(page) == "/auth/2fa/webauthn/add/", page.url
    support.field(page, "name").fill("Work laptop")
    support.click_and_wait(page, support.main_button(page, "Add a passkey"))

    support.click_and_wait(page, page.locator("header").get_by_role("button", name="Sign out"))
    page.goto("/auth/login/?next=/staff/")
    support.click_and_wait(page, support.main_button(page, "Sign in with a passkey"))
    assert path_of(page) == "/staff/", page.url
    expect(page.locator("h1")).to_have_text("Staff area")

    # A password sign-in now offers the passkey as the second step too.
    support.click_and_wait(page, page.locator("header").get_by_role("button", name="Sign out"))
    page.goto("/auth/login/")
    support.sign_in(page, staff_with_mfa.email, TEST_PASSWORD)
    assert path_of(page) == "/auth/2fa/authenticate/", page.url
    check_page(page)
    support.click_and_wait(page, support.main_button(page, "Use your passkey"))
    support.assert_signed_in(page)
    latest = SignInEvent.objects.filter(user=staff_with_mfa).first()
    assert latest is not None
    assert (latest.method, latest.second_step) == (SignInMethod.PASSWORD, SecondStep.PASSKEY)
