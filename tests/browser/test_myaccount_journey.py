"""Issue 5, check 1: a new resident's account from sign-up to a download of everything we hold.

In real Chromium: sign up and confirm by emailed code, report a pothole, find it and the
council's acknowledgement on the timeline and in the inbox, change contact preferences,
give and withdraw a consent, and download the data ZIP; every account page on the way
passes axe. The ZIP's full table-by-table comparison with the database is in
tests/myaccount/test_data_export.py; here the downloaded file is checked for this
resident's own records and for the absence of secrets.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser import support
from tests.browser.test_accessibility import check_page
from tests.conftest import TEST_PASSWORD
from tests.service_requests import conftest as service_fixtures
from townhall.accounts.models import User
from townhall.myaccount import selectors
from townhall.myaccount.constants import CONSENT_GP_WELFARE
from townhall.notify.models import Correspondence
from townhall.service_requests.models import Category, ServiceRequest

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole

EMAIL = "martin@example.org"


def sign_up(page: Page) -> User:
    page.goto("/auth/signup/")
    support.field(page, "email").fill(EMAIL)
    support.field(page, "password1").fill(TEST_PASSWORD)
    support.field(page, "password2").fill(TEST_PASSWORD)
    support.submit(page)
    page.wait_for_url("**/auth/confirm-email/")
    support.field(page, "code").fill(support.emailed_code(EMAIL))
    support.submit(page)
    page.wait_for_url(lambda url: "/auth/confirm-email/" not in url)
    support.assert_signed_in(page)
    return User.objects.get(email=EMAIL)


def report_a_pothole(page: Page) -> str:
    page.goto("/report/")
    support.click_and_wait(page, support.main_button(page, "Start now"))
    page.locator("main").get_by_role("radio", name="Pothole").check()
    support.click_and_wait(page, support.main_button(page, "Continue"))
    support.field(page, "postcode").fill("TS40 1AB")
    support.click_and_wait(page, support.main_button(page, "Find addresses"))
    page.locator("main").get_by_role("radio", name=re.compile("12 Station Road")).check()
    support.click_and_wait(page, support.main_button(page, "Continue"))
    page.locator("main").get_by_role("radio", name="4cm or more").check()
    support.click_and_wait(page, support.main_button(page, "Continue"))
    support.field(page, "description").fill("Deep hole by the bus stop")
    support.click_and_wait(page, support.main_button(page, "Continue"))
    support.click_and_wait(page, support.main_button(page, "Continue"))  # no photos
    support.click_and_wait(page, support.main_button(page, "Accept and send"))
    match = re.search(r"/report/(?P<reference>[^/]+)/confirmation/", page.url)
    assert match, page.url
    return match.group("reference")


def go_to(page: Page, link: str) -> None:
    support.click_and_wait(page, page.get_by_role("navigation", name="Your account").get_by_role("link", name=link))
    check_page(page)


def test_resident_signs_up_reports_manages_preferences_and_downloads_their_data(
    page: Page, pothole: Category, tmp_path: Path
) -> None:
    user = sign_up(page)
    reference = report_a_pothole(page)
    acknowledgement = Correspondence.objects.get(recipient=user)

    page.goto("/account/")
    check_page(page)
    expect(page.locator("main")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text("You have 1 unread message")

    go_to(page, "Timeline")
    timeline = page.locator("main")
    expect(timeline).to_contain_text(f"You reported: {pothole.name}")
    expect(timeline).to_contain_text(acknowledgement.subject)

    go_to(page, "Messages")
    support.click_and_wait(page, page.locator("main").get_by_role("link", name=acknowledgement.subject))
    check_page(page)
    expect(page.locator("main")).to_contain_text(reference)
    acknowledgement.refresh_from_db()
    assert acknowledgement.read_at is not None

    go_to(page, "Contact preferences")
    page.get_by_role("radio", name="Text message").check()
    page.get_by_role("checkbox", name="No marketing: only contact me about things I asked for").check()
    page.get_by_role("checkbox", name="Large print").check()
    support.click_and_wait(page, support.main_button(page, "Save preferences"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("preferences have been saved")
    preferences = selectors.preferences_for(user=user)
    assert (preferences.channel, preferences.no_marketing, preferences.large_print) == ("sms", True, True)

    go_to(page, "Consent")
    purpose = page.locator(".govuk-summary-card", has_text="Tell my GP practice")
    support.click_and_wait(page, purpose.get_by_role("button", name=re.compile("I agree")))
    assert selectors.has_consent(user, CONSENT_GP_WELFARE)
    purpose = page.locator(".govuk-summary-card", has_text="Tell my GP practice")
    support.click_and_wait(page, purpose.get_by_role("button", name=re.compile("Withdraw consent")))
    assert not selectors.has_consent(user, CONSENT_GP_WELFARE)
    check_page(page)
    expect(page.locator("main table")).to_contain_text("Withdrew")
    expect(page.locator("main table")).to_contain_text("Version 1")

    go_to(page, "Your data")
    support.click_and_wait(page, support.main_button(page, "Request a download of your data"))
    page.goto("/account/your-data/")  # the download is prepared in the background (at once under test)
    check_page(page)
    with page.expect_download() as download_info:
        page.locator("main").get_by_role("link", name=re.compile("Download")).first.click()
    archive = tmp_path / "my-data.zip"
    download_info.value.save_as(archive)

    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
        data = json.loads(opened.read("data.json"))
        raw = opened.read("data.json").decode()
    assert {"data.json", "summary.html"} <= names
    assert EMAIL in raw
    assert reference in raw
    assert acknowledgement.subject in raw
    assert user.password not in raw, "the password hash must never be exported"
    assert any("password" in item.lower() for item in map(str, data["withheld"]))
    assert ServiceRequest.objects.get(reference=reference).reporter == user
