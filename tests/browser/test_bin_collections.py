"""Bin collection days in a real browser: the lookup with JavaScript off and on (axe), by keyboard, and the .ics.

The borough and rounds are tests/waste/conftest.py's (Friday rounds at 12 Station Road).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from icalendar import Calendar
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.waste import conftest as waste_fixtures
from tests.waste.conftest import UPRN_12, Rounds

MakeContext = Callable[..., BrowserContext]

borough = waste_fixtures.borough
addresses = waste_fixtures.addresses
rounds = waste_fixtures.rounds

JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [pytest.param(False, id="js-off"), pytest.param(True, id="js-on-axe")]
)


@JAVASCRIPT
def test_find_collection_days_by_postcode_and_address(
    signed_in_context: MakeContext, rounds: Rounds, javascript: bool
) -> None:
    page = support.open_page(signed_in_context(None, java_script_enabled=javascript), "/bin-collections/")
    if javascript:
        check_page(page)

    support.submit(page)  # no postcode
    support.assert_error_summary(page, focused=javascript)
    if javascript:
        check_page(page)

    support.field(page, "postcode").fill("ts40 1ab")
    support.submit(page)
    expect(page.locator("h1")).to_have_text("Select your address")
    if javascript:
        check_page(page)
    support.submit(page)  # no address chosen
    support.assert_error_summary(page, focused=javascript)
    if javascript:
        check_page(page)

    page.get_by_label("12 Station Road, Demoton, TS40 1AB").check()
    support.submit(page)
    expect(page.locator("h1")).to_have_text("Your bin collection days")
    main = page.locator("main")
    for heading in ("General waste", "Recycling", "Food waste", "Garden waste"):
        expect(main.get_by_role("heading", name=heading)).to_be_visible()
    expect(main).to_contain_text("(if you subscribe)")
    if javascript:
        check_page(page)


def test_the_journey_by_keyboard_and_the_calendar_download(signed_in_context: MakeContext, rounds: Rounds) -> None:
    page = support.open_page(signed_in_context(None), "/bin-collections/")
    support.field(page, "postcode").focus()
    page.keyboard.type("TS40 1AB")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    support.field(page, "uprn").first.focus()
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/bin-collections/{UPRN_12}/")

    link = page.locator("main").get_by_role("link", name="Download the collection days")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"bin-collections-{UPRN_12}.ics"
    path = download.path()
    calendar = Calendar.from_ical(path.read_bytes())
    assert len(list(calendar.walk("VEVENT"))) > 100


@pytest.mark.parametrize("path", ["/bin-collections/address/?postcode=TS40+1AB", f"/bin-collections/{UPRN_12}/"])
def test_pages_reflow_and_pass_axe(signed_in_context: MakeContext, rounds: Rounds, path: str) -> None:
    page: Page = support.open_page(signed_in_context(None), path)
    check_page(page)
