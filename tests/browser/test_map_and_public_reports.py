"""Maps, the public reports list and area alerts in a real browser.

A resident reports a pothole choosing the place by clicking the map on the location step,
and again with "Use my location"; the map is drawn by the vendored Leaflet with ward
outlines and no tile server, and nothing leaves the live server (the `new_context`
fixture fails the test otherwise). With the keyboard the postcode search comes before the
map, Enter on the map chooses its centre, and Tab leaves it. /reports/ (with its map of
markers) and the alert pages pass axe with nothing serious or critical and reflow at 320
CSS pixels, with JavaScript on and off.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.conftest import BrowserTraffic
from tests.browser.test_accessibility import assert_reflows_at_320_css_pixels, check_page
from tests.browser.test_no_javascript import assert_renders_without_javascript
from tests.service_requests import conftest as service_fixtures
from tests.service_requests.conftest import NORTH_POINT, SOUTH_POINT
from tests.service_requests.test_public_reports import report
from townhall.accounts.models import User
from townhall.service_requests import services
from townhall.service_requests.constants import Status
from townhall.service_requests.models import AreaAlert, Category, ServiceRequest

MakeContext = Callable[..., BrowserContext]

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole

CONFIRMATION = re.compile(r"/report/(?P<reference>[^/]+)/confirmation/(#.*)?$")


def expect_step(page: Page, step: str) -> None:
    expect(page).to_have_url(re.compile(rf"/report/draft/[^/]+/{step}/(#.*)?$"))


def start_a_pothole_report(page: Page) -> None:
    page.goto("/report/")
    support.click_and_wait(page, support.main_button(page, "Start now"))
    page.locator("main").get_by_role("radio", name="Pothole").check()
    support.click_and_wait(page, support.main_button(page, "Continue"))
    expect_step(page, "location")


def wait_for_map(page: Page, selector: str, *, wards: int = 2) -> None:
    """The map is drawn: Leaflet's container, and the ward outlines fetched from /reports/wards.geojson."""
    expect(page.locator(f"{selector}.leaflet-container")).to_be_visible()
    expect(page.locator(f"{selector} path")).to_have_count(wards)


def map_point(page: Page, lat: float, lng: float) -> dict[str, float]:
    """Where a WGS84 point is drawn inside #report-map, in pixels from its top left corner.

    Leaflet re-centres the map an animation frame after the window is resized (the 320px
    reflow check does that), so the point is read only once Leaflet's idea of its size
    matches the element's: read earlier, the map can move between reading and clicking.
    """
    point = page.wait_for_function(
        """([lat, lng]) => {
            const element = document.getElementById('report-map');
            const map = element.townhallMap;
            const size = map.getSize();
            if (size.x !== element.clientWidth || size.y !== element.clientHeight) {
                return null;
            }
            const p = map.latLngToContainerPoint([lat, lng]);
            return {x: p.x, y: p.y};
        }""",
        arg=[lat, lng],
        polling=50,
    )
    value: dict[str, float] = point.json_value()
    return value


def finish_report(page: Page) -> str:
    """From the step after the location to the confirmation page; returns the reference."""
    for _ in range(8):
        main = page.locator("main")
        if re.search(r"/questions/(#.*)?$", page.url):
            main.get_by_role("radio", name="4cm or more").check()
        elif re.search(r"/description/(#.*)?$", page.url):
            support.field(page, "description").fill("Deep hole by the bus stop")
        elif re.search(r"/check/(#.*)?$", page.url):
            support.click_and_wait(page, support.main_button(page, "Accept and send"))
            match = CONFIRMATION.search(page.url)
            assert match, f"sending the report led to {page.url}"
            return match.group("reference")
        # Any other step (photos, "is it one of these?") is passed without adding anything.
        for name in ("Continue", "No \N{EM DASH} report a new problem"):
            button = support.main_button(page, name)
            if button.count():
                support.click_and_wait(page, button)
                break
        else:
            raise AssertionError(f"no way on from {page.url}")
    raise AssertionError(f"the journey did not reach the confirmation page: {page.url}")


