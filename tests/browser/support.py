"""Helpers shared by the browser tests: TOTP codes, signed-in browser contexts, page checks."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
from django.conf import settings
from django.core import mail
from django.test import Client
from playwright.sync_api import BrowserContext, Locator, Page, expect

from townhall.accounts import services as account_services
from townhall.accounts.models import User

# A fixed base32 secret (160 bits) so a failing run can be replayed by hand with any authenticator app.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# allauth accepts only the current 30-second window; never type a code in its last seconds.
TOTP_SAFETY_SECONDS = 4


def enrol_totp(user: User, secret: str = TOTP_SECRET) -> None:
    """Enrol an authenticator app the way the product does (the service the demo uses too)."""
    account_services.staff_enrol_totp(user, secret=secret)


def totp_now(secret: str = TOTP_SECRET) -> str:
    """The current code, waiting out the last seconds of a window so the code is still valid when typed."""
    totp = pyotp.TOTP(secret)
    remaining = totp.interval - time.time() % totp.interval
    if remaining < TOTP_SAFETY_SECONDS:
        time.sleep(remaining + 0.1)
    return totp.now()


def signed_in_client(
    user: User, password: str, *, totp_secret: str | None = None, reauthenticate: bool = False
) -> Client:
    """Sign in through allauth's real views (password, then the authenticator code when enrolled)."""
    client = Client()
    response = client.post("/auth/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, f"sign-in failed for {user.email}: {response.status_code}"
    if totp_secret is not None:
        assert response["Location"].startswith("/auth/2fa/authenticate/"), response["Location"]
        response = client.post("/auth/2fa/authenticate/", {"code": totp_now(totp_secret)})
        assert response.status_code == 302, "the authenticator code was refused"
    assert "_auth_user_id" in client.session, f"{user.email} is not signed in"
    if reauthenticate:
        # allauth asks for the password again before MFA set-up; a fresh sign-in does not count.
        response = client.post("/auth/reauthenticate/", {"password": password})
        assert response.status_code == 302, f"re-authentication failed for {user.email}"
    return client


def signed_in_client_by_code(user: User) -> Client:
    """Sign in with a code sent by email (for people without a password)."""
    client = Client()
    response = client.post("/auth/login/code/", {"email": user.email})
    assert response.status_code == 302, f"no sign-in code for {user.email}: {response.status_code}"
    response = client.post("/auth/login/code/confirm/", {"code": emailed_code(user.email)})
    assert response.status_code == 302, "the emailed code was refused"
    assert "_auth_user_id" in client.session, f"{user.email} is not signed in"
    del mail.outbox[:]
    return client


def emailed_code(address: str) -> str:
    """The one-time code in the latest message sent to `address`: a line of capitals and digits, like QHFS-VZHL."""
    messages = [message for message in mail.outbox if address in message.to]
    assert messages, f"no email was sent to {address}"
    body = str(messages[-1].body)
    match = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", body, re.MULTILINE)
    assert match, f"no code in the email to {address}:\n{body}"
    return match.group(1)


def copy_session(client: Client, context: BrowserContext, base_url: str) -> None:
    """Give the browser context the test client's session cookie, so it is signed in as that user."""
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])


def open_page(context: BrowserContext, path: str, expected_status: int = 200) -> Page:
    """A new page at `path` (relative to the live server), asserting the status of the final response."""
    page = context.new_page()
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == expected_status, f"{path} answered {response.status}, not {expected_status}"
    return page


def main_button(page: Page, name: str) -> Locator:
    """A button inside <main> (the header has a Sign out button too)."""
    return page.locator("main").get_by_role("button", name=name, exact=True)


def field(page: Page, name: str) -> Locator:
    """A form field inside <main>, by its name (the wording of labels belongs to the pages)."""
    return page.locator("main").locator(f"[name='{name}']")


def click_and_wait(page: Page, target: Locator) -> None:
    """Click something that loads a new page, and wait for that page.

    Without the wait, the next check could run against the page being left, which may look
    the same (a form with errors submitted again).
    """
    with page.expect_navigation():
        target.click()


