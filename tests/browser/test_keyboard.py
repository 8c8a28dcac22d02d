"""Signing in with the keyboard alone: Tab, typing and Enter, with a visible focus at every stop."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser import support
from tests.conftest import TEST_PASSWORD
from townhall.accounts.models import User


def is_skip_link(stop: dict[str, str]) -> bool:
    return stop["tag"] == "a" and "skip to main content" in stop["text"].lower()


def field_named(name: str) -> support.StopMatcher:
    return lambda stop: stop["name"] == name


def skip_to_main_content(page: Page) -> None:
    """The first Tab stop of a fresh page is the skip link; Enter moves focus into <main>."""
    stops = support.tab_to(page, is_skip_link, max_presses=1)
    assert len(stops) == 1
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()


def tab_to_next(page: Page, name: str) -> None:
    """The very next Tab stop is the field called `name` (nothing in between)."""
    support.tab_to(page, field_named(name), max_presses=1)


def press_enter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_every_stop_on_the_sign_in_page_shows_focus(page: Page) -> None:
    page.goto("/auth/login/")
    stops = support.tab_through_page(page)
    names = {stop["name"] for stop in stops}
    assert {"login", "password"} <= names, f"Tab never reached the sign-in fields: {stops}"
    texts = [stop["text"] for stop in stops]
    assert "Sign in" in texts, f"Tab never reached the Sign in button: {texts}"


def test_resident_signs_in_with_the_keyboard(page: Page, resident: User) -> None:
    page.goto("/auth/login/")
    skip_to_main_content(page)
    tab_to_next(page, "login")
    page.keyboard.type(resident.email)
    tab_to_next(page, "password")
    page.keyboard.type(TEST_PASSWORD)
    press_enter_and_wait(page)

    assert page.url.endswith("/"), f"signed in, the resident landed on {page.url}"
    support.assert_signed_in(page)
    # GOV.UK Frontend focuses the "You are signed in" banner, so it is read out; Tab goes on from there.
    expect(page.locator(".govuk-notification-banner--success")).to_be_focused()
    # The home page offers "Report a problem" first, then reports near you, bin days, consultations
    # and news, then the account link.
    stops = support.tab_to(page, lambda stop: stop["text"] == "Go to your account", max_presses=6)
    assert [stop["text"] for stop in stops] == [
        "Report a problem",
        "see problems already reported near you",
        "Find your bin collection days",
        "Tell us what you think about the council\u2019s plans",
        "local events, changes to council services and news for your ",  # support keeps 60 characters
        "Go to your account",
    ]
    press_enter_and_wait(page)
    expect(page.locator("main h1")).to_have_text("Your account")
    expect(page.locator("main")).to_contain_text(f"Hello {resident.given_name}")


def test_staff_sign_in_with_authenticator_code_by_keyboard(page: Page, staff_with_mfa: User) -> None:
    page.goto("/staff/")
    assert "/auth/login/" in page.url, "the staff area let an anonymous visitor in"
    skip_to_main_content(page)
    tab_to_next(page, "login")
    page.keyboard.type(staff_with_mfa.email)
    tab_to_next(page, "password")
    page.keyboard.type(TEST_PASSWORD)
    press_enter_and_wait(page)

    assert "/auth/2fa/authenticate/" in page.url, f"no authenticator step: {page.url}"
    skip_to_main_content(page)
    tab_to_next(page, "code")
    page.keyboard.type(support.totp_now())
    press_enter_and_wait(page)

    assert page.url.endswith("/staff/"), f"after the code, staff landed on {page.url}"
    expect(page.locator("h1")).to_have_text("Staff area")
    support.assert_signed_in(page)
