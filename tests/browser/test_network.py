"""No request leaves 127.0.0.1.

Two layers: Chromium's host-resolver rules make every other host name fail to resolve, and
the `new_context` fixture records every request of every test and fails the test if one was
not for the live server. These tests show that both layers are in place and do catch things,
as does the same guard for page assets that fail to load and uncaught script errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.conftest import BrowserTraffic
from tests.conftest import TEST_PASSWORD
from townhall.accounts.models import User


def test_a_signed_in_journey_only_talks_to_the_live_server(
    page: Page, live_server: Any, browser_traffic: BrowserTraffic, staff_with_mfa: User
) -> None:
    for path in ["/", "/help", "/auth/signup/", "/no-such-page/", "/auth/login/"]:
        page.goto(path)
    support.sign_in(page, staff_with_mfa.email, TEST_PASSWORD)
    support.field(page, "code").fill(support.totp_now())
    support.submit(page)
    for path in ["/staff/", "/staff/residents/", "/staff/audit/", "/account/"]:
        page.goto(path)

    origin = live_server.url
    assert urlsplit(origin).hostname == "127.0.0.1"
    # The pages did load their assets (so there was something to check) ...
    kinds = {urlsplit(url).path.rsplit(".", 1)[-1] for url in browser_traffic.requests}
    assert {"css", "js"} <= kinds, f"no stylesheet or script was requested: {browser_traffic.requests}"
    # ... and every request went to the live server.
    off_site = [url for url in browser_traffic.requests if not url.startswith(origin + "/")]
    assert off_site == [], f"requests left the live server: {off_site}"


def test_the_guard_notices_an_off_site_request_which_cannot_resolve(
    new_context: Callable[..., BrowserContext], browser_traffic: BrowserTraffic
) -> None:
    page = new_context().new_page()
    page.goto("/")
    with page.expect_event("requestfailed", lambda request: "example.com" in request.url) as attempt:
        page.evaluate("() => { const img = new Image(); img.src = 'https://www.example.com/pixel.png'; }")
    request = attempt.value
    # Chromium could not even look the name up (the host-resolver rules) ...
    assert "NAME_NOT_RESOLVED" in (request.failure or ""), request.failure
    # ... and the guard recorded it, which would fail the test after it ends.
    assert browser_traffic.off_site == ["https://www.example.com/pixel.png"]
    browser_traffic.off_site.clear()  # this test made the request on purpose
    expect(page.locator("h1")).to_be_visible()


def test_the_guard_notices_a_missing_asset_and_a_script_error(
    new_context: Callable[..., BrowserContext], browser_traffic: BrowserTraffic
) -> None:
    page = new_context().new_page()
    page.goto("/")
    with page.expect_response(lambda response: response.url.endswith("/static/no-such-file.css")):
        page.evaluate("() => { fetch('/static/no-such-file.css'); }")
    page.evaluate("() => { setTimeout(() => { throw new Error('deliberate page error'); }, 0); }")
    page.wait_for_timeout(200)

    assert browser_traffic.failed_assets == [f"404 {page.url}static/no-such-file.css"]
    assert any("deliberate page error" in error for error in browser_traffic.page_errors), browser_traffic.page_errors
    browser_traffic.failed_assets.clear()  # both on purpose
    browser_traffic.page_errors.clear()