def submit(page: Page) -> None:
    """Press the first submit button of the forms in <main> (the header has a Sign out form too)."""
    click_and_wait(page, page.locator("main form button[type=submit]").first)


def sign_in(page: Page, email: str, password: str) -> None:
    """Fill in and submit the sign-in form on the current page."""
    field(page, "login").fill(email)
    field(page, "password").fill(password)
    click_and_wait(page, main_button(page, "Sign in"))


def assert_signed_in(page: Page) -> None:
    """The header shows the signed-in state: a Sign out button and no Sign in link."""
    header = page.locator("header")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header.get_by_role("link", name="Sign in", exact=True)).to_have_count(0)


def assert_error_summary(page: Page, *, focused: bool = True, inline: bool = True) -> None:
    """A GOV.UK error summary whose links each point at a field on the page; the title says "Error:".

    With JavaScript on, GOV.UK Frontend moves focus to the summary so it is read out first.
    `inline=False` for errors about the form as a whole (a wrong password), which have no field.
    """
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("h2")).to_have_text("There is a problem")
    if focused:
        expect(summary).to_be_focused()
    assert page.title().startswith("Error: "), f"title {page.title()!r} does not start with 'Error: '"
    links = summary.locator("a")
    assert links.count() >= 1, "the error summary links to no field"
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("#"), f"error summary link {href!r} does not point into the page"
        assert page.locator(href).count() == 1, f"error summary link {href} points at nothing"
    if inline:
        assert page.locator(".govuk-error-message").count() >= 1, "no inline error message next to a field"


FOCUS_STYLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute('name') || '',
    type: el.getAttribute('type') || '',
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60),
    outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor,
    boxShadow: s.boxShadow, backgroundColor: s.backgroundColor,
  };
}"""


def focused(page: Page) -> dict[str, str] | None:
    """Describe the focused element and its focus styles (None when nothing is focused)."""
    result: dict[str, str] | None = page.evaluate(FOCUS_STYLE_JS)
    return result


def focus_is_visible(style: dict[str, str]) -> bool:
    """A focus indicator is a drawn outline (not none, not zero width, not transparent) or a box shadow."""
    transparent = style["outlineColor"] in {"transparent", "rgba(0, 0, 0, 0)"}
    outline = style["outlineStyle"] != "none" and style["outlineWidth"] not in {"0px", ""} and not transparent
    return outline or style["boxShadow"] not in {"none", ""}


StopMatcher = Callable[[dict[str, str]], bool]


def tab_to(page: Page, matches: StopMatcher, *, max_presses: int = 40, backwards: bool = False) -> list[dict[str, str]]:
    """Press Tab (or Shift+Tab) until `matches(focused)` holds; return every stop on the way.

    Fails if focus is invisible at any stop, so a journey also checks the focus style of
    every control it passes.
    """
    key = "Shift+Tab" if backwards else "Tab"
    stops: list[dict[str, str]] = []
    for _ in range(max_presses):
        page.keyboard.press(key)
        style = focused(page)
        if style is None:
            continue
        stops.append(style)
        assert focus_is_visible(style), f"focus is not visible on {page.url}: {style}"
        if matches(style):
            return stops
    visited = [f"{stop['tag']}#{stop['id']} {stop['text']!r}" for stop in stops]
    raise AssertionError(f"{max_presses} presses of {key} never reached the wanted element on {page.url}: {visited}")


def tab_through_page(page: Page, *, max_presses: int = 80) -> list[dict[str, str]]:
    """Tab from the top of the page to the end, checking every stop shows focus; return the stops."""
    stops: list[dict[str, str]] = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        style = focused(page)
        if style is None or (stops and style == stops[0]):
            return stops  # focus left the page, or came round to the first stop again
        assert focus_is_visible(style), f"focus is not visible on {page.url}: {style}"
        stops.append(style)
    raise AssertionError(f"{max_presses} presses of Tab did not reach the end of {page.url}")
