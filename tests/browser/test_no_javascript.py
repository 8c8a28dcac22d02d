"""Every foundation page, and the journeys through its forms, work with JavaScript switched off.

GOV.UK Frontend and htmx only enhance: with JavaScript off every page must still render
its heading and navigation, and every form must submit and answer as a normal HTML form.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.pages import (
    ANONYMOUS_PAGES,
    CODE_ONLY_RESIDENT_PAGES,
    ERROR_PAGES,
    RESIDENT_PAGES,
    STAFF_PAGES,
)
from tests.conftest import TEST_PASSWORD
from townhall.accounts.models import User

MakeContext = Callable[..., BrowserContext]
NO_JS = {"java_script_enabled": False}


def assert_renders_without_javascript(page: Page, *, navigation: bool = True) -> None:
    """The page really ran no script, and its heading, navigation and forms are all usable.

    `navigation=False` for the 500 page, which is drawn without the request and so has no menu.
    """
    body_class = page.locator("body").get_attribute("class") or ""
    assert "js-enabled" not in body_class, "JavaScript ran although the context disabled it"
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_be_visible()
    if navigation:
        # The service navigation's links are shown as a list (its Menu button needs JavaScript).
        menu = page.get_by_role("navigation", name="Menu")
        expect(menu.get_by_role("link", name="Home")).to_be_visible()
    for form in page.locator("main form").all():
        expect(form.locator("button[type=submit], input[type=submit]").first).to_be_visible()


@pytest.mark.parametrize(("path", "status"), ANONYMOUS_PAGES)
def test_anonymous_page(signed_in_context: MakeContext, path: str, status: int) -> None:
    page = support.open_page(signed_in_context(None, **NO_JS), path, status)
    assert_renders_without_javascript(page)


@pytest.mark.parametrize(("path", "status"), RESIDENT_PAGES)
def test_resident_page(signed_in_context: MakeContext, resident: User, path: str, status: int) -> None:
    page = support.open_page(signed_in_context(resident, reauthenticated=True, **NO_JS), path, status)
    assert page.url.endswith(path), f"{path} sent the resident to {page.url}"
    assert_renders_without_javascript(page)


@pytest.mark.parametrize(("path", "status"), STAFF_PAGES)
def test_staff_page(
    signed_in_context: MakeContext, staff_with_mfa: User, resident: User, audit_entry: None, path: str, status: int
) -> None:
    path = path.format(resident=resident.pk)
    context = signed_in_context(staff_with_mfa, mfa=True, reauthenticated=True, **NO_JS)
    page = support.open_page(context, path, status)
    assert page.url.endswith(path), f"{path} sent the member of staff to {page.url}"
    assert_renders_without_javascript(page)


@pytest.mark.parametrize(("path", "status"), CODE_ONLY_RESIDENT_PAGES)
def test_code_only_resident_page(
    signed_in_context: MakeContext, code_only_resident: User, path: str, status: int
) -> None:
    page = support.open_page(signed_in_context(code_only_resident, **NO_JS), path, status)
    assert page.url.endswith(path), f"{path} sent the resident to {page.url}"
    assert_renders_without_javascript(page)


@pytest.mark.usefixtures("failing_urls")
@pytest.mark.parametrize(("path", "status"), ERROR_PAGES)
def test_error_page(signed_in_context: MakeContext, path: str, status: int) -> None:
    page = support.open_page(signed_in_context(None, **NO_JS), path, status)
    assert_renders_without_javascript(page, navigation=status != 500)


@pytest.fixture
def page_without_js(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context(**NO_JS).new_page()


def test_resident_signs_in_and_out(page_without_js: Page, resident: User) -> None:
    page = page_without_js
    page.goto("/auth/login/")
    support.sign_in(page, "", "")
    support.assert_error_summary(page, focused=False)

    support.sign_in(page, resident.email, "not-the-password")
    support.assert_error_summary(page, focused=False, inline=False)

    support.sign_in(page, resident.email, TEST_PASSWORD)
    assert page.url.endswith("/"), f"signed in, the resident landed on {page.url}"
    support.assert_signed_in(page)
    page.goto("/account/security/")
    expect(page.locator("main")).to_contain_text(resident.email)

    support.click_and_wait(page, page.locator("header").get_by_role("button", name="Sign out"))
    expect(page.locator("header").get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    response = page.goto("/account/")
    assert response is not None
    assert "/auth/login/" in page.url, "after signing out, the account page is still shown"


def test_register_with_mismatched_passwords(page_without_js: Page) -> None:
    page = page_without_js
    page.goto("/auth/signup/")
    support.field(page, "email").fill("new.person@example.org")
    support.field(page, "password1").fill(TEST_PASSWORD)
    support.field(page, "password2").fill(TEST_PASSWORD + "-typo")
    support.submit(page)
    support.assert_error_summary(page, focused=False)


def test_staff_signs_in_with_authenticator_code(page_without_js: Page, staff_with_mfa: User) -> None:
    page = page_without_js
    page.goto("/staff/")
    assert "/auth/login/" in page.url
    support.sign_in(page, staff_with_mfa.email, TEST_PASSWORD)
    assert "/auth/2fa/authenticate/" in page.url
    support.field(page, "code").fill(support.totp_now())
    support.submit(page)
    assert page.url.endswith("/staff/"), f"after the code, staff landed on {page.url}"
    expect(page.locator("h1")).to_have_text("Staff area")


def test_find_a_resident_and_give_a_reason(
    signed_in_context: MakeContext, staff_with_mfa: User, resident: User
) -> None:
    page = signed_in_context(staff_with_mfa, mfa=True, **NO_JS).new_page()
    page.goto("/staff/residents/")
    support.field(page, "q").fill("Rita")
    support.submit(page)
    support.click_and_wait(page, page.locator("main").get_by_role("link", name="Rita Resident"))
    assert page.url.endswith(f"/staff/residents/{resident.pk}/")

    support.submit(page)
    support.assert_error_summary(page, focused=False)
    assert resident.email not in page.content()

    page.get_by_role("radio", name="Case work").check()
    support.submit(page)
    expect(page.locator("main")).to_contain_text(resident.email)


def test_audit_log_filters_and_verifies(signed_in_context: MakeContext, staff_with_mfa: User) -> None:
    page = signed_in_context(staff_with_mfa, mfa=True, **NO_JS).new_page()
    page.goto("/staff/audit/")
    support.field(page, "occurred_from").fill("31/2/2026")
    support.click_and_wait(page, support.main_button(page, "Apply filters"))
    support.assert_error_summary(page, focused=False)

    support.click_and_wait(page, support.main_button(page, "Verify the chain"))
    expect(page.locator(".govuk-notification-banner")).to_be_visible()


def test_account_deletion(signed_in_context: MakeContext, resident: User) -> None:
    page = signed_in_context(resident, **NO_JS).new_page()
    page.goto("/account/delete/")
    support.submit(page)
    support.assert_error_summary(page, focused=False)

    support.field(page, "password").fill(TEST_PASSWORD)
    support.field(page, "confirm").check()
    support.submit(page)
    assert page.url.endswith("/account/delete/done/")
    expect(page.locator("header").get_by_role("link", name="Sign in", exact=True)).to_be_visible()
