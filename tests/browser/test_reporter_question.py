"""Asking the reporter a question in a real browser: the officer's form (and its error), the reporter's
tracking page with the question and the MyAccount dashboard pass axe, have the page furniture and reflow."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser import support
from tests.browser.test_backoffice_request import officer, request_in_queue  # noqa: F401 - fixtures
from tests.browser.test_report_journey import check
from tests.service_requests import conftest as service_fixtures
from townhall.accounts.models import User
from townhall.service_requests.models import ServiceRequest

MakeContext = Callable[..., BrowserContext]

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole

QUESTION = "Is the hole on the pavement or the road?"


def test_officer_asks_and_the_reporter_sees_the_question(
    signed_in_context: MakeContext,
    officer: User,  # noqa: F811
    request_in_queue: ServiceRequest,  # noqa: F811
    resident: User,
) -> None:
    ServiceRequest.objects.filter(pk=request_in_queue.pk).update(reporter=resident, awaiting_confirmation=False)
    page = support.open_page(signed_in_context(officer, mfa=True), f"/staff/requests/{request_in_queue.pk}/")
    support.click_and_wait(page, support.main_button(page, "Send question"))
    expect(page.locator("main")).to_contain_text("Enter your question")
    check(page, error=True)

    support.field(page, "question-question").fill(QUESTION)
    support.click_and_wait(page, support.main_button(page, "Send question"))
    expect(page.locator("main")).to_contain_text("Question sent to the reporter")
    check(page)

    reporter = signed_in_context(resident)
    track = support.open_page(reporter, f"/report/{request_in_queue.reference}/")
    expect(track.locator("main")).to_contain_text("We need more information from you")
    expect(track.locator("main")).to_contain_text(QUESTION)
    check(track)
    dashboard = support.open_page(reporter, "/account/")
    expect(dashboard.locator("main")).to_contain_text(f"We asked you a question about {request_in_queue.reference}")
    check(dashboard)
