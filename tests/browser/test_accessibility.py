"""axe-core on every foundation page, for each kind of visitor, plus the page furniture WCAG relies on.

Each page must have: no serious or critical axe violation, exactly one h1, a <title>
naming the council, lang="en-GB", and a skip link that is the first Tab stop and
moves focus to #main-content.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import assert_no_serious_violations
from tests.browser.pages import ANONYMOUS_PAGES, RESIDENT_PAGES, STAFF_PAGES
from tests.browser.support import focus_is_visible, focused
from tests.conftest import TEST_PASSWORD
from townhall.accounts.models import User

pytestmark = pytest.mark.browser


def open_page(context: BrowserContext, url: str, expected_status: int) -> Page:
    page = context.new_page()
    response = page.goto(url)
    assert response is not None
    assert response.status == expected_status, f"{url} answered {response.status}, not {expected_status}"
    return page


def assert_page_furniture(page: Page) -> None:
    council = settings.TOWNHALL_BRANDING.council_name
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert council in page.title(), f"title {page.title()!r} does not name {council!r}"
    headings = page.locator("h1").all_inner_texts()
    assert len(headings) == 1, f"{page.url} has {len(headings)} h1 elements: {headings}"
    assert page.locator("#main-content").count() == 1

    page.keyboard.press("Tab")
    first_stop = focused(page)
    assert first_stop is not None
    assert first_stop["tag"] == "a", f"first Tab stop is {first_stop}"
    assert "skip" in first_stop["text"].lower(), f"first Tab stop is {first_stop}"
    assert focus_is_visible(first_stop), f"the skip link shows no focus indicator: {first_stop}"
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()


def check_page(page: Page) -> None:
    assert_no_serious_violations(page)
    assert_page_furniture(page)


@pytest.mark.parametrize(("path", "status"), ANONYMOUS_PAGES)
def test_anonymous_page(signed_in_context: Any, live_server: Any, path: str, status: int) -> None:
    page = open_page(signed_in_context(None), live_server.url + path, status)
    check_page(page)


@pytest.mark.parametrize(("path", "status"), RESIDENT_PAGES)
def test_resident_page(signed_in_context: Any, live_server: Any, resident: User, path: str, status: int) -> None:
    page = open_page(signed_in_context(resident), live_server.url + path, status)
    assert page.url == live_server.url + path, "the resident was sent elsewhere"
    check_page(page)


@pytest.mark.parametrize(("path", "status"), STAFF_PAGES)
def test_staff_page(
    signed_in_context: Any, live_server: Any, staff_with_mfa: User, resident: User, path: str, status: int
) -> None:
    path = path.format(resident=resident.pk)
    page = open_page(signed_in_context(staff_with_mfa, mfa=True), live_server.url + path, status)
    assert page.url == live_server.url + path, "the member of staff was sent elsewhere"
    check_page(page)


def test_staff_mfa_code_page_during_sign_in(page: Page, live_server: Any, staff_with_mfa: User) -> None:
    page.goto(live_server.url + "/auth/login/")
    page.get_by_label("Email address").fill(staff_with_mfa.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/auth/2fa/authenticate/")
    check_page(page)


def test_staff_mfa_setup_page(signed_in_context: Any, live_server: Any, staff_by_role: dict[Any, User]) -> None:
    staff = next(iter(staff_by_role.values()))
    page = open_page(signed_in_context(staff), live_server.url + "/staff/", 200)
    assert page.url.endswith("/auth/2fa/totp/activate/")
    check_page(page)


def submit_sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()


def assert_error_summary(page: Page) -> None:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("h2")).to_have_text("There is a problem")
    # GOV.UK Frontend focuses the summary on load so screen readers announce it; with JS off it
    # is still focusable because it carries tabindex="-1".
    expect(summary).to_be_focused()
    assert summary.get_attribute("tabindex") == "-1"
    links = summary.locator("a")
    assert links.count() >= 1
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("#"), f"error summary link {href!r} does not point into the page"
        assert page.locator(href).count() == 1, f"error summary link {href} points at nothing"


@pytest.mark.parametrize(
    ("email", "password"),
    [pytest.param("", "", id="empty"), pytest.param("resident@example.org", "not-the-password", id="wrong-password")],
)
def test_sign_in_errors(page: Page, live_server: Any, resident: User, email: str, password: str) -> None:
    page.goto(live_server.url + "/auth/login/")
    submit_sign_in(page, email, password)
    assert_error_summary(page)
    assert resident.email not in page.locator(".govuk-error-summary").inner_text()
    check_page(page)


def test_register_with_mismatched_passwords(page: Page, live_server: Any) -> None:
    page.goto(live_server.url + "/auth/signup/")
    page.get_by_label("Email address").fill("new.person@example.org")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("Password (again)").fill(TEST_PASSWORD + "-typo")
    page.locator("main").get_by_role("button", name="Create account").click()
    assert_error_summary(page)
    check_page(page)
