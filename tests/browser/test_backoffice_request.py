"""The back-office request page in a real browser, for a case officer signed in with MFA.

The officer changes the priority, adds an internal note, changes the status with a response
template (filled in place with JavaScript, by re-rendering the form without it) and attaches a
document. The page and every error state pass axe (nothing serious or critical), have the page
furniture and reflow at 320 CSS pixels; a status change works with the keyboard alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import support
from tests.browser.test_accessibility import assert_reflows_at_320_css_pixels, check_page
from tests.browser.test_report_journey import check
from tests.conftest import TEST_PASSWORD
from tests.service_requests import conftest as service_fixtures
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.service_requests import services
from townhall.service_requests.constants import Channel, Priority, Status
from townhall.service_requests.models import Category, RequestDocument, RequestUpdate, ServiceRequest

MakeContext = Callable[..., BrowserContext]

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole

TEMPLATE_TEXT = "We have filled the pothole. Thank you for reporting it."


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer(teams: service_fixtures.Teams) -> User:
    """A case officer in Highways North (where Northfield potholes go), with an authenticator app."""
    user = account_services.staff_create(
        email="case.officer@council.example",
        password=TEST_PASSWORD,
        roles=[StaffRole.CASE_OFFICER],
        given_name="Cass",
        family_name="Officer",
    )
    teams.highways_north.members.add(user)
    support.enrol_totp(user)
    return user


@pytest.fixture
def request_in_queue(pothole: Category) -> ServiceRequest:
    lat, lng = service_fixtures.NORTH_POINT
    created = services.service_request_create(
        acting_user=None,
        category=pothole,
        description="A deep hole by the bus stop",
        channel=Channel.WEB,
        lat=lat,
        lng=lng,
        answers={"depth": "deep"},
        contact=services.ReporterContact(name="Ann Example", email="ann@example.org"),
    )
    services.response_template_create(
        acting_user=None,
        details=services.ResponseTemplateDetails(
            title="Pothole filled", text=TEMPLATE_TEXT, category=pothole, status=Status.FIXED
        ),
    )
    return created


def officer_page(signed_in_context: MakeContext, officer: User, request: ServiceRequest, *, javascript: bool) -> Page:
    context = signed_in_context(officer, mfa=True, java_script_enabled=javascript)
    return support.open_page(context, f"/staff/requests/{request.pk}/")


def click(page: Page, name: str) -> None:
    support.click_and_wait(page, support.main_button(page, name))


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")])
def test_officer_works_a_request(
    signed_in_context: MakeContext,
    officer: User,
    request_in_queue: ServiceRequest,
    tmp_path: Path,
    javascript: bool,
) -> None:
    page = officer_page(signed_in_context, officer, request_in_queue, javascript=javascript)
    check(page)

    support.field(page, "priority-priority").select_option(str(Priority.HIGH))
    click(page, "Change priority")
    expect(page.locator("main")).to_contain_text("Priority changed from Normal to High.")

    support.field(page, "update-internal_note").fill("Crew booked for Thursday.")
    click(page, "Add to history")
    expect(page.locator("main")).to_contain_text("Crew booked for Thursday.")

    support.field(page, "status-status").select_option(Status.FIXED)
    support.field(page, "status-template").select_option(label="Pothole filled (Pothole, Fixed)")
    if javascript:  # htmx swaps the form in place: same page, text filled in
        url = page.url
        support.main_button(page, "Use template").click()
        expect(support.field(page, "status-public_message")).to_have_value(TEMPLATE_TEXT)
        assert page.url == url
    else:
        click(page, "Use template")
        expect(support.field(page, "status-public_message")).to_have_value(TEMPLATE_TEXT)
        check(page)
    expect(support.field(page, "status-status")).to_have_value(Status.FIXED)
    click(page, "Change status")
    expect(page.locator("main")).to_contain_text(TEMPLATE_TEXT)

    document = tmp_path / "contractor-report.pdf"
    document.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    support.field(page, "document-file").set_input_files(str(document))
    click(page, "Attach document")
    expect(page.locator("#documents ~ table")).to_contain_text("contractor-report.pdf")
    check(page)

    request_in_queue.refresh_from_db()
    assert (request_in_queue.priority, request_in_queue.status) == (Priority.HIGH, Status.FIXED)
    assert RequestUpdate.objects.filter(request=request_in_queue, public_message=TEMPLATE_TEXT).exists()
    assert RequestDocument.objects.get().filename == "contractor-report.pdf"


# Each error state: (button, fields to fill first, JavaScript on). With JavaScript, "Use template"
# swaps only the form (the error shows beside the picker), so its page-level error state is without.
ERROR_STATES = [
    pytest.param("Change priority", {}, True, id="priority-unchanged"),
    pytest.param("Add to history", {}, True, id="empty-note"),
    pytest.param("Change status", {}, True, id="no-status"),
    pytest.param("Use template", {}, False, id="no-template"),
    pytest.param("Mark as duplicate", {"merge-reference": "DB-1999-000001"}, True, id="unknown-duplicate"),
    pytest.param("Close and refer", {"referral-url": "not a web address"}, True, id="referral"),
    pytest.param("Attach document", {}, True, id="no-document"),
]


@pytest.mark.parametrize(("button", "fill", "javascript"), ERROR_STATES)
def test_error_states_are_accessible(
    signed_in_context: MakeContext,
    officer: User,
    request_in_queue: ServiceRequest,
    button: str,
    fill: dict[str, str],
    javascript: bool,
) -> None:
    page = officer_page(signed_in_context, officer, request_in_queue, javascript=javascript)
    for name, value in fill.items():
        support.field(page, name).fill(value)
    click(page, button)
    check(page, error=True)


def test_use_template_without_a_choice_shows_the_error_in_place(
    signed_in_context: MakeContext, officer: User, request_in_queue: ServiceRequest
) -> None:
    page = officer_page(signed_in_context, officer, request_in_queue, javascript=True)
    support.field(page, "status-public_message").fill("Typed by hand")
    support.main_button(page, "Use template").click()
    expect(page.locator("#status-form .govuk-error-message")).to_contain_text("Choose a template")
    expect(support.field(page, "status-public_message")).to_have_value("Typed by hand")
    check_page(page)


def test_document_of_the_wrong_type_is_an_accessible_error(
    signed_in_context: MakeContext, officer: User, request_in_queue: ServiceRequest, tmp_path: Path
) -> None:
    page = officer_page(signed_in_context, officer, request_in_queue, javascript=True)
    program = tmp_path / "invoice.pdf"
    program.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    support.field(page, "document-file").set_input_files(str(program))
    click(page, "Attach document")
    support.assert_error_summary(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("The file must be a PDF")
    check_page(page)
    assert not RequestDocument.objects.exists()


def test_moderation_page_and_its_error_free_save(
    signed_in_context: MakeContext, officer: User, request_in_queue: ServiceRequest
) -> None:
    page = officer_page(signed_in_context, officer, request_in_queue, javascript=True)
    support.click_and_wait(page, page.locator("main").get_by_role("link", name="Moderate the public description"))
    check_page(page)
    support.field(page, "moderation-redacted_description").fill("A hole by a bus stop")
    click(page, "Save public text")
    expect(page.locator("main")).to_contain_text("Public sees (moderated)")


def test_response_template_editor_pages(
    signed_in_context: MakeContext, staff_with_mfa: User, request_in_queue: ServiceRequest
) -> None:
    context = signed_in_context(staff_with_mfa, mfa=True)
    page = support.open_page(context, "/staff/catalogue/templates/")
    check_page(page)
    page = support.open_page(context, "/staff/catalogue/templates/new/")
    check_page(page)
    click(page, "Save template")
    support.assert_error_summary(page)
    check_page(page)


def test_status_change_with_the_keyboard_only(
    signed_in_context: MakeContext, officer: User, request_in_queue: ServiceRequest
) -> None:
    page = officer_page(signed_in_context, officer, request_in_queue, javascript=True)
    support.tab_to(page, lambda stop: stop["name"] == "status-status", max_presses=120)
    page.keyboard.press("ArrowDown")  # the first status after "Choose a status"
    chosen = support.field(page, "status-status").input_value()
    assert chosen, "the keyboard did not choose a status"
    support.tab_to(page, lambda stop: stop["name"] == "status-public_message")
    page.keyboard.type("We are looking into it.")
    support.tab_to(page, lambda stop: stop["tag"] == "button" and stop["text"] == "Change status")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("We are looking into it.")
    request_in_queue.refresh_from_db()
    assert request_in_queue.status == chosen
    assert_reflows_at_320_css_pixels(page)
