"""The back-office queue's extras and the assisted-digital screen in a real browser.

The queue with filters applied, with saved filters and after a refused bulk change, the
saved filter page and the queue map each pass axe (nothing serious or critical) and
reflow at 320 CSS pixels; the map draws a marker per request from the vendored Leaflet
without leaving the server. An adviser records a report for a caller on every step of
/staff/requests/new/ (each page checked, errors included), and again with the keyboard only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.browser.test_report_journey import Action, check, fill_by_keyboard
from tests.conftest import TEST_PASSWORD
from tests.service_requests import conftest as service_fixtures
from tests.service_requests.test_backoffice_queue import report
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Status
from townhall.service_requests.models import Category, ServiceRequest

MakeContext = Callable[..., BrowserContext]

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole
QUEUE = "/staff/requests/"
JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [pytest.param(False, id="js-off"), pytest.param(True, id="js-on-axe")]
)


@pytest.fixture
def adviser(teams: service_fixtures.Teams) -> User:
    user = account_services.staff_create(
        email="adviser@council.example",
        password=TEST_PASSWORD,
        roles=[StaffRole.CUSTOMER_SERVICE_ADVISER],
        given_name="Adi",
        family_name="Adviser",
    )
    teams.highways_north.members.add(user)
    support.enrol_totp(user)
    return user


@pytest.fixture
def requests_in_queue(pothole: Category) -> list[ServiceRequest]:
    """Two open requests in Northfield, one in Southfield, and a fixed one."""
    made = [report(pothole), report(pothole), report(pothole, north=False), report(pothole)]
    services.service_request_status_change(acting_user=None, service_request=made[3], to=Status.FIXED)
    return made


def staff_page(signed_in_context: MakeContext, user: User, *, javascript: bool = True) -> Page:
    return signed_in_context(user, mfa=True, java_script_enabled=javascript).new_page()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(QUEUE + "?status=open_all&sort=sla_due", id="queue-filtered"),
        pytest.param(QUEUE, id="queue-with-saved-filters"),
        pytest.param(QUEUE + "map/?status=open_all", id="map"),
        pytest.param(QUEUE + "filters/{saved}/", id="saved-filter"),
    ],
)
def test_queue_pages_pass_axe_and_reflow(
    signed_in_context: MakeContext, staff_with_mfa: User, requests_in_queue: list[ServiceRequest], path: str
) -> None:
    saved = services.saved_filter_create(acting_user=staff_with_mfa, name="Open by due date", query="status=open_all")
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), path.format(saved=saved.pk))
    if "filters" not in path and "map" not in path:
        expect(page.locator("main").get_by_role("link", name="Open by due date", exact=True)).to_be_visible()
    check_page(page)


@JAVASCRIPT
def test_save_a_filter_then_use_it(
    signed_in_context: MakeContext, staff_with_mfa: User, requests_in_queue: list[ServiceRequest], javascript: bool
) -> None:
    page = staff_page(signed_in_context, staff_with_mfa, javascript=javascript)
    page.goto(QUEUE)
    support.field(page, "status").select_option("closed_all")
    support.click_and_wait(page, support.main_button(page, "Apply filters"))
    page.locator("main").get_by_text("Save this filter").click()
    support.click_and_wait(page, support.main_button(page, "Save filter"))  # no name
    check(page, error=True)
    support.field(page, "saved-name").fill("Closed ones")
    support.click_and_wait(page, support.main_button(page, "Save filter"))
    page.goto(QUEUE)
    support.click_and_wait(page, page.locator("main").get_by_role("link", name="Closed ones", exact=True))
    expect(page.locator("main table")).to_contain_text(requests_in_queue[3].reference)
    expect(page.locator("main table")).not_to_contain_text(requests_in_queue[0].reference)


@JAVASCRIPT
def test_refused_bulk_change_names_the_request_and_changes_nothing(
    signed_in_context: MakeContext, staff_with_mfa: User, requests_in_queue: list[ServiceRequest], javascript: bool
) -> None:
    open_one, fixed = requests_in_queue[0], requests_in_queue[3]
    page = staff_page(signed_in_context, staff_with_mfa, javascript=javascript)
    page.goto(QUEUE)
    main = page.locator("main")
    # The queue opens on open work; the fixed request is one filter choice away.
    expect(support.field(page, "status")).to_have_value("open_all")
    expect(main.get_by_role("checkbox", name=f"Select {fixed.reference}")).to_have_count(0)
    page.goto(QUEUE + "?status=")  # "Any status"
    expect(support.field(page, "status")).to_have_value("")
    main.get_by_role("checkbox", name=f"Select {open_one.reference}").check()
    main.get_by_role("checkbox", name=f"Select {fixed.reference}").check()
    support.field(page, "bulk-status").select_option(Status.IN_PROGRESS)
    support.click_and_wait(page, support.main_button(page, "Change status of selected requests"))
    check(page, error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(f"{fixed.reference}: A request that is fixed cannot be moved to in progress")
    expect(summary).not_to_contain_text(f"{open_one.reference}:")
    expect(main.get_by_role("checkbox", name=f"Select {open_one.reference}")).to_be_checked()
    open_one.refresh_from_db()
    assert open_one.status == Status.OPEN

    main.get_by_role("checkbox", name=f"Select {fixed.reference}").uncheck()
    support.click_and_wait(page, support.main_button(page, "Change status of selected requests"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 request moved to in progress")
    open_one.refresh_from_db()
    assert open_one.status == Status.IN_PROGRESS


def test_map_draws_a_marker_per_request_and_the_ward_outlines(
    signed_in_context: MakeContext, staff_with_mfa: User, requests_in_queue: list[ServiceRequest]
) -> None:
    page = support.open_page(signed_in_context(staff_with_mfa, mfa=True), QUEUE + "map/?status=open_all")
    expect(page.locator("[data-map] .leaflet-marker-icon")).to_have_count(3)
    expect(page.locator("[data-map] path.leaflet-interactive, [data-map] path")).not_to_have_count(0)
    expect(page.locator("main table tbody tr")).to_have_count(3)
    marker = page.locator(f"[data-map] .leaflet-marker-icon[title^='{requests_in_queue[0].reference}']")
    marker.click()
    expect(page.locator(".leaflet-popup-content a")).to_have_attribute("href", f"{QUEUE}{requests_in_queue[0].pk}/")
    support.click_and_wait(page, page.locator("main").get_by_role("link", name="Show these requests as a list"))
    assert page.url.endswith(f"{QUEUE}?status=open_all"), page.url


def test_map_without_javascript_is_the_table(
    signed_in_context: MakeContext, staff_with_mfa: User, requests_in_queue: list[ServiceRequest]
) -> None:
    page = staff_page(signed_in_context, staff_with_mfa, javascript=False)
    page.goto(QUEUE + "map/")
    expect(page.locator("[data-map]")).to_be_hidden()
    expect(page.locator("main table tbody tr")).to_have_count(3)  # open work by default
    page.goto(QUEUE + "map/?status=")
    expect(page.locator("main table tbody tr")).to_have_count(4)
    check(page)


# --- assisted digital --------------------------------------------------------------------------


def expect_step(page: Page, step: str) -> None:
    expect(page).to_have_url(re.compile(rf"/staff/requests/new/{step}/\d+/(\?.*)?(#.*)?$"))


@JAVASCRIPT
def test_adviser_records_a_report_checking_every_step(
    signed_in_context: MakeContext, adviser: User, resident: User, pothole: Category, javascript: bool
) -> None:
    page = staff_page(signed_in_context, adviser, javascript=javascript)
    page.goto("/staff/")
    support.click_and_wait(page, page.locator("main").get_by_role("link", name="Record a report for a caller"))
    check(page)
    support.click_and_wait(page, support.main_button(page, "Continue"))  # no channel
    check(page, error=True)
    page.locator("main").get_by_role("radio", name="Phone").check()
    support.click_and_wait(page, support.main_button(page, "Continue"))

    expect_step(page, "caller")
    check(page)
    support.field(page, "q").fill("r")
    support.click_and_wait(page, support.main_button(page, "Search"))
    check(page, error=True)
    support.field(page, "q").fill("Rita")
    support.click_and_wait(page, support.main_button(page, "Search"))
    check(page)
    support.click_and_wait(page, support.main_button(page, "Continue with this account"))  # nobody chosen
    check(page, error=True)
    page.locator("main").get_by_role("radio", name=re.compile("Rita Resident")).check()
    support.click_and_wait(page, support.main_button(page, "Continue with this account"))

    expect_step(page, "category")
    check(page)
    support.click_and_wait(page, support.main_button(page, "Continue"))
    check(page, error=True)
    page.locator("main").get_by_label("What is the problem?").select_option(label="Pothole")
    support.click_and_wait(page, support.main_button(page, "Continue"))

    expect_step(page, "location")
    check(page)
    support.field(page, "query").fill("ZZ99 9ZZ")
    support.click_and_wait(page, support.main_button(page, "Find addresses"))
    check(page, error=True)
    support.field(page, "query").fill("TS40 1AB")
    support.click_and_wait(page, support.main_button(page, "Find addresses"))

    expect_step(page, "address")
    check(page)
    page.locator("main").get_by_role("radio", name=re.compile("12 Station Road")).check()
    support.click_and_wait(page, support.main_button(page, "Continue"))

    expect_step(page, "details")
    check(page)
    support.click_and_wait(page, support.main_button(page, "Continue"))  # nothing answered
    check(page, error=True)
    page.locator("main").get_by_role("radio", name="4cm or more").check()
    support.field(page, "description").fill("Caller says it is by the bus stop")
    support.click_and_wait(page, support.main_button(page, "Continue"))

    expect_step(page, "check")
    check(page)
    expect(page.locator("main")).to_contain_text("Rita Resident")
    support.click_and_wait(page, support.main_button(page, "Send report"))

    created = ServiceRequest.objects.get()
    check(page)
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text(created.reference)
    expect(page.locator("main")).to_contain_text("Highways North")
    assert (created.channel, created.recorded_by, created.reporter) == (Channel.PHONE, adviser, resident)


@JAVASCRIPT
def test_adviser_records_a_report_with_the_keyboard_only(
    signed_in_context: MakeContext, adviser: User, pothole: Category, javascript: bool
) -> None:
    page = staff_page(signed_in_context, adviser, javascript=javascript)
    page.goto("/staff/requests/new/")
    # Tab reaches the first radio of a group (the others are reached with the arrow keys).
    fill_by_keyboard(page, {"channel=phone": ("space", None)}, "Continue")
    expect_step(page, "caller")
    support.tab_to(page, lambda stop: stop["tag"] == "a" and "contact details instead" in stop["text"], max_presses=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect_step(page, "contact")
    contact: dict[str, Action] = {"name": ("type", "Carl Caller"), "phone": ("type", "01632 960 001")}
    fill_by_keyboard(page, contact, "Continue")
    expect_step(page, "category")
    fill_by_keyboard(page, {"category": ("type", "Pothole")}, "Continue")
    expect_step(page, "location")
    fill_by_keyboard(page, {"query": ("type", "TS40 1AB")}, "Find addresses")
    expect_step(page, "address")
    fill_by_keyboard(page, {"uprn=100000001": ("space", None)}, "Continue")
    expect_step(page, "details")
    details: dict[str, Action] = {"depth=shallow": ("space", None), "description": ("type", "By the bus stop")}
    fill_by_keyboard(page, details, "Continue", max_presses=60)
    expect_step(page, "check")
    fill_by_keyboard(page, {}, "Send report", max_presses=60)
    created = ServiceRequest.objects.get()
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text(created.reference)
    assert created.channel == Channel.PHONE
    assert created.contact_name == "Carl Caller"
    assert created.recorded_by == adviser