def test_resident_reports_a_pothole_by_clicking_the_map(
    signed_in_context: MakeContext, pothole: Category, resident: User, browser_traffic: BrowserTraffic
) -> None:
    page = signed_in_context(resident).new_page()
    start_a_pothole_report(page)
    wait_for_map(page, "#report-map")
    check_page(page)
    leaflet = [url for url in browser_traffic.requests if url.endswith("/static/vendor/leaflet/leaflet.js")]
    assert leaflet, "Leaflet did not come from the vendored static files"

    page.locator("#report-map").click(position=map_point(page, *NORTH_POINT))
    expect(page.locator("#report-map-status")).to_contain_text("Location chosen on the map")
    expect(page.locator("#report-map .townhall-map-marker--chosen")).to_have_count(1)
    support.click_and_wait(page, support.main_button(page, "Use this location"))
    assert "/location/" not in page.url, page.url

    reference = finish_report(page)
    created = ServiceRequest.objects.get()
    assert created.reference == reference
    assert (created.ward.name, created.uprn) == ("Northfield", None)
    assert created.street is not None
    assert created.street.name == "Station Road"
    assert created.address_string == "Near Station Road, Northfield"
    assert abs(created.lat - NORTH_POINT[0]) < 0.001
    assert abs(created.lng - NORTH_POINT[1]) < 0.001


def test_a_point_outside_the_borough_is_refused_with_an_error_summary(
    signed_in_context: MakeContext, pothole: Category, resident: User
) -> None:
    page = signed_in_context(resident).new_page()
    start_a_pothole_report(page)
    wait_for_map(page, "#report-map")
    page.locator("#report-map").click(position={"x": 3, "y": 3})  # the corner, outside both wards
    support.click_and_wait(page, support.main_button(page, "Use this location"))
    expect_step(page, "location/point")
    wait_for_map(page, "#report-map")
    support.assert_error_summary(page, inline=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("outside the area")
    check_page(page)


def test_use_my_location_fills_in_the_point(signed_in_context: MakeContext, pothole: Category, resident: User) -> None:
    lat, lng = SOUTH_POINT
    context = signed_in_context(resident, geolocation={"latitude": lat, "longitude": lng}, permissions=["geolocation"])
    page = context.new_page()
    start_a_pothole_report(page)
    wait_for_map(page, "#report-map")
    support.main_button(page, "Use my location").click()
    expect(page.locator("#report-map-status")).to_contain_text("Your location is chosen")
    support.click_and_wait(page, support.main_button(page, "Use this location"))
    finish_report(page)
    assert ServiceRequest.objects.get().ward.name == "Southfield"


def test_keyboard_reaches_the_postcode_before_the_map_and_is_not_trapped_by_it(
    signed_in_context: MakeContext, pothole: Category, resident: User
) -> None:
    page = signed_in_context(resident).new_page()
    start_a_pothole_report(page)
    wait_for_map(page, "#report-map")
    page.locator("#main-content").focus()
    stops = support.tab_to(page, lambda stop: stop["id"] == "report-map")
    names = [stop["name"] for stop in stops]
    assert "postcode" in names, f"the postcode search is not before the map: {stops}"
    page.keyboard.press("Enter")  # choose the centre of the map
    expect(page.locator("#report-map-status")).to_contain_text("The centre of the map is chosen")
    support.tab_to(page, lambda stop: stop["tag"] == "button" and stop["text"] == "Use this location", max_presses=6)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/location/" not in page.url, page.url


def test_location_step_without_javascript_is_the_postcode_form(
    signed_in_context: MakeContext, pothole: Category
) -> None:
    page = signed_in_context(None, java_script_enabled=False).new_page()
    start_a_pothole_report(page)
    assert_renders_without_javascript(page)
    expect(page.locator("#report-map")).to_have_count(0)
    expect(support.main_button(page, "Use this location")).to_have_count(0)
    expect(support.main_button(page, "Find addresses")).to_be_visible()
    assert_reflows_at_320_css_pixels(page)


# --- /reports/ --------------------------------------------------------------------------------


@pytest.fixture
def some_reports(pothole: Category) -> list[ServiceRequest]:
    return [
        report(pothole, NORTH_POINT),
        report(pothole, SOUTH_POINT, status=Status.FIXED),
        report(pothole, NORTH_POINT, status=Status.NO_FURTHER_ACTION),
    ]


def test_public_reports_with_the_map(signed_in_context: MakeContext, some_reports: list[ServiceRequest]) -> None:
    page = support.open_page(signed_in_context(None), "/reports/")
    wait_for_map(page, "#reports-map")
    markers = page.locator("#reports-map .townhall-map-marker")
    expect(markers).to_have_count(3)
    check_page(page)
    # A marker is a button for the keyboard too; Enter opens its popup, which links to the report.
    markers.first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup a.govuk-link")).to_have_attribute("href", re.compile(r"^/report/[^/]+/$"))
    assert_no_private_text(page)

    page.locator("main").get_by_label("Status").select_option("fixed")
    support.click_and_wait(page, page.locator("main").get_by_role("button", name="Apply filters"))
    expect(page.locator("#report-list li")).to_have_count(1)
    expect(page.locator("#reports-map .townhall-map-marker")).to_have_count(1)
    check_page(page)


def test_public_reports_without_javascript(signed_in_context: MakeContext, some_reports: list[ServiceRequest]) -> None:
    page = support.open_page(signed_in_context(None, java_script_enabled=False), "/reports/?ward=E05099901")
    assert_renders_without_javascript(page)
    expect(page.locator("#reports-map")).to_be_hidden()
    expect(page.locator("#report-list li")).to_have_count(2)
    assert_reflows_at_320_css_pixels(page)
    assert_no_private_text(page)


def assert_no_private_text(page: Page) -> None:
    text = page.content()
    for secret in ("Secret Reporter", "secret.reporter@example.org", "Private description", "Internal note"):
        assert secret not in text


# --- alerts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")])
def test_alert_sign_up_confirm_and_unsubscribe_pages(
    signed_in_context: MakeContext, borough: service_fixtures.Borough, javascript: bool
) -> None:
    page = support.open_page(signed_in_context(None, java_script_enabled=javascript), "/reports/alerts/")

    def checked() -> None:
        if javascript:
            check_page(page)
        else:
            assert_renders_without_javascript(page)
            assert_reflows_at_320_css_pixels(page)

    checked()
    support.click_and_wait(page, support.main_button(page, "Send me a confirmation email"))
    support.assert_error_summary(page, focused=javascript)
    checked()

    support.field(page, "email").fill("watcher@example.org")
    page.locator("main").get_by_role("radio", name="Near a postcode").check()
    support.field(page, "postcode").fill("TS40 1AB")
    page.locator("main").get_by_role("radio", name="500 metres").check()
    support.click_and_wait(page, support.main_button(page, "Send me a confirmation email"))
    expect(page.locator("h1")).to_have_text("Check your email")
    checked()

    alert = AreaAlert.objects.get()
    assert alert.label == "New reports within 500 m of TS40 1AB"
    page.goto(f"/reports/alerts/confirm/{services.area_alert_confirm_token(alert)}/")
    checked()
    support.click_and_wait(page, support.main_button(page, "Start my alert"))
    expect(page.locator("h1")).to_have_text("Your email alert has started")
    checked()

    page.goto(f"/reports/alerts/unsubscribe/{services.area_alert_unsubscribe_token(alert)}/")
    checked()
    support.click_and_wait(page, support.main_button(page, "Stop this alert"))
    expect(page.locator("h1")).to_have_text("Your email alert has stopped")
    checked()
    alert.refresh_from_db()
    assert alert.confirmed_at is not None
    assert alert.unsubscribed_at is not None
